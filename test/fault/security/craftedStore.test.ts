// Security: a store file is data anyone may hand over. One whose cache_segments row names
// `../../../victim.txt` made the next run delete that file outside the workspace (a read replacing
// the cached generation drops the old segments' files) or read it as records. Paths from the store
// are confined to the cache folder: such a segment is neither read nor deleted. Real CLI runs.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadSqlJs } from '../../../src/core/store/sqlJsLoader';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { configFile, ensureCli, jsonOf, runCli, withStoreReadOnly } from '../loss/lossSupport';

let tmp: string;
before(async () => {
  ensureCli();
  tmp = await makeTempDir('fault-crafted-store-');
});
after(async () => removeTempDir(tmp));

/** A workspace with a read of builtin:sample in its cache, and a victim file beside the workspace. */
async function setup(name: string): Promise<{ dir: string; source: string; destination: string; victim: string; readRunId: number }> {
  const dir = await mkdtemp(path.join(tmp, `${name}-`));
  const victim = path.join(tmp, `${name}-victim.txt`);
  writeFileSync(victim, 'a file of the user, outside the workspace\n');
  const source = await configFile(dir, 'source', { connector: 'builtin:sample', config: { count: 50 } });
  const destination = await configFile(dir, 'destination', { connector: 'builtin:jsonl', config: { destination_path: 'out' } });
  const read = jsonOf(await runCli(['read', '--source', source, '--json'], { cwd: dir }));
  return { dir, source, destination, victim, readRunId: Number(read.runId) };
}

/** Points every cached segment of the store at `victim` (relative to the cache folder), as a crafted file would. */
async function craft(dir: string, victim: string): Promise<void> {
  const storePath = path.join(dir, '.airbyte', 'state.sqlite');
  const cacheDir = await withStoreReadOnly(storePath, (store) => store.cacheDir);
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(storePath));
  db.run('UPDATE cache_segments SET file = ?', [path.relative(cacheDir, victim)]);
  writeFileSync(storePath, Buffer.from(db.export()));
  db.close();
}

/** Everything the jsonl destination wrote under `out` (a file or a folder of files). */
function writtenText(p: string): string {
  if (!existsSync(p)) return '';
  if (!statSync(p).isDirectory()) return readFileSync(p, 'utf8');
  return readdirSync(p)
    .map((f) => writtenText(path.join(p, f)))
    .join('');
}

const CASES: Record<string, (s: Awaited<ReturnType<typeof setup>>) => Promise<{ code: number | null; stdout: string; stderr: string }>> = {
  'write --source cache:N (reads the segments)': (s) =>
    runCli(['write', '--source', `cache:${s.readRunId}`, '--destination', s.destination, '--json'], { cwd: s.dir }),
  'read --full-refresh (replaces the cached generation, dropping its files)': (s) =>
    runCli(['read', '--source', s.source, '--full-refresh', '--json'], { cwd: s.dir }),
  'write through the cache (a new read, then the old files dropped)': (s) =>
    runCli(['write', '--source', s.source, '--destination', s.destination, '--full-refresh', '--json'], { cwd: s.dir }),
};

test('a crafted store naming ../../victim.txt as a cache segment: nothing outside the cache folder is read or deleted', async () => {
  const failures: string[] = [];
  for (const [name, run] of Object.entries(CASES)) {
    const s = await setup(name.split(' ')[0]);
    await craft(s.dir, s.victim);
    const out = await run(s);
    const kept = existsSync(s.victim) && readFileSync(s.victim, 'utf8').startsWith('a file of the user');
    if (!kept) failures.push(`${name}: the victim file was deleted or changed`);
    // Read as records, its line would reach the destination.
    if (writtenText(path.join(s.dir, 'out')).includes('a file of the user')) failures.push(`${name}: the victim was read as records`);
    if (name.startsWith('write --source') && (out.code === 0 || !/outside the cache folder/.test(out.stdout + out.stderr)))
      failures.push(`${name}: not refused with a clear message (exit ${out.code}): ${out.stdout.slice(0, 300)}`);
  }
  recordFaultFigure({
    area: 'security',
    case: 'a crafted store names a file outside the cache folder as a segment (replay, re-read, write through the cache)',
    trials: Object.keys(CASES).length,
    failures: failures.length,
    worst: failures[0] ?? 'the file outside was neither read nor deleted; the replay was refused naming it',
  });
  assert.deepEqual(failures, []);
});
