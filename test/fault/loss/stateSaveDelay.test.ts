// Fault: a streamed write saved an echoed state about 1.2–1.3 s after the destination committed
// (17–101 ms through the cache): the store's save waited until the in-process pipeline stalled,
// which it did at the destination's next commit. A kill -9 in between left rows written but not
// confirmed, which an append rerun duplicates. Each commit's state must be saved promptly: before
// the destination's next commit, whatever the machine's load.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import type { CommitDelay } from './commitWatcher';
import { FileWatcher, sampleCoverage, saveDelays } from './commitWatcher';
import { configFile, ensureCli, runCli, sqliteCounts } from './lossSupport';

const STREAMS = ['users', 'products', 'purchases'];
let tmp: string;

before(async () => {
  ensureCli();
  tmp = await makeTempDir('fault-savedelay-');
});
after(async () => removeTempDir(tmp));

/** builtin:sample → builtin:sqlite (which commits about once a second), watched from outside. */
async function measure(mode: 'cache' | 'stream'): Promise<CommitDelay[]> {
  const dir = await mkdtemp(path.join(tmp, `${mode}-`));
  // Enough records for the destination (which commits about once a second) to commit more than once
  // on a fast, idle machine, in either mode.
  const count = 80_000;
  const source = await configFile(dir, 'source', { connector: 'builtin:sample', config: { count, state_every: 500 } });
  const destination = await configFile(dir, 'destination', { connector: 'builtin:sqlite', config: { destination_path: 'out.sqlite' } });
  const storePath = path.join(dir, '.airbyte', 'state.sqlite');
  const dest = new FileWatcher(path.join(dir, 'out.sqlite'), path.join(dir, 'copies-out'));
  const store = new FileWatcher(storePath, path.join(dir, 'copies-store'));
  dest.start();
  store.start();
  const args = ['write', '--source', source, '--destination', destination, '--strategy', 'append'];
  const out = await runCli(mode === 'stream' ? [...args, '--no-cache'] : args, { cwd: dir });
  await dest.stop();
  await store.stop();
  assert.equal(out.code, 0, out.stderr);
  return saveDelays(await dest.samples((f) => sqliteCounts(f, STREAMS)), await store.samples(sampleCoverage('builtin:sqlite#')));
}

const fmt = (ms: number) => (Number.isFinite(ms) ? `${Math.round(ms)} ms` : 'never');

describe('fault: an echoed state is saved long after the destination committed', () => {
  for (const mode of ['stream', 'cache'] as const) {
    const label = mode === 'stream' ? 'streamed' : 'through the cache';
    it(`${label}: each destination commit's state is saved before the destination commits again`, async () => {
      const commits = await measure(mode);
      const delays = commits.map((c) => c.delayMs).sort((a, b) => a - b);
      const late = commits.filter((c) => c.delayMs >= c.untilNextMs || !Number.isFinite(c.delayMs));
      recordFaultFigure({
        area: 'data loss and duplicates',
        case: `state saved after the destination commits (${label})`,
        trials: commits.length,
        failures: late.length,
        worst: `${fmt(delays[delays.length - 1])} (median ${fmt(delays[Math.floor(delays.length / 2)])}) from a destination commit to the saved state`,
      });
      assert.ok(commits.length >= 2, `the destination committed ${commits.length} time(s)`);
      assert.deepEqual(
        late.map((c) => `${fmt(c.delayMs)} (next commit after ${fmt(c.untilNextMs)})`),
        [],
        'commits whose state was not saved before the next commit',
      );
    });
  }
});
