/**
 * Write benchmark: 1,000,000 records from the test source container streamed into the test
 * destination container by Destination.write (cache: false), against a shell pipe of the same
 * images with the same arguments: `docker run SOURCE read … | docker run -i DESTINATION write …`.
 * Two destination modes: `write` (parses, writes JSONL, fsyncs and echoes every STATE) and `count`
 * (parses and counts). Target: ours / pipe <= 1.15.
 *
 *   npm run bench        (or: node --import tsx bench/write.bench.ts with DOCKER_HOST set)
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TEST_DESTINATION_IMAGE, TEST_SOURCE_IMAGE, ensureTestImages } from '../scripts/buildTestImages';
import type { Destination, Source } from '../src/core/connectors/connector';
import { getDestination, getSource } from '../src/core/connectors/getConnector';
import { connectDocker } from '../src/core/docker/dockerClient';
import type { RegistryEntry, RegistryLookup } from '../src/core/registry/registryTypes';
import { WorkspaceStore } from '../src/core/store/workspaceStore';
import { buildConfiguredCatalog } from '../src/core/write/catalogBuilder';
import type { WriteProgress } from '../src/core/write/progressTracker';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const SOURCE_CONFIG = { record_count: RECORDS, state_every: 10_000 };

const registry: RegistryLookup = {
  find(name) {
    const entries: Record<string, RegistryEntry> = {
      'source-test': {
        type: 'source',
        name: 'source-test',
        displayName: 'Test',
        dockerRepository: 'airbyte-write-test/source-test',
        dockerImageTag: 'dev',
        raw: {},
      },
      'destination-test': {
        type: 'destination',
        name: 'destination-test',
        displayName: 'Test',
        dockerRepository: 'airbyte-write-test/destination-test',
        dockerImageTag: 'dev',
        raw: {},
      },
    };
    return entries[name];
  },
};

interface Timing {
  totalMs: number;
  transferMs: number;
}

async function ours(source: Source, destination: Destination, tmp: string): Promise<Timing> {
  const dir = await mkdtemp(path.join(tmp, 'ours-'));
  const store = await WorkspaceStore.open({ path: path.join(dir, 'state.sqlite') });
  let writingAt = 0;
  let finishedAt = 0;
  try {
    const t0 = performance.now();
    const result = await destination.write(source, {
      store,
      cache: false,
      streams: ['users'],
      writeStrategy: 'append',
      forceFullRefresh: true,
      onProgress: (p: WriteProgress) => {
        if (p.phase === 'writing' && !writingAt) writingAt = performance.now();
        if (p.phase === 'finishing' && !finishedAt) finishedAt = performance.now();
      },
    });
    const totalMs = performance.now() - t0;
    if (result.totals.recordsConfirmed !== RECORDS)
      throw new Error(`ours confirmed ${result.totals.recordsConfirmed}, expected ${RECORDS}`);
    return { totalMs, transferMs: finishedAt - writingAt };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

async function pipe(ioDir: string, tmp: string, mode: string): Promise<number> {
  const localDir = await mkdtemp(path.join(tmp, 'pipe-'));
  await chmod(localDir, 0o777);
  const io = `-v ${ioDir}:/airbyte/io:ro`;
  const script =
    `set -o pipefail; docker run --rm ${io} ${TEST_SOURCE_IMAGE} read --config /airbyte/io/source.json --catalog /airbyte/io/catalog.json` +
    ` | docker run -i --rm ${io} -v ${localDir}:/local ${TEST_DESTINATION_IMAGE} write --config /airbyte/io/destination-${mode}.json --catalog /airbyte/io/catalog.json`;
  const t0 = performance.now();
  const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let states = 0;
  let tail = '';
  child.stdout.on('data', (d: Buffer) => {
    const text = tail + d.toString();
    const lines = text.split('\n');
    tail = lines.pop() ?? '';
    for (const l of lines) if (l.startsWith('{"type":"STATE"')) states++;
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`the docker pipe exited with ${code}`);
  if (mode === 'write') {
    const lines = (await readFile(path.join(localDir, 'users.jsonl'), 'utf8')).split('\n').filter(Boolean).length;
    if (lines !== RECORDS) throw new Error(`the pipe wrote ${lines} records, expected ${RECORDS}`);
    if (states === 0) throw new Error('the pipe destination echoed no state');
  }
  await rm(localDir, { recursive: true, force: true });
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (ms: number) => `${Math.round(RECORDS / (ms / 1000)).toLocaleString('en')} records/s`;

async function main(): Promise<void> {
  const docker = await connectDocker();
  await ensureTestImages(docker);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-write-'));
  try {
    const source = await getSource('source-test', { registry, config: SOURCE_CONFIG });
    const catalog = buildConfiguredCatalog({
      discovered: await source.discover(),
      streams: ['users'],
      strategy: 'append',
      destination: { name: 'destination-test' },
      syncId: 1,
      currentGeneration: () => 0,
    }).catalog;
    const ioDir = path.join(tmp, 'io');
    await mkdir(ioDir, { mode: 0o755 });
    await writeFile(path.join(ioDir, 'source.json'), JSON.stringify(SOURCE_CONFIG));
    await writeFile(path.join(ioDir, 'catalog.json'), JSON.stringify(catalog));
    console.log(
      `write bench: ${RECORDS.toLocaleString('en')} records, source container → destination container, ${REPEATS} rounds, median reported`,
    );
    let headline = NaN;
    for (const mode of ['write', 'count']) {
      await writeFile(path.join(ioDir, `destination-${mode}.json`), JSON.stringify({ mode, flush_every: 10_000 }));
      const localDir = await mkdtemp(path.join(tmp, 'local-'));
      const destination = await getDestination('destination-test', { registry, config: { mode, flush_every: 10_000 }, localDir });
      // Warm-up: first containers of an image pay for vfs copies; specs are fetched once per object.
      await pipe(ioDir, tmp, mode);
      await ours(source, destination, tmp);
      const p: number[] = [];
      const o: Timing[] = [];
      for (let r = 0; r < REPEATS; r++) {
        p.push(await pipe(ioDir, tmp, mode));
        await rm(localDir, { recursive: true, force: true });
        await mkdir(localDir, { recursive: true });
        o.push(await ours(source, destination, tmp));
      }
      const base = median(p);
      const total = median(o.map((x) => x.totalMs));
      const transfer = median(o.map((x) => x.transferMs));
      console.log(`  destination mode "${mode}"${mode === 'write' ? ' (writes, fsyncs, echoes STATE)' : ' (parses and counts)'}:`);
      console.log(`    shell pipe docker run | docker run -i (baseline)   ${fmt(base).padStart(8)}  ${rate(base)}`);
      console.log(
        `    ours, read → write streamed                          ${fmt(transfer).padStart(8)}  ${rate(transfer)}  ratio ${(transfer / base).toFixed(2)}`,
      );
      console.log(
        `    ours, whole Destination.write() incl. discover      ${fmt(total).padStart(8)}  ${rate(total)}  ratio ${(total / base).toFixed(2)}`,
      );
      // Each round runs the pipe and ours back to back, so a round's ratio shares that moment's load
      // on a busy machine; its median is steadier than the ratio of the two medians.
      const perRound = o.map((x, i) => x.transferMs / p[i]);
      console.log(
        `    per-round ratios ours/pipe: [${perRound.map((x) => x.toFixed(2)).join(', ')}]  median ${median(perRound).toFixed(2)}`,
      );
      console.log(
        `    rounds (s): pipe=[${p.map((x) => (x / 1000).toFixed(2)).join(', ')}] ours=[${o.map((x) => (x.transferMs / 1000).toFixed(2)).join(', ')}] whole=[${o.map((x) => (x.totalMs / 1000).toFixed(2)).join(', ')}]`,
      );
      if (mode === 'write') headline = transfer / base;
      await rm(localDir, { recursive: true, force: true });
    }
    console.log(`write bench: ratio ours/pipe = ${headline.toFixed(2)} (target <= 1.15) ${headline <= 1.15 ? 'OK' : 'ABOVE TARGET'}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`write bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
