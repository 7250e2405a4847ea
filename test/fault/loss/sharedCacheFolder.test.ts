// Fault: two state files in one folder (`--state-file d/a.sqlite`, then `d/b.sqlite`). Before the
// fix they shared `d/cache/`, and b's run deleted a's segment files as orphans, so a's cached read
// (`write --source cache:1 --state-file d/a.sqlite`) said its records were gone. A store deletes
// only files it wrote and indexed.
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { configFile, ensureCli, jsonOf, runCli, sqliteColumn } from './lossSupport';

const PER_STREAM = 200;
let tmp: string;

before(async () => {
  ensureCli();
  tmp = await makeTempDir('fault-sharedcache-');
});
after(async () => removeTempDir(tmp));

interface Trial {
  label: string;
  /** Records of a's cached read that reached the destination when it was written by run id. */
  written: number;
  error?: string;
}

/** What store b does in the folder store a cached its read in. */
type Intruder = (ctx: { dir: string; source: string; other: string; destination: string }) => Promise<unknown>;

const INTRUDERS: Record<string, Intruder> = {
  'b reads the same source': ({ dir, source }) => runCli(['read', '--source', source, '--state-file', 'd/b.sqlite'], { cwd: dir }),
  'b writes another source through the cache': ({ dir, other, destination }) =>
    runCli(['write', '--source', other, '--destination', destination, '--state-file', 'd/b.sqlite'], { cwd: dir }),
  'b is a copy of a, read again with --full-refresh': async ({ dir, source }) => {
    await copyFile(path.join(dir, 'd', 'a.sqlite'), path.join(dir, 'd', 'b.sqlite'));
    return runCli(['read', '--source', source, '--state-file', 'd/b.sqlite', '--full-refresh'], { cwd: dir });
  },
};

async function trial(label: string, intrude: Intruder): Promise<Trial> {
  const dir = await mkdtemp(path.join(tmp, 'ws-'));
  await mkdir(path.join(dir, 'd'));
  const source = await configFile(dir, 'source', { connector: 'builtin:sample', config: { count: PER_STREAM, state_every: 50 } });
  const other = await configFile(dir, 'other', { connector: 'builtin:sample', config: { count: 10, seed: 7 } });
  const destination = await configFile(dir, 'destination', { connector: 'builtin:sqlite', config: { destination_path: 'out.sqlite' } });
  const otherDestination = await configFile(dir, 'other-destination', {
    connector: 'builtin:sqlite',
    config: { destination_path: 'other.sqlite' },
  });
  const read = jsonOf(await runCli(['read', '--source', source, '--state-file', 'd/a.sqlite', '--json'], { cwd: dir }));
  await intrude({ dir, source, other, destination: otherDestination });
  const out = await runCli(
    ['write', '--source', `cache:${String(read.runId)}`, '--destination', destination, '--state-file', 'd/a.sqlite', '--json'],
    { cwd: dir },
  );
  const written = (await sqliteColumn(path.join(dir, 'out.sqlite'), 'users', 'id')).length;
  return { label, written, error: out.code === 0 ? undefined : `${out.stderr.trim().split('\n')[0]}` };
}

describe("fault: one store deletes another's cache", () => {
  it('a store in the same folder leaves the cached read of another store whole', async () => {
    const trials: Trial[] = [];
    for (const [label, intrude] of Object.entries(INTRUDERS)) trials.push(await trial(label, intrude));
    const failed = trials.filter((t) => t.error || t.written !== PER_STREAM);
    const worst = failed[0] ?? trials[0];
    recordFaultFigure({
      area: 'data loss and duplicates',
      case: "one store deletes another's cache (two state files in one folder)",
      trials: trials.length,
      failures: failed.length,
      worst: worst.error
        ? `${worst.label}: ${worst.error}`
        : `${worst.written} of ${PER_STREAM} users written from a's cached read (${worst.label})`,
    });
    for (const t of trials) {
      assert.equal(t.error, undefined, `${t.label}: the cached read of a is written`);
      assert.equal(t.written, PER_STREAM, `${t.label}: every cached record of a reaches the destination`);
    }
  });
});
