// Reading what a run left in a SQLite file (a builtin:sqlite destination, the workspace store)
// with a fresh sql.js database, as a user opening the file would.
import { promises as fs } from 'node:fs';
import initSqlJs from 'sql.js';

/** The rows of the first result of `sql` on the SQLite file at `file` (none when it returns no result). */
export async function sqliteRows(file: string, sql: string): Promise<unknown[][]> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(await fs.readFile(file));
  try {
    const res = db.exec(sql);
    return res.length ? res[0].values : [];
  } finally {
    db.close();
  }
}

/** `SELECT COUNT(*)` of `table` in the SQLite file at `file`. */
export async function sqliteCount(file: string, table: string): Promise<number> {
  return Number((await sqliteRows(file, `SELECT COUNT(*) FROM ${table}`))[0][0]);
}
