/** What a read or a write returns: per-stream counts, final state, timing, the run's id. */
import { AirbyteError } from '../errors';
import type { AirbyteCatalog, AirbyteStateMessage, DestinationSyncMode, SyncMode } from '../protocol/messages';
import { RecordCache } from '../store/recordCache';
import { WorkspaceStore } from '../store/workspaceStore';
import type { StreamPlan } from './catalogBuilder';
import type { RunWarning } from './pipelineOptions';

export type WriteMode = 'cache' | 'stream' | 'replay';

export interface StreamResult {
  stream: string;
  syncMode: SyncMode;
  destinationSyncMode?: DestinationSyncMode;
  /** Records the source produced in this run. */
  recordsRead: number;
  /** Records handed to the destination in this run (from the source or the cache). */
  recordsSent: number;
  /** Of those, records the destination confirmed as committed (an echoed STATE, or its clean exit). */
  recordsConfirmed: number;
  bytes: number;
  status: 'complete' | 'incomplete';
}

export interface WriteResult {
  runId: number;
  source: string;
  destination: string;
  mode: WriteMode;
  strategy: string;
  startedAt: number;
  durationMs: number;
  streams: StreamResult[];
  totals: { recordsRead: number; recordsSent: number; recordsConfirmed: number; bytes: number };
  /** The state committed for (source, destination) after this run. */
  finalState: AirbyteStateMessage[];
  /** Notes worth showing (config written back, references skipped, …), the warnings' messages included. */
  notices: string[];
  /** What went wrong without failing the run: records dropped as outside the catalog, a source's error logs. */
  warnings: RunWarning[];
}

/** What a {@link ReadResult} is made of. */
export interface ReadResultInit {
  runId: number;
  /** The source connector's name. */
  source: string;
  /** Identity of the source config the cache is keyed by. */
  sourceId: string;
  /** What people call the source (its config file's label), when known. */
  sourceLabel?: string;
  /** The source's `*.airbyte.jsonc`, when it was loaded from one. */
  sourceConfigPath?: string;
  /** The discovered catalog (stream schemas) of the streams read. */
  catalog: AirbyteCatalog;
  plans: StreamPlan[];
  streams: StreamResult[];
  finalState: AirbyteStateMessage[];
  startedAt: number;
  durationMs: number;
  /** The cache holding the records. */
  cache: RecordCache;
  /** What went wrong without failing the read (records outside the catalog, the source's error logs). */
  warnings?: RunWarning[];
}

/**
 * The outcome of `Source.read()`: records in the workspace cache, per stream. Iterating reads them
 * back from disk (bounded memory); `Destination.write(readResult)` replays them. A later process
 * reopens one by its run id with `openCachedRead(store, runId)` (see `cachedRead.ts`).
 */
export class ReadResult {
  readonly runId: number;
  readonly source: string;
  /** Identity of the source config the cache is keyed by. */
  readonly sourceId: string;
  /** What people call the source: its config file's label, else the connector name. */
  readonly sourceLabel: string;
  readonly sourceConfigPath?: string;
  /** The discovered catalog (stream schemas) of the streams read. */
  readonly catalog: AirbyteCatalog;
  readonly plans: StreamPlan[];
  readonly streams: StreamResult[];
  readonly finalState: AirbyteStateMessage[];
  readonly startedAt: number;
  readonly durationMs: number;
  /** @internal the cache holding the records. */
  readonly cache: RecordCache;
  /** What went wrong without failing the read: records dropped as outside the catalog, the source's error logs. */
  readonly warnings: RunWarning[];

  constructor(init: ReadResultInit) {
    this.runId = init.runId;
    this.source = init.source;
    this.sourceId = init.sourceId;
    this.sourceLabel = init.sourceLabel ?? init.source;
    this.sourceConfigPath = init.sourceConfigPath;
    this.catalog = init.catalog;
    this.plans = init.plans;
    this.streams = init.streams;
    this.finalState = init.finalState;
    this.startedAt = init.startedAt;
    this.durationMs = init.durationMs;
    this.cache = init.cache;
    this.warnings = init.warnings ?? [];
  }

  get streamNames(): string[] {
    return this.plans.map((p) => p.key);
  }

  /** Records cached for a stream (its current generation, not only this run's). */
  recordCount(stream: string): number {
    if (this.cache.store.isClosed) return this.streams.find((s) => s.stream === stream)?.recordsRead ?? 0;
    return this.cache.recordCount(this.sourceId, stream);
  }

  /**
   * The stream's records (`record.data`), streamed from the cache files. Works after the store the
   * read used was closed: the index is then read from the file, without taking its lock.
   */
  async *records(stream: string, signal?: AbortSignal): AsyncGenerator<Record<string, unknown>> {
    if (!this.streamNames.includes(stream)) {
      throw new AirbyteError('USAGE', {
        message: `The read has no stream "${stream}".`,
        guidance: `Its streams are ${this.streamNames.join(', ')}.`,
        context: { stream, runId: this.runId },
      });
    }
    if (!this.cache.store.isClosed) {
      yield* this.cache.records(this.sourceId, stream, signal);
      return;
    }
    const store = await WorkspaceStore.open({ path: this.cache.store.path, lock: false });
    try {
      yield* new RecordCache(store, { dir: this.cache.dir }).records(this.sourceId, stream, signal);
    } finally {
      await store.close();
    }
  }

  toJSON(): Record<string, unknown> {
    return {
      runId: this.runId,
      source: this.source,
      startedAt: this.startedAt,
      durationMs: this.durationMs,
      streams: this.streams.map((s) => ({ ...s, cachedRecords: this.recordCount(s.stream) })),
      finalState: this.finalState,
      warnings: this.warnings,
    };
  }
}
