/**
 * Runs connector commands in Docker containers of the connector's image, the way the Airbyte
 * platform does: arguments straight after the image (its ENTRYPOINT is the connector CLI), config,
 * catalog and state as read-only files under `/airbyte/io`, the user's folder at `/local`.
 */
import { randomUUID } from 'node:crypto';
import { chown, stat } from 'node:fs/promises';
import path from 'node:path';
import type Docker from 'dockerode';
import type { ConnectedEngine } from '../docker/dockerClient';
import { connectEndpoint, dockerUnreachable, isUnreachableError } from '../docker/dockerClient';
import type { EngineEndpoint } from '../docker/engineEndpoint';
import { isLocalSocket, resolveEngine } from '../docker/engineEndpoint';
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
  /** Engine address; DOCKER_HOST, the docker context, then the platform default when absent (see engineEndpoint.ts). */
  dockerHost?: string;
  /** Where `dockerHost` came from, for messages: "the airbyte.dockerHost setting", "--docker-host"… */
  dockerHostOrigin?: string;
  /** A ready client (tests, a host that shares one). */
  docker?: Docker;
  /** Run on the host network, so `localhost` is this machine (databases on the host). */
  useHostNetwork?: boolean;
  /** Host folder at `/local` (mounted read-write, or copied in and back for engines elsewhere); created when missing. */
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
   * over tcp or ssh, cannot see this machine's folders). Default `auto`: mount on a unix socket or
   * named pipe, copy otherwise (a tcp port on loopback may still be a tunnel into another machine).
   * `localDir` follows the same choice.
   */
  fileTransfer?: 'auto' | 'mount' | 'copy';
}

// Reaping is cheap but needs doing only once per engine and process.
const reapedEndpoints = new Set<string>();

export class DockerExecutor implements Executor {
  readonly kind = 'docker' as const;
  readonly displayName: string;
  readonly runId: string;
  private client?: Promise<ConnectedEngine>;
  private resolved?: EngineEndpoint;

  constructor(private readonly options: DockerExecutorOptions) {
    // Docker is never asked with a malformed reference (see imageReference.ts for why).
    assertImageReference(options.image, 'image');
    this.displayName = options.image;
    this.runId = options.runId ?? randomUUID();
  }

  /** The connected client; DOCKER_UNREACHABLE (naming the address tried) when no engine answers. */
  async docker(): Promise<Docker> {
    return (await this.engine()).docker;
  }

  private async engine(): Promise<ConnectedEngine> {
    if (this.options.docker) return { docker: this.options.docker, endpoint: this.endpoint(), apiVersion: '', product: 'docker' };
    this.client ??= connectEndpoint(this.endpoint());
    try {
      return await this.client;
    } catch (error) {
      this.client = undefined;
      throw error;
    }
  }

  runsOn(): string {
    return `docker ${this.endpoint().host}`;
  }

  /** The engine this executor runs on, and where its address came from (resolved once: it reads files). */
  endpoint(): EngineEndpoint {
    this.resolved ??= resolveEngine({ dockerHost: this.options.dockerHost, dockerHostOrigin: this.options.dockerHostOrigin });
    return this.resolved;
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
    const { docker, product } = await this.engine();
    if (product === 'podman' && request.stdin) throw this.podmanStdin();
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
      if (local && !copy) mounts.push(local.mount);
      const copyDir =
        local && copy ? { hostDir: local.mount.source, containerDir: CONTAINER_LOCAL_DIR, uid: imageUid(facts.user) } : undefined;
      return await runContainer(docker, {
        image: this.options.image,
        cmd: files?.args ?? contents?.args ?? [request.command],
        labels: managedLabels(this.runId, request.command),
        mounts,
        copyIn: contents ? { dir: CONTAINER_IO_DIR, files: contents.files } : undefined,
        copyDir,
        networkMode: this.options.useHostNetwork ? 'host' : undefined,
        user: copy ? undefined : local?.user,
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

  /** The `/local` mount and the user to run as (see {@link prepareLocalDir}); a copy needs only the folder to exist. */
  private async localMount(facts: ImageFacts): Promise<{ mount: { source: string; target: string; readOnly: boolean }; user?: string }> {
    const localDir = path.resolve(this.options.localDir!);
    if (this.copiesFiles()) {
      await makeDirectory(localDir);
      return { mount: { source: localDir, target: CONTAINER_LOCAL_DIR, readOnly: false } };
    }
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
    return !isLocalSocket(this.endpoint().host);
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
    const key = this.endpoint().host;
    if (reapedEndpoints.has(key)) return;
    reapedEndpoints.add(key);
    await reapOrphans(docker).catch(() => undefined);
  }

  // Seen with Podman 4.3.1's Docker-compatible service: a container attached before its start (as
  // here, so that no output is missed) lost the first record written to its stdin while the
  // destination still confirmed the state after it. Nothing is fed to a container there.
  private podmanStdin(): AirbyteError {
    const engine = this.endpoint();
    return new AirbyteError('CONNECTOR_FAILED', {
      message: `${this.displayName} was not started: ${engine.host} (from ${engine.origin}) is Podman, whose Docker-compatible API lost the first record written to a destination container in our tests. Writes do not run on Podman yet; spec, check, discover and read do.`,
      guidance: 'Run the destination on a Docker engine: its config file\'s "dockerHost", the airbyte.dockerHost setting or --docker-host.',
      context: { engine: engine.host },
    });
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
