/** Pulling an image, with progress. */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { AirbyteError } from '../errors';
import { assertImageReference } from './imageReference';

/** Overall progress of a pull (the executors pass it on as their install progress). */
export interface PullProgress {
  /** e.g. "Pulling fs layer", "Downloading". */
  status: string;
  /** 0..1 when known. */
  fraction?: number;
  detail?: string;
}

interface PullEvent {
  id?: string;
  status?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
}

/**
 * Pulls `ref` (registry credentials come from the engine's own login), reporting overall progress
 * as the byte fraction over all layers seen so far.
 */
export async function pullImage(
  docker: Docker,
  ref: string,
  options: { onProgress?: (p: PullProgress) => void; signal?: AbortSignal } = {},
): Promise<void> {
  assertImageReference(ref, 'image');
  const layers = new Map<string, { current: number; total: number }>();
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.pull(ref, { abortSignal: options.signal })) as NodeJS.ReadableStream;
  } catch (error) {
    throw pullFailed(ref, (error as Error).message, error);
  }
  await followPull(stream, ref, options.signal, (event) => {
    if (event.id && event.progressDetail?.total)
      layers.set(event.id, { current: event.progressDetail.current ?? 0, total: event.progressDetail.total });
    let current = 0;
    let total = 0;
    for (const l of layers.values()) {
      current += l.current;
      total += l.total;
    }
    options.onProgress?.({
      status: event.status ?? '',
      fraction: total > 0 ? current / total : undefined,
      detail: event.id ? `${event.id} ${event.progress ?? ''}`.trim() : undefined,
    });
  });
}

/**
 * Reads the pull's JSON lines to their end. Not docker-modem's `followProgress`: it parses lines
 * inside a 'data' listener, so a line that is not JSON (a proxy's error page) threw out of an event
 * handler and crashed the process. Here every failure of the stream rejects the promise.
 */
async function followPull(
  stream: NodeJS.ReadableStream,
  ref: string,
  signal: AbortSignal | undefined,
  onEvent: (event: PullEvent) => void,
): Promise<void> {
  const readable = stream as unknown as Readable;
  const lines = createInterface({ input: readable, crlfDelay: Infinity });
  let streamError: Error | undefined;
  // Listened to for as long as the stream lives: an error after the last line must not go unhandled.
  readable.on('error', (error: Error) => {
    streamError ??= error;
    lines.close();
  });
  const onAbort = () => readable.destroy();
  signal?.addEventListener('abort', onAbort, { once: true });
  let failure: string | undefined;
  try {
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let event: PullEvent;
      try {
        event = JSON.parse(line) as PullEvent;
      } catch {
        failure ??= `the engine sent something that is not a progress event: ${line.slice(0, 200)}`;
        continue;
      }
      if (event.error) failure ??= event.errorDetail?.message ?? event.error;
      onEvent(event);
    }
  } catch (error) {
    streamError ??= error as Error;
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (signal?.aborted) throw new AirbyteError('ABORTED', { message: `Pulling ${ref} was cancelled.`, context: { image: ref } });
  if (streamError) throw pullFailed(ref, streamError.message, streamError);
  if (failure) throw pullFailed(ref, failure, undefined);
}

function pullFailed(ref: string, why: string, cause: unknown): AirbyteError {
  return new AirbyteError('IMAGE_MISSING', {
    message: `Could not pull ${ref}: ${why}`,
    guidance: `Check the image name and tag and your network, then run "docker pull ${ref}" to see the registry's answer.`,
    context: { image: ref },
    cause,
  });
}
