/**
 * Cache benchmark: 2,000,000 records of builtin:sample read into the workspace record cache, then
 * replayed into builtin:dev-null (all in process, no Docker), each run in its own child process so
 * that its peak RSS (VmHWM) is its own. Baseline, measured in the same run: the same records
 * streamed straight from the source into dev-null (cache: false). Target: peak RSS < 500 MB.
 *
 *   npm run bench        (or: node --import tsx bench/cache.bench.ts)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getDestination, getSource } from '../src/core/connectors/getConnector';
import { WorkspaceStore } from '../src/core/store/workspaceStore';
import type { WriteProgress } from '../src/core/write/progressTracker';

const RECORDS = Number(process.env.BENCH_CACHE_RECORDS ?? 2_000_000);
const RSS_LIMIT_MB = 500;

interface ChildResult {
  mode: 'cache' | 'stream';
  records: number;
  bytes: number;
  readMs: number;
  writeMs: number;
  totalMs: number;
  peakRssMb: number;
}

function peakRssMb(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}

async function child(mode: 'cache' | 'stream', dir: string): Promise<void> {
  const store = await WorkspaceStore.open({ path: path.join(dir, '.airbyte', 'state.sqlite') });
  const source = await getSource('builtin:sample', { config: { count: RECORDS, seed: 1, state_every: 50_000 }, baseDir: dir });
  const destination = await getDestination('builtin:dev-null', { config: {}, baseDir: dir });
  const marks: Record<string, number> = {};
  const t0 = performance.now();
  const result = await destination.write(source, {
    store,
    streams: ['users'],
    cache: mode === 'cache',
    onProgress: (p: WriteProgress) => {
      marks[p.phase] ??= performance.now();
    },
  });
  const end = performance.now();
  await store.close();
  if (result.totals.recordsConfirmed !== RECORDS) throw new Error(`confirmed ${result.totals.recordsConfirmed}, expected ${RECORDS}`);
  const out: ChildResult = {
    mode,
    records: RECORDS,
    bytes: result.totals.bytes,
    readMs: mode === 'cache' ? marks.writing - marks.reading : 0,
    writeMs: (marks.finishing ?? end) - marks.writing,
    totalMs: end - t0,
    peakRssMb: peakRssMb(),
  };
  process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
}

function runChild(mode: 'cache' | 'stream', dir: string): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', __filename, '--child', mode, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`the ${mode} child exited with ${code}: ${out.slice(-500)}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)) as ChildResult);
    });
  });
}

const rate = (n: number, ms: number) => `${Math.round(n / (ms / 1000)).toLocaleString('en')} records/s`;

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    await child(process.argv[3] as 'cache' | 'stream', process.argv[4]);
    return;
  }
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-cache-'));
  try {
    console.log(`cache bench: ${RECORDS.toLocaleString('en')} records of builtin:sample (users) → builtin:dev-null, in process`);
    const stream = await runChild('stream', path.join(tmp, 'stream'));
    const cache = await runChild('cache', path.join(tmp, 'cache'));
    console.log(
      `  streamed, no cache (baseline)  ${(stream.totalMs / 1000).toFixed(2)} s  ${rate(RECORDS, stream.totalMs)}  peak RSS ${stream.peakRssMb.toFixed(0)} MB`,
    );
    console.log(
      `  cache ingest (source → cache)  ${(cache.readMs / 1000).toFixed(2)} s  ${rate(RECORDS, cache.readMs)}  (${(cache.bytes / 1e6).toFixed(0)} MB)`,
    );
    console.log(`  cache replay (cache → dest)    ${(cache.writeMs / 1000).toFixed(2)} s  ${rate(RECORDS, cache.writeMs)}`);
    console.log(
      `  through the cache, whole run   ${(cache.totalMs / 1000).toFixed(2)} s  ${rate(RECORDS, cache.totalMs)}  ratio ${(cache.totalMs / stream.totalMs).toFixed(2)} vs streamed`,
    );
    console.log(
      `  peak RSS of the cache run: ${cache.peakRssMb.toFixed(0)} MB (limit ${RSS_LIMIT_MB} MB) ${cache.peakRssMb < RSS_LIMIT_MB ? 'OK' : 'ABOVE LIMIT'}`,
    );
    console.log(`  PyAirbyte's published figure for comparison: ~15,000 records/s (faker into its DuckDB cache)`);
    if (cache.peakRssMb >= RSS_LIMIT_MB) process.exitCode = 1;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`cache bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
