/** What a read (`Source.read`) or a write (`Destination.write`) can be told. */
import type { ConnectorLogLine } from '../connectors/connectorProcess';
import type { WorkspaceStore } from '../store/workspaceStore';
import type { WriteProgress } from './progressTracker';
import type { RunStarted } from './runEvents';
import type { WriteStrategy } from './writeStrategy';

/** The default idle timeout of a read's or write's connectors: generous, for destinations loading large batches. */
export const DEFAULT_IDLE_TIMEOUT_MS = 600_000;

/** How long a write plans with a source's last discovered catalog before discovering again: Airbyte Cloud's 15 minutes. */
export const DEFAULT_SCHEMA_REFRESH_MINUTES = 15;

export interface PipelineOptions {
  /** Stream names to read (all when omitted). */
  streams?: readonly string[];
  /** The workspace store; opened (and closed) from `storePath` when omitted. */
  store?: WorkspaceStore;
  /** PyAirbyte's `state_cache`: where state and run history go. Same as `store`. */
  stateCache?: WorkspaceStore;
  /** Default `.airbyte/state.sqlite` under the current folder (`resolveStorePath`). */
  storePath?: string;
  wasmPath?: string;
  /** Through the record cache (default) or streamed straight through (`false`). */
  cache?: boolean;
  writeStrategy?: WriteStrategy;
  /** Ignore every stored state: read everything again. */
  forceFullRefresh?: boolean;
  /**
   * A write plans with the source config's last discovered catalog, and runs no discover, while that
   * catalog is younger than this and was discovered by the image the source runs now (connectors in
   * Docker only), as the Airbyte platform does. Default {@link DEFAULT_SCHEMA_REFRESH_MINUTES}; 0:
   * discover before every write.
   */
  schemaRefreshMinutes?: number;
  signal?: AbortSignal;
  /**
   * Runs the destination's `check` beside discover and before any record is read or sent (as the
   * Airbyte platform does), so a wrong destination fails in seconds. Default true.
   */
  checkDestination?: boolean;
  /**
   * A connector the run has waited on this long with nothing coming (no output, its input not
   * read, no exit) is stopped and the run fails naming it. Default {@link DEFAULT_IDLE_TIMEOUT_MS}; 0: none.
   */
  idleTimeoutMs?: number;
  /**
   * Told once per run as soon as the store has recorded it, before any record moves. A write
   * through the cache is two runs: its read into the cache, then its write.
   */
  onRunStarted?: (run: RunStarted) => void;
  onProgress?: (progress: WriteProgress) => void;
  onLog?: (connector: string, line: ConnectorLogLine) => void;
  /** Told about things worth showing (config written back, a repaired store). */
  onNotice?: (text: string) => void;
  /** Told about what went wrong without failing the run (see `runWarnings.ts`); `onNotice` gets its message when absent. */
  onWarning?: (warning: RunWarning) => void;
}

/** Something that went wrong without failing a run: counted, named, and said (`runWarnings.ts`). */
export interface RunWarning {
  kind: 'records-outside-catalog' | 'source-error-logs';
  /** In plain words, secrets masked: what happened, how many, and what it means for the data. */
  message: string;
  /** The connector concerned. */
  connector: string;
  /** `records-outside-catalog`: the stream whose records were dropped. */
  stream?: string;
  /** Records dropped, or error lines logged. */
  count: number;
  /** `source-error-logs`: the first error lines, masked. */
  lines?: string[];
}
