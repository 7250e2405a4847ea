/** Pulling an image, with progress. */
import type Docker from 'dockerode';
import { AirbyteError } from '../errors';

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
  const layers = new Map<string, { current: number; total: number }>();
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await docker.pull(ref, { abortSignal: options.signal })) as NodeJS.ReadableStream;
  } catch (error) {
    throw pullFailed(ref, (error as Error).message, error);
  }
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      (stream as unknown as { destroy?: () => void }).destroy?.();
      reject(new AirbyteError('ABORTED', { message: `Pulling ${ref} was cancelled.`, context: { image: ref } }));
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    docker.modem.followProgress(
      stream,
      (error: Error | null, events: PullEvent[]) => {
        options.signal?.removeEventListener('abort', onAbort);
        const failed = events?.find((e) => e.error);
        if (error || failed)
          reject(pullFailed(ref, failed?.errorDetail?.message ?? failed?.error ?? error?.message ?? 'unknown error', error));
        else resolve();
      },
      (event: PullEvent) => {
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
      },
    );
  });
}

function pullFailed(ref: string, why: string, cause: unknown): AirbyteError {
  return new AirbyteError('IMAGE_MISSING', {
    message: `Could not pull ${ref}: ${why}`,
    guidance: `Check the image name and tag and your network, then run "docker pull ${ref}" to see the registry's answer.`,
    context: { image: ref },
    cause,
  });
}
