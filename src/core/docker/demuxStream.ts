/** Splitting Docker's multiplexed attach stream into stdout and stderr, with backpressure. */
import type { Readable, Writable } from 'node:stream';

const HEADER = 8;

/**
 * Reads frames (`[type, 0, 0, 0, size(4, big endian)]` + payload) from `source` and writes each
 * payload to `stdout` (type 1) or `stderr` (type 2). Unlike docker-modem's `demuxStream` it pauses
 * the source while a target's buffer is full, so a slow reader of stdout slows the container
 * down instead of buffering its whole output in memory. Resolves when the source ends; ends both
 * targets. A stream that is not multiplexed (a TTY) is passed to stdout as is.
 *
 * Once `discardOn` aborts, both targets are ended and the rest of `source` is read and dropped, so
 * that nothing waits on a reader that has stopped reading.
 */
export function demuxStream(source: Readable, stdout: Writable, stderr: Writable, discardOn?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    // Header bytes gathered so far (a header may be cut across chunks); payloads are never copied.
    const header = Buffer.alloc(HEADER);
    let headerFill = 0;
    let frameType = -1;
    let frameLeft = 0;
    let raw = false;
    // Targets whose buffer is full; the source stays paused until each has drained.
    const blocked = new Set<Writable>();

    let discarding = false;
    const write = (target: Writable, data: Buffer) => {
      if (discarding || target.destroyed || target.writableEnded) return;
      if (!target.write(data) && !blocked.has(target)) {
        blocked.add(target);
        source.pause();
        const onDrain = () => {
          target.off('close', onDrain);
          target.off('drain', onDrain);
          blocked.delete(target);
          if (blocked.size === 0) source.resume();
        };
        target.on('drain', onDrain);
        // A destroyed reader never drains: do not keep the source paused for it.
        target.on('close', onDrain);
      }
    };

    const onData = (chunk: Buffer) => {
      if (raw) {
        write(stdout, chunk);
        return;
      }
      let off = 0;
      while (off < chunk.length) {
        if (frameLeft === 0) {
          const n = Math.min(HEADER - headerFill, chunk.length - off);
          chunk.copy(header, headerFill, off, off + n);
          headerFill += n;
          off += n;
          if (headerFill < HEADER) return;
          headerFill = 0;
          const type = header[0];
          if (type > 2 || header[1] !== 0 || header[2] !== 0 || header[3] !== 0) {
            raw = true;
            write(stdout, Buffer.concat([header, chunk.subarray(off)]));
            return;
          }
          frameType = type;
          frameLeft = header.readUInt32BE(4);
          continue;
        }
        // Hand over as much of the frame as this chunk holds, as a view: no copy.
        const n = Math.min(frameLeft, chunk.length - off);
        write(frameType === 2 ? stderr : stdout, chunk.subarray(off, off + n));
        off += n;
        frameLeft -= n;
      }
    };

    const endTargets = () => {
      for (const target of [stdout, stderr]) if (!target.writableEnded) target.end();
    };
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      source.off('data', onData);
      discardOn?.removeEventListener('abort', discard);
      endTargets();
      resolve();
    };
    const discard = () => {
      discarding = true;
      endTargets();
      blocked.clear();
      source.resume();
    };
    if (discardOn?.aborted) discard();
    else discardOn?.addEventListener('abort', discard, { once: true });
    source.on('data', onData);
    source.once('end', finish);
    source.once('close', finish);
    // `on`, not `once`: a second error from the connection must not go unhandled (it would crash the process).
    source.on('error', finish);
  });
}
