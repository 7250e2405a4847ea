// Leftovers: a builtin:sqlite write killed (kill -9) while saving leaves its temp copy of the
// database beside the file (as large as the file: 5-23 MB in the trials) and its lock. The
// next write into that file removes the temp files of dead processes and takes the lock over.
// Real CLI processes; the kill lands the moment a temp file appears (inotify through fs.watch).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { cliBundle, runCli, startCli } from './cliProcess';

let ws: string;
before(async () => {
  await cliBundle();
  ws = await makeTempDir('aw-fault-sqlitekill-');
  writeFileSync(path.join(ws, 'source.airbyte.jsonc'), JSON.stringify({ connector: 'builtin:sample', config: { count: 10_000 } }));
  writeFileSync(path.join(ws, 'small.airbyte.jsonc'), JSON.stringify({ connector: 'builtin:sample', config: { count: 10 } }));
  writeFileSync(
    path.join(ws, 'dest.airbyte.jsonc'),
    JSON.stringify({ connector: 'builtin:sqlite', config: { destination_path: 'out.db' } }),
  );
});
after(() => removeTempDir(ws));

const args = ['write', '--source', 'source.airbyte.jsonc', '--destination', 'dest.airbyte.jsonc', '--no-cache', '--strategy', 'append'];
const temps = () => readdirSync(ws).filter((n) => n.startsWith('.out.db.tmp-'));

/** Starts a write and kills it (SIGKILL) as soon as it starts saving; the temp files left. */
async function killMidSave(): Promise<string[]> {
  const child = await startCli(args, { cwd: ws });
  // On the first write into a temp file ('change'), so that the save has written part of its copy.
  const watcher = watch(ws, (event, name) => {
    if (event === 'change' && name?.startsWith('.out.db.tmp-')) child.kill('SIGKILL');
  });
  try {
    await child.outcome;
  } finally {
    watcher.close();
  }
  return temps();
}

test('temp files of a builtin:sqlite save killed by kill -9 are removed by the next write', async () => {
  let trials = 0;
  let failures = 0;
  let worstBytes = 0;
  let biggest = 0;
  let attempts = 0;
  // Only kills that really left a temp file count as trials.
  while (trials < 3 && attempts++ < 12) {
    const left = await killMidSave();
    if (left.length === 0) continue;
    trials++;
    const bytes = left.reduce((sum, n) => sum + statSync(path.join(ws, n)).size, 0);
    biggest = Math.max(biggest, bytes);
    const next = await runCli(
      args.map((a) => (a === 'source.airbyte.jsonc' ? 'small.airbyte.jsonc' : a)),
      { cwd: ws },
    );
    assert.equal(next.code, 0, next.stderr);
    const stillThere = temps();
    if (stillThere.length > 0) {
      failures++;
      worstBytes = Math.max(worstBytes, bytes);
    }
    for (const n of stillThere) rmSync(path.join(ws, n));
  }
  recordFaultFigure({
    area: 'hangs and leftovers',
    case: 'builtin:sqlite temp files after kill -9 mid-save, next write',
    trials,
    failures,
    worst: failures
      ? `${(worstBytes / 1e6).toFixed(1)} MB of temp files left after the next write`
      : `0 left after the next write (${(biggest / 1e6).toFixed(1)} MB at most removed; lock taken over; ${attempts} kills)`,
  });
  assert.ok(trials >= 3, `only ${trials} of ${attempts - 1} kills landed mid-save`);
  assert.equal(failures, 0);
  assert.ok(existsSync(path.join(ws, 'out.db')));
});
