/**
 * The workspace store: one sql.js (SQLite) file, default `.airbyte/state.sqlite`. This module alone
 * touches the database. It holds committed connector state, run history and the index of the record
 * cache (whose records live in segment files beside it, see `recordCache.ts`, so that memory does not
 * grow with the cache).
 *
 * Saves are atomic (export, temp file, fsync, rename, fsync folder) and serialized (one at a time;
 * requests made while one runs are coalesced into the next). A lock file keeps a second process out
 * while a run holds the store; a corrupt file is moved aside and a fresh store started.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Database, SqlValue } from 'sql.js';
import { AirbyteError } from '../errors';
import { isProcessAlive } from '../isProcessAlive';
import type { AirbyteCatalog, AirbyteStateMessage, AirbyteStateType } from '../protocol/messages';
import { writeFileAtomic } from './atomicFile';
import { loadSqlJs } from './sqlJsLoader';
import type { StoreLock } from './storeLock';
import { acquireStoreLock } from './storeLock';

export const DEFAULT_STORE_RELATIVE_PATH = path.join('.airbyte', 'state.sqlite');

export interface StateStoreOptions {
  /** The database file. Its folder is created when missing. */
  path: string;
  /** Location of `sql-wasm.wasm`; found beside the bundle or in node_modules when omitted. */
  wasmPath?: string;
  /** Take the single-writer lock (default true). Read-only viewers pass false and never save. */
  lock?: boolean;
  /** Shown in the "in use" message other processes get. */
  purpose?: string;
  /** Told about problems that were repaired (a corrupt file moved aside). */
  onWarning?: (message: string) => void;
}

/** A committed state row: for STREAM state the stream's key, for GLOBAL and LEGACY the empty key. */
export interface StoredState {
  streamKey: string;
  type: AirbyteStateType;
  state: AirbyteStateMessage;
  updatedAt: number;
}

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

/** A run as recorded: what it was started with ({@link NewRun}), then how it went. */
export interface RunRecord extends Omit<NewRun, 'startedAt'>, RunCounts {
  id: number;
  startedAt: number;
  endedAt?: number;
  status: RunStatus;
  /** Already secret-masked by the caller. */
  error?: string;
  streamStats: RunStreamStats[];
}

export interface NewRun {
  kind: RunKind;
  source: string;
  sourceId: string;
  destination?: string;
  destinationId?: string;
  streams: string[];
  strategy?: string;
  mode?: string;
  startedAt?: number;
}

export interface CacheStreamInfo {
  sourceId: string;
  streamKey: string;
  /** First position of the current generation (a full-refresh read starts a new one). */
  generationStart: number;
  /** One past the last committed position. */
  endPos: number;
}

export interface CacheSegment {
  sourceId: string;
  streamKey: string;
  firstPos: number;
  recordCount: number;
  bytes: number;
  /** Relative to the cache folder. */
  file: string;
}

export interface CacheStateEntry {
  seq: number;
  state: AirbyteStateMessage;
  /** Per stream: the cache position (one past the last record) the state covers. */
  positions: Record<string, number>;
}

/** Key under which the record cache stores its own (source-side) state, like a destination. */
export const CACHE_DESTINATION_ID = '@cache';

type Migration = (db: Database) => void;

// Index = version reached after running it. Never edit a shipped migration; append a new one.
const MIGRATIONS: Migration[] = [
  (db) => {
    db.run(`
      CREATE TABLE states (
        source_id TEXT NOT NULL, destination_id TEXT NOT NULL, stream_key TEXT NOT NULL,
        state_type TEXT NOT NULL, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (source_id, destination_id, stream_key));
      CREATE TABLE generations (
        source_id TEXT NOT NULL, destination_id TEXT NOT NULL, stream_key TEXT NOT NULL,
        generation_id INTEGER NOT NULL, PRIMARY KEY (source_id, destination_id, stream_key));
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, source TEXT NOT NULL, source_id TEXT NOT NULL,
        destination TEXT, destination_id TEXT, streams TEXT NOT NULL, strategy TEXT, mode TEXT,
        started_at INTEGER NOT NULL, ended_at INTEGER, status TEXT NOT NULL, error TEXT,
        records_read INTEGER NOT NULL DEFAULT 0, records_sent INTEGER NOT NULL DEFAULT 0,
        records_confirmed INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE run_streams (
        run_id INTEGER NOT NULL, stream_key TEXT NOT NULL, records_read INTEGER NOT NULL, records_sent INTEGER NOT NULL,
        records_confirmed INTEGER NOT NULL, bytes INTEGER NOT NULL, status TEXT, PRIMARY KEY (run_id, stream_key));
    `);
  },
  (db) => {
    db.run(`
      CREATE TABLE cache_streams (
        source_id TEXT NOT NULL, stream_key TEXT NOT NULL, generation_start INTEGER NOT NULL, end_pos INTEGER NOT NULL,
        PRIMARY KEY (source_id, stream_key));
      CREATE TABLE cache_segments (
        source_id TEXT NOT NULL, stream_key TEXT NOT NULL, first_pos INTEGER NOT NULL, record_count INTEGER NOT NULL,
        bytes INTEGER NOT NULL, file TEXT NOT NULL, PRIMARY KEY (source_id, stream_key, first_pos));
      CREATE TABLE cache_states (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, source_id TEXT NOT NULL, state_json TEXT NOT NULL, positions_json TEXT NOT NULL);
      CREATE INDEX cache_states_source ON cache_states (source_id, seq);
      CREATE TABLE cache_confirmed (
        source_id TEXT NOT NULL, destination_id TEXT NOT NULL, stream_key TEXT NOT NULL, confirmed_pos INTEGER NOT NULL,
        PRIMARY KEY (source_id, destination_id, stream_key));
    `);
  },
  (db) => {
    // What a read into the cache needs to be written again later by run id: the streams' schemas
    // (the discovered catalog of the streams read) and how they were read.
    db.run(`
      CREATE TABLE run_catalogs (
        run_id INTEGER PRIMARY KEY, catalog_json TEXT NOT NULL, plans_json TEXT NOT NULL);
    `);
  },
];

/** The schema version this build writes. */
export const STORE_SCHEMA_VERSION = MIGRATIONS.length;

function rows(db: Database, sql: string, params: SqlValue[] = []): Record<string, SqlValue>[] {
  const stmt = db.prepare(sql);
  try {
    stmt.bind(params);
    const out: Record<string, SqlValue>[] = [];
    while (stmt.step()) out.push(stmt.getAsObject());
    return out;
  } finally {
    stmt.free();
  }
}

/** Temp files of saves whose process died mid-write (`.state.sqlite.tmp-<pid>-<n>`). */
async function removeStaleTempFiles(file: string): Promise<void> {
  const prefix = `.${path.basename(file)}.tmp-`;
  const entries = await fs.readdir(path.dirname(file)).catch(() => [] as string[]);
  for (const name of entries) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length).split('-')[0]);
    if (!isProcessAlive(pid) || pid === process.pid) await fs.rm(path.join(path.dirname(file), name), { force: true });
  }
}

function num(v: SqlValue | undefined): number {
  return typeof v === 'number' ? v : Number(v ?? 0);
}

function str(v: SqlValue | undefined): string | undefined {
  return v === null || v === undefined ? undefined : String(v);
}

export class StateStore {
  /** Problems repaired while opening (e.g. a corrupt file moved aside). */
  readonly warnings: string[] = [];
  private saving: Promise<void> | undefined;
  private saveQueued: Promise<void> | undefined;
  private dirty = false;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly db: Database,
    private readonly lock: StoreLock | undefined,
  ) {}

  /** True once `close()` ran. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** The folder holding the record cache's segment files. */
  get cacheDir(): string {
    return path.join(path.dirname(this.path), 'cache');
  }

  /**
   * Opens (or creates) the store. Throws `STORE_IN_USE` when another live process holds it; moves a
   * corrupt file aside (`state.sqlite.corrupt-<timestamp>`) and starts fresh, reporting it.
   */
  static async open(options: StateStoreOptions): Promise<StateStore> {
    const file = path.resolve(options.path);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const SQL = await loadSqlJs(options.wasmPath);
    const lock = options.lock === false ? undefined : await acquireStoreLock(`${file}.lock`, file, options.purpose);
    const warnings: string[] = [];
    if (lock) await removeStaleTempFiles(file);
    let db: Database | undefined;
    try {
      if (existsSync(file)) {
        const bytes = await fs.readFile(file);
        try {
          db = new SQL.Database(bytes);
          // sql.js opens lazily: touching the schema is what reveals a damaged file.
          const check = rows(db, 'PRAGMA quick_check');
          if (String(check[0]?.quick_check) !== 'ok') throw new Error(`integrity check: ${JSON.stringify(check.slice(0, 3))}`);
        } catch (error) {
          db?.close();
          db = undefined;
          const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
          if (lock) {
            await fs.rename(file, aside);
            warnings.push(
              `The state store ${file} was unreadable (${(error as Error).message}); it was moved to ${aside} and a fresh store was started. Incremental runs start over.`,
            );
          } else {
            throw new AirbyteError('STORE_CORRUPT', {
              message: `The state store ${file} is unreadable: ${(error as Error).message}.`,
              guidance: 'Run a write (which moves it aside and starts a fresh store) or delete the file.',
              context: { store: file },
            });
          }
        }
      }
      db ??= new SQL.Database();
      const store = new StateStore(file, db, lock);
      store.migrate();
      for (const w of warnings) {
        store.warnings.push(w);
        options.onWarning?.(w);
      }
      if (lock && (!existsSync(file) || store.dirty)) await store.save();
      return store;
    } catch (error) {
      db?.close();
      await lock?.release();
      throw error;
    }
  }

  private migrate(): void {
    const version = this.schemaVersion;
    if (version > MIGRATIONS.length) {
      throw new AirbyteError('STORE_CORRUPT', {
        message: `The state store ${this.path} was written by a newer version of airbyte-write (schema ${version}, this one knows ${MIGRATIONS.length}).`,
        guidance: 'Update airbyte-write, or point --state-file at another file.',
        context: { store: this.path },
      });
    }
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.transaction(() => {
        MIGRATIONS[v](this.db);
        this.db.run(`PRAGMA user_version = ${v + 1}`);
      });
    }
  }

  /** The schema version of the open file. */
  get schemaVersion(): number {
    return num(rows(this.db, 'PRAGMA user_version')[0]?.user_version);
  }

  private write(sql: string, params: SqlValue[] = []): void {
    this.assertOpen();
    this.db.run(sql, params);
    this.dirty = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The state store is closed.');
  }

  /** Runs `fn` in one transaction: all its changes or none. */
  transaction<T>(fn: () => T): T {
    this.assertOpen();
    this.db.run('BEGIN');
    try {
      const out = fn();
      this.db.run('COMMIT');
      this.dirty = true;
      return out;
    } catch (error) {
      this.db.run('ROLLBACK');
      throw error;
    }
  }

  /**
   * Persists the database atomically. Concurrent calls are serialized, and calls made while a save
   * runs share the one that follows it.
   */
  save(): Promise<void> {
    if (!this.lock) return Promise.reject(new Error('This state store was opened read-only.'));
    if (this.saveQueued) return this.saveQueued;
    if (!this.saving) {
      this.saving = this.doSave().finally(() => (this.saving = undefined));
      return this.saving;
    }
    const previous = this.saving;
    this.saveQueued = previous
      .catch(() => undefined)
      .then(() => {
        this.saveQueued = undefined;
        this.saving = this.doSave().finally(() => (this.saving = undefined));
        return this.saving;
      });
    return this.saveQueued;
  }

  private async doSave(): Promise<void> {
    this.assertOpen();
    this.dirty = false;
    const bytes = this.db.export();
    await writeFileAtomic(this.path, bytes);
  }

  /** Saves pending changes, releases the lock and frees the database. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.lock && (this.dirty || this.saving || this.saveQueued)) await this.save();
      await this.saving;
    } finally {
      this.closed = true;
      this.db.close();
      await this.lock?.release();
    }
  }

  // ---- state --------------------------------------------------------------------------------

  /** Every committed state row for (source identity, destination identity). */
  getStates(sourceId: string, destinationId: string): StoredState[] {
    return rows(
      this.db,
      'SELECT stream_key, state_type, state_json, updated_at FROM states WHERE source_id = ? AND destination_id = ? ORDER BY stream_key',
      [sourceId, destinationId],
    ).map((r) => ({
      streamKey: String(r.stream_key),
      type: String(r.state_type) as AirbyteStateType,
      state: JSON.parse(String(r.state_json)) as AirbyteStateMessage,
      updatedAt: num(r.updated_at),
    }));
  }

  /**
   * Records committed states. A GLOBAL or LEGACY state replaces every row of the pair (it covers
   * all streams); a STREAM state replaces its stream's row and any GLOBAL/LEGACY row.
   */
  putStates(
    sourceId: string,
    destinationId: string,
    states: Array<{ streamKey: string; type: AirbyteStateType; state: AirbyteStateMessage }>,
  ): void {
    if (states.length === 0) return;
    this.transaction(() => {
      const now = Date.now();
      for (const s of states) {
        if (s.type === 'STREAM') {
          this.db.run("DELETE FROM states WHERE source_id = ? AND destination_id = ? AND stream_key = ''", [sourceId, destinationId]);
        } else {
          this.db.run('DELETE FROM states WHERE source_id = ? AND destination_id = ?', [sourceId, destinationId]);
        }
        this.db.run('INSERT OR REPLACE INTO states VALUES (?, ?, ?, ?, ?, ?)', [
          sourceId,
          destinationId,
          s.streamKey,
          s.type,
          JSON.stringify(s.state),
          now,
        ]);
      }
    });
  }

  /** Forgets committed state (all streams, or the listed ones). */
  clearStates(sourceId: string, destinationId: string, streamKeys?: string[]): void {
    if (!streamKeys) {
      this.write('DELETE FROM states WHERE source_id = ? AND destination_id = ?', [sourceId, destinationId]);
      return;
    }
    for (const key of streamKeys)
      this.write('DELETE FROM states WHERE source_id = ? AND destination_id = ? AND stream_key = ?', [sourceId, destinationId, key]);
  }

  /** The current generation of a stream at a destination (0 before the first truncation). */
  getGeneration(sourceId: string, destinationId: string, streamKey: string): number {
    return num(
      rows(this.db, 'SELECT generation_id FROM generations WHERE source_id = ? AND destination_id = ? AND stream_key = ?', [
        sourceId,
        destinationId,
        streamKey,
      ])[0]?.generation_id,
    );
  }

  setGeneration(sourceId: string, destinationId: string, streamKey: string, generation: number): void {
    this.write('INSERT OR REPLACE INTO generations VALUES (?, ?, ?, ?)', [sourceId, destinationId, streamKey, generation]);
  }

  // ---- run history --------------------------------------------------------------------------

  /** Records the start of a run; its id doubles as the protocol's `sync_id` (it grows per run). */
  beginRun(run: NewRun): number {
    this.write(
      'INSERT INTO runs (kind, source, source_id, destination, destination_id, streams, strategy, mode, started_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [
        run.kind,
        run.source,
        run.sourceId,
        run.destination ?? null,
        run.destinationId ?? null,
        JSON.stringify(run.streams),
        run.strategy ?? null,
        run.mode ?? null,
        run.startedAt ?? Date.now(),
        'running',
      ],
    );
    return num(rows(this.db, 'SELECT last_insert_rowid() AS id')[0]?.id);
  }

  /** Records the outcome of a run with its per-stream counts. `error` must already be masked. */
  finishRun(id: number, outcome: { status: RunStatus; error?: string; endedAt?: number; streams: RunStreamStats[] }): void {
    const total = (k: keyof RunCounts) => outcome.streams.reduce((n, s) => n + s[k], 0);
    this.transaction(() => {
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
  listRuns(limit = 50, filter: { kind?: RunKind; status?: RunStatus } = {}): RunRecord[] {
    const where: string[] = [];
    const params: SqlValue[] = [];
    if (filter.kind) {
      where.push('kind = ?');
      params.push(filter.kind);
    }
    if (filter.status) {
      where.push('status = ?');
      params.push(filter.status);
    }
    const sql = `SELECT * FROM runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return rows(this.db, sql, [...params, limit]).map((r) => this.toRun(r));
  }

  /**
   * Keeps the catalog a read used (the discovered streams and how each was read), so the cached
   * read can be reopened by run id. `plans` is opaque to the store.
   */
  putRunCatalog(runId: number, catalog: AirbyteCatalog, plans: unknown[]): void {
    this.write('INSERT OR REPLACE INTO run_catalogs VALUES (?, ?, ?)', [runId, JSON.stringify(catalog), JSON.stringify(plans)]);
  }

  /** The catalog kept for a run by {@link putRunCatalog}, if any. */
  getRunCatalog(runId: number): { catalog: AirbyteCatalog; plans: unknown[] } | undefined {
    const r = rows(this.db, 'SELECT catalog_json, plans_json FROM run_catalogs WHERE run_id = ?', [runId])[0];
    return r
      ? { catalog: JSON.parse(String(r.catalog_json)) as AirbyteCatalog, plans: JSON.parse(String(r.plans_json)) as unknown[] }
      : undefined;
  }

  getRun(id: number): RunRecord | undefined {
    const r = rows(this.db, 'SELECT * FROM runs WHERE id = ?', [id])[0];
    return r ? this.toRun(r) : undefined;
  }

  private toRun(r: Record<string, SqlValue>): RunRecord {
    const id = num(r.id);
    return {
      id,
      kind: String(r.kind) as RunKind,
      source: String(r.source),
      sourceId: String(r.source_id),
      destination: str(r.destination),
      destinationId: str(r.destination_id),
      streams: JSON.parse(String(r.streams)) as string[],
      strategy: str(r.strategy),
      mode: str(r.mode),
      startedAt: num(r.started_at),
      endedAt: r.ended_at === null ? undefined : num(r.ended_at),
      status: String(r.status) as RunStatus,
      error: str(r.error),
      recordsRead: num(r.records_read),
      recordsSent: num(r.records_sent),
      recordsConfirmed: num(r.records_confirmed),
      bytes: num(r.bytes),
      streamStats: rows(this.db, 'SELECT * FROM run_streams WHERE run_id = ? ORDER BY stream_key', [id]).map((s) => ({
        stream: String(s.stream_key),
        recordsRead: num(s.records_read),
        recordsSent: num(s.records_sent),
        recordsConfirmed: num(s.records_confirmed),
        bytes: num(s.bytes),
        status: str(s.status),
      })),
    };
  }

  // ---- record cache index (files are handled by recordCache.ts) ------------------------------

  getCacheStream(sourceId: string, streamKey: string): CacheStreamInfo | undefined {
    const r = rows(this.db, 'SELECT generation_start, end_pos FROM cache_streams WHERE source_id = ? AND stream_key = ?', [
      sourceId,
      streamKey,
    ])[0];
    return r ? { sourceId, streamKey, generationStart: num(r.generation_start), endPos: num(r.end_pos) } : undefined;
  }

  listCacheStreams(sourceId: string): CacheStreamInfo[] {
    return rows(this.db, 'SELECT stream_key, generation_start, end_pos FROM cache_streams WHERE source_id = ? ORDER BY stream_key', [
      sourceId,
    ]).map((r) => ({
      sourceId,
      streamKey: String(r.stream_key),
      generationStart: num(r.generation_start),
      endPos: num(r.end_pos),
    }));
  }

  listCacheSegments(sourceId: string, streamKey?: string): CacheSegment[] {
    const sql =
      streamKey === undefined
        ? 'SELECT * FROM cache_segments WHERE source_id = ? ORDER BY stream_key, first_pos'
        : 'SELECT * FROM cache_segments WHERE source_id = ? AND stream_key = ? ORDER BY first_pos';
    return rows(this.db, sql, streamKey === undefined ? [sourceId] : [sourceId, streamKey]).map((r) => ({
      sourceId,
      streamKey: String(r.stream_key),
      firstPos: num(r.first_pos),
      recordCount: num(r.record_count),
      bytes: num(r.bytes),
      file: String(r.file),
    }));
  }

  /** Every segment file the index knows, relative to the cache folder. */
  allCacheSegmentFiles(): Set<string> {
    return new Set(rows(this.db, 'SELECT file FROM cache_segments').map((r) => String(r.file)));
  }

  /**
   * Commits one cache ingest in one transaction: new segments, new stream extents (a stream whose
   * generation restarted drops its older segments and states), and the states read with them.
   * Returns the files of dropped segments, for the caller to delete after saving.
   */
  commitCacheIngest(
    sourceId: string,
    streams: Array<{ streamKey: string; generationStart: number; endPos: number }>,
    segments: Array<Omit<CacheSegment, 'sourceId'>>,
    states: Array<{ state: AirbyteStateMessage; positions: Record<string, number> }>,
  ): string[] {
    const dropped: string[] = [];
    this.transaction(() => {
      for (const s of streams) {
        for (const r of rows(this.db, 'SELECT file FROM cache_segments WHERE source_id = ? AND stream_key = ? AND first_pos < ?', [
          sourceId,
          s.streamKey,
          s.generationStart,
        ])) {
          dropped.push(String(r.file));
        }
        this.db.run('DELETE FROM cache_segments WHERE source_id = ? AND stream_key = ? AND first_pos < ?', [
          sourceId,
          s.streamKey,
          s.generationStart,
        ]);
        this.db.run('INSERT OR REPLACE INTO cache_streams VALUES (?, ?, ?, ?)', [sourceId, s.streamKey, s.generationStart, s.endPos]);
      }
      for (const seg of segments) {
        if (seg.recordCount === 0) continue;
        this.db.run('INSERT OR REPLACE INTO cache_segments VALUES (?, ?, ?, ?, ?, ?)', [
          sourceId,
          seg.streamKey,
          seg.firstPos,
          seg.recordCount,
          seg.bytes,
          seg.file,
        ]);
      }
      for (const st of states) {
        this.db.run('INSERT INTO cache_states (source_id, state_json, positions_json) VALUES (?, ?, ?)', [
          sourceId,
          JSON.stringify(st.state),
          JSON.stringify(st.positions),
        ]);
      }
      // Only the states a replay can still use are kept: those at or after each stream's generation start.
      const keepFrom = new Map(this.listCacheStreams(sourceId).map((s) => [s.streamKey, s.generationStart]));
      for (const entry of this.listCacheStates(sourceId)) {
        const stale = Object.entries(entry.positions).some(([k, p]) => p < (keepFrom.get(k) ?? 0));
        if (stale) this.db.run('DELETE FROM cache_states WHERE seq = ?', [entry.seq]);
      }
    });
    return dropped;
  }

  /** The source states stored with the cache, in the order the source emitted them. */
  listCacheStates(sourceId: string, afterSeq = 0): CacheStateEntry[] {
    return rows(this.db, 'SELECT seq, state_json, positions_json FROM cache_states WHERE source_id = ? AND seq > ? ORDER BY seq', [
      sourceId,
      afterSeq,
    ]).map((r) => ({
      seq: num(r.seq),
      state: JSON.parse(String(r.state_json)) as AirbyteStateMessage,
      positions: JSON.parse(String(r.positions_json)) as Record<string, number>,
    }));
  }

  /** How far into a cached stream a destination has confirmed (one past its last confirmed record). */
  getCacheConfirmed(sourceId: string, destinationId: string, streamKey: string): number | undefined {
    const r = rows(this.db, 'SELECT confirmed_pos FROM cache_confirmed WHERE source_id = ? AND destination_id = ? AND stream_key = ?', [
      sourceId,
      destinationId,
      streamKey,
    ])[0];
    return r ? num(r.confirmed_pos) : undefined;
  }

  setCacheConfirmed(sourceId: string, destinationId: string, positions: Record<string, number>): void {
    for (const [streamKey, pos] of Object.entries(positions)) {
      this.write('INSERT OR REPLACE INTO cache_confirmed VALUES (?, ?, ?, ?)', [sourceId, destinationId, streamKey, pos]);
    }
  }

  /** Drops a source's cache index (its files are removed by the caller). */
  clearCache(sourceId: string): string[] {
    const files = this.listCacheSegments(sourceId).map((s) => s.file);
    this.transaction(() => {
      for (const t of ['cache_streams', 'cache_segments', 'cache_states', 'cache_confirmed'])
        this.db.run(`DELETE FROM ${t} WHERE source_id = ?`, [sourceId]);
    });
    return files;
  }
}
