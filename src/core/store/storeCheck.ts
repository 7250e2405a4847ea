/**
 * What a store file holds, checked before anything uses it: SQLite's own quick check, the schema
 * (every table the migrations make), and the rows that are JSON (committed states, the cache's
 * states, run catalogs, run streams), so that damage that passes `quick_check` (a dropped table, a
 * `null` state, flipped bytes inside a value) is found at open instead of failing every run later
 * with a raw error. `repairStore` keeps every readable row and drops or rebuilds only what is damaged.
 */
import type { Database, SqlJsStatic } from 'sql.js';
import { AirbyteError } from '../errors';
import { CACHE_DESTINATION_ID } from './committedStates';
import { unpackJson } from './packedJson';
import { STORE_MIGRATIONS } from './storeMigrations';

const CACHE_TABLES = ['cache_streams', 'cache_segments', 'cache_states', 'cache_confirmed'];

/** One damaged part of a store: a missing table, or a row that cannot be read. */
export interface StoreProblem {
  table: string;
  /** The row, when the problem is one row (its rowid). */
  rowid?: number;
  /** In plain words, e.g. "state of stream users is not a JSON object". */
  what: string;
}

/** A JSON text (or, with `packed`, deflated JSON: `packedJson.ts`) that parses to a non-null object (an array when `array`). */
function jsonObject(text: unknown, array = false, packed = false): boolean {
  if (typeof text !== 'string' && !(packed && text instanceof Uint8Array)) return false;
  try {
    const value: unknown = unpackJson(text);
    return typeof value === 'object' && value !== null && Array.isArray(value) === array;
  } catch {
    return false;
  }
}

const STATE_TYPES = new Set(['STREAM', 'GLOBAL', 'LEGACY']);

/** The row checks: per table, what each row must be, and how to describe a row that is not. */
const ROW_CHECKS: Array<{ table: string; columns: string; bad: (r: unknown[]) => string | undefined }> = [
  {
    table: 'states',
    columns: 'stream_key, state_type, state_json',
    bad: ([key, type, json]) =>
      !STATE_TYPES.has(String(type)) || !jsonObject(json)
        ? `the committed state of ${key ? `stream ${String(key)}` : 'all streams'}`
        : undefined,
  },
  {
    table: 'cache_states',
    columns: 'source_id, state_json, positions_json',
    bad: ([, json, positions]) => (!jsonObject(json) || !jsonObject(positions) ? 'a source state kept with the record cache' : undefined),
  },
  {
    table: 'run_catalogs',
    columns: 'run_id, catalog_json, plans_json',
    bad: ([id, catalog, plans]) =>
      !jsonObject(catalog, false, true) || !jsonObject(plans, true, true) ? `the catalog of run ${String(id)}` : undefined,
  },
  { table: 'runs', columns: 'id, streams', bad: ([id, streams]) => (!jsonObject(streams, true) ? `run ${String(id)}` : undefined) },
];

/** The tables and indexes of the current schema, with the SQL that makes each. */
export function schemaObjects(SQL: SqlJsStatic): Array<{ type: string; name: string; sql: string }> {
  const db = new SQL.Database();
  try {
    for (const step of STORE_MIGRATIONS) step(db);
    const rows = db.exec("SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type DESC");
    return (rows[0]?.values ?? []).map(([type, name, sql]) => ({ type: String(type), name: String(name), sql: String(sql) }));
  } finally {
    db.close();
  }
}

/** Everything damaged in `db` (a store at the current schema version); empty when it is sound. */
export function storeProblems(SQL: SqlJsStatic, db: Database): StoreProblem[] {
  const present = new Set((db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map(([n]) => String(n)));
  const problems: StoreProblem[] = [];
  for (const o of schemaObjects(SQL))
    if (o.type === 'table' && !present.has(o.name)) problems.push({ table: o.name, what: `table ${o.name} is missing` });
  for (const check of ROW_CHECKS) {
    if (!present.has(check.table)) continue;
    const rows = db.exec(`SELECT rowid, ${check.columns} FROM ${check.table}`)[0]?.values ?? [];
    for (const [rowid, ...row] of rows) {
      const bad = check.bad(row);
      if (bad) problems.push({ table: check.table, rowid: Number(rowid), what: `${bad} is unreadable` });
    }
  }
  return problems;
}

/**
 * Makes `db` sound again: missing tables (and their indexes) are made empty, unreadable rows are
 * deleted; every other row is kept. Returns what was lost, in words, for the warning.
 */
export function repairStore(SQL: SqlJsStatic, db: Database, problems: StoreProblem[]): string[] {
  const lost: string[] = [];
  db.run('BEGIN');
  try {
    for (const o of schemaObjects(SQL)) {
      if (!problems.some((p) => p.rowid === undefined && p.table === (o.type === 'table' ? o.name : tableOf(o.sql)))) continue;
      db.run(o.sql.replace(/^CREATE (TABLE|INDEX)/i, 'CREATE $1 IF NOT EXISTS'));
    }
    // The cache's index is one whole: with a part of it gone, all of it goes, with the cache's own
    // state, so that the source is read into the cache again rather than resumed over a hole.
    if (problems.some((p) => p.rowid === undefined && CACHE_TABLES.includes(p.table))) {
      for (const t of CACHE_TABLES) db.run(`DELETE FROM ${t}`);
      db.run('DELETE FROM states WHERE destination_id = ?', [CACHE_DESTINATION_ID]);
    }
    for (const p of problems) {
      if (p.rowid === undefined) lost.push(`${p.what}: ${LOSS[p.table] ?? 'it was made again, empty'}`);
      else {
        db.run(`DELETE FROM ${p.table} WHERE rowid = ?`, [p.rowid]);
        lost.push(`${p.what}: ${ROW_LOSS[p.table] ?? 'it was dropped'}`);
      }
    }
    db.run('COMMIT');
  } catch (error) {
    db.run('ROLLBACK');
    throw new AirbyteError('STORE_CORRUPT', {
      message: `The state store could not be repaired: ${(error as Error).message}.`,
      cause: error,
    });
  }
  return lost;
}

function tableOf(sql: string): string {
  return /\bON\s+"?(\w+)/i.exec(sql)?.[1] ?? '';
}

// What a missing table means for the next runs.
const LOSS: Record<string, string> = {
  states: 'it was made again, empty: every stream is read again from the start (append may write duplicates)',
  generations: 'it was made again, empty: the next overwrite starts a new generation',
  runs: 'it was made again, empty: run history starts over',
  run_streams: 'it was made again, empty: past runs show no per-stream counts',
  run_catalogs: 'it was made again, empty: past reads cannot be written again by run id (read again)',
  cache_streams: 'it was made again, empty: the record cache is read again from the source',
  cache_segments: 'it was made again, empty: the record cache is read again from the source',
  cache_states: 'it was made again, empty: the record cache is read again from the source',
  cache_confirmed: 'it was made again, empty: cached records are replayed from what each destination confirmed in its state',
  platform_deployments: 'it was made again, empty: the next deploy finds its platform sources, destinations and connections by name',
  discovered_catalogs: 'it was made again, empty: the next write of each source waits for its discover before starting',
};

// What dropping one unreadable row means.
const ROW_LOSS: Record<string, string> = {
  states: 'it was dropped: that stream is read again from the start (append may write duplicates)',
  cache_states: 'it was dropped: replays of that cache have one checkpoint less',
  run_catalogs: 'it was dropped: that read cannot be written again by run id (read again)',
  runs: 'it was dropped from run history',
  discovered_catalogs: 'it was dropped: the next write of that source waits for its discover before starting',
};
