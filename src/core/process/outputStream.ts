/** The stream a connector's stdout is handed on through, by the Docker and local executors alike. */
import { PassThrough } from 'node:stream';

// Enough buffered output to keep the connector busy while the reader works on a batch.
const OUTPUT_HIGH_WATER_MARK = 1024 * 1024;
/** Chunks of output (up to 32 KiB each from Docker, 64 KiB from a pipe) waiting for the reader beside those bytes. */
const OUTPUT_CHUNKS = 64;

/**
 * A stream for a connector's stdout, handed on chunk by chunk (object mode on the reading side): a
 * byte-mode reader gets everything buffered joined into one new buffer at each read, a copy of the
 * whole output. Backpressure reaches the writer once about 1 MiB waits.
 */
export function connectorOutputStream(): PassThrough {
  return new PassThrough({ writableHighWaterMark: OUTPUT_HIGH_WATER_MARK, readableObjectMode: true, readableHighWaterMark: OUTPUT_CHUNKS });
}
