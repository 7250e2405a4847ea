/** Running a helper program (an interpreter probe, pip) to its end, with its output as lines. */
import { spawn } from 'node:child_process';

export interface ProgramResult {
  /** The exit code; null when killed by a signal or when the program could not start. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Why the program could not start (ENOENT…), when it could not. */
  spawnError?: Error;
  aborted: boolean;
}

export interface RunProgramOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  /** Each complete output line, as it comes (progress). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Output kept per stream; older text is dropped. Default 1 MB. */
  maxBytes?: number;
  /** Between SIGTERM and SIGKILL when aborted. Default 5 s. */
  killGraceMs?: number;
}

/** Runs `program args…` and resolves when it ended (never rejects: a failure to start is `spawnError`). */
export function runProgram(program: string, args: readonly string[], options: RunProgramOptions = {}): Promise<ProgramResult> {
  const maxBytes = options.maxBytes ?? 1 << 20;
  return new Promise((resolve) => {
    if (options.signal?.aborted) return resolve({ exitCode: null, stdout: '', stderr: '', aborted: true });
    const child = spawn(program, [...args], { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const text = { stdout: '', stderr: '' };
    const partial = { stdout: '', stderr: '' };
    for (const name of ['stdout', 'stderr'] as const) {
      child[name].setEncoding('utf8');
      child[name].on('data', (chunk: string) => {
        text[name] = (text[name] + chunk).slice(-maxBytes);
        if (!options.onLine) return;
        const lines = (partial[name] + chunk).split(/\r?\n/);
        partial[name] = lines.pop() ?? '';
        for (const line of lines) options.onLine(line, name);
      });
    }
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      aborted = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), options.killGraceMs ?? 5000);
      killTimer.unref();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let spawnError: Error | undefined;
    child.once('error', (error) => (spawnError = error));
    child.once('close', (code) => {
      options.signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
      for (const name of ['stdout', 'stderr'] as const) if (partial[name] && options.onLine) options.onLine(partial[name], name);
      resolve({ exitCode: spawnError ? null : code, stdout: text.stdout, stderr: text.stderr, spawnError, aborted });
    });
  });
}
