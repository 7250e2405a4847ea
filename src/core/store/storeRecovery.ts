/**
 * Opening a store file safely: read, upgraded to the current schema and checked (`storeCheck.ts`)
 * before anything uses it. A damaged file never fails every run with a raw error, and is never
 * reset without saying so. The holder of the lock recovers, losing as little as it can:
 * 1. the previous save (`state.sqlite.bak`, kept at every save) when it is sound: restored;
 * 2. else, when the file is readable: a copy is kept aside, then damaged rows are dropped and missing
 *    tables made again, every other row (every other stream's state) kept;
 * 3. else: the file is moved aside and a fresh store started.
 * Each time a warning says what happened, where the damaged file went and what the next runs do.
 * Readers without the lock get a STORE_CORRUPT error saying so instead.
 */
import { existsSync, promises as fs } from 'node:fs';
import type { Database, SqlJsStatic } from 'sql.js';
import { AirbyteError, isAirbyteError } from '../errors';
import { errnoCode, fileSystemError } from '../fileSystemError';
import type { StoreProblem } from './storeCheck';
import { repairStore, storeProblems } from './storeCheck';
import { STORE_MIGRATIONS } from './storeMigrations';

/** The way out every store problem offers besides fixing it. */
export const STORE_ELSEWHERE = 'Or point the store elsewhere: --state-file PATH on the CLI, the airbyte.stateFile setting in VS Code.';

/** A store file as read: its database when SQLite can read it, and what is wrong with it. */
interface Loaded {
  db?: Database;
  /** Why SQLite cannot use the file at all. */
  unreadable?: string;
  /** Damaged parts of a readable file. */
  problems: StoreProblem[];
  /** Whether opening changed it (an upgrade). */
  changed: boolean;
}

export interface OpenedDatabase {
  db: Database;
  /** True when the database differs from the file (new, upgraded, restored or repaired): save it. */
  changed: boolean;
  /** When the file was last saved (its mtime), if there was one. */
  savedAt?: number;
}

/** The previous save of a store file, kept beside it. */
export function backupOf(file: string): string {
  return `${file}.bak`;
}

/** Opens `file` (a new database when there is none), recovering a damaged one when `locked`. */
export async function openDatabase(SQL: SqlJsStatic, file: string, locked: boolean, warnings: string[]): Promise<OpenedDatabase> {
  const info = await fs.stat(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw fileSystemError(error, { action: 'open the state store', path: file, guidance: STORE_ELSEWHERE });
  });
  if (!info) return { db: upgraded(new SQL.Database()), changed: true };
  if (info.isDirectory()) throw folderInTheWay(file);
  const loaded = await load(SQL, file);
  if (loaded.db && !loaded.unreadable && loaded.problems.length === 0)
    return { db: loaded.db, changed: loaded.changed, savedAt: info.mtimeMs };
  if (!locked) {
    loaded.db?.close();
    throw new AirbyteError('STORE_CORRUPT', {
      message: `The state store ${file} is damaged: ${damage(loaded)}.`,
      guidance: 'The next write or read repairs it (it holds the store; what can be kept is kept, and it says what was not).',
      context: { store: file },
    });
  }
  return { ...(await recover(SQL, file, loaded, warnings)), changed: true, savedAt: info.mtimeMs };
}

function folderInTheWay(file: string): AirbyteError {
  return new AirbyteError('FILE_SYSTEM', {
    message: `The state store ${file} is a folder, not a file.`,
    guidance: `Nothing was changed. Move that folder away (the store is created again there), then run again. ${STORE_ELSEWHERE}`,
    context: { store: file },
  });
}

/** Reads, upgrades and checks a store file. Throws only what recovery cannot help (a newer schema, an unreadable folder). */
async function load(SQL: SqlJsStatic, file: string): Promise<Loaded> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    if (errnoCode(error) === 'EISDIR') throw folderInTheWay(file);
    throw fileSystemError(error, { action: 'read the state store', path: file, guidance: STORE_ELSEWHERE });
  }
  // An empty file is not an empty store: saves are atomic, so something else truncated it.
  if (bytes.length === 0) return { unreadable: 'it is empty (0 bytes)', problems: [], changed: false };
  let db: Database | undefined;
  try {
    db = new SQL.Database(bytes);
    // sql.js opens lazily: touching the schema is what reveals a damaged file.
    const check = db.exec('PRAGMA quick_check');
    if (String(check[0]?.values[0]?.[0]) !== 'ok') {
      db.close();
      return {
        unreadable: `SQLite's integrity check fails: ${JSON.stringify(check[0]?.values.slice(0, 3) ?? [])}`,
        problems: [],
        changed: false,
      };
    }
    const version = userVersion(db);
    upgraded(db, file);
    return { db, problems: storeProblems(SQL, db), changed: version !== STORE_MIGRATIONS.length };
  } catch (error) {
    db?.close();
    if (isAirbyteError(error)) throw error;
    return { unreadable: (error as Error).message, problems: [], changed: false };
  }
}

function userVersion(db: Database): number {
  return Number(db.exec('PRAGMA user_version')[0]?.values[0]?.[0] ?? 0);
}

/** `db` brought to the current schema (each step in a transaction); a newer one is an error. */
function upgraded(db: Database, file = 'the state store'): Database {
  const version = userVersion(db);
  if (version > STORE_MIGRATIONS.length) {
    throw new AirbyteError('STORE_CORRUPT', {
      message: `The state store ${file} was written by a newer version of airbyte-write (schema ${version}, this one knows ${STORE_MIGRATIONS.length}).`,
      guidance: `Update airbyte-write. ${STORE_ELSEWHERE}`,
      context: { store: file },
    });
  }
  for (let v = version; v < STORE_MIGRATIONS.length; v++) {
    db.run('BEGIN');
    try {
      STORE_MIGRATIONS[v](db);
      db.run(`PRAGMA user_version = ${v + 1}`);
      db.run('COMMIT');
    } catch (error) {
      db.run('ROLLBACK');
      throw new Error(`it cannot be upgraded to schema ${v + 1}: ${(error as Error).message}`);
    }
  }
  return db;
}

function damage(loaded: Loaded): string {
  if (loaded.unreadable) return loaded.unreadable;
  const shown = loaded.problems.slice(0, 3).map((p) => p.what);
  return `${shown.join('; ')}${loaded.problems.length > 3 ? `; and ${loaded.problems.length - 3} more` : ''}`;
}

/** The damaged file's new name: `<file>.corrupt-<time>`. */
function asideName(file: string): string {
  return `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
}

async function recover(SQL: SqlJsStatic, file: string, loaded: Loaded, warnings: string[]): Promise<{ db: Database }> {
  const aside = asideName(file);
  const backup = backupOf(file);
  const previous = existsSync(backup) ? await load(SQL, backup).catch(() => undefined) : undefined;
  if (previous?.db && !previous.unreadable && previous.problems.length === 0) {
    loaded.db?.close();
    await fs.rename(file, aside);
    const when = new Date((await fs.stat(backup)).mtimeMs).toISOString();
    warnings.push(
      `The state store ${file} was damaged (${damage(loaded)}); it was moved to ${aside} and its previous save (${when}) was restored. ` +
        'What destinations confirmed after that save may be sent again (append may write those records twice; merge does not).',
    );
    return { db: previous.db };
  }
  previous?.db?.close();
  if (loaded.db) {
    await fs.copyFile(file, aside);
    const lost = repairStore(SQL, loaded.db, loaded.problems);
    warnings.push(
      `The state store ${file} was damaged and was repaired (the damaged file was kept as ${aside}); everything readable was kept. ` +
        `Lost: ${lost.join('; ')}.`,
    );
    return { db: loaded.db };
  }
  await fs.rename(file, aside);
  warnings.push(
    `The state store ${file} was unreadable (${damage(loaded)}) and had no sound previous save; it was moved to ${aside} and a fresh store was started. ` +
      'Every source is read again from the start (append writes duplicates; merge does not). Restore a backup of that file instead if you have one.',
  );
  return { db: upgraded(new SQL.Database()) };
}

/**
 * Keeps the file as it is now as its previous save (`.bak`), before a save replaces it: a hard link,
 * so no copy is made (a copy where links are not supported). Never fails a save.
 */
export async function keepPreviousSave(file: string): Promise<void> {
  const backup = backupOf(file);
  try {
    await fs.rm(backup, { force: true });
    await fs.link(file, backup);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return;
    await fs.copyFile(file, backup).catch(() => undefined);
  }
}
