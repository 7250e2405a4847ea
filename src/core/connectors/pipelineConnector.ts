/**
 * What the read and write pipelines (`src/core/write/`) use of a connector. `Connector` implements
 * it; the pipelines depend on this shape only, so `connector.ts` can call them (`Source.read`,
 * `Destination.write`) without the pipelines importing it back.
 */
import type { ExecuteRequest } from '../executors/executor';
import type { AirbyteCatalog, ConnectorSpecification, JsonObject } from '../protocol/messages';
import type { RegistryEntry } from '../registry/registryTypes';
import type { SecretMasker } from '../secrets';
import type { ConnectorLogLine, ConnectorRun, RunConnectorOptions } from './connectorProcess';

/** Options every command takes. */
export interface CommandOptions {
  signal?: AbortSignal;
  onLog?: (line: ConnectorLogLine) => void;
  /** Overrides the default limit of this command; 0 for none. */
  timeoutMs?: number;
}

export interface PipelineConnector {
  readonly name: string;
  /** The config with secret references resolved. */
  readonly config: JsonObject;
  /** The `*.airbyte.jsonc` the connector was loaded from, if any. */
  readonly configPath?: string;
  /**
   * The host folder at `/local` (absolute), if any: part of the connector's identity, since two
   * configs that differ only in where their files land are two destinations (or read two inputs).
   */
  readonly localDir?: string;
  /** Where it runs: `docker <engine address>`, `this machine`, `in process` (its executor's `runsOn`). */
  runsOn(): string;
  /** Hides this connector's secrets. */
  readonly masker: SecretMasker;
  /** The connector's registry entry, when the registry knows it (language, CDK: see `write/streamStatusRule.ts`). */
  readonly entry?: Pick<RegistryEntry, 'language' | 'raw'>;
  /** Refresh-capable destinations take overwrite as generations. */
  readonly supportsRefreshes: boolean;
  /** The spec if known without running anything. */
  specIfKnown(): ConnectorSpecification | undefined;
  /** The local id of the image the connector runs in; undefined when it does not run in Docker. */
  imageId?(): Promise<string | undefined>;
  /** The connector's specification, from its `spec` command (cached). */
  spec(options?: CommandOptions): Promise<ConnectorSpecification>;
  /** Throws CONFIG_INVALID when the config fails the connector's spec (reading the spec when it is not known). */
  assertConfigValid?(options?: CommandOptions): Promise<void>;
  /** Runs the connector's `check`; throws `CHECK_FAILED` (or the connector's failure) when it fails. */
  check?(options?: CommandOptions): Promise<unknown>;
  /** Starts a command with this connector's masker; the caller consumes the run. */
  start(request: Omit<ExecuteRequest, 'signal'>, options?: Omit<RunConnectorOptions, 'masker' | 'connectorName'>): Promise<ConnectorRun>;
  /**
   * Starts a command ahead of the `start` that will ask for exactly it (its stdin comes with that
   * `start`); any other `start`, or `discardEarly`, stops it unread. Connectors that start fast
   * (in process) do without.
   */
  startEarly?(
    request: Omit<ExecuteRequest, 'signal' | 'stdin'>,
    options: Pick<RunConnectorOptions, 'signal' | 'onLog' | 'idleTimeoutMs'>,
  ): void;
  /** Stops a run started early that nobody took; resolves once it is gone (its container removed). */
  discardEarly?(): Promise<void>;
}

export interface PipelineSource extends PipelineConnector {
  /** The source's catalog of streams, from its `discover` command. */
  discover(options?: CommandOptions): Promise<AirbyteCatalog>;
}
