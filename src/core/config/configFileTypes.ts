/** The `*.airbyte.jsonc` file format: one connector and its config. */
import type { JsonObject } from '../protocol/messages';

export interface ConnectorConfigFile {
  /** Registry name (`destination-postgres`), or `builtin:<name>`. */
  connector: string;
  /** Image tag; overrides the registry's pinned `dockerImageTag`. */
  version?: string;
  /** Full image reference; overrides what the registry would give. */
  image?: string;
  useHostNetwork?: boolean;
  /** Host folder mounted at `/local`; relative paths are relative to the config file. */
  localDir?: string;
  /** The Docker engine for this connector (`unix://…`, `tcp://host:2376`, `ssh://user@host`); wins over the setting and DOCKER_HOST. */
  dockerHost?: string;
  /**
   * Run the connector from a Python venv: `true` (the first `python3`), a version ("3.11"), or an
   * interpreter's name or path (relative to this file); `false` never falls back to a venv.
   */
  python?: boolean | string;
  /** What pip installs: a package spec, a local folder or wheel (relative to this file), a `git+…` URL. Implies `python`. */
  pipUrl?: string;
  /** Folder of the venvs (relative to this file); default the per-user cache (CLI) or the extension's storage. */
  installRoot?: string;
  /** The connector's config, validated against its spec. May hold `${env:NAME}` / `secret_reference::NAME` references. */
  config: JsonObject;
}

export const CONFIG_FILE_SUFFIX = '.airbyte.jsonc';
