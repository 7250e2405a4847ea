/**
 * Runs connector commands in Docker containers of the connector's image, the way the Airbyte
 * platform does: arguments straight after the image (its ENTRYPOINT is the connector CLI), config,
 * catalog and state as read-only files under `/airbyte/io`, the user's folder at `/local`.
 */
import { randomUUID } from 'node:crypto';
import { chown, stat } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { connectDocker, dockerEndpoint, dockerUnreachable, isUnreachableError } from '../docker/dockerClient';
import { assertImageReference } from '../docker/imageReference';
import { inspectImage } from '../docker/inspectImage';
import type { ImageFacts } from '../docker/inspectImage';
import { managedLabels } from '../docker/labels';
import { pullImage } from '../docker/pullImage';
import { reapOrphans } from '../docker/reapOrphans';
import { runContainer } from '../docker/runContainer';
import { AirbyteError } from '../errors';
import type { ConnectorFiles, FileAccess } from './connectorFiles';
import { makeDirectory } from '../makeDirectory';
import { connectorFileContents, writeConnectorFiles } from './connectorFiles';
import type { ExecuteRequest, Executor, InstallProgress, RunningConnector } from './executor';

/** Where the request's files appear inside the container. */
export const CONTAINER_IO_DIR = '/airbyte/io';
/** Where `localDir` appears inside the container. */
export const CONTAINER_LOCAL_DIR = '/local';

export interface DockerExecutorOptions {
  /** Full image reference, e.g. `airbyte/destination-duckdb:0.4.0`. */
  image: string;
  /** Engine address; DOCKER_HOST or the platform default when absent. */
  dockerHost?: string;
  /** A ready client (tests, a host that shares one). */
  docker?: Docker;
  /** Run on the host network, so `localhost` is this machine (databases on the host). */
  useHostNetwork?: boolean;
  /** Host folder mounted read-write at `/local`; created when missing. */
  localDir?: string;
  /** `localDir` lies outside the workspace (the user allowed it): never chowned, not even when created here. */
  localDirOutsideWorkspace?: boolean;
  env?: Record<string, string>;
  /** Labels every container of this executor; one per executor by default. */
  runId?: string;
  /** Remove orphaned containers of dead processes before the first run. Default true. */
  reapOrphans?: boolean;
  /**
   * How config, catalog and state reach the container: `mount` a private temp folder read-only,
   * or `copy` them into the container before it starts (engines on another machine, reached
   * over tcp or ssh, cannot see this machine's folders). Default `auto`: copy for remote engines.
   */
  fileTransfer?: 'auto' | 'mount' | 'copy';
}

// Reaping is cheap but needs doing only once per engine and process.
const reapedEndpoints = new Set<string>();

export class DockerExecutor implements Executor {
  readonly kind = 'docker' as const;
  readonly displayName: string;
  readonly runId: string;
  private client?: Promise<Docker>;

  constructor(private readonly options: DockerExecutorOptions) {
    // Docker is never asked with a malformed reference (see imageReference.ts for why).
    assertImageReference(options.image, 'image');
    this.displayName = options.image;
    this.runId = options.runId ?? randomUUID();
  }

  /** The connected client; DOCKER_UNREACHABLE (naming the address tried) when no engine answers. */
  async docker(): Promise<Docker> {
    if (this.options.docker) return this.options.docker;
    this.client ??= connectDocker({ dockerHost: this.options.dockerHost });
    try {
      return await this.client;
    } catch (error) {
      this.client = undefined;
      throw error;
    }
  }

  private endpoint(): string {
    return dockerEndpoint({ dockerHost: this.options.dockerHost });
  }

  async ensureReady(
    options: { installIfMissing?: boolean; onProgress?: (p: InstallProgress) => void; signal?: AbortSignal } = {},
  ): Promise<void> {
    const docker = await this.docker();
    if (await this.facts(docker)) return;
    if (!options.installIfMissing) throw this.imageMissing();
    await pullImage(docker, this.options.image, { onProgress: options.onProgress, signal: options.signal });
  }

  async execute(request: ExecuteRequest): Promise<RunningConnector> {
    if (request.signal?.aborted)
      throw new AirbyteError('ABORTED', { message: `${this.displayName} ${request.command} was cancelled before it started.` });
    const docker = await this.docker();
    await this.reapOnce(docker);
    const facts = await this.facts(docker);
    if (!facts) throw this.imageMissing();

    const copy = this.copiesFiles();
    let files: ConnectorFiles | undefined;
    try {
      const local = this.options.localDir ? await this.localMount(facts) : undefined;
      files = copy ? undefined : await writeConnectorFiles(request, CONTAINER_IO_DIR, mountedFileAccess(local?.user ?? facts.user));
      const contents = copy ? connectorFileContents(request, CONTAINER_IO_DIR) : undefined;
      const mounts = files ? [{ source: files.hostDir, target: CONTAINER_IO_DIR, readOnly: true }] : [];
      if (local) mounts.push(local.mount);
      return await runContainer(docker, {
        image: this.options.image,
        cmd: files?.args ?? contents?.args ?? [request.command],
        labels: managedLabels(this.runId, request.command),
        mounts,
        copyIn: contents ? { dir: CONTAINER_IO_DIR, files: contents.files } : undefined,
        networkMode: this.options.useHostNetwork ? 'host' : undefined,
        user: local?.user,
        env: this.options.env,
        stdin: request.stdin,
        signal: request.signal,
        onRemoved: files?.cleanup,
      });
    } catch (error) {
      await files?.cleanup();
      throw this.startFailed(error, request.command);
    }
  }

  /** The `/local` mount and the user to run as (see {@link prepareLocalDir}). */
  private async localMount(facts: ImageFacts): Promise<{ mount: { source: string; target: string; readOnly: boolean }; user?: string }> {
    const localDir = path.resolve(this.options.localDir!);
    const user = await prepareLocalDir(localDir, facts, { mayChownCreated: !this.options.localDirOutsideWorkspace });
    return { mount: { source: localDir, target: CONTAINER_LOCAL_DIR, readOnly: false }, user };
  }

  private startFailed(error: unknown, command: string): Error {
    if (error instanceof AirbyteError) return error;
    if (isUnreachableError(error)) return dockerUnreachable(error, this.endpoint());
    if ((error as { statusCode?: number }).statusCode === 404) return this.imageMissing();
    return new AirbyteError('CONNECTOR_FAILED', {
      message: `Docker could not start ${this.displayName}: ${(error as Error).message}`,
      guidance: 'Check the image and the Docker engine (docker info); the error above comes from the engine.',
      context: { connector: this.displayName, command },
      cause: error,
    });
  }

  /** True when files are copied into containers rather than mounted (see `fileTransfer`). */
  copiesFiles(): boolean {
    const mode = this.options.fileTransfer ?? 'auto';
    if (mode !== 'auto') return mode === 'copy';
    return isRemoteEngine(this.endpoint());
  }

  private async facts(docker: Docker): Promise<ImageFacts | undefined> {
    try {
      return await inspectImage(docker, this.options.image);
    } catch (error) {
      if (isUnreachableError(error)) throw dockerUnreachable(error, this.endpoint());
      throw error;
    }
  }

  private async reapOnce(docker: Docker): Promise<void> {
    if (this.options.reapOrphans === false) return;
    const key = this.options.dockerHost ?? process.env.DOCKER_HOST ?? 'default';
    if (reapedEndpoints.has(key)) return;
    reapedEndpoints.add(key);
    await reapOrphans(docker).catch(() => undefined);
  }

  private imageMissing(): AirbyteError {
    const image = this.options.image;
    return new AirbyteError('IMAGE_MISSING', {
      message: `The connector image ${image} is not on this machine.`,
      guidance: `Get it with "docker pull ${image}" or the command "Airbyte: Pull Connector Image" (or run again with --install / installIfMissing).`,
      context: { image },
    });
  }
}

/** An engine on another machine: tcp to a non-loopback host, or ssh. Unix sockets and named pipes are local. */
export function isRemoteEngine(endpoint: string): boolean {
  if (endpoint.startsWith('unix://') || endpoint.startsWith('npipe://')) return false;
  try {
    const url = new URL(endpoint.includes('//') ? endpoint : `tcp://${endpoint}`);
    if (url.protocol === 'ssh:') return true;
    return !['localhost', '127.0.0.1', '[::1]', '::1', 'host.docker.internal'].includes(url.hostname);
  } catch {
    return false;
  }
}

/** The numeric uid an image runs as; a named user is taken as Airbyte's `airbyte` (1000). */
export function imageUid(user: string): number {
  const name = user.split(':')[0];
  if (name === '' || name === 'root' || name === '0') return 0;
  return /^\d+$/.test(name) ? Number(name) : 1000;
}

/**
 * Who must read the config files a container gets through a mount (see `writeConnectorFiles`): on
 * Linux, a container running as this uid or as root reads 0600 files of this user; for another
 * numeric uid, this process (when root) hands the files to that uid. A named USER (its uid is known
 * only inside the image), a non-root process facing another uid, and Docker Desktop's file sharing
 * get readable files inside the private temp folders instead.
 */
export function mountedFileAccess(user: string): FileAccess {
  if (process.platform !== 'linux' || typeof process.getuid !== 'function') return { shared: true };
  const name = user.split(':')[0];
  if (name === '' || name === 'root' || name === '0') return {};
  if (!/^\d+$/.test(name)) return { shared: true };
  const uid = Number(name);
  const me = process.getuid();
  if (uid === me) return {};
  return me === 0 ? { owner: uid } : { shared: true };
}

/**
 * Makes `dir` writable for the container's user on Linux, where bind mounts keep host ownership
 * (Docker Desktop maps ownership itself), without changing the owner of anything the user made.
 * Returns a user to run the container as, if any.
 * - image runs as root, the folder already belongs to its uid, or is writable by all: nothing to do;
 * - the folder did not exist, this process (root) created it just now, and it may be chowned (it is
 *   inside the workspace): that one empty folder is given to the image's uid, which runs as built;
 * - otherwise the container runs as the folder's owner (this process is root) or as this process's
 *   uid:gid, so it can write the folder and what it writes belongs to whoever owns the folder.
 */
async function prepareLocalDir(dir: string, facts: ImageFacts, options: { mayChownCreated: boolean }): Promise<string | undefined> {
  const existed = await stat(dir).then(
    () => true,
    () => false,
  );
  await makeDirectory(dir);
  if (process.platform !== 'linux' || typeof process.getuid !== 'function') return undefined;
  const uid = imageUid(facts.user);
  if (uid === 0) return undefined;
  const info = await stat(dir);
  if (info.uid === uid || (info.mode & 0o002) !== 0) return undefined;
  const me = process.getuid();
  if (me !== 0) return `${me}:${process.getgid?.() ?? me}`;
  if (!existed && options.mayChownCreated) {
    // Not recursive, and only this folder: it is empty, and this process made it.
    await chown(dir, uid, info.gid);
    return undefined;
  }
  return `${info.uid}:${info.gid}`;
}
