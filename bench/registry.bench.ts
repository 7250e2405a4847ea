/**
 * Registry benchmark: a 600-connector registry generated from the real entries of the registry
 * sample (each copied under a new name, spec and all, like the ~5 MB real file), loaded and
 * indexed from a local file and from the disk cache, against the baseline of reading the same
 * file and `JSON.parse` alone. Target: loading + indexing under 150 ms (median).
 *
 *   node --import tsx bench/registry.bench.ts
 */
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registrySamplePath } from '../test/harness/paths';
import { loadRegistry, loadRegistryFile } from '../src/core/registry/registry';

const ENTRIES = 600;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);

type Entry = Record<string, unknown>;

function generate(): string {
  const sample = JSON.parse(readFileSync(registrySamplePath, 'utf8')) as { sources: Entry[]; destinations: Entry[] };
  const out = { sources: [] as Entry[], destinations: [] as Entry[] };
  const real = [...sample.sources.map((e) => ['sources', e] as const), ...sample.destinations.map((e) => ['destinations', e] as const)];
  for (let i = 0; i < ENTRIES; i++) {
    const [kind, entry] = real[i % real.length];
    const copy = structuredClone(entry);
    if (i >= real.length) {
      copy.dockerRepository = `${String(entry.dockerRepository)}-${i}`;
      copy.name = `${String(entry.name)} ${i}`;
    }
    // The real registry has ~600 entries in ~5 MB: most specs are smaller than these 15 rich ones.
    if (i % 3 === 1) delete copy.releases;
    out[kind].push(copy);
  }
  return JSON.stringify(out);
}

function stats(samples: number[]): { median: number; p95: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)], p95: s[Math.min(s.length - 1, Math.floor(s.length * 0.95))] };
}

/** Runs the cases interleaved (a, b, c, a, b, c…) so that load and GC from other work hit each alike. */
async function measureInterleaved(cases: (() => Promise<unknown>)[]): Promise<{ median: number; p95: number }[]> {
  for (let i = 0; i < 3; i++) for (const fn of cases) await fn();
  const samples = cases.map(() => [] as number[]);
  for (let i = 0; i < ROUNDS; i++) {
    for (const [k, fn] of cases.entries()) {
      const t0 = performance.now();
      await fn();
      samples[k].push(performance.now() - t0);
    }
  }
  return samples.map(stats);
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aw-registry-bench-'));
  try {
    const text = generate();
    const file = path.join(dir, 'oss_registry.json');
    await fs.writeFile(file, text);
    const registry = await loadRegistryFile(file);
    if (registry.size !== ENTRIES) throw new Error(`indexed ${registry.size} entries, expected ${ENTRIES}`);
    console.log(`registry: ${ENTRIES} entries, ${(text.length / 1024 / 1024).toFixed(2)} MiB`);

    // Fill the disk cache through a real HTTP-free path: the cache is keyed by URL, so seed it by
    // loading once from a local server-less fetch that returns the file.
    const cacheDir = path.join(dir, 'cache');
    const url = 'http://registry.invalid/oss_registry.json';
    const fetchFile = (async () => new Response(await fs.readFile(file), { status: 200, headers: { etag: '"bench"' } })) as typeof fetch;
    await loadRegistry({ url, cacheDir, fetch: fetchFile });

    const [base, fromFile, fromCache] = await measureInterleaved([
      async () => JSON.parse(await fs.readFile(file, 'utf8')),
      () => loadRegistryFile(file),
      () => loadRegistry({ url, cacheDir, fetch: fetchFile }),
    ]);
    const rows: [string, { median: number; p95: number }][] = [
      ['baseline readFile + JSON.parse', base],
      ['ours loadRegistryFile (read, parse, index)', fromFile],
      ['ours loadRegistry from the disk cache (fresh copy)', fromCache],
    ];
    const names = registry.list().map((e) => e.name);
    const t0 = performance.now();
    let found = 0;
    for (let i = 0; i < 100_000; i++) if (registry.find(names[i % names.length])) found++;
    const lookupUs = ((performance.now() - t0) / 100_000) * 1000;
    if (found !== 100_000) throw new Error('lookups missed');

    const width = Math.max(...rows.map(([l]) => l.length));
    console.log(`${'case'.padEnd(width)}     median        p95`);
    for (const [label, s] of rows)
      console.log(`${label.padEnd(width)}  ${s.median.toFixed(2).padStart(8)} ms ${s.p95.toFixed(2).padStart(8)} ms`);
    console.log(`find(name): ${lookupUs.toFixed(3)} µs per lookup`);
    console.log(`ratio ours loadRegistryFile / (readFile + JSON.parse): ${(fromFile.median / base.median).toFixed(2)}x`);
    console.log(`ratio ours from cache / (readFile + JSON.parse): ${(fromCache.median / base.median).toFixed(2)}x`);
    const worst = Math.max(fromFile.median, fromCache.median);
    if (worst >= 150) {
      console.log(`FAIL: loading + indexing took ${worst.toFixed(1)} ms (median) >= 150 ms`);
      process.exitCode = 1;
    } else {
      console.log('registry bench: loading + indexing 600 connectors < 150 ms (median): met');
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

void main();
