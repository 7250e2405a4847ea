/**
 * One container run: create, attach, start, feed stdin, demultiplex output, wait for the exit
 * code, remove. The container is removed explicitly after its exit code was read (AutoRemove
 * would race with `wait` and lose the code), and on abort it is killed and removed at once.
 */
import type { Duplex, Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import type { ExitInfo } from '../process/exitInfo';
import { connectorOutputStream } from '../process/outputStream';
import { pumpStdin } from '../process/pumpStdin';
import { AirbyteError } from '../errors';
import { demuxStream } from './demuxStream';
import type { SentFiles } from './localDirCopy';
import { copyDirIn, copyDirOut } from './localDirCopy';
import { tarArchive } from './tarArchive';

export interface RunContainerOptions {
  image: string;
  /** Arguments after the image's ENTRYPOINT. */
  cmd: string[];
  labels: Record<string, string>;
  /** Host folders to mount. Given as structured mounts, not `host:container` strings, so Windows drive letters need no escaping. */
  mounts?: Array<{ source: string; target: string; readOnly?: boolean }>;
  /** e.g. `host`; the engine's default network when absent. */
  networkMode?: string;
  /** Overrides the image's USER. */
  user?: string;
  env?: Record<string, string>;
  /** Bytes for stdin; stdin is closed at its end. No stdin is attached when absent. */
  stdin?: AsyncIterable<Uint8Array | string>;
  signal?: AbortSignal;
  /**
   * Files copied into the container before it starts (for engines that cannot see this machine's
   * folders). Parent folders are created 0755, files are 0644, both owned by root.
   */
  copyIn?: { dir: string; files: Array<{ name: string; content: Buffer }> };
  /**
   * A host folder copied into the container before it starts and back after it stops (succeeded,
   * failed or cancelled), for engines that cannot mount this machine's folders. `uid` owns the copy.
   */
  copyDir?: { hostDir: string; containerDir: string; uid: number };
  /** Called once the container is gone (e.g. to delete its temp files). */
  onRemoved?: () => Promise<void>;
}

/** A started container: its output streams and how it ended (the shape of an executor's running connector). */
export interface RunningContainer {
  containerId: string;
  /** Raw bytes of the container's stdout; read it, it applies backpressure. */
  stdout: Readable;
  /** Raw bytes of the container's stderr. */
  stderr: Readable;
  /** Settles after the container exited and was removed. */
  exit: Promise<ExitInfo>;
}

/**
 * Runs one container and hands over its output as it comes. Never leaves the container behind: it is
 * removed after its exit code was read, at once when `signal` aborts, and when starting it fails.
 */
export async function runContainer(docker: Docker, options: RunContainerOptions): Promise<RunningContainer> {
  const withStdin = options.stdin !== undefined;
  const container = await docker.createContainer(createOptions(options));
  const copied = copiedDir(container, options.copyDir);
  const remove = remover(container, copied.back, options.onRemoved);
  let attached: Duplex;
  try {
    // Attach before start, so that not a byte of output is missed. Hijacked (the connection
    // upgraded to a raw stream) even without stdin: otherwise the output arrives as an HTTP
    // response in chunked encoding, which cost a streamed million records about 0.2 s of parsing.
    attached = (await container.attach({
      stream: true,
      stdin: withStdin,
      stdout: true,
      stderr: true,
      hijack: true,
    })) as unknown as Duplex;
  } catch (error) {
    await remove();
    throw error;
  }
  const stdout = connectorOutputStream();
  const stderr = new PassThrough();
  const discard = new AbortController();
  const demuxed = demuxStream(attached as unknown as Readable, stdout, stderr, discard.signal);

  let aborted = false;
  const onAbort = () => {
    aborted = true;
    // Killed before the connection is dropped: dropping it closes the container's stdin, and a
    // destination that read the end of its input before the kill landed would take it for the end
    // of its sync and commit what it holds. Meanwhile its output is read and dropped: the engine
    // does not finish a kill while output is undelivered, and our reader may have stopped reading.
    discard.abort();
    const killed = container.kill().catch(() => undefined);
    void Promise.race([killed, delay(KILL_WAIT_MS)])
      .then(() => attached.destroy())
      .then(() => killed)
      .then(() => remove());
  };
  try {
    if (options.copyIn) await copyIn(container, options.copyIn);
    await copied.in();
    await container.start();
  } catch (error) {
    attached.destroy();
    await remove();
    throw error;
  }
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  if (withStdin && options.stdin) void pumpStdin(options.stdin, attached, options.signal);

  const exit = (async (): Promise<ExitInfo> => {
    const exitCode = await exitCodeOf(container);
    // The attach stream may still hold the last output after the process exited.
    await demuxed;
    // Its write side (stdin) stays open on a hijacked connection: close it, or a write blocked on
    // the dead container's full pipe keeps the socket, and this process, alive forever.
    attached.destroy();
    options.signal?.removeEventListener('abort', onAbort);
    await remove();
    const copyFailure = copied.failure();
    if (copyFailure) throw copyFailure;
    return { exitCode: aborted ? null : exitCode, aborted };
  })();
  return { containerId: container.id, stdout, stderr, exit };
}

/** How long an abort waits for the engine to confirm the kill before it drops the connection anyway. */
const KILL_WAIT_MS = 10_000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

function createOptions(options: RunContainerOptions): Docker.ContainerCreateOptions {
  const withStdin = options.stdin !== undefined;
  return {
    Image: options.image,
    Cmd: options.cmd,
    Labels: options.labels,
    Env: options.env ? Object.entries(options.env).map(([k, v]) => `${k}=${v}`) : undefined,
    User: options.user,
    Tty: false,
    AttachStdin: withStdin,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: withStdin,
    StdinOnce: withStdin,
    HostConfig: {
      Mounts: options.mounts?.map((m) => ({ Type: 'bind' as const, Source: m.source, Target: m.target, ReadOnly: m.readOnly ?? false })),
      NetworkMode: options.networkMode,
      AutoRemove: false,
    },
  };
}

/** Copies `copyDir` in before the start and back before the removal; a failed copy back is kept for `exit` to report. */
function copiedDir(
  container: Docker.Container,
  dir: RunContainerOptions['copyDir'],
): { in: () => Promise<void>; back: () => Promise<void>; failure: () => AirbyteError | undefined } {
  let sent: SentFiles | undefined;
  let failure: AirbyteError | undefined;
  return {
    in: async () => {
      if (dir) sent = await copyDirIn(container, dir.hostDir, dir.containerDir, dir.uid);
    },
    back: async () => {
      if (!dir || !sent) return;
      try {
        await copyDirOut(container, dir.containerDir, dir.hostDir, sent);
      } catch (error) {
        failure = new AirbyteError('FILE_SYSTEM', {
          message: `What the connector wrote in ${dir.containerDir} could not be copied back into ${dir.hostDir}: ${(error as Error).message}`,
          guidance: 'Check that the folder is writable and its disk has space, then run again.',
          context: { localDir: dir.hostDir },
          cause: error,
        });
      }
    },
    failure: () => failure,
  };
}

/** Runs `beforeRemove`, removes the container (once, however often called), then calls `onRemoved`; never rejects. */
function remover(
  container: Docker.Container,
  beforeRemove: () => Promise<void>,
  onRemoved: (() => Promise<void>) | undefined,
): () => Promise<void> {
  let removed: Promise<void> | undefined;
  return () =>
    (removed ??= beforeRemove()
      .catch(() => undefined)
      .then(() => container.remove({ force: true, v: true }))
      .catch((error: { statusCode?: number }) => {
        // 404: already gone; 409: removal already in progress.
        if (error.statusCode !== 404 && error.statusCode !== 409) throw error;
      })
      .catch(() => undefined)
      .then(() => onRemoved?.())
      .catch(() => undefined));
}

async function copyIn(container: Docker.Container, files: NonNullable<RunContainerOptions['copyIn']>): Promise<void> {
  const dir = files.dir.replace(/^\/+|\/+$/g, '');
  // Files only, no folder entries: the engine creates missing parents and leaves existing ones alone.
  const archive = await tarArchive(files.files.map((f) => ({ name: `${dir}/${f.name}`, content: f.content })));
  await container.putArchive(archive, { path: '/' });
}

/** The container's exit code once it stopped; null when the engine does not say. */
async function exitCodeOf(container: Docker.Container): Promise<number | null> {
  try {
    const result = (await container.wait()) as { StatusCode?: number };
    return typeof result.StatusCode === 'number' ? result.StatusCode : null;
  } catch {
    return null;
  }
}
