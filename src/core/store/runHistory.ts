/**
 * Run history: every read and write, what it was started with (who its sides are, as identities
 * and as people name them), how it went, its per-stream counts, and for reads into the cache the
 * catalog needed to write them again later (`write/cachedRead.ts`).
 */
import os from 'node:os';
import { isProcessAlive } from '../isProcessAlive';
import type { AirbyteCatalog } from '../protocol/messages';
import { packJson, unpackJson } from './packedJson';
import type { SqlRow, StoreDatabase } from './storeDatabase';
import { num, optionalNum, optionalText } from './storeDatabase';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';
export type RunKind = 'write' | 'read';

/** What a run moved, per stream or in total (a run's totals are the sums of its streams'). */
export interface RunCounts {
  recordsRead: number;
  recordsSent: number;
  recordsConfirmed: number;
  bytes: number;
}

export interface RunStreamStats extends RunCounts {
  stream: string;
  status?: string;
}

/** What a run is started with. The label, config path and connector fields are undefined in rows older than them. */
export interface NewRun {
  kind: RunKind;
  /** The source connector's name. */
  source: string;
  /** The source identity (name + hash of the config without secrets). */
  sourceId: string;
  destination?: string;
  destinationId?: string;
  /** What people call the source: its config file's name without `.airbyte.jsonc`, else the connector name. */
  sourceLabel?: string;
  /** The source's `*.airbyte.jsonc`, when it was loaded from one. */
  sourceConfigPath?: string;
  sourceConnector?: string;
  destinationLabel?: string;
  destinationConfigPath?: string;
  destinationConnector?: string;
  /** Where each side ran: `docker tcp://host:2376`, `this machine`, `in process`. */
  sourceRunsOn?: string;
  destinationRunsOn?: string;
  /** A write: the read run that fed it (through the cache, or a written `cache:N`). */
  parentRunId?: number;
  /** A read a write through the cache started: that write's destination identity. */
  forDestinationId?: string;
  streams: string[];
  strategy?: string;
  mode?: string;
  startedAt?: number;
}

/** A run as recorded: what it was started with ({@link NewRun}), then how it went. */
export interface RunRecord extends Omit<NewRun, 'startedAt'>, RunCounts {
  id: number;
  startedAt: number;
  endedAt?: number;
  status: RunStatus;
  /** Already secret-masked by the caller. */
  error?: string;
  streamStats: RunStreamStats[];
  /** The process that ran it (undefined in rows older than this field). */
  ownerPid?: number;
}

/** The error of a run whose process ended without finishing it. */
export const INTERRUPTED_ERROR = 'interrupted: the process ended without finishing';

/** How a run ended. `error` must already be masked. */
export interface RunOutcome {
  status: RunStatus;
  error?: string;
  endedAt?: number;
  streams: RunStreamStats[];
}

// Columns of `runs` set when a run begins, in the order of NEW_RUN_VALUES.
const NEW_RUN_COLUMNS = [
  'kind',
  'source',
  'source_id',
  'destination',
  'destination_id',
  'source_label',
  'source_config_path',
  'source_connector',
  'destination_label',
  'destination_config_path',
  'destination_connector',
  'parent_run_id',
  'for_destination_id',
  'streams',
  'strategy',
  'mode',
  'started_at',
  'status',
  'owner_pid',
  'owner_host',
  'source_runs_on',
  'destination_runs_on',
];

function newRunValues(run: NewRun): Array<string | number | null> {
  return [
    run.kind,
    run.source,
    run.sourceId,
    run.destination ?? null,
    run.destinationId ?? null,
    run.sourceLabel ?? null,
    run.sourceConfigPath ?? null,
    run.sourceConnector ?? null,
    run.destinationLabel ?? null,
    run.destinationConfigPath ?? null,
    run.destinationConnector ?? null,
    run.parentRunId ?? null,
    run.forDestinationId ?? null,
    JSON.stringify(run.streams),
    run.strategy ?? null,
    run.mode ?? null,
    run.startedAt ?? Date.now(),
    'running',
    process.pid,
    os.hostname(),
    run.sourceRunsOn ?? null,
    run.destinationRunsOn ?? null,
  ];
}

export class RunHistory {
  constructor(
    private readonly db: StoreDatabase,
    /** When the store file was last saved (its mtime at open): the last moment an interrupted run was known to be alive. */
    private readonly lastSavedAt?: number,
  ) {}

  /**
   * Records every run still marked running as failed with {@link INTERRUPTED_ERROR}, ended when
   * the store was last saved. Only for the holder of the store's lock: runs run under it, so no
   * other process can be running one. Returns how many there were.
   */
  markInterrupted(): number {
    const running = this.db.rows("SELECT id FROM runs WHERE status = 'running'");
    if (running.length === 0) return 0;
    this.db.run(
      `UPDATE runs SET status = 'failed', ended_at = MAX(started_at, ?),
         error = ? || CASE WHEN owner_pid IS NULL THEN '' ELSE ' (pid ' || owner_pid || ')' END || '.'
       WHERE status = 'running'`,
      [this.lastSavedAt ?? Date.now(), INTERRUPTED_ERROR],
    );
    return running.length;
  }

  /** Records the start of a run; its id doubles as the protocol's `sync_id` (it grows per run). */
  begin(run: NewRun): number {
    this.db.run(
      `INSERT INTO runs (${NEW_RUN_COLUMNS.join(', ')}) VALUES (${NEW_RUN_COLUMNS.map(() => '?').join(', ')})`,
      newRunValues(run),
    );
    return num(this.db.rows('SELECT last_insert_rowid() AS id')[0]?.id);
  }

  /** Records the outcome of a run with its per-stream counts. */
  finish(id: number, outcome: RunOutcome): void {
    const total = (k: keyof RunCounts) => outcome.streams.reduce((n, s) => n + s[k], 0);
    this.db.transaction(() => {
      this.db.run(
        'UPDATE runs SET ended_at = ?, status = ?, error = ?, records_read = ?, records_sent = ?, records_confirmed = ?, bytes = ? WHERE id = ?',
        [
          outcome.endedAt ?? Date.now(),
          outcome.status,
          outcome.error ?? null,
          total('recordsRead'),
          total('recordsSent'),
          total('recordsConfirmed'),
          total('bytes'),
          id,
        ],
      );
      this.db.run('DELETE FROM run_streams WHERE run_id = ?', [id]);
      for (const s of outcome.streams) {
        this.db.run('INSERT INTO run_streams VALUES (?, ?, ?, ?, ?, ?, ?)', [
          id,
          s.stream,
          s.recordsRead,
          s.recordsSent,
          s.recordsConfirmed,
          s.bytes,
          s.status ?? null,
        ]);
      }
    });
  }

  /** Runs, newest first; only those of a kind and/or status when given. */
  list(limit = 50, filter: { kind?: RunKind; status?: RunStatus } = {}): RunRecord[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (filter.kind) {
      where.push('kind = ?');
      params.push(filter.kind);
    }
    if (filter.status) {
      where.push('status = ?');
      params.push(filter.status);
    }
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return this.db.rows(sql, [...params, limit]).map((r) => this.toRun(r));
  }

  get(id: number): RunRecord | undefined {
    const r = this.db.rows('SELECT * FROM runs WHERE id = ?', [id])[0];
    return r ? this.toRun(r) : undefined;
  }

  /**
   * Keeps the catalog a read used (the discovered streams and how each was read), so the cached
   * read can be reopened by run id. `plans` is opaque to the store.
   */
  putCatalog(runId: number, catalog: AirbyteCatalog, plans: unknown[]): void {
    // Deflated (`packedJson.ts`): the store is saved whole at each confirmed state, and a read of
    // 1,000 streams kept 600 KB of catalog JSON in every save.
    this.db.run('INSERT OR REPLACE INTO run_catalogs VALUES (?, ?, ?)', [runId, packJson(catalog), packJson(plans)]);
  }

  /** The catalog kept for a run by {@link putCatalog}, if any. */
  catalog(runId: number): { catalog: AirbyteCatalog; plans: unknown[] } | undefined {
    const r = this.db.rows('SELECT catalog_json, plans_json FROM run_catalogs WHERE run_id = ?', [runId])[0];
    return r ? { catalog: unpackJson(r.catalog_json) as AirbyteCatalog, plans: unpackJson(r.plans_json) as unknown[] } : undefined;
  }

  private toRun(r: SqlRow): RunRecord {
    const id = num(r.id);
    return {
      id,
      kind: String(r.kind) as RunKind,
      source: String(r.source),
      sourceId: String(r.source_id),
      destination: optionalText(r.destination),
      destinationId: optionalText(r.destination_id),
      ...withoutUndefined({
        sourceLabel: optionalText(r.source_label),
        sourceConfigPath: optionalText(r.source_config_path),
        sourceConnector: optionalText(r.source_connector),
        destinationLabel: optionalText(r.destination_label),
        destinationConfigPath: optionalText(r.destination_config_path),
        destinationConnector: optionalText(r.destination_connector),
        parentRunId: optionalNum(r.parent_run_id),
        forDestinationId: optionalText(r.for_destination_id),
        sourceRunsOn: optionalText(r.source_runs_on),
        destinationRunsOn: optionalText(r.destination_runs_on),
      }),
      streams: JSON.parse(String(r.streams)) as string[],
      strategy: optionalText(r.strategy),
      mode: optionalText(r.mode),
      startedAt: num(r.started_at),
      endedAt: optionalNum(r.ended_at),
      status: String(r.status) as RunStatus,
      error: optionalText(r.error),
      ...withoutUndefined({ ownerPid: optionalNum(r.owner_pid) }),
      ...interruptedView(r, this.lastSavedAt),
      recordsRead: num(r.records_read),
      recordsSent: num(r.records_sent),
      recordsConfirmed: num(r.records_confirmed),
      bytes: num(r.bytes),
      streamStats: this.streamStats(id),
    };
  }

  private streamStats(runId: number): RunStreamStats[] {
    return this.db.rows('SELECT * FROM run_streams WHERE run_id = ? ORDER BY stream_key', [runId]).map((s) => ({
      stream: String(s.stream_key),
      recordsRead: num(s.records_read),
      recordsSent: num(s.records_sent),
      recordsConfirmed: num(s.records_confirmed),
      bytes: num(s.bytes),
      status: optionalText(s.status),
    }));
  }
}

/**
 * For readers without the lock (a view of the store while another process may run): a run still
 * marked running whose process on this machine is gone is shown as what it is, interrupted. The
 * row itself is corrected by the next process that takes the lock.
 */
function interruptedView(r: SqlRow, lastSavedAt: number | undefined): Partial<RunRecord> {
  const pid = optionalNum(r.owner_pid);
  if (String(r.status) !== 'running' || pid === undefined || optionalText(r.owner_host) !== os.hostname()) return {};
  if (pid === process.pid || isProcessAlive(pid)) return {};
  return {
    status: 'failed',
    error: `${INTERRUPTED_ERROR} (pid ${pid}).`,
    endedAt: Math.max(num(r.started_at), lastSavedAt ?? Date.now()),
  };
}

// The new fields are left out of a record rather than set to undefined, so records of old rows
// compare (and serialize) as before.
function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
