/**
 * Preview benchmark: 1,000,000 records of builtin:sample (`users`) read into a workspace cache, then
 *  - the first, middle and last page (50 records) of the stream opened as the extension host does
 *    (store open, `readRecordPage`): the first opening of each and the median of 9; target < 200 ms;
 *  - the RSS of this process before and after those pages (memory must not grow with the offset);
 *  - the CLI `preview cache:N --offset 900000` (dist/cli.js, built first) in its own process: wall
 *    time and peak RSS (GNU time's maximum resident set), beside `preview --offset 0` and `runs --cached`
 *    (the same start and store opening, no records read);
 *  - baselines on the same segment bytes, same run: `tail -n 50` of the last segment file, and
 *    `sed -n` of records 900,001–900,050 over the segment files (which reads from the start).
 * The segment files were just written, so the OS holds them in its page cache (warm reads).
 *
 *   npm run bench     (or: node --import tsx bench/preview.bench.ts; size: BENCH_PREVIEW_RECORDS)
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getSource } from '../src/core/connectors/getConnector';
import { openCachedStream, readRecordPage } from '../src/core/readResults/recordPages';
import { RecordCache } from '../src/core/store/recordCache';
import { WorkspaceStore } from '../src/core/store/workspaceStore';

const RECORDS = Number(process.env.BENCH_PREVIEW_RECORDS ?? 1_000_000);
const PAGE = 50;
const TARGET_MS = 200;
const root = path.resolve(__dirname, '..');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rssMb = () => process.memoryUsage().rss / 1024 / 1024;

/** Runs a command under GNU time: wall seconds and peak RSS (MB); fails loudly on a non-zero exit. */
function timed(cmd: string, args: string[]): { ms: number; peakMb: number; stdout: string } {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %e %M', cmd, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const m = /TIME ([\d.]+) (\d+)/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-500)}`);
  return { ms: Number(m[1]) * 1000, peakMb: Number(m[2]) / 1024, stdout: r.stdout };
}

async function fill(dir: string): Promise<{ storePath: string; runId: number }> {
  const storePath = path.join(dir, '.airbyte', 'state.sqlite');
  const store = await WorkspaceStore.open({ path: storePath });
  try {
    const source = await getSource('builtin:sample', { config: { count: RECORDS, seed: 1, state_every: 50_000 }, baseDir: dir });
    const t0 = performance.now();
    const read = await source.read({ store, streams: ['users'] });
    console.log(`  read ${RECORDS.toLocaleString('en')} records into the cache in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return { storePath, runId: read.runId };
  } finally {
    await store.close();
  }
}

async function pageTimes(storePath: string, runId: number): Promise<boolean> {
  const store = await WorkspaceStore.open({ path: storePath, lock: false });
  let ok = true;
  try {
    const view = openCachedStream(store, runId, 'users');
    const cache = new RecordCache(store);
    const before = rssMb();
    for (const [name, offset] of [
      ['first', 0],
      ['middle', Math.floor(view.total / 2)],
      ['last', view.total - PAGE],
    ] as const) {
      const times: number[] = [];
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        const page = await readRecordPage(cache, view, offset, PAGE);
        times.push(performance.now() - t0);
        if (page.rows.length !== PAGE || page.rows[0].position !== offset) throw new Error(`page at ${offset} is wrong`);
      }
      const worst = Math.max(times[0], median(times.slice(1)));
      if (worst >= TARGET_MS) ok = false;
      console.log(
        `  ${name.padEnd(6)} page (records ${offset.toLocaleString('en')}–${(offset + PAGE - 1).toLocaleString('en')}): first opening ${times[0].toFixed(1)} ms, median of 9 more ${median(times.slice(1)).toFixed(1)} ms (target < ${TARGET_MS} ms)`,
      );
    }
    console.log(`  RSS of this process around the 30 pages: ${before.toFixed(0)} MB before, ${rssMb().toFixed(0)} MB after`);
    // The Records Preview opens the store (read-only) for each page, so it always sees the index as it is now.
    const withOpen: number[] = [];
    for (let i = 0; i < 9; i++) {
      const t0 = performance.now();
      const s = await WorkspaceStore.open({ path: storePath, lock: false });
      await readRecordPage(new RecordCache(s), openCachedStream(s, runId, 'users'), view.total - PAGE, PAGE);
      await s.close();
      withOpen.push(performance.now() - t0);
    }
    if (median(withOpen) >= TARGET_MS) ok = false;
    console.log(`  last page with the store opened for it (as the Records Preview does): median of 9 ${median(withOpen).toFixed(1)} ms`);
    return ok;
  } finally {
    await store.close();
  }
}

function cliAndBaselines(storePath: string, runId: number): void {
  const cli = path.join(root, 'dist', 'cli.js');
  const args = (offset: number) => [
    cli,
    'preview',
    `cache:${runId}`,
    '--stream',
    'users',
    '--offset',
    String(offset),
    '--limit',
    String(PAGE),
    '--state-file',
    storePath,
    '--jsonl',
  ];
  for (const offset of [0, 900_000]) {
    const runs = [1, 2, 3].map(() => timed(process.execPath, args(offset)));
    const first = JSON.parse(runs[0].stdout.split('\n')[0]) as { position: number };
    if (first.position !== offset) throw new Error(`the CLI printed position ${first.position} for offset ${offset}`);
    console.log(
      `  CLI preview --offset ${offset.toLocaleString('en').padEnd(7)}  ${median(runs.map((r) => r.ms)).toFixed(0)} ms (median of 3, node start included), peak RSS ${median(runs.map((r) => r.peakMb)).toFixed(0)} MB`,
    );
  }
  // What every CLI command that opens the store costs (node start, bundle, sql.js, store): the floor of `preview`.
  const runs = [1, 2, 3].map(() => timed(process.execPath, [cli, 'runs', '--cached', '--state-file', storePath]));
  console.log(
    `  baseline CLI runs --cached (same store, no records read): ${median(runs.map((r) => r.ms)).toFixed(0)} ms, peak RSS ${median(runs.map((r) => r.peakMb)).toFixed(0)} MB`,
  );
  const cacheDir = path.join(path.dirname(storePath), 'cache');
  const files = spawnSync('find', [cacheDir, '-name', '*.jsonl'], { encoding: 'utf8' }).stdout.trim().split('\n').sort();
  const tail = [1, 2, 3].map(() => timed('tail', ['-n', String(PAGE), files.at(-1)!]));
  const sed = [1, 2, 3].map(() => timed('sed', ['-n', `900001,900050p;900050q`, ...files]));
  console.log(
    `  baseline tail -n ${PAGE} of the last segment: ${median(tail.map((r) => r.ms)).toFixed(0)} ms, peak RSS ${median(tail.map((r) => r.peakMb)).toFixed(0)} MB`,
  );
  console.log(
    `  baseline sed -n 900001,900050p over the segments: ${median(sed.map((r) => r.ms)).toFixed(0)} ms, peak RSS ${median(sed.map((r) => r.peakMb)).toFixed(0)} MB`,
  );
}

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });
  if (build.status !== 0) throw new Error('the build failed');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-preview-'));
  try {
    console.log(`preview bench: ${RECORDS.toLocaleString('en')} cached records of builtin:sample (users), pages of ${PAGE}`);
    const { storePath, runId } = await fill(dir);
    const ok = await pageTimes(storePath, runId);
    cliAndBaselines(storePath, runId);
    if (!ok) {
      console.log(`  a page took ${TARGET_MS} ms or more: ABOVE TARGET`);
      process.exitCode = 1;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`preview bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
