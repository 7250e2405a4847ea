/** How a connector process ended: shared by the Docker runner and every executor. */

export interface ExitInfo {
  /** `null` when the process was killed by a signal or never reported one. */
  exitCode: number | null;
  /** True when the run was stopped through the request's AbortSignal. */
  aborted: boolean;
}
