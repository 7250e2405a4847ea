/**
 * The workspace store: one sql.js (SQLite) file, default `.airbyte/state.sqlite` (see
 * `storePath.ts`). This class alone owns the database: it opens it, takes the lock, migrates,
 * saves and closes it. What it holds is reached through its three tables: committed state
 * (`.states`), run history (`.runs`) and the index of the record cache (`.cacheIndex`, whose records
 * live in segment files beside it, see `recordCache.ts`, so that memory does not grow with the cache).
 *
 * Saves are atomic (export, temp file, fsync, rename, fsync folder) and serialized (one at a time;
 * requests made while one runs are coalesced into the next). A lock file keeps a second process out
 * while a run holds the store. Each save keeps the one before as `state.sqlite.bak`; a damaged file
 * is recovered from it, or repaired, with a warning (see `storeRecovery.ts`).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Database } from 'sql.js';
import { AirbyteError, isAirbyteError } from '../errors';
import { fileSystemError } from '../fileSystemError';
import { isProcessAlive } from '../isProcessAlive';
import { makeDirectory } from '../makeDirectory';
import { writeFileAtomic } from './atomicFile';
import { CacheIndex } from './cacheIndex';
import { CommittedStates } from './committedStates';
import { RunHistory } from './runHistory';
import { DiscoveredCatalogs } from './discoveredCatalogs';
import { PlatformDeployments } from './platformDeployments';
import { loadSqlJs } from './sqlJsLoader';
import { StoreDatabase, num } from './storeDatabase';
import type { StoreLock } from './storeLock';
import { acquireStoreLock } from './storeLock';
import { STORE_ELSEWHERE, keepPreviousSave, openDatabase } from './storeRecovery';

export interface WorkspaceStoreOptions {
  /** The database file. Its folder is created when missing. */
  path: string;
  /** Location of `sql-wasm.wasm`; the one the host set (`useSqlWasm`) when omitted. */
  wasmPath?: string;
  /** Take the single-writer lock (default true). Read-only viewers pass false and never save. */
  lock?: boolean;
  /** Shown in the "in use" message other processes get. */
  purpose?: string;
  /** Told about problems that were repaired (a corrupt file moved aside). */
  onWarning?: (message: string) => void;
}

export class WorkspaceStore {
  /** Problems repaired while opening (e.g. a corrupt file moved aside). */
  readonly warnings: string[] = [];
  /** Committed connector state and stream generations. */
  readonly states: CommittedStates;
  /** Every read and write, with its counts. */
  readonly runs: RunHistory;
  /** Where the record cache's records are and what each destination confirmed of them. */
  readonly cacheIndex: CacheIndex;
  /** What was deployed to Airbyte platforms (their ids), so that deploys update in place. */
  readonly platform: PlatformDeployments;
  /** Each source config's newest discovered catalog (see discoveredCatalogs.ts). */
  readonly catalogs: DiscoveredCatalogs;
  private saving: Promise<void> | undefined;
  private saveQueued: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    private readonly db: StoreDatabase,
    private readonly lock: StoreLock | undefined,
    savedAt: number | undefined,
  ) {
    this.states = new CommittedStates(db);
    this.runs = new RunHistory(db, savedAt);
    this.cacheIndex = new CacheIndex(db);
    this.platform = new PlatformDeployments(db);
    this.catalogs = new DiscoveredCatalogs(db);
  }

  /** True once `close()` ran. */
  get isClosed(): boolean {
    return this.db.isClosed;
  }

  /**
   * The folder holding the record cache's segment files: one per store file, so that two stores in
   * one folder never share (or delete) each other's files. `state.sqlite` keeps `cache/` beside it;
   * any other store file `x` has `x.cache/`.
   */
  get cacheDir(): string {
    const name = path.basename(this.path);
    return path.join(path.dirname(this.path), name === 'state.sqlite' ? 'cache' : `${name}.cache`);
  }

  /** The schema version of the open file. */
  get schemaVersion(): number {
    return num(this.db.rows('PRAGMA user_version')[0]?.user_version);
  }

  /**
   * Opens (or creates) the store. Throws `STORE_IN_USE` when another live process holds it, and
   * `FILE_SYSTEM` when its folder cannot hold it (a folder at its path, a read-only folder). A
   * damaged file is recovered (see `storeRecovery.ts`) and reported through `onWarning`; runs left
   * "running" by a process that died are recorded as interrupted.
   */
  static async open(options: WorkspaceStoreOptions): Promise<WorkspaceStore> {
    const file = path.resolve(options.path);
    await makeDirectory(path.dirname(file)).catch((error: unknown) => {
      throw fileSystemError(error, { action: 'create the folder of the state store', path: path.dirname(file), guidance: STORE_ELSEWHERE });
    });
    const SQL = await loadSqlJs(options.wasmPath);
    const lock = options.lock === false ? undefined : await takeLock(file, options.purpose);
    const warnings: string[] = [];
    if (lock) await removeStaleTempFiles(file);
    let db: Database | undefined;
    try {
      const opened = await openDatabase(SQL, file, lock !== undefined, warnings);
      db = opened.db;
      const store = new WorkspaceStore(file, new StoreDatabase(file, db), lock, opened.savedAt);
      if (lock) noteInterruptedRuns(store, warnings);
      for (const w of warnings) {
        store.warnings.push(w);
        options.onWarning?.(w);
      }
      if (lock && (opened.changed || store.db.dirty)) await store.save();
      return store;
    } catch (error) {
      db?.close();
      await lock?.release();
      throw error;
    }
  }

  /** Runs `fn` in one transaction across the tables: all its changes or none. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn);
  }

  /**
   * Persists the database atomically. Concurrent calls are serialized, and calls made while a save
   * runs share the one that follows it.
   */
  save(): Promise<void> {
    if (!this.lock) {
      return Promise.reject(
        new AirbyteError('USAGE', {
          message: `The state store ${this.path} was opened read-only, so it cannot be saved.`,
          guidance: 'Open it with the lock (the default) to change it.',
          context: { store: this.path },
        }),
      );
    }
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
    const bytes = this.db.export();
    await keepPreviousSave(this.path);
    await writeFileAtomic(this.path, bytes).catch((error: unknown) => {
      throw fileSystemError(error, {
        action: 'save the state store',
        path: this.path,
        guidance: `What was saved before stays as it was. ${STORE_ELSEWHERE}`,
      });
    });
  }

  /** Saves pending changes, releases the lock and frees the database. */
  async close(): Promise<void> {
    if (this.db.isClosed) return;
    try {
      if (this.lock && (this.db.dirty || this.saving || this.saveQueued)) await this.save();
      await this.saving;
    } finally {
      this.db.close();
      await this.lock?.release();
    }
  }
}

/** The store's lock; a folder that cannot hold it (read-only, full) is a FILE_SYSTEM error naming it. */
async function takeLock(file: string, purpose: string | undefined): Promise<StoreLock> {
  try {
    return await acquireStoreLock(`${file}.lock`, file, purpose);
  } catch (error) {
    if (isAirbyteError(error)) throw error;
    throw fileSystemError(error, {
      action: 'take the lock of the state store',
      path: `${file}.lock`,
      guidance: `Nothing was changed. ${STORE_ELSEWHERE}`,
    });
  }
}

/** Runs left "running" by a process that ended without finishing them, recorded as interrupted (the lock says none runs now). */
function noteInterruptedRuns(store: WorkspaceStore, warnings: string[]): void {
  const n = store.runs.markInterrupted();
  if (n > 0)
    warnings.push(
      `${n} run(s) in ${store.path} were interrupted (their process ended without finishing them) and are now recorded as failed. What their destinations confirmed is kept; running again continues from there.`,
    );
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
