// Fault: a destination first written streamed (`--no-cache`), then through the cache that another
// destination's run had filled, got every cached record again: 1,000 duplicates per stream with
// append. Its confirmed position in the cache must follow from the state it confirmed.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { testDocker } from '../../docker/runtime/dockerHelpers';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import {
  configFile,
  ensureCli,
  jsonOf,
  jsonlRows,
  occurrences,
  runCli,
  sqliteColumn,
  streamsOf,
  sum,
  testDestinationConfig,
  testSourceConfig,
} from './lossSupport';

let tmp: string;

before(async () => {
  ensureCli();
  await testDocker();
  tmp = await makeTempDir('fault-streamedcached-');
});
after(async () => removeTempDir(tmp));

interface Trial {
  label: string;
  /** Records the destination holds more than once, over all streams. */
  duplicates: number;
  /** Records it lacks. */
  missing: number;
  /** Records the last write sent. */
  sentLast: number;
}

interface Setup {
  dir: string;
  source: string;
  first: string;
  second: string;
  /** Ids per stream in the second destination. */
  ids: () => Promise<Record<string, unknown[]>>;
  /** Each stream's ids should be 1..expected. */
  expected: number;
  /** Grows the source's data (Docker: upstream.json). */
  grow?: (count: number) => Promise<void>;
}

async function builtinSetup(): Promise<Setup> {
  const dir = await mkdtemp(path.join(tmp, 'builtin-'));
  const source = await configFile(dir, 'source', { connector: 'builtin:sample', config: { count: 1000, state_every: 100 } });
  const first = await configFile(dir, 'first', { connector: 'builtin:sqlite', config: { destination_path: 'first.sqlite' } });
  const second = await configFile(dir, 'second', { connector: 'builtin:sqlite', config: { destination_path: 'second.sqlite' } });
  const ids = async () => {
    const out: Record<string, unknown[]> = {};
    for (const s of ['users', 'products', 'purchases']) out[s] = await sqliteColumn(path.join(dir, 'second.sqlite'), s, 'id');
    return out;
  };
  return { dir, source, first, second, ids, expected: 1000 };
}

async function dockerSetup(): Promise<Setup> {
  const dir = await mkdtemp(path.join(tmp, 'docker-'));
  const upstream = path.join(dir, 'upstream');
  await mkdir(upstream);
  const grow = (count: number) => writeFile(path.join(upstream, 'upstream.json'), JSON.stringify({ record_count: count }));
  await grow(1000);
  const source = await configFile(dir, 'source', { ...testSourceConfig({ record_count: 0, state_every: 100 }), localDir: './upstream' });
  // Two destination configs (the local folder alone is not part of a config's identity).
  const first = await configFile(dir, 'first', testDestinationConfig('./first', { flush_every: 1000 }));
  const second = await configFile(dir, 'second', testDestinationConfig('./second', { flush_every: 500 }));
  const ids = async () => {
    const out: Record<string, unknown[]> = {};
    for (const s of ['users', 'orders']) out[s] = (await jsonlRows(path.join(dir, 'second'), s)).map((r) => r.id);
    out.events = (await jsonlRows(path.join(dir, 'second'), 'events')).map((r) => r.seq);
    return out;
  };
  return { dir, source, first, second, ids, expected: 1000, grow };
}

const write = (s: Setup, destination: string, ...extra: string[]) =>
  runCli(['write', '--source', s.source, '--destination', destination, '--strategy', 'append', '--json', ...extra], { cwd: s.dir });

async function judge(label: string, s: Setup, sentLast: number): Promise<Trial> {
  let duplicates = 0;
  let missing = 0;
  for (const values of Object.values(await s.ids())) {
    const seen = occurrences(values);
    for (const n of seen.values()) duplicates += n - 1;
    for (let id = 1; id <= s.expected; id++) if (!seen.has(id)) missing++;
  }
  return { label, duplicates, missing, sentLast };
}

/** The first destination fills the cache; the second is written streamed, then through the cache. */
async function switchToCache(label: string, setup: () => Promise<Setup>): Promise<Trial> {
  const s = await setup();
  streamsOf(await write(s, s.first));
  streamsOf(await write(s, s.second, '--no-cache'));
  const last = streamsOf(await write(s, s.second));
  return judge(label, s, sum(last, 'recordsSent'));
}

/** Like `switchToCache`, but the source grew in between: the second destination is ahead of the cache. */
async function switchAfterGrowth(label: string): Promise<Trial> {
  const s = await dockerSetup();
  streamsOf(await write(s, s.first));
  await s.grow!(1500);
  streamsOf(await write(s, s.second, '--no-cache'));
  const last = streamsOf(await write(s, s.second));
  return judge(label, { ...s, expected: 1500 }, sum(last, 'recordsSent'));
}

/** The second destination, fed streamed, is then written a cached read of the same source (`cache:N`). */
async function cachedReadAfterStream(label: string): Promise<Trial> {
  const s = await builtinSetup();
  const read = jsonOf(await runCli(['read', '--source', s.source, '--json'], { cwd: s.dir }));
  streamsOf(await write(s, s.second, '--no-cache'));
  const out = await runCli(
    ['write', '--source', `cache:${String(read.runId)}`, '--destination', s.second, '--strategy', 'append', '--json'],
    { cwd: s.dir },
  );
  return judge(label, s, sum(streamsOf(out), 'recordsSent'));
}

describe('fault: switching a destination from --no-cache to the cache', () => {
  it('sends only what the destination has not confirmed (built-in and Docker, cache and cache:N)', async () => {
    const trials = [
      await switchToCache('builtin:sample → builtin:sqlite', builtinSetup),
      await switchToCache('Docker test connectors', dockerSetup),
      await switchAfterGrowth('Docker, the source grew between the runs'),
      await cachedReadAfterStream('builtin, cache:N after a streamed write'),
    ];
    const failed = trials.filter((t) => t.duplicates > 0 || t.missing > 0);
    const worst = trials.reduce((w, t) => (t.duplicates + t.missing > w.duplicates + w.missing ? t : w), trials[0]);
    recordFaultFigure({
      area: 'data loss and duplicates',
      case: 'a destination switched from --no-cache to the cache',
      trials: trials.length,
      failures: failed.length,
      worst: `${worst.duplicates} duplicated, ${worst.missing} lost, ${worst.sentLast} re-sent (${worst.label})`,
    });
    for (const t of trials) {
      assert.equal(t.missing, 0, `${t.label}: nothing lost`);
      assert.equal(t.duplicates, 0, `${t.label}: nothing duplicated`);
      assert.equal(t.sentLast, 0, `${t.label}: nothing re-sent`);
    }
  });
});
