/**
 * `builtin:sqlite`: writes each stream into a table of a SQLite file (through sql.js, no Docker).
 * Columns follow the stream's JSON schema (new keys add columns); nested values are stored as JSON.
 * append adds rows, append_dedup keeps the last row per primary key, overwrite fills a fresh table
 * that replaces the old one when the stream completes. The file is saved atomically before any
 * STATE is echoed. sql.js keeps the database in memory: meant for up to a few million small rows.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Database, SqlValue, Statement } from 'sql.js';
import { makeDirectory } from '../makeDirectory';
import type { AirbyteRecordMessage, ConfiguredAirbyteStream, ConnectorSpecification } from '../protocol/messages';
import { isAirbyteError } from '../errors';
import { removeDeadSaveTemps, writeFileAtomic } from '../store/atomicFile';
import { loadSqlJs } from '../store/sqlJsLoader';
import type { StoreLock } from '../store/storeLock';
import { acquireStoreLock } from '../store/storeLock';
import type { BuiltinConnector } from './builtinConnector';
import type { DestinationWriter } from './destinationLoop';
import { runDestinationLoop, truncates } from './destinationLoop';
import type { ProgramContext } from './inProcessExecutor';
import { BuiltinFailure, InProcessExecutor } from './inProcessExecutor';
import { confinedLocalPath } from './localPath';

export const SQLITE_SPEC: ConnectorSpecification = {
  documentationUrl: 'https://github.com/airbyte-write/airbyte-write#built-in-connectors',
  connectionSpecification: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'SQLite (built-in)',
    type: 'object',
    additionalProperties: false,
    required: ['destination_path'],
    properties: {
      destination_path: {
        type: 'string',
        title: 'Database file',
        description:
          "Path of the SQLite file: relative, or starting with /local/; both resolve against the config file's localDir, else its folder, and must stay inside it.",
        examples: ['out/data.sqlite'],
        order: 0,
      },
    },
  },
  supportsIncremental: true,
  supported_destination_sync_modes: ['overwrite', 'append', 'append_dedup'],
};

const q = (id: string) => `"${id.replace(/"/g, '""')}"`;

// Not streamKey(): a `.` in a table name would need quoting in every query people write, so a
// namespaced stream's table joins the parts with `_`.
function tableName(stream: ConfiguredAirbyteStream): string {
  return stream.stream.namespace ? `${stream.stream.namespace}_${stream.stream.name}` : stream.stream.name;
}

function toSql(value: unknown): SqlValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return Number(value);
  return JSON.stringify(value);
}

function sqlType(schema: unknown): string {
  const t = (schema as { type?: unknown } | undefined)?.type;
  const types = Array.isArray(t) ? t : [t];
  if (types.includes('integer') || types.includes('boolean')) return 'INTEGER';
  if (types.includes('number')) return 'REAL';
  return 'TEXT';
}

interface TableState {
  stream: ConfiguredAirbyteStream;
  /** Where rows go now (a temp table while overwriting). */
  target: string;
  final: string;
  columns: string[];
  dedupKeys?: string[];
  statement?: Statement;
}

class SqliteWriter implements DestinationWriter {
  private readonly tables = new Map<ConfiguredAirbyteStream, TableState>();

  constructor(
    private readonly db: Database,
    private readonly file: string,
  ) {
    this.db.run('BEGIN');
  }

  private columnsOf(table: string): string[] {
    const res = this.db.exec(`PRAGMA table_info(${q(table)})`);
    return res.length ? res[0].values.map((row) => String(row[1])) : [];
  }

  private setUp(stream: ConfiguredAirbyteStream): TableState {
    const final = tableName(stream);
    const overwrite = truncates(stream);
    const target = overwrite ? `_airbyte_tmp_${final}` : final;
    const props = ((stream.stream.json_schema as { properties?: Record<string, unknown> }).properties ?? {}) as Record<string, unknown>;
    if (overwrite) this.db.run(`DROP TABLE IF EXISTS ${q(target)}`);
    const cols = Object.entries(props).map(([k, s]) => `${q(k)} ${sqlType(s)}`);
    this.db.run(
      `CREATE TABLE IF NOT EXISTS ${q(target)} (${[...cols, '"_airbyte_extracted_at" INTEGER', '"_airbyte_generation_id" INTEGER'].join(', ')})`,
    );
    const existing = new Set(this.columnsOf(target));
    for (const [k, s] of Object.entries(props))
      if (!existing.has(k)) this.db.run(`ALTER TABLE ${q(target)} ADD COLUMN ${q(k)} ${sqlType(s)}`);
    let dedupKeys: string[] | undefined;
    if (stream.destination_sync_mode === 'append_dedup') {
      const pk = stream.primary_key ?? stream.stream.source_defined_primary_key ?? [];
      if (pk.length === 0)
        throw new BuiltinFailure(`Stream "${stream.stream.name}" is append_dedup but has no primary key.`, 'config_error');
      dedupKeys = pk.map((p) => p[0]);
      for (const k of dedupKeys) if (!this.columnsOf(target).includes(k)) this.db.run(`ALTER TABLE ${q(target)} ADD COLUMN ${q(k)}`);
      const keyList = dedupKeys.map(q).join(', ');
      // Rows written earlier in append mode may repeat a key: keep the last one before indexing.
      this.db.run(`DELETE FROM ${q(target)} WHERE rowid NOT IN (SELECT MAX(rowid) FROM ${q(target)} GROUP BY ${keyList})`);
      this.db.run(`CREATE UNIQUE INDEX IF NOT EXISTS ${q(`${target}_airbyte_pk`)} ON ${q(target)} (${keyList})`);
    }
    const state: TableState = { stream, target, final, columns: this.columnsOf(target), dedupKeys };
    this.tables.set(stream, state);
    return state;
  }

  private statementFor(t: TableState): Statement {
    if (!t.statement) {
      const verb = t.dedupKeys ? 'INSERT OR REPLACE' : 'INSERT';
      t.statement = this.db.prepare(
        `${verb} INTO ${q(t.target)} (${t.columns.map(q).join(', ')}) VALUES (${t.columns.map(() => '?').join(', ')})`,
      );
    }
    return t.statement;
  }

  write(stream: ConfiguredAirbyteStream, records: AirbyteRecordMessage[]): void {
    const t = this.tables.get(stream) ?? this.setUp(stream);
    const known = new Set(t.columns);
    for (const record of records) {
      const data = record.data ?? {};
      for (const key of Object.keys(data)) {
        if (!known.has(key)) {
          this.db.run(`ALTER TABLE ${q(t.target)} ADD COLUMN ${q(key)}`);
          known.add(key);
          t.columns.push(key);
          t.statement?.free();
          t.statement = undefined;
        }
      }
      const values = t.columns.map((c) =>
        c === '_airbyte_extracted_at' ? record.emitted_at : c === '_airbyte_generation_id' ? (t.stream.generation_id ?? 0) : toSql(data[c]),
      );
      this.statementFor(t).run(values);
    }
  }

  streamComplete(stream: ConfiguredAirbyteStream): void {
    const t = this.tables.get(stream) ?? this.setUp(stream);
    if (t.target === t.final) return;
    t.statement?.free();
    t.statement = undefined;
    this.db.run(`DROP TABLE IF EXISTS ${q(t.final)}`);
    this.db.run(`ALTER TABLE ${q(t.target)} RENAME TO ${q(t.final)}`);
    t.target = t.final;
  }

  /** How long the last save took: saving the whole file is O(size), so big files are saved less often. */
  lastSaveMs = 0;

  async commit(): Promise<void> {
    const started = Date.now();
    for (const t of this.tables.values()) {
      t.statement?.free();
      t.statement = undefined;
    }
    this.db.run('COMMIT');
    // export() reopens the database; statements were freed above for that reason.
    const bytes = this.db.export();
    await writeFileAtomic(this.file, bytes, 0o644);
    this.db.run('BEGIN');
    this.lastSaveMs = Date.now() - started;
  }

  async close(): Promise<void> {
    for (const t of this.tables.values()) t.statement?.free();
    this.db.close();
  }
}

async function run(ctx: ProgramContext): Promise<void> {
  switch (ctx.command) {
    case 'spec':
      await ctx.emit({ type: 'SPEC', spec: SQLITE_SPEC });
      return;
    case 'check': {
      const target = await databaseFile(ctx);
      await ctx.emit({
        type: 'CONNECTION_STATUS',
        connectionStatus: 'problem' in target ? { status: 'FAILED', message: target.problem } : { status: 'SUCCEEDED' },
      });
      return;
    }
    case 'write': {
      const target = await databaseFile(ctx);
      if ('problem' in target) throw new BuiltinFailure(target.problem, 'config_error');
      await writeDatabase(ctx, target.file);
      return;
    }
    default:
      throw new BuiltinFailure(`builtin:sqlite is a destination; it cannot "${ctx.command}".`, 'config_error');
  }
}

/**
 * One write into `file`, holding the file's lock from before it is read until its last save: each
 * run loads the whole file and saves it whole, so two at once would drop each other's rows. A
 * second run is refused at once rather than made to wait: a wait has no natural bound (the first
 * run may take hours, or be a stuck process) and a refused run loses nothing, as it confirms
 * nothing and its next run sends the same records again.
 */
async function writeDatabase(ctx: ProgramContext, file: string): Promise<void> {
  const lock = await lockDatabase(file);
  try {
    // What a run killed mid-save left beside the file (a partial copy, up to the file's size).
    await removeDeadSaveTemps(file);
    const SQL = await loadSqlJs();
    const db = existsSync(file) ? new SQL.Database(await fs.readFile(file)) : new SQL.Database();
    const writer = new SqliteWriter(db, file);
    // At most ~20% of the time goes into saving the file, however large it grows.
    await runDestinationLoop(ctx, writer, {
      commitEveryMs: () => Math.max(1000, writer.lastSaveMs * 5),
      commitEveryRecords: Number.MAX_SAFE_INTEGER,
    });
  } finally {
    await lock.release();
  }
}

/** The lock beside `file` (`.<name>.lock`), or a failure naming the run that holds it. */
async function lockDatabase(file: string): Promise<StoreLock> {
  try {
    return await acquireStoreLock(path.join(path.dirname(file), `.${path.basename(file)}.lock`), file, 'builtin:sqlite write');
  } catch (error) {
    if (!isAirbyteError(error, 'STORE_IN_USE')) throw error;
    const pid = error.context.pid;
    throw new BuiltinFailure(
      `The SQLite file ${file} is being written by another run${pid ? ` (pid ${pid})` : ''}; two runs saving one file would drop each other's rows, so this run wrote nothing. Run it again once that run has finished: what it did not write is sent then.`,
      'transient_error',
    );
  }
}

/** The database file (its folder created), or why it cannot be used: the check's answer, a write's failure. */
async function databaseFile(ctx: ProgramContext): Promise<{ file: string } | { problem: string }> {
  const p = ctx.config.destination_path;
  if (typeof p !== 'string' || p.length === 0)
    return { problem: '"destination_path" must name the SQLite file to write, e.g. "out/data.sqlite".' };
  let file: string;
  try {
    file = await confinedLocalPath(ctx.baseDir, p);
  } catch (error) {
    return { problem: (error as Error).message };
  }
  try {
    await makeDirectory(path.dirname(file));
    await fs.access(path.dirname(file), fs.constants.W_OK);
  } catch (error) {
    return { problem: `Cannot write to the folder of ${file}: ${(error as Error).message}` };
  }
  return { file };
}

export const sqliteDestination: BuiltinConnector = {
  name: 'builtin:sqlite',
  type: 'destination',
  displayName: 'SQLite (built-in)',
  description: 'One table per stream in a local SQLite file; append, overwrite and append_dedup; no Docker needed.',
  spec: SQLITE_SPEC,
  createExecutor: ({ baseDir }) => new InProcessExecutor('builtin:sqlite', run, baseDir),
};
