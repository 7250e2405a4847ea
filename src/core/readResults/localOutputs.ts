/**
 * What landed in a destination whose output is a local file: the built-in sqlite and jsonl
 * destinations, and any connector writing into its `localDir` (SQLite, JSON lines, CSV files).
 * Tables (a SQLite table, a JSON lines or CSV file) with their row counts, and pages of their rows.
 * A SQLite file is opened with sql.js, which holds the whole file in memory (as the built-in
 * destination does); JSON lines and CSV are streamed. DuckDB files are not read: no maintained
 * pure-JavaScript reader is installed.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { AirbyteError } from '../errors';
import { confinedLocalPath } from '../builtin/localPath';
import type { PipelineConnector } from '../connectors/pipelineConnector';
import { loadSqlJs } from '../store/sqlJsLoader';

export type LocalFileKind = 'sqlite' | 'jsonl' | 'csv';

/** A table of a local output: a SQLite table, or a whole JSON lines or CSV file. */
export interface LocalTable {
  name: string;
  rows: number;
}

export interface LocalOutputFile {
  file: string;
  kind: LocalFileKind;
  tables: LocalTable[];
}

const KINDS: Array<[RegExp, LocalFileKind]> = [
  [/\.(sqlite3?|db)$/i, 'sqlite'],
  [/\.(jsonl|ndjson)$/i, 'jsonl'],
  [/\.csv$/i, 'csv'],
];

/** The kind of a file by its name; undefined for files this preview does not read. */
export function localFileKind(file: string): LocalFileKind | undefined {
  return KINDS.find(([re]) => re.test(file))?.[1];
}

/** Output files under `dir` (at most 4 levels down, 500 files; dot folders skipped), sorted. */
export async function localOutputFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (at: string, depth: number): Promise<void> => {
    const entries = await fs.readdir(at, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      if (out.length >= 500 || e.name.startsWith('.')) continue;
      const p = path.join(at, e.name);
      if (e.isDirectory() && depth < 4) await walk(p, depth + 1);
      else if (e.isFile() && localFileKind(e.name)) out.push(p);
    }
  };
  await walk(dir, 0);
  return out.sort();
}

/**
 * The output files of a destination: the file or folder a built-in sqlite or jsonl destination
 * writes (`destination_path`), else the files in its `localDir`. Empty when it writes nothing local.
 */
export async function destinationOutputFiles(
  destination: Pick<PipelineConnector, 'name' | 'config' | 'configPath' | 'localDir'>,
): Promise<string[]> {
  const base = destination.localDir ?? (destination.configPath ? path.dirname(destination.configPath) : undefined);
  const value = destination.config.destination_path;
  if (base && typeof value === 'string' && (destination.name === 'builtin:sqlite' || destination.name === 'builtin:jsonl')) {
    const target = await confinedLocalPath(base, value);
    if (destination.name === 'builtin:sqlite') return (await fs.stat(target).catch(() => undefined)) ? [target] : [];
    return localOutputFiles(target);
  }
  return destination.localDir ? localOutputFiles(destination.localDir) : [];
}

function unreadable(file: string, why: string): AirbyteError {
  return new AirbyteError('USAGE', {
    message: `${file} cannot be previewed: ${why}.`,
    guidance: 'Preview a SQLite (.sqlite, .db), JSON lines (.jsonl) or CSV (.csv) file.',
    context: { file },
  });
}

async function openSqlite(file: string) {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(await fs.readFile(file));
  try {
    db.exec('SELECT 1 FROM sqlite_master LIMIT 1');
  } catch (error) {
    db.close();
    throw unreadable(file, `it is not a SQLite database (${(error as Error).message})`);
  }
  return db;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The tables of a local output file with their row counts (a built-in destination's temp tables left out). */
export async function describeLocalFile(file: string): Promise<LocalOutputFile> {
  const kind = localFileKind(file);
  if (!kind) throw unreadable(file, 'its kind is not known from its name');
  if (kind !== 'sqlite') return { file, kind, tables: [{ name: path.basename(file), rows: await countRows(file, kind) }] };
  const db = await openSqlite(file);
  try {
    const names = (
      db.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")[0]?.values ?? []
    )
      .map((r) => String(r[0]))
      .filter((n) => !n.startsWith('_airbyte_tmp_'));
    const tables = names.map((name) => ({ name, rows: Number(db.exec(`SELECT COUNT(*) FROM ${q(name)}`)[0].values[0][0]) }));
    return { file, kind, tables };
  } finally {
    db.close();
  }
}

async function countRows(file: string, kind: 'jsonl' | 'csv'): Promise<number> {
  let n = 0;
  for await (const row of fileRows(file, kind)) if (row) n++;
  return n;
}

/** The rows of a JSON lines or CSV file, streamed (CSV: objects keyed by its header). */
async function* fileRows(file: string, kind: 'jsonl' | 'csv'): AsyncGenerator<Record<string, unknown>> {
  if (kind === 'csv') {
    yield* createReadStream(file).pipe(parse({ columns: true, skip_empty_lines: true, relax_column_count: true })) as AsyncIterable<
      Record<string, unknown>
    >;
    return;
  }
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === '') continue;
    try {
      yield JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw unreadable(file, `line ${number} is not JSON`);
    }
  }
}

/** Rows `offset` to `offset + limit - 1` of a table of a local output file. */
export async function readLocalTable(
  file: string,
  table: string,
  offset: number,
  limit: number,
): Promise<{ columns: string[]; rows: Array<Record<string, unknown>> }> {
  const kind = localFileKind(file);
  if (!kind) throw unreadable(file, 'its kind is not known from its name');
  if (kind === 'sqlite') {
    const db = await openSqlite(file);
    try {
      const res = db.exec(`SELECT * FROM ${q(table)} LIMIT ? OFFSET ?`, [limit, offset])[0];
      const columns = res?.columns ?? db.exec(`PRAGMA table_info(${q(table)})`)[0]?.values.map((v) => String(v[1])) ?? [];
      return { columns, rows: (res?.values ?? []).map((v) => Object.fromEntries(columns.map((c, i) => [c, v[i]]))) };
    } finally {
      db.close();
    }
  }
  const rows: Array<Record<string, unknown>> = [];
  let i = 0;
  for await (const row of fileRows(file, kind)) {
    if (i++ < offset) continue;
    rows.push(row);
    if (rows.length >= limit) break;
  }
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return { columns, rows };
}
