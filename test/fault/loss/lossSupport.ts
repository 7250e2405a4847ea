// Shared parts of the "data loss and duplicates" fault cases: the real CLI (dist/cli.js) run as a
// child process, config files for the built-in and the Docker test connectors, and readers for
// what a destination holds and what the store committed.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TEST_DESTINATION_IMAGE, TEST_SOURCE_IMAGE } from '../../../scripts/buildTestImages';
import type { JsonObject } from '../../../src/core/protocol/messages';
import { loadSqlJs } from '../../../src/core/store/sqlJsLoader';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { repoRoot } from '../../harness/paths';

export const cliPath = path.join(repoRoot, 'dist', 'cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

/** Builds dist/cli.js when it is missing or older than a source file: the cases run the real bundle. */
export function ensureCli(): void {
  if (existsSync(cliPath) && statSync(cliPath).mtimeMs >= newestMtime(path.join(repoRoot, 'src'))) return;
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node scripts/build.mjs failed:\n${r.stdout}\n${r.stderr}`);
}

export interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `node dist/cli.js ARGS` in `cwd` (its output is collected in `outcome`). */
export function startCli(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): { child: ChildProcess; outcome: Promise<CliOutcome> } {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const outcome = new Promise<CliOutcome>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, outcome };
}

/** Runs the CLI to its end (killed after `timeoutMs`, which fails the caller's assertions). */
export async function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliOutcome> {
  const { child, outcome } = startCli(args, options);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
  try {
    return await outcome;
  } finally {
    clearTimeout(timer);
  }
}

/** The JSON a `--json` run printed; throws with the run's output when there is none. */
export function jsonOf(out: CliOutcome): JsonObject {
  try {
    return JSON.parse(out.stdout) as JsonObject;
  } catch {
    throw new Error(`no JSON from the CLI (exit ${out.code}):\n${out.stdout}\n${out.stderr}`);
  }
}

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
