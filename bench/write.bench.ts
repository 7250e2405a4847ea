/**
 * The write benchmark: one table, measured in one run, with a fast source container (the test
 * source) and a destination container that only parses and counts (an fsync-bound destination
 * would hide our overhead). Interleaved round by round, so that load from elsewhere hits each case
 * alike; each ratio is the median of the per-round ratios.
 *
 *   raw pipe        docker run SOURCE read | docker run -i DESTINATION write   (the physical limit)
 *   streamed        Destination.write(source, { cache: false })                (write --no-cache)
 *   through cache   Destination.write(source)                                   (write, the default)
 *                   both as reruns of a pair written before (the source's catalog discovered
 *                   minutes ago, so no discover runs; the destination proved), with --full-refresh
 *                   so that every record moves again
 *   rediscover      the streamed rerun with --refresh-schema: discover runs beside the early start
 *   first write     streamed, a new pair: discover and the destination's check before any record
 *   cat             cat <the cache's segment files> | docker run -i DESTINATION write
 *   replay          Destination.write(openCachedRead(store, N))                 (write --source cache:N)
 *                   into a destination config new to the read (its check runs), and with
 *                   --full-refresh into the destination config that wrote it (proved: no check)
 *   first record    time until the destination receives its first record, container starts included
 *   big             BENCH_BIG_RECORDS (default 10,000,000) through the cache in a child process
 *                   (a first write), between two BENCH_RECORDS runs made the same way: time per
 *                   record against theirs (measured beside it, under the same load), peak RSS
 *   wide            BENCH_WIDE_STREAMS (default 1,000) streams × 1,000 records through the cache,
 *                   against the raw pipe carrying the same bytes, BENCH_WIDE_ROUNDS (default 3)
 *                   rounds interleaved
 *
 * Every "ours" run starts from fresh connector objects, as a new CLI process does.
 *
 *   npm run bench        (or: node --import tsx bench/write.bench.ts with DOCKER_HOST set)
 *   BENCH_RECORDS=1000000 BENCH_ROUNDS=5 BENCH_BIG_RECORDS=10000000 (0 skips) BENCH_WIDE_STREAMS=1000 (0 skips)
 *   BENCH_WIDE_ROUNDS=3
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureTestImages } from '../scripts/buildTestImages';
import { connectDocker } from '../src/core/docker/dockerClient';
import type { Timing } from './writeBenchCases';
import { catInto, dispose, ioFolder, ours, peakRssMb, rawPipe, replay } from './writeBenchCases';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const BIG = Number(process.env.BENCH_BIG_RECORDS ?? 10_000_000);
const WIDE = Number(process.env.BENCH_WIDE_STREAMS ?? 1_000);
const WIDE_RECORDS = 1_000;
const WIDE_ROUNDS = Number(process.env.BENCH_WIDE_ROUNDS ?? 3);
const STATE_EVERY = 10_000;
const mainConfig = (records: number) => ({ record_count: records, state_every: STATE_EVERY });

type Samples = Record<string, Timing[]>;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Median of the per-round ratios a/b (a round shares one moment's load). */
function ratio(samples: Samples, a: string, b: string, pick: (t: Timing) => number = (t) => t.ms): number {
  return median(samples[a].map((t, i) => pick(t) / pick(samples[b][i])));
}

/**
 * The interleaved 1M rounds: raw pipe, the first write of a new pair, then reruns of a pair written
 * before (streamed, and through the cache: its source's catalog was discovered minutes ago and its
 * destination was proved by that write, as for anyone writing the same config files again; full
 * refresh, so that every record moves again), the streamed rerun again with its discover, the replay
 * of the cached read into a destination config new to it, and `cat` of its segments.
 */
async function rounds(tmp: string): Promise<Samples> {
  const io = await ioFolder(tmp, mainConfig(RECORDS), ['users']);
  const samples: Samples = { pipe: [], first: [], stream: [], rediscover: [], cache: [], replay: [], resend: [], cat: [] };
  // Warm-up: the first containers of an image pay for copying its layers; the spec cache fills.
  // The pairs written again in the rounds are written here first.
  const sdir = path.join(tmp, 'stream');
  const cdir = path.join(tmp, 'cache');
  await rawPipe(io, RECORDS);
  await (await ours(sdir, mainConfig(RECORDS), false, RECORDS, ['users'])).store.close();
  await (await ours(cdir, mainConfig(RECORDS), true, RECORDS, ['users'])).store.close();
  const again = { fullRefresh: true };
  for (let r = 0; r < ROUNDS; r++) {
    samples.pipe.push(await rawPipe(io, RECORDS));
    const fdir = path.join(tmp, `first-${r}`);
    const first = await ours(fdir, mainConfig(RECORDS), false, RECORDS, ['users']);
    samples.first.push(first);
    await dispose(first, fdir);
    const streamed = await ours(sdir, mainConfig(RECORDS), false, RECORDS, ['users'], again);
    samples.stream.push(streamed);
    await streamed.store.close();
    const rediscovered = await ours(sdir, mainConfig(RECORDS), false, RECORDS, ['users'], { ...again, refreshSchema: true });
    samples.rediscover.push(rediscovered);
    await rediscovered.store.close();
    const cached = await ours(cdir, mainConfig(RECORDS), true, RECORDS, ['users'], again);
    samples.cache.push(cached);
    const replayed = await replay(cached, `round-${r}`, RECORDS);
    samples.replay.push(replayed);
    samples.resend.push(await replay(cached, undefined, RECORDS));
    samples.cat.push(await catInto(io, replayed.files, RECORDS));
    await cached.store.close();
    const row = (k: string) => `${k} ${secs(samples[k][r].ms)}`;
    console.error(`  round ${r + 1}/${ROUNDS}: ${Object.keys(samples).map(row).join(', ')}`);
  }
  await rm(sdir, { recursive: true, force: true });
  await rm(cdir, { recursive: true, force: true });
  return samples;
}

/** Many streams: the raw pipe and through the cache, carrying the same records. */
async function wide(tmp: string): Promise<Samples> {
  const config = { record_count: WIDE_RECORDS, state_every: STATE_EVERY, stream_count: WIDE };
  const total = WIDE * WIDE_RECORDS;
  const io = await ioFolder(tmp, config);
  const samples: Samples = { pipe: [], cache: [] };
  for (let r = 0; r < WIDE_ROUNDS; r++) {
    samples.pipe.push(await rawPipe(io, total));
    const dir = path.join(tmp, `wide-${r}`);
    const run = await ours(dir, config, true, total, undefined);
    samples.cache.push(run);
    await dispose(run, dir);
    console.error(`  wide round ${r + 1}/${WIDE_ROUNDS}: pipe ${secs(samples.pipe[r].ms)}, cache ${secs(run.ms)}`);
  }
  return samples;
}

interface BigRun {
  ms: number;
  peakRssMb: number;
  /** The BENCH_RECORDS runs made the same way just before and just after it. */
  small: number[];
}

/**
 * The big run between two runs of BENCH_RECORDS made the same way (a first write through the cache,
 * in a child process): per-record cost is compared with runs measured beside it, since the load of
 * this machine drifts over the minutes the rounds take.
 */
async function big(tmp: string): Promise<BigRun> {
  const before = await runInChild(tmp, RECORDS, 'small-before');
  const run = await runInChild(tmp, BIG, 'big');
  const after = await runInChild(tmp, RECORDS, 'small-after');
  return { ...run, small: [before.ms, after.ms] };
}

/** A first write through the cache in a child process, so that its peak RSS is its own. */
function runInChild(tmp: string, records: number, name: string): Promise<{ ms: number; peakRssMb: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--big', String(records), path.join(tmp, name)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`the run of ${records} records exited with ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)) as { ms: number; peakRssMb: number });
    });
  });
}

async function bigChild(records: number, dir: string): Promise<void> {
  const run = await ours(dir, mainConfig(records), true, records, ['users']);
  await dispose(run, dir);
  process.stdout.write(`RESULT ${JSON.stringify({ ms: run.ms, peakRssMb: await peakRssMb() })}\n`);
}

function printTable(main: Samples, wideSamples: Samples | undefined, bigRun: BigRun | undefined): void {
  const m = (k: string, pick: (t: Timing) => number = (t) => t.ms) => median(main[k].map(pick));
  const first = (t: Timing) => t.firstMs;
  /** A row of `key`'s median and its ratio to `base` (by `pick`: the wall time, or the first record). */
  const row = (label: string, key: string, base: string, target = '', pick?: (t: Timing) => number) => [
    label,
    secs(m(key, pick)),
    key === base ? '1.00' : ratio(main, key, base, pick).toFixed(2),
    target,
  ];
  const rows: string[][] = [
    row('raw pipe `docker run SRC read \\| docker run -i DST write`', 'pipe', 'pipe'),
    row('streamed `write --no-cache` (its schema discovered < 15 min ago)', 'stream', 'pipe', '≤ 1.05 × pipe'),
    row('streamed `write --no-cache --refresh-schema` (discover runs)', 'rediscover', 'pipe'),
    row('through the cache `write`', 'cache', 'pipe', '≤ 1.25 × pipe'),
    row('first write of a new pair, streamed', 'first', 'pipe'),
    row('`cat` of the segment files `\\| docker run -i DST write`', 'cat', 'cat'),
    row('replay `--full-refresh` into the destination config that wrote it (no check)', 'resend', 'cat', '≤ 1.10 × cat'),
    row('replay `write --source cache:N` into a new destination config (its check runs first)', 'replay', 'cat'),
    row('first record: raw pipe', 'pipe', 'pipe', '', first),
    row('first record: streamed', 'stream', 'pipe', '', first),
    row('first record: streamed, discover runs', 'rediscover', 'pipe', '', first),
    row('first record: through the cache', 'cache', 'pipe', '', first),
    row('first record: first write of a new pair', 'first', 'pipe', '', first),
    row('first record: replay', 'replay', 'cat', '', first),
    row('first record: replay, no check', 'resend', 'cat', '', first),
    row('first record: `cat`', 'cat', 'cat', '', first),
  ];
  if (bigRun) {
    const smallMs = (bigRun.small[0] + bigRun.small[1]) / 2;
    const perRecord = bigRun.ms / BIG / (smallMs / RECORDS);
    const n = (k: number) => k.toLocaleString('en');
    rows.push([
      `${n(RECORDS)} through the cache, a first write (before and after the ${n(BIG)})`,
      `${secs(bigRun.small[0])}, ${secs(bigRun.small[1])} (${((smallMs / RECORDS) * 1000).toFixed(2)} µs/rec)`,
      '',
      '',
    ]);
    const label = `${n(BIG)} through the cache, a first write (per record vs the ${n(RECORDS)} beside it)`;
    rows.push([label, `${secs(bigRun.ms)} (${((bigRun.ms / BIG) * 1000).toFixed(2)} µs/rec)`, perRecord.toFixed(2), '≤ 1.10']);
    rows.push([`${BIG.toLocaleString('en')} through the cache: peak RSS`, `${bigRun.peakRssMb.toFixed(0)} MB`, '', '< 300 MB']);
  }
  if (wideSamples) {
    const label = `${WIDE.toLocaleString('en')} streams × ${WIDE_RECORDS.toLocaleString('en')}`;
    const w = (k: string) => median(wideSamples[k].map((t) => t.ms));
    rows.push([`${label}: raw pipe (median of ${WIDE_ROUNDS})`, secs(w('pipe')), '1.00', '']);
    rows.push([
      `${label}: through the cache (a first write)`,
      secs(w('cache')),
      ratio(wideSamples, 'cache', 'pipe').toFixed(2),
      '≤ 1.5 × pipe',
    ]);
  }
  const header = ['path', `time (median of ${ROUNDS})`, 'ratio', 'target'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of rows) console.log(line(r));
  const all = (k: string) => main[k].map((t) => (t.ms / 1000).toFixed(2)).join(', ');
  console.log(
    `rounds (s): ${Object.keys(main)
      .map((k) => `${k}=[${all(k)}]`)
      .join(' ')}`,
  );
}

async function main(): Promise<void> {
  if (process.argv[2] === '--big') return bigChild(Number(process.argv[3]), process.argv[4]);
  await ensureTestImages(await connectDocker());
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-write-'));
  try {
    console.log(
      `write bench: ${RECORDS.toLocaleString('en')} records (one stream, a STATE every ${STATE_EVERY.toLocaleString('en')}), source container → counting destination container, ${ROUNDS} rounds interleaved; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`,
    );
    const mainSamples = await rounds(tmp);
    const wideSamples = WIDE > 0 ? await wide(tmp) : undefined;
    const bigRun = BIG > 0 ? await big(tmp) : undefined;
    printTable(mainSamples, wideSamples, bigRun);
    console.log(`load average at the end: ${os.loadavg()[0].toFixed(1)}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`write bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
