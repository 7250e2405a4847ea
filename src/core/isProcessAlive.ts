/**
 * Whether a process with this pid exists on this machine (signal 0 probes without signalling).
 * A process of another user counts as alive: the probe fails with EPERM, not ESRCH. A pid that is
 * not a number (e.g. parsed from a damaged file name) is not alive.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
