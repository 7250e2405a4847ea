/**
 * Building connectors from a name (registry or `builtin:`), an image, a local program, or a
 * `*.airbyte.jsonc` file: the one place that decides which executor runs a connector.
 */
import os from 'node:os';
import path from 'node:path';
import { findBuiltin, isBuiltinName, listBuiltins } from '../builtin/builtinRegistry';
import { loadConfigFile, resolveSecretReferences } from '../config/configFile';
import { abbreviate } from '../../shared/format';
import { checkLocalDir } from '../config/workspaceRoot';
import { AirbyteError } from '../errors';
import { assertImageReference, imageTagProblem } from '../docker/imageReference';
import { inspectImage } from '../docker/inspectImage';
import { DockerExecutor } from '../executors/dockerExecutor';
import type { Executor, InstallProgress } from '../executors/executor';
import { DockerOrVenvExecutor } from '../executors/fallbackExecutor';
import { LocalExecutor } from '../executors/localExecutor';
import { VenvExecutor } from '../executors/venvExecutor';
import { resolvePipUrl } from '../python/venvInstall';
import { pypiPackageOf } from '../registry/pypiPackage';
import type { JsonObject } from '../protocol/messages';
import { entryImage } from '../registry/entryImage';
import { loadRegistry, registryLocation } from '../registry/registry';
import type { ConnectorType, RegistryEntry, RegistryLookup } from '../registry/registryTypes';
import type { ConnectorInit, ConnectorTimeouts } from './connector';
import { Destination, Source } from './connector';

export interface GetConnectorOptions {
  /** The connector's config; may hold `${env:NAME}` / `secret_reference::NAME` references. */
  config?: JsonObject;
  /** Image tag, overriding the registry's pinned `dockerImageTag`. */
  version?: string;
  /** Full image reference, overriding the registry. */
  image?: string;
  useHostNetwork?: boolean;
  /** Pull a missing image (with progress) instead of failing with IMAGE_MISSING. */
  installIfMissing?: boolean;
  onInstallProgress?: (p: InstallProgress) => void;
  /** Run a program on this machine instead of Docker (`['node', 'source.mjs']` or a path). */
  localExecutable?: string | readonly string[];
  /** Host folder for `/local`. */
  localDir?: string;
  /**
   * The user's consent to a config file's `localDir` outside its workspace (the setting
   * `airbyte.allowLocalDirOutsideWorkspace`, the CLI flag `--allow-local-dir-outside-workspace`).
   */
  allowLocalDirOutsideWorkspace?: boolean;
  /** The workspace folder holding the config file, when the host knows it (see `workspaceRootOf`). */
  workspaceFolder?: string;
  /** The `localDir` lies outside the workspace (the user allowed it): never chowned. Set by `getConnectorFromFile`. */
  localDirOutsideWorkspace?: boolean;
  /** Registry to resolve names with; default `loadRegistry` over the Airbyte OSS registry (cached). */
  registry?: RegistryLookup;
  /** Registry file or URL, when `registry` is not given. */
  registryLocation?: string;
  /** The Docker engine (see `docker/engineEndpoint.ts` for the order when absent). */
  dockerHost?: string;
  /** Where `dockerHost` came from, for messages: "the airbyte.dockerHost setting", "--docker-host"… */
  dockerHostOrigin?: string;
  /** Where relative paths resolve (built-ins); default the config file's folder or the cwd. */
  baseDir?: string;
  /** Environment for secret references; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /**
   * Extra environment variables for the connector's process or container (proxy settings, JVM
   * options). Not part of the config, so never part of its identity. Built-ins ignore them.
   */
  environment?: Record<string, string>;
  timeouts?: ConnectorTimeouts;
  signal?: AbortSignal;
  /** Set by `getConnectorFromFile`. */
  configPath?: string;
  /** Where specs read from images are kept per image id; default `<defaultCacheDir>/specs`. */
  specCacheDir?: string;
  /**
   * Run the connector from a Python venv instead of Docker: `true` (the first `python3`), a version
   * ("3.11") or an interpreter's name or path; `false` never falls back to a venv. Implied by `pipUrl`.
   */
  python?: boolean | string;
  /** What pip installs (a package spec, a local folder or wheel, a `git+…` URL); default the registry's PyPI package at the version. */
  pipUrl?: string;
  /** Folder of the connectors' venvs (a config file's `installRoot`, `--install-root`). */
  installRoot?: string;
  /** The host's folder of venvs when `installRoot` is not given (the extension's global storage); default `<defaultCacheDir>/venvs`. */
  defaultInstallRoot?: string;
  /** One-off notices for the user (the executor chosen because Docker is unreachable). */
  onNotice?: (message: string) => void;
}

/** The cache folder for the registry copy: `$XDG_CACHE_HOME/airbyte-write` or `~/.cache/airbyte-write`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'airbyte-write');
}

/** A source by name (`source-faker`, `builtin:sample`); see {@link GetConnectorOptions}. */
export async function getSource(name: string, options: GetConnectorOptions = {}): Promise<Source> {
  return new Source(await resolveConnector(name, 'source', options));
}

/** A destination by name (`destination-duckdb`, `builtin:jsonl`); see {@link GetConnectorOptions}. */
export async function getDestination(name: string, options: GetConnectorOptions = {}): Promise<Destination> {
  return new Destination(await resolveConnector(name, 'destination', options));
}

/** The type a name says it is (`source-x`, `airbyte/destination-y:1`), if it says. */
export function typeFromName(name: string): ConnectorType | undefined {
  const builtin = isBuiltinName(name) ? findBuiltin(name) : undefined;
  if (builtin) return builtin.type;
  const last = name.split(':')[0].split('/').pop() ?? name;
  if (last.startsWith('source-')) return 'source';
  if (last.startsWith('destination-')) return 'destination';
  return undefined;
}

/** The image a connector the registry does not list runs at a version: `airbyte/<name>:<version>` (`<name>:<version>` when the name has a "/"). */
export function imageOfUnlistedName(name: string, version: string): string {
  return `${name.includes('/') ? name : `airbyte/${name}`}:${version}`;
}

/** The type a config's envelope says (its connector name, else its image's name), if it says. */
export function typeOfConfig(envelope: { connector?: string; image?: string }): ConnectorType | undefined {
  return (envelope.connector ? typeFromName(envelope.connector) : undefined) ?? (envelope.image ? typeFromName(envelope.image) : undefined);
}

/** The connector name in an image reference: `airbyte/destination-duckdb:0.4` (or `…@sha256:…`) → `destination-duckdb`. */
export function nameFromImage(image: string): string {
  const withoutTag = image.replace(/@.*$/, '').replace(/:[^/:]*$/, '');
  return withoutTag.split('/').pop() ?? withoutTag;
}

/**
 * A connector from a `*.airbyte.jsonc` file: its connector, version/image, network, `localDir`
 * and config; `options` may add or override (e.g. `installIfMissing`, `registry`).
 */
export async function getConnectorFromFile(
  filePath: string,
  options: GetConnectorOptions & { type?: ConnectorType } = {},
): Promise<Source | Destination> {
  const file = await loadConfigFile(filePath);
  const type = options.type ?? typeOfConfig(file);
  if (!type) {
    throw new AirbyteError('CONFIG_FILE', {
      message: `${file.filePath}: cannot tell whether "${abbreviate(file.connector)}" is a source or a destination.`,
      guidance: 'Use the registry name ("source-…" / "destination-…") as "connector".',
      context: { file: file.filePath },
    });
  }
  // A localDir given by the caller (--local-dir, the API) is the caller's own choice; one read from a
  // file may come from anyone's repository: outside the workspace it needs the user's consent.
  const fromFile = file.localDir !== undefined && options.localDir === undefined;
  const { outsideWorkspace } = fromFile
    ? await checkLocalDir(file.filePath, file.localDir!, {
        workspaceFolder: options.workspaceFolder,
        allowOutside: options.allowLocalDirOutsideWorkspace,
      })
    : { outsideWorkspace: undefined };
  const merged: GetConnectorOptions = {
    localDirOutsideWorkspace: outsideWorkspace,
    version: file.version,
    image: file.image,
    useHostNetwork: file.useHostNetwork,
    localDir: file.localDir,
    python: file.python,
    pipUrl: file.pipUrl,
    installRoot: file.installRoot,
    baseDir: file.localDir ?? file.baseDir,
    ...stripUndefined(options),
    // The file names the engine for this one connector: it wins over the run's setting or option.
    ...(file.dockerHost ? { dockerHost: file.dockerHost, dockerHostOrigin: `"dockerHost" in ${file.filePath}` } : {}),
    config: options.config ?? file.config,
    configPath: file.filePath,
  };
  return type === 'source' ? getSource(file.connector, merged) : getDestination(file.connector, merged);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function resolveConnector(name: string, type: ConnectorType, options: GetConnectorOptions): Promise<Omit<ConnectorInit, 'type'>> {
  const { config, resolvedValues } = resolveSecretReferences(options.config ?? {}, options.env ?? process.env);
  const common = {
    config,
    secretValues: resolvedValues,
    installIfMissing: options.installIfMissing,
    onInstallProgress: options.onInstallProgress,
    timeouts: options.timeouts,
    configPath: options.configPath,
    localDir: options.localDir ? path.resolve(options.localDir) : undefined,
  };

  if (isBuiltinName(name)) {
    const builtin = findBuiltin(name);
    if (!builtin) {
      const known = listBuiltins().map((b) => b.name);
      throw new AirbyteError('CONNECTOR_UNKNOWN', {
        message: `There is no built-in connector "${name}".`,
        guidance: known.length ? `Built-ins: ${known.join(', ')}.` : 'No built-in connectors are available in this build.',
        context: { connector: name },
      });
    }
    if (builtin.type !== type) throw wrongType(name, builtin.type, type);
    const baseDir = options.localDir ?? options.baseDir ?? process.cwd();
    return { ...common, name, executor: builtin.createExecutor({ baseDir }), knownSpec: builtin.spec };
  }

  if (options.localExecutable) {
    return {
      ...common,
      name,
      executor: new LocalExecutor({
        command: options.localExecutable,
        localDir: options.localDir,
        cwd: options.baseDir,
        env: options.environment,
      }),
    };
  }

  checkImageOptions(options);
  const wantsPython = (options.python !== undefined && options.python !== false) || options.pipUrl !== undefined;
  if (wantsPython && options.image) {
    throw new AirbyteError('CONFIG_INVALID', {
      message: `${name}: both "image" and "python"/"pipUrl" are given; a connector runs either from an image or from a venv.`,
      guidance: 'Remove "image" to run it from a venv, or "python"/"pipUrl" to run the image.',
      context: { connector: name },
    });
  }
  let image = options.image;
  let registry = options.registry;
  // With an explicit image (or a pipUrl) the registry is optional: used when given, never downloaded for it.
  if (!registry && !image && !options.pipUrl) registry = await defaultRegistry(options);
  const entry: RegistryEntry | undefined = registry?.find(name, type) ?? registry?.find(name);
  if (entry && entry.type !== type) throw wrongType(name, entry.type, type);
  if (wantsPython)
    return { ...common, name, entry, knownSpec: venvKnownSpec(entry, options), executor: venvExecutor(name, entry, options) };
  if (!image) {
    if (entry) image = entryImage(entry, options.version);
    else if (options.version && typeFromName(name) === type && !name.includes(':')) image = imageOfUnlistedName(name, options.version);
    else throw unknownConnector(name, type, registry);
  }
  // Checked whole as well: a connector name (or a registry entry) may also make a reference Docker cannot take.
  if (!options.image) assertImageReference(image, 'connector', name);
  // The registry's spec belongs to its pinned version; for another tag the connector is asked (spec()).
  const knownSpec = entry && !options.image && (!options.version || options.version === entry.dockerImageTag) ? entry.spec : undefined;
  const executor = new DockerExecutor({
    image,
    dockerHost: options.dockerHost,
    dockerHostOrigin: options.dockerHostOrigin,
    useHostNetwork: options.useHostNetwork,
    localDir: options.localDir,
    env: options.environment,
    localDirOutsideWorkspace: options.localDirOutsideWorkspace,
  });
  const ref = image;
  const imageSpecs = {
    image: ref,
    cacheDir: options.specCacheDir ?? path.join(defaultCacheDir(options.env), 'specs'),
    imageId: async () => (await inspectImage(await executor.docker(), ref))?.id,
  };
  return { ...common, name, executor: withVenvFallback(name, entry, executor, options), entry, knownSpec, imageSpecs };
}

/** The venv executor for a connector: `pipUrl`, else the registry's PyPI package (else `airbyte-<name>`) at the version. */
function venvExecutor(name: string, entry: RegistryEntry | undefined, options: GetConnectorOptions): VenvExecutor {
  const baseDir = options.baseDir ?? process.cwd();
  let requirement: string;
  let version = options.version;
  if (options.pipUrl !== undefined) {
    requirement = resolvePipUrl(options.pipUrl, baseDir);
    // A bare package name with a version is pinned to it, as the registry's package would be.
    if (version && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(requirement)) requirement = `${requirement}==${version}`;
  } else {
    version ??= entry?.dockerImageTag;
    const pkg = pypiPackageOf(entry)?.packageName ?? `airbyte-${name}`;
    requirement = version ? `${pkg}==${version}` : pkg;
  }
  return new VenvExecutor({
    connector: name,
    requirement,
    version,
    python: typeof options.python === 'string' ? options.python : true,
    installRoot: options.installRoot ?? options.defaultInstallRoot ?? path.join(defaultCacheDir(options.env), 'venvs'),
    localDir: options.localDir,
    baseDir,
    env: options.environment,
    installEnv: options.env,
  });
}

/** The registry's spec serves a venv of the registry's package at its pinned version only. */
function venvKnownSpec(entry: RegistryEntry | undefined, options: GetConnectorOptions) {
  return entry && options.pipUrl === undefined && (!options.version || options.version === entry.dockerImageTag) ? entry.spec : undefined;
}

const toldFallback = new Set<string>();

/**
 * Docker, or the venv when Docker is unreachable (decided at first use), for a connector whose
 * config chose nothing and that the registry publishes on PyPI; never for Docker-only connectors,
 * nor when an image or engine was named or `python` is `false`. Said once per connector and
 * process through `onNotice`.
 */
function withVenvFallback(name: string, entry: RegistryEntry | undefined, docker: DockerExecutor, options: GetConnectorOptions): Executor {
  if (!pypiPackageOf(entry)?.enabled || options.image || options.python === false || options.dockerHost) return docker;
  const venv = venvExecutor(name, entry, options);
  return new DockerOrVenvExecutor(docker, venv, () => {
    if (toldFallback.has(name)) return;
    toldFallback.add(name);
    options.onNotice?.(
      `Docker is not reachable (${docker.endpoint().host}): running ${name} from its PyPI package ${venv.requirement} in a Python venv. Set "python": false to require Docker.`,
    );
  });
}

/** A `version` that is not an image tag, or an `image` that is not a reference, is a CONFIG_INVALID error naming it. */
function checkImageOptions(options: GetConnectorOptions): void {
  if (options.version !== undefined) {
    const problem = imageTagProblem(options.version);
    if (problem) {
      throw new AirbyteError('CONFIG_INVALID', {
        message: `"version" ${JSON.stringify(options.version)} is not a valid image tag: ${problem}.`,
        guidance: 'Give "version" an image tag such as "1.2.3" or "dev", or leave it out for the registry\'s pinned version.',
        context: { field: 'version', value: options.version },
      });
    }
  }
  if (options.image !== undefined) assertImageReference(options.image, 'image');
}

async function defaultRegistry(options: GetConnectorOptions): Promise<RegistryLookup> {
  return loadRegistry({
    cacheDir: defaultCacheDir(options.env),
    ...registryLocation(options.registryLocation),
    env: options.env,
    signal: options.signal,
  });
}

function wrongType(name: string, actual: ConnectorType, wanted: ConnectorType): AirbyteError {
  return new AirbyteError('CONNECTOR_UNKNOWN', {
    message: `"${name}" is a ${actual}, but a ${wanted} is needed here.`,
    guidance: `Use a ${wanted} connector (names start with "${wanted}-").`,
    context: { connector: name },
  });
}

function unknownConnector(name: string, type: ConnectorType, lookup: RegistryLookup | undefined): AirbyteError {
  const registry = lookup as (RegistryLookup & { list?: (t?: ConnectorType) => readonly RegistryEntry[] }) | undefined;
  const names = registry?.list?.(type).map((e) => e.name) ?? [];
  const near = names.filter((n) => n.includes(name.replace(/^(source|destination)-/, ''))).slice(0, 5);
  return new AirbyteError('CONNECTOR_UNKNOWN', {
    message: `The connector "${name}" is not in the Airbyte registry.`,
    guidance: `${near.length ? `Did you mean ${near.join(', ')}? ` : ''}For a custom connector, give its image ("image": "my/${type}-x:1.0") or a local program.`,
    context: { connector: name },
  });
}
