// The one place where VS Code's CancellationToken becomes the core's AbortSignal.
import type * as vscode from 'vscode';

/** An AbortSignal that aborts when `token` is cancelled (or when any of `also` aborts). */
export function abortSignalFrom(
  token: vscode.CancellationToken | undefined,
  ...also: (AbortSignal | undefined)[]
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const subscription = token?.onCancellationRequested(() => controller.abort());
  if (token?.isCancellationRequested) controller.abort();
  const signals = [controller.signal, ...also.filter((s): s is AbortSignal => s !== undefined)];
  return {
    signal: signals.length === 1 ? controller.signal : AbortSignal.any(signals),
    dispose: () => subscription?.dispose(),
  };
}
