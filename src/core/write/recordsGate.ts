/**
 * What holds a write's records back until its destination has passed its `check`: the connectors
 * start beside the check (a container takes about as long to start as a check takes to run), and
 * nothing is taken from the source or sent to the destination before the check has passed. A
 * failed check stops every connector of the run at once (their containers are removed) and is the
 * run's error: nothing was read or sent, as when the check ran before anything started.
 */
import type { PipelineOptions } from './pipelineOptions';
import type { RunContext } from './runContext';

export interface RecordsGate {
  /** The run's options: their signal also stops the run's connectors when the check fails. */
  options: PipelineOptions;
  /** Resolves once records may move; rejects with the check's error. */
  opened: Promise<void>;
  /** The check's error if it has failed by now. */
  refusedNow(): unknown;
  /** The check's error once it has finished (waiting for it), undefined when it passed or was not run. */
  refusal(): Promise<unknown>;
}

/** The gate of a run whose destination is being checked by `check` (undefined: not checked, always open). */
export function recordsGate(check: Promise<void> | undefined, options: PipelineOptions): RecordsGate {
  if (!check) {
    const opened = Promise.resolve();
    return { options, opened, refusedNow: () => undefined, refusal: () => Promise.resolve(undefined) };
  }
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  let refused: { error: unknown } | undefined;
  // Stopped before anyone waiting at the gate hears of it: no connector takes a step after a failed check.
  const opened = check.catch((error: unknown) => {
    refused = { error };
    stop.abort(error);
    throw error;
  });
  opened.catch(() => undefined);
  return {
    options: { ...options, signal },
    opened,
    refusedNow: () => refused?.error,
    refusal: () =>
      opened.then(
        () => undefined,
        (error: unknown) => error,
      ),
  };
}

/**
 * Waits until the run's records may move (see {@link RecordsGate}); returns the check's error when
 * they may not (the run's connectors are being stopped), undefined when they may.
 */
export async function recordsMayMove(ctx: Pick<RunContext, 'recordsGate'>): Promise<unknown> {
  if (!ctx.recordsGate) return undefined;
  try {
    await ctx.recordsGate;
    return undefined;
  } catch (error) {
    return error;
  }
}
