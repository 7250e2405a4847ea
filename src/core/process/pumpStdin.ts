/** Feeding a connector's stdin with backpressure. */
import type { Writable } from 'node:stream';

/** How feeding stdin ended: all of it written (and stdin ended), or cut short and why. */
export type StdinOutcome = { ended: 'complete' } | { ended: 'closed' | 'aborted'; error: Error };

const CUT = Symbol('cut');

/**
 * Writes every chunk of `source` to `target`, waiting for `drain` whenever the target's buffer is
 * full, then ends it. Whatever it waits for (the next chunk, or a full pipe to drain), it stops as
 * soon as the target closes or errors (the connector exited: its exit code and logs tell why) or
 * `signal` aborts; a write blocked on a full pipe is released then, never left waiting. `source`
 * is closed (`return()`) when it was not read to its end.
 */
export async function pumpStdin(source: AsyncIterable<Uint8Array | string>, target: Writable, signal?: AbortSignal): Promise<StdinOutcome> {
  const iterator = source[Symbol.asyncIterator]();
  const cut = cutShort(target, signal);
  // A write to a pipe whose reader is gone raises EPIPE on the stream; never let it go unhandled.
  target.on('error', () => undefined);
  let complete = false;
  try {
    for (;;) {
      const pending = iterator.next();
      // Left pending when the target goes first: its late failure has nobody to tell.
      pending.catch(() => undefined);
      const next = await Promise.race([pending, cut.promise]);
      if (next === CUT) break;
      if (next.done) {
        complete = true;
        break;
      }
      if (!target.write(next.value) && (await Promise.race([drained(target), cut.promise])) === CUT) break;
    }
  } catch (error) {
    // The source failed: the connector gets no more input; its end of stdin tells it so.
    cut.dispose();
    if (!target.destroyed && !target.writableEnded) target.end();
    return { ended: 'closed', error: error as Error };
  }
  cut.dispose();
  if (complete) {
    if (!target.destroyed && !target.writableEnded) target.end();
    return { ended: 'complete' };
  }
  // Not awaited: a source busy producing its next chunk honours the request at its next step.
  void Promise.resolve(iterator.return?.())?.catch(() => undefined);
  return { ended: cut.reason === 'aborted' ? 'aborted' : 'closed', error: cut.error() };
}

/** Settles with CUT once the target closes or errors, or the signal aborts. */
function cutShort(target: Writable, signal?: AbortSignal) {
  let reason: 'closed' | 'aborted' | undefined;
  let failure: Error | undefined;
  let resolve!: (v: typeof CUT) => void;
  const promise = new Promise<typeof CUT>((r) => (resolve = r));
  const onClose = () => {
    reason ??= 'closed';
    resolve(CUT);
  };
  const onError = (error: Error) => {
    failure ??= error;
    onClose();
  };
  const onAbort = () => {
    reason ??= 'aborted';
    resolve(CUT);
  };
  if (target.destroyed || target.writableFinished) onClose();
  if (signal?.aborted) onAbort();
  target.once('close', onClose);
  target.once('error', onError);
  signal?.addEventListener('abort', onAbort, { once: true });
  return {
    promise,
    get reason() {
      return reason;
    },
    error: () =>
      failure ??
      new Error(
        reason === 'aborted'
          ? 'the run was stopped before all input was written'
          : 'the connector closed its input before reading all of it',
      ),
    dispose: () => {
      target.off('close', onClose);
      target.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}

function drained(target: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      target.off('drain', done);
      target.off('close', done);
      resolve();
    };
    target.on('drain', done);
    target.on('close', done);
  });
}
