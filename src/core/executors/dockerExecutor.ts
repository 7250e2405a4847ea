/**
 * Runs connector commands in Docker containers of the connector's image, the way the Airbyte
 * platform does: arguments straight after the image (its ENTRYPOINT is the connector CLI), config,
 * catalog and state as read-only files under `/airbyte/io`, the user's folder at `/local`.
 */
import { randomUUID } from 'node:crypto';
import { chown, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import { connectDocker, dockerEndpoint, dockerUnreachable, isUnreachableError } from '../docker/dockerClient';
import { inspectImage } from '../docker/inspectImage';
import type { ImageFacts } from '../docker/inspectImage';
import { managedLabels } from '../docker/labels';
import { pullImage } from '../docker/pullImage';
import { reapOrphans } from '../docker/reapOrphans';
import { runContainer } from '../docker/runContainer';
import { AirbyteError } from '../errors';
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
    const files = copy ? undefined : await writeConnectorFiles(request, CONTAINER_IO_DIR);
    const contents = copy ? connectorFileContents(request, CONTAINER_IO_DIR) : undefined;
    try {
      const mounts = files ? [{ source: files.hostDir, target: CONTAINER_IO_DIR, readOnly: true }] : [];
      let user: string | undefined;
      if (this.options.localDir) {
        const localDir = path.resolve(this.options.localDir);
        user = await prepareLocalDir(localDir, facts);
        mounts.push({ source: localDir, target: CONTAINER_LOCAL_DIR, readOnly: false });
      }
      return await runContainer(docker, {
        image: this.options.image,
        cmd: files?.args ?? contents?.args ?? [request.command],
        labels: managedLabels(this.runId, request.command),
        mounts,
        copyIn: contents ? { dir: CONTAINER_IO_DIR, files: contents.files } : undefined,
        networkMode: this.options.useHostNetwork ? 'host' : undefined,
        user,
        env: this.options.env,
        stdin: request.stdin,
        signal: request.signal,
        onRemoved: files?.cleanup,
      });
    } catch (error) {
      await files?.cleanup();
      if (isUnreachableError(error)) throw dockerUnreachable(error, this.endpoint());
      if ((error as { statusCode?: number }).statusCode === 404) throw this.imageMissing();
      throw new AirbyteError('CONNECTOR_FAILED', {
        message: `Docker could not start ${this.displayName}: ${(error as Error).message}`,
        guidance: 'Check the image and the Docker engine (docker info); the error above comes from the engine.',
        context: { connector: this.displayName, command: request.command },
        cause: error,
      });
    }
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
 * Makes `dir` writable for the container's user on Linux, where bind mounts keep host ownership
 * (Docker Desktop maps ownership itself). Returns a user to run the container as, if any.
 * - image runs as root, or the folder already belongs to its uid: nothing to do;
 * - this process is root: the folder (and what is in it) is given to the image's uid; root keeps
 *   full access, and the connector runs as the user it was built for;
 * - otherwise the container runs as this process's uid:gid, so it can write the user's own folder
 *   and what it writes stays theirs.
 */
async function prepareLocalDir(dir: string, facts: ImageFacts): Promise<string | undefined> {
  await makeDirectory(dir);
  if (process.platform !== 'linux' || typeof process.getuid !== 'function') return undefined;
  const uid = imageUid(facts.user);
  if (uid === 0) return undefined;
  const info = await stat(dir);
  if (info.uid === uid || (info.mode & 0o002) !== 0) return undefined;
  const me = process.getuid();
  if (me === 0) {
    await chownTree(dir, uid);
    return undefined;
  }
  return `${me}:${process.getgid?.() ?? me}`;
}

async function chownTree(dir: string, uid: number): Promise<void> {
  const info = await stat(dir);
  await chown(dir, uid, info.gid);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(p, uid);
    else if (entry.isFile()) await chown(p, uid, (await stat(p)).gid);
  }
}
