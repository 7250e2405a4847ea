// Shared parts of the "data loss and duplicates" fault cases: the real CLI (dist/cli.js) run as a
// child process, config files for the built-in and the Docker test connectors, and readers for
// what a destination holds and what the store committed.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TEST_DESTINATION_IMAGE, TEST_SOURCE_IMAGE } from '../../../scripts/buildTestImages';
import type { JsonObject } from '../../../src/core/protocol/messages';
import { loadSqlJs } from '../../../src/core/store/sqlJsLoader';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';

export { cliPath, ensureCli, jsonOf, runCli, startCli } from '../../harness/cliProcess';
export type { CliOutcome } from '../../harness/cliProcess';
import type { CliOutcome } from '../../harness/cliProcess';
import { jsonOf } from '../../harness/cliProcess';

export interface StreamFigures {
  stream: string;
  recordsRead: number;
  recordsSent: number;
  recordsConfirmed: number;
}

/** Per-stream figures of a successful `write --json`. */
export function streamsOf(out: CliOutcome): StreamFigures[] {
  const json = jsonOf(out);
  if (json.ok !== true) throw new Error(`the write failed: ${out.stdout}\n${out.stderr}`);
  return json.streams as unknown as StreamFigures[];
}

export const sum = (list: StreamFigures[], key: 'recordsRead' | 'recordsSent' | 'recordsConfirmed') => list.reduce((n, s) => n + s[key], 0);

/** Writes `<dir>/<name>.airbyte.jsonc`; returns its path. */
export async function configFile(dir: string, name: string, content: JsonObject): Promise<string> {
  const file = path.join(dir, `${name}.airbyte.jsonc`);
  await writeFile(file, `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

/** The Docker test source (users, orders, events). */
export function testSourceConfig(config: JsonObject): JsonObject {
  return { connector: 'source-test', image: TEST_SOURCE_IMAGE, config };
}

/** The Docker test destination, writing `<localDir>/<stream>.jsonl`. */
export function testDestinationConfig(localDir: string, config: JsonObject = {}): JsonObject {
  return { connector: 'destination-test', image: TEST_DESTINATION_IMAGE, localDir, config };
}

/** Rows of the test destination's file for a stream. */
export async function jsonlRows(localDir: string, stream: string): Promise<JsonObject[]> {
  const file = path.join(localDir, `${stream}.jsonl`);
  if (!existsSync(file)) return [];
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JsonObject);
}

/** Values of `column` in a table of a SQLite file (none when the file or table is missing). */
export async function sqliteColumn(file: string, table: string, column: string): Promise<unknown[]> {
  if (!existsSync(file)) return [];
  const SQL = await loadSqlJs();
  const db = new SQL.Database(await readFile(file));
  try {
    const res = db.exec(`SELECT "${column}" FROM "${table}"`);
    return res.length ? res[0].values.map((r) => r[0]) : [];
  } catch {
    return [];
  } finally {
    db.close();
  }
}

/** Opens a store read-only (no lock), hands it to `fn`, closes it. */
export async function withStoreReadOnly<T>(storePath: string, fn: (store: WorkspaceStore) => T | Promise<T>): Promise<T> {
  const store = await WorkspaceStore.open({ path: storePath, lock: false });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Counts of how often each value occurs. */
export function occurrences(values: unknown[]): Map<unknown, number> {
  const m = new Map<unknown, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/** Row counts of tables of a SQLite file (0 for a missing file or table). */
export async function sqliteCounts(file: string, tables: string[]): Promise<Record<string, number>> {
  const out: Record<string, number> = Object.fromEntries(tables.map((t) => [t, 0]));
  if (!existsSync(file)) return out;
  const SQL = await loadSqlJs();
  const db = new SQL.Database(await readFile(file));
  try {
    for (const t of tables) {
      try {
        out[t] = Number(db.exec(`SELECT COUNT(*) FROM "${t}"`)[0].values[0][0]);
      } catch {
        // The table does not exist yet.
      }
    }
    return out;
  } finally {
    db.close();
  }
}
