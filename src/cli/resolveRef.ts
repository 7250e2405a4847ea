/**
 * What a command's `<ref>` names, turned into a connector: a `*.airbyte.jsonc` file, a registry
 * (or `builtin:`) name with `--config FILE`, or `--image IMAGE --config FILE`. Shared by every
 * command that runs a connector.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Destination, Source } from '../core/connectors/connector';
import { getConnectorFromFile, getDestination, getSource, nameFromImage, typeFromName } from '../core/connectors/getConnector';
import type { GetConnectorOptions } from '../core/connectors/getConnector';
import { lineCol } from '../core/config/configFile';
import { CONFIG_FILE_SUFFIX } from '../core/config/configFileTypes';
import { MAX_NESTING, parseJsoncValue } from '../core/config/jsoncValue';
import { AirbyteError } from '../core/errors';
import type { InstallProgress } from '../core/executors/executor';
import { resolvePipUrl } from '../core/python/venvInstall';
import { absolutePythonChoice } from '../core/python/pythonInterpreter';
import type { JsonObject } from '../core/protocol/messages';
import type { ConnectorType } from '../core/registry/registryTypes';
import { UsageError } from './cliIo';

/** `util.parseArgs` options for a connector reference; spread them into a command's options. */
export const REF_OPTIONS = {
  image: { type: 'string' },
  config: { type: 'string' },
  version: { type: 'string' },
  install: { type: 'boolean' },
  'host-network': { type: 'boolean' },
  'local-dir': { type: 'string' },
  'allow-local-dir-outside-workspace': { type: 'boolean' },
  registry: { type: 'string' },
  'docker-host': { type: 'string' },
  python: { type: 'string' },
  'pip-url': { type: 'string' },
  'install-root': { type: 'string' },
} as const;

/** The usage lines for {@link REF_OPTIONS}. */
export const REF_USAGE = `Connector <ref>: a *.airbyte.jsonc file, a registry name (source-faker,
destination-duckdb) or a built-in (builtin:sample), or --image IMAGE.
  --config FILE        the connector's config (JSON/JSONC; a *.airbyte.jsonc file's "config" is used)
  --image IMAGE        run this image instead of the registry's
  --version TAG        image tag instead of the registry's pinned one
  --install            pull the image when it is not on this machine (or install a Python connector's venv)
  --host-network       run the container on the host network
  --local-dir DIR      host folder mounted at /local
  --allow-local-dir-outside-workspace
                       use a config file's "localDir" even outside its workspace (never chowned)
  --registry PATH|URL  connector registry to resolve names with
  --docker-host URL    Docker engine (default DOCKER_HOST, then the docker context, then the local socket)
  --python PY          run the connector from a Python venv: true (python3 on PATH), a version (3.11),
                       an interpreter's name or path; false: Docker only
  --pip-url SPEC       what pip installs into the venv: a package spec, a local folder or wheel, a git+ URL
                       (implies --python; pip reads PIP_INDEX_URL, PIP_NO_INDEX, PIP_FIND_LINKS…)
  --install-root DIR   folder of the venvs (default $XDG_CACHE_HOME/airbyte-write/venvs)`;

export interface RefValues {
  image?: string;
  config?: string;
  version?: string;
  install?: boolean;
  'host-network'?: boolean;
  'local-dir'?: string;
  'allow-local-dir-outside-workspace'?: boolean;
  registry?: string;
  'docker-host'?: string;
  python?: string;
  'pip-url'?: string;
  'install-root'?: string;
}

export interface ResolveRefOptions {
  /** The kind the command needs; inferred from the name when absent. */
  type?: ConnectorType;
  signal?: AbortSignal;
  onInstallProgress?: (p: InstallProgress) => void;
  /** Whether the command needs a config (check, read, write) or not (spec). */
  needsConfig?: boolean;
  env?: NodeJS.ProcessEnv;
  /** One-off notices (a venv chosen because Docker is unreachable). */
  onNotice?: (message: string) => void;
}

/** True when the argument names a config file rather than a connector. */
export function isConfigFileRef(ref: string): boolean {
  return ref.endsWith(CONFIG_FILE_SUFFIX) || ref.endsWith('.jsonc') || ref.endsWith('.json') || (ref.includes(path.sep) && existsSync(ref));
}

/** Resolves `<ref>` and the reference options into a connector. Usage errors are `UsageError`s. */
export async function resolveRef(
  ref: string | undefined,
  values: RefValues,
  options: ResolveRefOptions = {},
): Promise<Source | Destination> {
  const common: GetConnectorOptions = {
    version: values.version,
    installIfMissing: values.install,
    onInstallProgress: options.onInstallProgress,
    useHostNetwork: values['host-network'] || undefined,
    localDir: values['local-dir'] ? path.resolve(values['local-dir']) : undefined,
    allowLocalDirOutsideWorkspace: values['allow-local-dir-outside-workspace'],
    registryLocation: values.registry,
    dockerHost: values['docker-host'],
    dockerHostOrigin: values['docker-host'] ? '--docker-host' : undefined,
    signal: options.signal,
    env: options.env,
    python: pythonOption(values.python),
    pipUrl: values['pip-url'] ? resolvePipUrl(values['pip-url'], process.cwd()) : undefined,
    installRoot: values['install-root'] ? path.resolve(values['install-root']) : undefined,
    onNotice: options.onNotice,
  };
  if (ref && isConfigFileRef(ref)) {
    if (values.config) throw new UsageError(`Give either a config file (${ref}) or --config, not both.`);
    if (values.image) common.image = values.image;
    const connector = await getConnectorFromFile(ref, { ...common, type: options.type });
    if (options.type && connector.type !== options.type)
      throw new UsageError(`${ref} configures a ${connector.type}; this command needs a ${options.type}.`);
    return connector;
  }
  const name = ref ?? (values.image ? nameFromImage(values.image) : undefined);
  if (!name) throw new UsageError('Name a connector: a *.airbyte.jsonc file, a registry name, or --image IMAGE.');
  const type = options.type ?? typeFromName(name) ?? (values.image ? typeFromName(values.image) : undefined);
  if (!type)
    throw new UsageError(`Cannot tell whether "${name}" is a source or a destination: use its registry name (source-…/destination-…).`);
  if (options.needsConfig && !values.config)
    throw new UsageError(`This command needs the connector's config: pass --config FILE (or a *.airbyte.jsonc file instead of "${name}").`);
  const config = values.config ? readConfigArgument(values.config) : undefined;
  const opts: GetConnectorOptions = {
    ...common,
    image: values.image,
    config,
    baseDir: values.config ? path.dirname(path.resolve(values.config)) : undefined,
  };
  return type === 'source' ? getSource(name, opts) : getDestination(name, opts);
}

/** `--python true|false|VERSION|PATH`: booleans as words, a relative interpreter path made absolute. */
function pythonOption(value: string | undefined): boolean | string | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') throw new UsageError('--python takes true, false, a version such as 3.11, or the path of an interpreter.');
  return absolutePythonChoice(text === 'true' || text === 'false' ? text === 'true' : text, process.cwd());
}

/** A `--config` file: a plain config object, or a `*.airbyte.jsonc` whose "config" is taken. */
export function readConfigArgument(file: string): JsonObject {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    throw new AirbyteError('CONFIG_FILE', {
      message: `Cannot read the config file ${absolute}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      guidance: 'Check the path given to --config.',
      context: { file: absolute },
    });
  }
  // The config files' own reader: bounded nesting, "__proto__" kept as a key, a leading BOM allowed.
  const { value, errors, tooDeepAt } = parseJsoncValue(text);
  if (tooDeepAt !== undefined || errors.length > 0 || typeof value !== 'object' || value === null || Array.isArray(value)) {
    const why =
      tooDeepAt !== undefined
        ? ` (nested more than ${MAX_NESTING} levels deep at ${lineCol(text, tooDeepAt)})`
        : errors.length
          ? ` (invalid JSON at ${lineCol(text, errors[0].offset)})`
          : '';
    throw new AirbyteError('CONFIG_FILE', {
      message: `${absolute} is not a JSON object${why}.`,
      guidance: 'The --config file holds the connector settings as one JSON object.',
      context: { file: absolute },
    });
  }
  const doc = value as JsonObject;
  if (typeof doc.connector === 'string' && typeof doc.config === 'object' && doc.config !== null) return doc.config as JsonObject;
  return doc;
}
