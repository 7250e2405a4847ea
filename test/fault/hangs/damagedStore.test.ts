// Leftovers: a damaged store failed every later run with a raw stack trace (a bad state row, a `null`
// state, a dropped table, a folder at the path, a read-only `.airbyte/`, byte flips that pass
// quick_check), and a zero-length file was reset silently, everything sent again. Each case here
// damages, for real, the store a first CLI write left (300 records appended into builtin:sqlite,
// streamed), then writes again: the run must say what happened and how it got out (a restored
// previous save, a repair that drops only what is damaged, or a clear stop for a folder in the way
// or a read-only folder), must not print a stack trace, must not send again what the store still
// knows was confirmed, and the run after it must be clean.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import initSqlJs from 'sql.js';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { sqliteCount } from '../../unit/sqliteTestSupport';
import { cliBundle, oneLine, runCli, writeConfig } from './hangHarness';

let root: string;

before(async () => {
  await cliBundle();
  root = await makeTempDir('aw-fault-store-');
});
after(() => removeTempDir(root));

const RECORDS = 100; // per stream; three streams

/** A store's SQL, run on the file in place (as another tool would). */
async function editStore(file: string, sql: string): Promise<void> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(file));
  db.run(sql);
  writeFileSync(file, db.export());
  db.close();
}

/** Flips bytes inside the users stream's committed state, where SQLite's checks do not look. */
function flipStateBytes(file: string): void {
  const bytes = readFileSync(file);
  const at = bytes.indexOf('"stream_descriptor":{"name":"users"}');
  assert.ok(at > 0, 'the users state is in the file');
  for (const i of [at, at + 1, at + 19]) bytes[i] ^= 0x20;
  writeFileSync(file, bytes);
}

function quickCheck(file: string): Promise<string> {
  return initSqlJs().then((SQL) => {
    const db = new SQL.Database(readFileSync(file));
    try {
      return String(db.exec('PRAGMA quick_check')[0].values[0][0]);
    } finally {
      db.close();
    }
  });
}

interface Case {
  name: string;
  /** Damages the store (and may remove its previous save, as a store of an older version has none). */
  damage: (store: string) => Promise<void> | void;
  /** What the first run after the damage must say (stderr). */
  says: RegExp;
  /** The write after the damage stops (exit 1) until `undo` clears the way. */
  stops?: { undo: (store: string) => void };
  /** Records the destination may get again (what the damage itself lost). */
  resent: number;
}

const noBackup = (store: string) => rmSync(`${store}.bak`, { force: true });
const usersState = "UPDATE states SET state_json = {} WHERE stream_key = 'users'";

const CASES: Case[] = [
  {
    name: 'a bad state row',
    damage: (s) => editStore(s, usersState.replace('{}', `'{"type":"STREAM",'`)),
    says: /previous save .* was restored/,
    resent: 0,
  },
  {
    name: 'a bad state row, no previous save',
    damage: async (s) => (noBackup(s), await editStore(s, usersState.replace('{}', `'{"type":"STREAM",'`))),
    says: /repaired.*committed state of stream users is unreadable: it was dropped/,
    resent: RECORDS,
  },
  {
    name: 'a null state',
    damage: (s) => editStore(s, usersState.replace('{}', `'null'`)),
    says: /previous save .* was restored/,
    resent: 0,
  },
  {
    name: 'a null state, no previous save',
    damage: async (s) => (noBackup(s), await editStore(s, usersState.replace('{}', `'null'`))),
    says: /repaired.*committed state of stream users is unreadable/,
    resent: RECORDS,
  },
  {
    name: 'a dropped table',
    damage: (s) => editStore(s, 'DROP TABLE run_streams'),
    says: /table run_streams is missing.*previous save .* was restored/,
    resent: 0,
  },
  {
    name: 'a dropped table, no previous save',
    damage: async (s) => (noBackup(s), await editStore(s, 'DROP TABLE generations')),
    says: /repaired.*table generations is missing: it was made again/,
    resent: 0,
  },
  {
    name: 'byte flips that pass quick_check',
    damage: async (s) => {
      flipStateBytes(s);
      assert.equal(await quickCheck(s), 'ok', 'the flipped file passes quick_check');
    },
    says: /previous save .* was restored/,
    resent: 0,
  },
  { name: 'a zero-length file', damage: (s) => truncateSync(s, 0), says: /empty \(0 bytes\).*previous save .* was restored/, resent: 0 },
  {
    name: 'a zero-length file, no previous save',
    damage: (s) => (noBackup(s), truncateSync(s, 0)),
    says: /unreadable \(it is empty \(0 bytes\)\).*fresh store was started.*read again from the start/,
    resent: 3 * RECORDS,
  },
  {
    name: 'a folder at the path',
    damage: (s) => (rmSync(s), mkdirSync(s)),
    says: /state store .*state\.sqlite is a folder, not a file/,
    stops: { undo: (s) => rmSync(s, { recursive: true }) },
    // The store (and what it had confirmed) was removed to make the folder: everything is sent again.
    resent: 3 * RECORDS,
  },
  {
    name: 'a read-only .airbyte/',
    damage: (s) => readOnlyMount(path.dirname(s)),
    says: /Could not take the lock of the state store .*read-only file system/,
    stops: { undo: (s) => execFileSync('umount', [path.dirname(s)]) },
    resent: 0,
  },
];

/** Makes `dir` read-only for real (root ignores permission bits): a read-only bind mount of itself. */
function readOnlyMount(dir: string): void {
  execFileSync('mount', ['--bind', dir, dir]);
  execFileSync('mount', ['-o', 'remount,ro,bind', dir]);
}

async function write(dir: string): Promise<{ code: number | null; stderr: string }> {
  const args = [
    'write',
    '--source',
    'source.airbyte.jsonc',
    '--destination',
    'destination.airbyte.jsonc',
    '--no-cache',
    '--strategy',
    'append',
  ];
  return runCli(args, { cwd: dir, timeoutMs: 60_000 });
}

async function rows(dir: string): Promise<number> {
  let n = 0;
  for (const t of ['users', 'products', 'purchases']) n += await sqliteCount(path.join(dir, 'out.db'), t);
  return n;
}

test('a damaged store says what happened and how it got out, and loses only what was damaged', async () => {
  const results: Array<{ name: string; ok: boolean; why: string }> = [];
  for (const [i, c] of CASES.entries()) {
    const dir = path.join(root, `c${i}`);
    mkdirSync(path.join(dir, '.airbyte'), { recursive: true });
    writeConfig(dir, 'source', { connector: 'builtin:sample', config: { count: RECORDS } });
    writeConfig(dir, 'destination', { connector: 'builtin:sqlite', config: { destination_path: 'out.db' } });
    const store = path.join(dir, '.airbyte', 'state.sqlite');
    const first = await write(dir);
    assert.equal(first.code, 0, first.stderr);
    await c.damage(store);
    const problems: string[] = [];
    const damaged = await write(dir);
    if (!c.says.test(damaged.stderr.replace(/\n/g, ' '))) problems.push(`did not say what happened: ${oneLine(damaged.stderr, 300)}`);
    if (/\n\s+at /.test(damaged.stderr)) problems.push('printed a stack trace');
    if (c.stops) {
      if (damaged.code !== 1) problems.push(`went on (exit ${damaged.code}) instead of stopping`);
      c.stops.undo(store);
      const again = await write(dir);
      if (again.code !== 0) problems.push(`failed after the way was cleared: ${oneLine(again.stderr)}`);
    } else if (damaged.code !== 0) problems.push(`failed (exit ${damaged.code})`);
    const clean = await write(dir);
    if (clean.code !== 0 || /warning/.test(clean.stderr)) problems.push(`the next run was not clean: ${oneLine(clean.stderr)}`);
    const got = await rows(dir);
    if (got !== 3 * RECORDS + c.resent) problems.push(`the destination holds ${got} rows, expected ${3 * RECORDS + c.resent}`);
    results.push({ name: c.name, ok: problems.length === 0, why: problems.join('; ') });
    console.log(`${c.name}: ${problems.length ? oneLine(problems.join('; '), 400) : 'ok'}`);
  }
  const failures = results.filter((r) => !r.ok);
  recordFaultFigure({
    area: 'hangs and leftovers',
    case: 'a damaged store (bad or null state, dropped table, folder at the path, read-only, flipped bytes, empty file)',
    trials: results.length,
    failures: failures.length,
    worst: failures.length
      ? `${failures[0].name}: ${oneLine(failures[0].why)}`
      : 'every case said what happened; nothing confirmed was sent again',
  });
  assert.deepEqual(
    failures.map((f) => `${f.name}: ${f.why}`),
    [],
  );
});
