/** Feeding a connector's stdin with backpressure. */
import type { Writable } from 'node:stream';

/**
 * Writes every chunk of `source` to `target`, waiting for `drain` whenever the target's buffer is
 * full, then ends it. Stops quietly when the target closes or errors first (the connector exited:
 * its exit code and logs tell why) or when `signal` aborts; then `source` is closed too.
 */
export async function pumpStdin(source: AsyncIterable<Uint8Array | string>, target: Writable, signal?: AbortSignal): Promise<void> {
  let closed = false;
  const onClose = () => {
    closed = true;
  };
  target.once('close', onClose);
  target.once('error', onClose);
  // A write to a pipe whose reader is gone raises EPIPE on the stream; never let it go unhandled.
  target.on('error', () => undefined);
  try {
    for await (const chunk of source) {
      if (closed || signal?.aborted || target.destroyed) break;
      if (!target.write(chunk)) await drainOrClose(target);
    }
  } finally {
    target.off('close', onClose);
    if (!closed && !target.destroyed && !target.writableEnded) target.end();
  }
}

function drainOrClose(target: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      target.off('drain', done);
      target.off('close', done);
      target.off('error', done);
      resolve();
    };
    target.on('drain', done);
    target.on('close', done);
    target.on('error', done);
  });
}
