/**
 * The workspace store: one sql.js (SQLite) file, default `.airbyte/state.sqlite` (see
 * `storePath.ts`). This class alone owns the database: it opens it, takes the lock, migrates,
 * saves and closes it. What it holds is reached through its three tables: committed state
 * (`.states`), run history (`.runs`) and the index of the record cache (`.cacheIndex`, whose records
 * live in segment files beside it, see `recordCache.ts`, so that memory does not grow with the cache).
 *
 * Saves are atomic (export, temp file, fsync, rename, fsync folder) and serialized (one at a time;
 * requests made while one runs are coalesced into the next). A lock file keeps a second process out
 * while a run holds the store; a corrupt file is moved aside and a fresh store started.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Database, SqlJsStatic } from 'sql.js';
import { AirbyteError } from '../errors';
import { fileSystemError } from '../fileSystemError';
import { isProcessAlive } from '../isProcessAlive';
import { makeDirectory } from '../makeDirectory';
import { writeFileAtomic } from './atomicFile';
import { CacheIndex } from './cacheIndex';
import { CommittedStates } from './committedStates';
import { RunHistory } from './runHistory';
import { loadSqlJs } from './sqlJsLoader';
import { StoreDatabase, num } from './storeDatabase';
import type { StoreLock } from './storeLock';
import { acquireStoreLock } from './storeLock';
import { STORE_MIGRATIONS } from './storeMigrations';

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

/** The way out every store problem offers besides fixing it. */
const STORE_ELSEWHERE = 'Or point the store elsewhere: --state-file PATH on the CLI, the airbyte.stateFile setting in VS Code.';

export class WorkspaceStore {
  /** Problems repaired while opening (e.g. a corrupt file moved aside). */
  readonly warnings: string[] = [];
  /** Committed connector state and stream generations. */
  readonly states: CommittedStates;
  /** Every read and write, with its counts. */
  readonly runs: RunHistory;
  /** Where the record cache's records are and what each destination confirmed of them. */
  readonly cacheIndex: CacheIndex;
  private saving: Promise<void> | undefined;
  private saveQueued: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    private readonly db: StoreDatabase,
    private readonly lock: StoreLock | undefined,
  ) {
    this.states = new CommittedStates(db);
    this.runs = new RunHistory(db);
    this.cacheIndex = new CacheIndex(db);
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
   * Opens (or creates) the store. Throws `STORE_IN_USE` when another live process holds it; moves a
   * corrupt file aside (`state.sqlite.corrupt-<timestamp>`) and starts fresh, reporting it.
   */
  static async open(options: WorkspaceStoreOptions): Promise<WorkspaceStore> {
    const file = path.resolve(options.path);
    await makeDirectory(path.dirname(file)).catch((error: unknown) => {
      throw fileSystemError(error, { action: 'create the folder of the state store', path: path.dirname(file), guidance: STORE_ELSEWHERE });
    });
    const SQL = await loadSqlJs(options.wasmPath);
    const lock = options.lock === false ? undefined : await acquireStoreLock(`${file}.lock`, file, options.purpose);
    const warnings: string[] = [];
    if (lock) await removeStaleTempFiles(file);
    let db: Database | undefined;
    try {
      db = (await readExisting(SQL, file, lock !== undefined, warnings)) ?? new SQL.Database();
      const store = new WorkspaceStore(file, new StoreDatabase(file, db), lock);
      store.migrate();
      for (const w of warnings) {
        store.warnings.push(w);
        options.onWarning?.(w);
      }
      if (lock && (!existsSync(file) || store.db.dirty)) await store.save();
      return store;
    } catch (error) {
      db?.close();
      await lock?.release();
      throw error;
    }
  }

  private migrate(): void {
    const version = this.schemaVersion;
    if (version > STORE_MIGRATIONS.length) {
      throw new AirbyteError('STORE_CORRUPT', {
        message: `The state store ${this.path} was written by a newer version of airbyte-write (schema ${version}, this one knows ${STORE_MIGRATIONS.length}).`,
        guidance: 'Update airbyte-write, or point --state-file at another file.',
        context: { store: this.path },
      });
    }
    for (let v = version; v < STORE_MIGRATIONS.length; v++) this.db.migrate(STORE_MIGRATIONS[v], v + 1);
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
    await writeFileAtomic(this.path, this.db.export());
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

/**
 * The database in `file`, or undefined when there is none. A damaged file is moved aside (with a
 * warning) when this process holds the lock; a read-only viewer gets `STORE_CORRUPT` instead.
 */
async function readExisting(SQL: SqlJsStatic, file: string, locked: boolean, warnings: string[]): Promise<Database | undefined> {
  if (!existsSync(file)) return undefined;
  const bytes = await fs.readFile(file);
  let db: Database | undefined;
  let reason: string;
  try {
    db = new SQL.Database(bytes);
    // sql.js opens lazily: touching the schema is what reveals a damaged file.
    const check = db.exec('PRAGMA quick_check');
    if (String(check[0]?.values[0]?.[0]) === 'ok') return db;
    reason = `integrity check: ${JSON.stringify(check[0]?.values.slice(0, 3) ?? [])}`;
  } catch (error) {
    reason = (error as Error).message;
  }
  db?.close();
  if (!locked) {
    throw new AirbyteError('STORE_CORRUPT', {
      message: `The state store ${file} is unreadable: ${reason}.`,
      guidance: 'Run a write (which moves it aside and starts a fresh store) or delete the file.',
      context: { store: file },
    });
  }
  const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  await fs.rename(file, aside);
  warnings.push(
    `The state store ${file} was unreadable (${reason}); it was moved to ${aside} and a fresh store was started. Incremental runs start over.`,
  );
  return undefined;
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
