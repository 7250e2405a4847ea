// The extension's handle on the core, loaded with `import()` after activation so that sql.js,
// ajv, the registry and dockerode never sit on the activation path. It owns the long-lived core
// objects (registry, language service) and hands out short-lived ones (a store per run).
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type Docker from 'dockerode';
import { listBuiltins } from '../core/builtin/builtinRegistry';
import type { BuiltinConnector } from '../core/builtin/builtinConnector';
import type { Destination, Source } from '../core/connectors/connector';
import { getConnectorFromFile, getDestination, getSource, typeOfConfig } from '../core/connectors/getConnector';
import { loadConfigFile } from '../core/config/configFile';
import { listInstalledVenvs } from '../core/python/venvInstall';
import type { ListedVenv } from '../core/python/venvInstall';
import type { GetConnectorOptions } from '../core/connectors/getConnector';
import { isBuiltinName } from '../core/builtin/builtinRegistry';
import { AirbyteError } from '../core/errors';
import { removeDeadProcessTempDirs } from '../core/executors/tempFolders';
import { parseConfigDocument } from '../core/language/configDocument';
import { streamKey } from '../core/protocol/messages';
import { entryImage } from '../core/registry/entryImage';
import type { ConnectorType } from '../core/registry/registryTypes';
import { connectDocker, connectEngine } from '../core/docker/dockerClient';
import type { ConnectedEngine } from '../core/docker/dockerClient';
import { listLocalImageRefs } from '../core/docker/listImages';
import { getConfigLanguageService } from '../core/language/configLanguageService';
import type { ConfigLanguageService } from '../core/language/configLanguageService';
import { loadRegistry } from '../core/registry/registry';
import type { Registry } from '../core/registry/registry';
import { SpecResolver } from '../core/spec/specResolver';
import type { ConnectorRef, ResolvedSpec, ResolveSpecOptions } from '../core/spec/specTypes';
import { useSqlWasm } from '../core/store/sqlJsLoader';
import { WorkspaceStore } from '../core/store/workspaceStore';
import { ensureStoreIgnored, STORE_GITIGNORE_ENTRY } from '../core/store/gitignore';
import type { CachedReadInfo } from '../core/write/cachedRead';
import { describeCachedRead, isCachedReadRef, listCachedReads, openCachedRead, parseCachedReadRef } from '../core/write/cachedRead';
import type { RunStarted } from '../core/write/runEvents';
import { configLabel } from '../core/write/runParties';
import type { WriteProgress } from '../core/write/progressTracker';
import type { ReadResult, WriteResult } from '../core/write/writeResult';
import type { CacheCleanup, CacheEntry, CacheLimits } from '../core/readResults/cacheCatalog';
import { clearCache, listCacheEntries, pruneCache } from '../core/readResults/cacheCatalog';
import type { ConnectorLogLine } from '../core/connectors/connectorProcess';
import type { WriteStrategy } from '../core/write/writeStrategy';
import type { DestinationSyncMode } from '../core/protocol/messages';
import type { Config } from './config';
import type { OutputChannels } from './outputChannels';

/** A stream a source offers, for the streams pick (and, with its key and cursor, the strategy pick). */
export interface ListedStream {
  name: string;
  description?: string;
  primaryKey?: string[][];
  cursorField?: string[];
}

export interface CoreServicesOptions {
  config: Config;
  channels: OutputChannels;
  /** The extension's install folder (the bundle and `sql-wasm.wasm` are in its `dist/`). */
  extensionPath: string;
  /** Per-user storage (registry cache, spec cache). */
  globalStoragePath: string;
  /** Workspace trust: connectors (containers, local programs) run only in trusted workspaces. */
  isTrusted?: () => boolean;
}

/** What `airbyte.writeToDestination` resolves to: the core's WriteResult. */
export type WriteOutcome = WriteResult;

export interface WriteJob {
  /** A `*.airbyte.jsonc` path, or `cache:<runId>`. */
  source: string;
  destination: string;
  streams?: string[];
  strategy: WriteStrategy;
  fullRefresh: boolean;
  folder: vscode.WorkspaceFolder;
  signal: AbortSignal;
  onProgress(p: WriteProgress): void;
  onLog(connector: string, line: ConnectorLogLine): void;
  /** Each run the write starts (a write through the cache: its read, then its write), as the core recorded it. */
  onRunStarted(run: RunStarted): void;
}

/** A read of a source config into the workspace cache ("Read Source into Cache…"). */
export interface ReadJob {
  source: string;
  streams?: string[];
  folder: vscode.WorkspaceFolder;
  signal: AbortSignal;
  onProgress(p: WriteProgress): void;
  onLog(connector: string, line: ConnectorLogLine): void;
  onRunStarted?(run: RunStarted): void;
}

/** What a config file's text says about its connector, for views that list configs. */
export interface ConfigFacts {
  connector?: string;
  type?: ConnectorType;
  builtin: boolean;
}

export class CoreServices {
  private registryPromise: Promise<Registry> | undefined;
  private imagesPromise: Promise<Set<string>> | undefined;
  private imagesListedAt = 0;
  private specResolver: SpecResolver | undefined;
  private specResolverRegistry: Registry | undefined;
  private languagePromise: Promise<ConfigLanguageService> | undefined;

  constructor(private readonly options: CoreServicesOptions) {
    // The core's stores and the built-in SQLite destination load the engine from the extension's install folder.
    useSqlWasm(this.wasmPath);
    // What killed runs left (connector configs with their secrets) goes when the core loads.
    removeDeadProcessTempDirs();
  }

  get wasmPath(): string {
    return path.join(this.options.extensionPath, 'dist', 'sql-wasm.wasm');
  }

  get cacheDir(): string {
    return this.options.globalStoragePath;
  }

  /** The connector registry (cached; `refresh` asks the server again, still conditionally). */
  registry(refresh = false): Promise<Registry> {
    if (!this.registryPromise || refresh) {
      const started = Date.now();
      const location = this.options.config.registryLocation();
      const promise = loadRegistry({ ...location, cacheDir: path.join(this.cacheDir, 'registry'), refresh });
      this.registryPromise = promise;
      promise.then(
        (r) => {
          this.options.channels.log.info(
            `Registry: ${r.size} connectors from ${r.location || 'file'} (${r.source}) in ${Date.now() - started} ms`,
          );
          if (r.notice) this.options.channels.log.warn(r.notice);
        },
        (error: unknown) => {
          // A failed load is retried on next use rather than cached.
          if (this.registryPromise === promise) this.registryPromise = undefined;
          this.options.channels.log.error(`Registry: ${error instanceof Error ? error.message : String(error)}`);
        },
      );
    }
    return this.registryPromise;
  }

  /** Forget the registry (the setting changed). */
  resetRegistry(): void {
    this.registryPromise = undefined;
  }

  /**
   * The `*.airbyte.jsonc` language service over the current registry; specs of images are read by
   * running `spec` (cached on disk per image), so configs naming an `image` are checked too.
   */
  languageService(): Promise<ConfigLanguageService> {
    this.languagePromise ??= (async () => {
      const specProvider = await this.specs();
      let registry: Registry | undefined;
      try {
        registry = await this.registry();
      } catch {
        registry = undefined;
      }
      // Images come and go (a `docker build` in a terminal): completion looks again after a while.
      return getConfigLanguageService({
        registry,
        specProvider,
        localImages: () => this.localImages(Date.now() - this.imagesListedAt > 10_000),
      });
    })();
    return this.languagePromise;
  }

  /** Rebuilds the language service (the registry changed). */
  async refreshLanguageService(): Promise<void> {
    this.languagePromise = undefined;
    this.specResolver = undefined;
    await this.languageService();
  }

  /** A spec resolver over the current registry (rebuilt when the registry changes). */
  async specs(): Promise<SpecResolver> {
    let registry: Registry | undefined;
    try {
      registry = await this.registry();
    } catch {
      // Built-ins and explicit images still resolve without a registry.
      registry = undefined;
    }
    if (!this.specResolver || this.specResolverRegistry !== registry) {
      this.specResolver = new SpecResolver({
        registry,
        cacheDir: path.join(this.cacheDir, 'specs'),
        runSpec: (image, signal) => this.runSpec(image, signal),
      });
      this.specResolverRegistry = registry;
    }
    return this.specResolver;
  }

  async resolveSpec(ref: ConnectorRef, options?: ResolveSpecOptions): Promise<ResolvedSpec> {
    return (await this.specs()).resolve(ref, options);
  }

  /** The image a connector runs: the config's `image`, else the registry's pinned (or the config's) version. */
  async imageOf(ref: ConnectorRef): Promise<string> {
    if (ref.image) return ref.image;
    if (isBuiltinName(ref.connector))
      throw new AirbyteError('USAGE', {
        message: `${ref.connector} is built in: it runs without Docker and has no image to pull.`,
        context: { connector: ref.connector },
      });
    const entry = (await this.registry()).find(ref.connector);
    if (!entry)
      throw new AirbyteError('CONNECTOR_UNKNOWN', {
        message: `"${ref.connector}" is not in the connector registry.`,
        guidance: 'Set "image" in its config to pull an image by name.',
        context: { connector: ref.connector },
      });
    return entryImage(entry, ref.version);
  }

  /** Throws unless the workspace is trusted: its configs choose which images and programs run. */
  requireTrust(what: string): void {
    if (this.options.isTrusted && !this.options.isTrusted()) {
      throw new AirbyteError('USAGE', {
        message: `${what} needs a trusted workspace: a config here decides which connector images run.`,
        guidance: 'Trust the folder (Workspaces: Manage Workspace Trust) to continue.',
      });
    }
  }

  /** The connector a config text names and its type, by the core's JSONC parse (a commented-out line names nothing). */
  configFacts(text: string): ConfigFacts {
    const { envelope } = parseConfigDocument(text);
    return { connector: envelope.connector, type: typeOfConfig(envelope), builtin: isBuiltinName(envelope.connector ?? '') };
  }

  /** Runs `spec` in an image (for configs that name an image or a version the registry does not describe). */
  private async runSpec(image: string, signal?: AbortSignal) {
    this.requireTrust(`Reading the spec from ${image}`);
    const connector = await getDestination(image, { image, ...this.engineChoice(), signal });
    return connector.spec({ signal, onLog: (l) => this.options.channels.connectorLog(image, l) });
  }

  /** The connector a `*.airbyte.jsonc` names, ready to run (the registry is used when it loads). */
  async connectorFromFile(
    file: string,
    options: GetConnectorOptions & { type?: 'source' | 'destination' } = {},
  ): Promise<Source | Destination> {
    this.requireTrust(`Running ${path.basename(file)}`);
    let registry: Registry | undefined;
    try {
      registry = await this.registry();
    } catch (error) {
      // Built-ins and configs with an `image` run without a registry; others fail below with the reason.
      this.options.channels.log.warn(`Registry unavailable: ${error instanceof Error ? error.message : String(error)}`);
    }
    return getConnectorFromFile(file, {
      registry: registry ?? { find: () => undefined },
      ...this.engineChoice(),
      defaultInstallRoot: this.venvRoot,
      onNotice: (m) => this.options.channels.log.warn(m),
      // A run that installs a venv first (installIfMissing) shows pip's lines in the output channel.
      onInstallProgress: (p) => {
        if (p.phase === 'venv' && p.detail) this.options.channels.log.info(`[pip] ${p.detail}`);
      },
      allowLocalDirOutsideWorkspace: this.options.config.allowLocalDirOutsideWorkspace,
      workspaceFolder: this.options.config.workspaceFolderOf(file),
      ...options,
    });
  }

  /** The engine the setting names (with its origin for messages); none: DOCKER_HOST, the docker context, the default socket. */
  private engineChoice(): { dockerHost?: string; dockerHostOrigin?: string } {
    const dockerHost = this.options.config.dockerHost;
    return dockerHost ? { dockerHost, dockerHostOrigin: this.options.config.dockerHostOrigin } : {};
  }

  /** Where the extension keeps Python connectors' venvs (a config's `installRoot` wins). */
  get venvRoot(): string {
    return path.join(this.options.globalStoragePath, 'venvs');
  }

  /** The complete venvs under the extension's install root, by connector name. */
  async installedVenvs(): Promise<Map<string, ListedVenv[]>> {
    const byName = new Map<string, ListedVenv[]>();
    for (const v of await listInstalledVenvs(this.venvRoot)) byName.set(v.connector, [...(byName.get(v.connector) ?? []), v]);
    return byName;
  }

  /**
   * The connector of a config file, or a registry name, run from a venv (for "Install Connector"):
   * the file's own `python`/`pipUrl` when it has them, else the first `python3` and the registry's package.
   */
  async venvConnector(ref: { file: string } | { name: string; type: ConnectorType }): Promise<Source | Destination> {
    if ('file' in ref) {
      const file = await loadConfigFile(ref.file);
      const python = file.python === undefined && file.pipUrl === undefined ? true : undefined;
      if (file.python === false || file.image)
        throw new AirbyteError('CONFIG_INVALID', {
          message: `${path.basename(ref.file)} runs ${file.connector} ${file.image ? 'from an image' : 'on Docker only ("python": false)'}; there is no venv to install.`,
          guidance: 'Remove "image" (or "python": false) to run it from a Python venv, or pull its image instead.',
          context: { file: ref.file },
        });
      return this.connectorFromFile(ref.file, python ? { python } : {});
    }
    this.requireTrust(`Installing ${ref.name}`);
    const options = { registry: await this.registry(), python: true, defaultInstallRoot: this.venvRoot };
    return ref.type === 'source' ? getSource(ref.name, options) : getDestination(ref.name, options);
  }

  builtins(): readonly BuiltinConnector[] {
    return listBuiltins();
  }

  async docker(): Promise<Docker> {
    this.requireTrust('Using Docker');
    return connectDocker(this.engineChoice());
  }

  /** The Docker engine the extension uses, once it answered (its address, where that came from, its API version). */
  async engine(): Promise<ConnectedEngine> {
    this.requireTrust('Using Docker');
    return connectEngine(this.engineChoice());
  }

  /** `repository:tag` of every local image; empty (and logged once) when Docker is not reachable. */
  localImages(refresh = false): Promise<Set<string>> {
    if (!this.imagesPromise || refresh) {
      this.imagesListedAt = Date.now();
      this.imagesPromise = this.docker()
        .then((docker) => listLocalImageRefs(docker))
        .catch((error: unknown) => {
          this.options.channels.log.info(`Local images unknown: ${error instanceof Error ? error.message : String(error)}`);
          return new Set<string>();
        });
    }
    return this.imagesPromise;
  }

  /** Absolute path of the store of `folder`. */
  storePath(folder: vscode.WorkspaceFolder): string {
    return this.options.config.stateFile(folder);
  }

  /**
   * Opens the workspace store. `lock: false` for reading (trees): the CLI may hold the lock
   * while the extension shows history. Callers close it.
   */
  async openStore(folder: vscode.WorkspaceFolder, lock: boolean): Promise<WorkspaceStore> {
    const storeFolder = path.join(folder.uri.fsPath, '.airbyte');
    const creates = !existsSync(storeFolder) && path.dirname(this.storePath(folder)) === storeFolder;
    const store = await WorkspaceStore.open({
      path: this.storePath(folder),
      wasmPath: this.wasmPath,
      lock,
      purpose: 'VS Code (Airbyte Write extension)',
      onWarning: (w) => this.options.channels.log.warn(w),
    });
    if (creates && this.options.config.gitignoreStore(folder)) await this.ignoreStoreFolder(folder.uri.fsPath);
    return store;
  }

  /** `.airbyte/` holds copies of the user's data: the first time it is made, keep it out of git (a failure is only logged). */
  private async ignoreStoreFolder(folder: string): Promise<void> {
    try {
      if (await ensureStoreIgnored(folder))
        this.options.channels.log.info(
          `Added ${STORE_GITIGNORE_ENTRY} to ${path.join(folder, '.gitignore')}: it holds sync state and cached records (copies of your data). Set airbyte.gitignoreStore to false to stop this.`,
        );
    } catch (error) {
      this.options.channels.log.warn(
        `Could not add ${STORE_GITIGNORE_ENTRY} to .gitignore: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** What people call a write's source or destination before its run names it: its config file's label (`warehouse`), or `cache #12`. */
  refLabel(ref: string): string {
    const runId = cachedReadRunIdOf(ref);
    return runId === undefined ? configLabel(ref) : `cache #${runId}`;
  }

  /** The run id of a `cache:<runId>` source; undefined for a config path; a USAGE error for a malformed `cache:` reference. */
  cachedReadRunId(ref: string): number | undefined {
    return cachedReadRunIdOf(ref);
  }

  /**
   * One write: source config → destination config through the workspace store (holding its lock
   * for the run, so a CLI run on the same store is told it is in use).
   */
  async runWrite(job: WriteJob): Promise<WriteResult> {
    const cachedRunId = cachedReadRunIdOf(job.source);
    const source =
      cachedRunId === undefined
        ? ((await this.connectorFromFile(job.source, { type: 'source', installIfMissing: true, signal: job.signal })) as Source)
        : undefined;
    const destination = (await this.connectorFromFile(job.destination, {
      type: 'destination',
      installIfMissing: true,
      signal: job.signal,
    })) as Destination;
    const store = await this.openStore(job.folder, true);
    try {
      // A cached read replays records already in this store: no source runs.
      return await destination.write(source ?? openCachedRead(store, cachedRunId!), {
        ...this.pipelineOptions(store, job),
        writeStrategy: job.strategy,
        forceFullRefresh: job.fullRefresh,
      });
    } finally {
      await store.close();
    }
  }

  /**
   * The streams a source config offers (its `discover`), or those of a cached read (`cache:<runId>`,
   * looked up in the stores of `folders`), for the streams quick pick.
   */
  async listStreams(source: string, signal: AbortSignal, folders: readonly vscode.WorkspaceFolder[] = []): Promise<ListedStream[]> {
    const cachedRunId = cachedReadRunIdOf(source);
    if (cachedRunId !== undefined) {
      const info = await this.findCachedRead(cachedRunId, folders);
      return info.streams.map((s) => ({ name: s.stream, description: `${s.cachedRecords.toLocaleString('en-US')} records cached` }));
    }
    const connector = await this.connectorFromFile(source, { type: 'source', installIfMissing: true, signal });
    const catalog = await (connector as Source).discover({ signal, onLog: (l) => this.options.channels.connectorLog(connector.name, l) });
    return catalog.streams.map((s) => {
      const modes = s.supported_sync_modes?.includes('incremental') ? 'incremental' : 'full refresh';
      const pk = s.source_defined_primary_key?.length ? `key ${s.source_defined_primary_key.map((p) => p.join('.')).join(', ')}` : 'no key';
      return {
        name: streamKey(s),
        description: `${modes} · ${pk}`,
        primaryKey: s.source_defined_primary_key,
        cursorField: s.default_cursor_field,
      };
    });
  }

  /** The destination sync modes a destination config's connector supports (its spec: known, or read once). */
  async destinationModes(file: string, signal: AbortSignal): Promise<{ name: string; modes?: DestinationSyncMode[] }> {
    const connector = await this.connectorFromFile(file, { type: 'destination', installIfMissing: true, signal });
    const spec = connector.specIfKnown() ?? (await connector.spec({ signal }));
    return { name: connector.name, modes: spec.supported_destination_sync_modes };
  }

  /** Reads into the cache of `folder`'s store that a write can replay (`cache:<runId>`), newest first. */
  async cachedReads(folder: vscode.WorkspaceFolder): Promise<CachedReadInfo[]> {
    // Listing must not create a store (or its folder) in a workspace that never ran anything.
    if (!existsSync(this.storePath(folder))) return [];
    const store = await this.openStore(folder, false);
    try {
      return listCachedReads(store);
    } finally {
      await store.close();
    }
  }

  /**
   * Reads a source config into the cache of `folder`'s store (holding its lock for the run): the
   * ReadResult a write can replay as `cache:<runId>`.
   */
  /** What a read and a write share: the store, the streams, cancellation, the idle timeout and the callbacks. */
  private pipelineOptions(store: WorkspaceStore, job: WriteJob | ReadJob) {
    return {
      store,
      streams: job.streams,
      signal: job.signal,
      idleTimeoutMs: this.options.config.idleTimeoutMs,
      schemaRefreshMinutes: this.options.config.schemaRefreshMinutes,
      onRunStarted: job.onRunStarted,
      onProgress: job.onProgress,
      onLog: job.onLog,
      onNotice: (text: string) => this.options.channels.log.info(text),
    };
  }

  async runRead(job: ReadJob): Promise<ReadResult> {
    const source = (await this.connectorFromFile(job.source, { type: 'source', installIfMissing: true, signal: job.signal })) as Source;
    const store = await this.openStore(job.folder, true);
    try {
      return await source.read(this.pipelineOptions(store, job));
    } finally {
      await store.close();
    }
  }

  /** The record cache of `folder`'s store, per source config; empty when the folder has no store. */
  async cacheEntries(folder: vscode.WorkspaceFolder): Promise<CacheEntry[]> {
    if (!existsSync(this.storePath(folder))) return [];
    const store = await this.openStore(folder, false);
    try {
      return await listCacheEntries(store);
    } finally {
      await store.close();
    }
  }

  /**
   * Prunes `folder`'s cache to `limits`, or clears it (all, or the reads `runIds` / sources `sourceIds`); never what no
   * destination confirmed unless `force`. Takes the store's lock (refused while a run holds it).
   */
  async cleanCache(
    folder: vscode.WorkspaceFolder,
    how: { limits?: CacheLimits; runIds?: number[]; sourceIds?: string[]; force?: boolean },
  ): Promise<CacheCleanup | undefined> {
    if (!existsSync(this.storePath(folder))) return undefined;
    const store = await this.openStore(folder, true);
    try {
      if (how.limits) return await pruneCache(store, how.limits, { force: how.force });
      return await clearCache(store, { force: how.force, runIds: how.runIds, sourceIds: how.sourceIds });
    } finally {
      await store.close();
    }
  }

  /** A cached read by run id in the first of `folders` whose store has it; the core's error otherwise. */
  private async findCachedRead(runId: number, folders: readonly vscode.WorkspaceFolder[]): Promise<CachedReadInfo> {
    let firstError: unknown;
    for (const folder of folders) {
      if (!existsSync(this.storePath(folder))) continue;
      const store = await this.openStore(folder, false);
      try {
        return describeCachedRead(store, runId);
      } catch (error) {
        firstError ??= error;
      } finally {
        await store.close();
      }
    }
    throw (
      firstError ??
      new AirbyteError('USAGE', {
        message: `cache:${runId}: no workspace folder has a run history yet.`,
        guidance: 'Read a source first (airbyte-write read --source <config>).',
        context: { runId },
      })
    );
  }
}

/** The run id of a `cache:<runId>` reference; undefined for a config path; an error for a malformed one. */
function cachedReadRunIdOf(ref: string): number | undefined {
  if (!isCachedReadRef(ref)) return undefined;
  const id = parseCachedReadRef(ref);
  if (id === undefined)
    throw new AirbyteError('USAGE', {
      message: `"${ref}" is not a cached read.`,
      guidance: 'Use cache:<runId>, the run id of a read into the cache.',
      context: { ref },
    });
  return id;
}
