// Two runs into one builtin:sqlite file. Each run loads the whole file, adds its rows and saves the
// whole file again, so before the fix the second save dropped the first run's rows while both runs
// reported success. Now the file is locked for the length of a write: the second run is refused at
// once with a clear error (it confirms nothing, so its records are sent again by its next run).
// Real CLI processes, each with its own workspace store, started together.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { sqliteCount } from '../../unit/sqliteTestSupport';
import type { CliOutcome } from './cliProcess';
import { cliBundle, jsonOf, runCli, startCli } from './cliProcess';

const TABLES = ['users', 'products', 'purchases'];
const PER_STREAM = 10_000;
// One folder per store: two stores in one folder would share a cache folder (a separate fault).
const STORES = ['a/state.sqlite', 'b/state.sqlite'];

let ws: string;
before(async () => {
  await cliBundle();
  ws = await makeTempDir('aw-fault-sqlite2-');
  writeFileSync(path.join(ws, 'source.airbyte.jsonc'), JSON.stringify({ connector: 'builtin:sample', config: { count: PER_STREAM } }));
  writeFileSync(
    path.join(ws, 'dest.airbyte.jsonc'),
    JSON.stringify({ connector: 'builtin:sqlite', config: { destination_path: 'out.db' } }),
  );
});
after(() => removeTempDir(ws));

const writeArgs = (store: string) => [
  'write',
  '--source',
  'source.airbyte.jsonc',
  '--destination',
  'dest.airbyte.jsonc',
  '--strategy',
  'append',
  '--state-file',
  store,
  '--json',
];

async function rowsIn(file: string): Promise<number> {
  let rows = 0;
  for (const t of TABLES) rows += existsSync(file) ? await sqliteCount(file, t).catch(() => 0) : 0;
  return rows;
}

function confirmedBy(outcome: CliOutcome): number {
  const json = jsonOf(outcome) as { ok?: boolean; totals?: { recordsConfirmed?: number } } | undefined;
  return outcome.code === 0 && json?.ok ? (json.totals?.recordsConfirmed ?? 0) : 0;
}

test('two CLI writes into one SQLite file at once lose no confirmed row', async () => {
  const trials = 5;
  let failures = 0;
  let worstLost = 0;
  let refused = 0;
  const notes: string[] = [];
  for (let trial = 0; trial < trials; trial++) {
    for (const f of readdirSync(ws)) if (!f.endsWith('.airbyte.jsonc')) rmSync(path.join(ws, f), { recursive: true, force: true });
    const runs = await Promise.all(STORES.map((store) => startCli(writeArgs(store), { cwd: ws })));
    const outcomes = await Promise.all(runs.map((r) => r.outcome));
    const confirmed = outcomes.reduce((sum, o) => sum + confirmedBy(o), 0);
    const rows = await rowsIn(path.join(ws, 'out.db'));
    const lost = Math.max(0, confirmed - rows);
    const failedRuns = outcomes.filter((o) => confirmedBy(o) === 0);
    // A refused run must say why: the file is being written by another run.
    const unclear = failedRuns.filter((o) => !/being written by another run/.test(o.stdout + o.stderr));
    refused += failedRuns.length - unclear.length;
    if (lost > 0 || unclear.length > 0 || rows > confirmed) {
      failures++;
      notes.push(
        `trial ${trial + 1}: ${confirmed} confirmed, ${rows} rows${unclear.length ? `, unclear failure: ${(unclear[0].stderr || unclear[0].stdout).slice(0, 200)}` : ''}`,
      );
    }
    worstLost = Math.max(worstLost, lost);
  }
  recordFaultFigure({
    area: 'data loss and duplicates',
    case: 'two CLI writes into one builtin:sqlite file at once (30,000 records each)',
    trials,
    failures,
    worst: failures
      ? `${worstLost} confirmed rows lost; ${notes[0]}`
      : `0 lost; ${refused} of ${trials * 2} runs refused with "being written by another run"`,
  });
  assert.deepEqual(notes, []);
});

test('a refused run sends its records with its next run: nothing lost', async () => {
  for (const f of readdirSync(ws)) if (!f.endsWith('.airbyte.jsonc')) rmSync(path.join(ws, f), { recursive: true, force: true });
  const runs = await Promise.all(STORES.map((store) => startCli(writeArgs(store), { cwd: ws })));
  const outcomes = await Promise.all(runs.map((r) => r.outcome));
  for (const [i, o] of outcomes.entries()) if (o.code !== 0) assert.equal((await runCli(writeArgs(STORES[i]), { cwd: ws })).code, 0);
  assert.equal(await rowsIn(path.join(ws, 'out.db')), 2 * 3 * PER_STREAM);
});
