/**
 * Runtime benchmark: 1,000,000 RECORD messages (~220 bytes each) into a container that parses and
 * counts them, through this project's Docker executor versus the same bytes piped by
 * `docker run -i` into the same image with the same arguments. Target: ours / docker CLI <= 1.10.
 *
 *   npm run bench        (or: node --import tsx bench/runtime.bench.ts with DOCKER_HOST set)
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { TEST_DESTINATION_IMAGE, ensureTestImages } from '../scripts/buildTestImages';
import { runConnector } from '../src/core/connectors/connectorProcess';
import { connectDocker } from '../src/core/docker/dockerClient';
import { DockerExecutor } from '../src/core/executors/dockerExecutor';
import { LineDecoder, encodeMessages, isDecodedMessage } from '../src/core/protocol/lineCodec';
import type { AirbyteMessage, ConfiguredAirbyteCatalog } from '../src/core/protocol/messages';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 7);
const EMITTED_AT = 1_700_000_000_000;
const CONFIG = { mode: 'count' };
const CATALOG: ConfiguredAirbyteCatalog = {
  streams: [
    {
      stream: { name: 'users', json_schema: {}, supported_sync_modes: ['full_refresh'] },
      sync_mode: 'full_refresh',
      destination_sync_mode: 'append',
      generation_id: 0,
      minimum_generation_id: 0,
      sync_id: 1,
    },
  ],
};

function record(i: number): AirbyteMessage {
  return {
    type: 'RECORD',
    record: {
      stream: 'users',
      data: {
        id: i,
        name: `user ${i}`,
        email: `user${i}@example.com`,
        city: 'Oslo',
        score: (i % 1000) / 10,
        active: i % 3 === 0,
        updated_at: '2024-05-01T12:00:00Z',
      },
      emitted_at: EMITTED_AT,
    },
  };
}

function* messageObjects(): Generator<AirbyteMessage> {
  for (let i = 0; i < RECORDS; i++) yield record(i);
}

/** Counted records, from the ANALYTICS trace the count mode prints. */
function countFrom(messages: AirbyteMessage[]): number {
  const t = messages.find((m) => m.type === 'TRACE' && m.trace.type === 'ANALYTICS');
  return t?.type === 'TRACE' ? Number(t.trace.analytics?.value) : NaN;
}

async function ours(
  docker: Awaited<ReturnType<typeof connectDocker>>,
  input: () => AsyncIterable<Buffer> | Iterable<Buffer>,
): Promise<number> {
  const executor = new DockerExecutor({ image: TEST_DESTINATION_IMAGE, docker });
  const t0 = performance.now();
  const run = runConnector(executor, { command: 'write', config: CONFIG, catalog: CATALOG, stdin: input() as AsyncIterable<Buffer> });
  const out: AirbyteMessage[] = [];
  for await (const { message } of run.messages()) out.push(message);
  await run.done;
  const ms = performance.now() - t0;
  const n = countFrom(out);
  if (n !== RECORDS) throw new Error(`our run delivered ${n} records, expected ${RECORDS}`);
  return ms;
}

async function dockerCli(ioDir: string, file: string): Promise<number> {
  const t0 = performance.now();
  const child = spawn(
    'docker',
    [
      'run',
      '-i',
      '--rm',
      '-v',
      `${ioDir}:/airbyte/io:ro`,
      TEST_DESTINATION_IMAGE,
      'write',
      '--config',
      '/airbyte/io/config.json',
      '--catalog',
      '/airbyte/io/catalog.json',
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  createReadStream(file).pipe(child.stdin);
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const ms = performance.now() - t0;
  if (code !== 0) throw new Error(`docker run exited with ${code}`);
  const n = countFrom(
    stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as AirbyteMessage),
  );
  if (n !== RECORDS) throw new Error(`docker run delivered ${n} records, expected ${RECORDS}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<void> {
  const docker = await connectDocker();
  await ensureTestImages(docker);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-runtime-'));
  try {
    // The same bytes for every contender: encoded once, kept as lines in memory and in a file.
    const lines: string[] = new Array(RECORDS);
    for (let i = 0; i < RECORDS; i++) lines[i] = JSON.stringify(record(i));
    const file = path.join(tmp, 'records.jsonl');
    const chunks: Buffer[] = [];
    for await (const c of encodeMessages(lines)) chunks.push(c);
    const bytes = Buffer.concat(chunks);
    chunks.length = 0;
    await writeFile(file, bytes);
    const ioDir = path.join(tmp, 'io');
    await mkdir(ioDir, { mode: 0o755 });
    await writeFile(path.join(ioDir, 'config.json'), JSON.stringify(CONFIG));
    await writeFile(path.join(ioDir, 'catalog.json'), JSON.stringify(CATALOG));
    await chmod(ioDir, 0o755);
    const size = (await stat(file)).size;
    console.log(
      `runtime bench: ${RECORDS.toLocaleString('en')} RECORD messages, ${(size / 1e6).toFixed(0)} MB (${(size / RECORDS).toFixed(0)} bytes each), ${REPEATS} rounds, median reported`,
    );

    // The codec alone, in process: decoding the same bytes in 64 KB chunks versus the naive way
    // (one toString of everything, one split, one JSON.parse per line).
    const codec = { baseline: [] as number[], ours: [] as number[] };
    for (let r = 0; r < REPEATS; r++) {
      let t0 = performance.now();
      let n = 0;
      for (const line of bytes.toString('utf8').split('\n')) if (line) n += (JSON.parse(line) as AirbyteMessage).type === 'RECORD' ? 1 : 0;
      codec.baseline.push(performance.now() - t0);
      if (n !== RECORDS) throw new Error(`baseline decoded ${n}`);
      t0 = performance.now();
      n = 0;
      const decoder = new LineDecoder();
      for (let off = 0; off < bytes.length; off += 65536) {
        for (const item of decoder.push(bytes.subarray(off, off + 65536)))
          if (isDecodedMessage(item) && item.message.type === 'RECORD') n++;
      }
      codec.ours.push(performance.now() - t0);
      if (n !== RECORDS) throw new Error(`codec decoded ${n}`);
    }
    const [cb, co] = [median(codec.baseline), median(codec.ours)];
    console.log(
      `  codec decode, in process: ours ${fmt(co)} (${(size / 1e6 / (co / 1000)).toFixed(0)} MB/s) vs naive toString+split+JSON.parse ${fmt(cb)}  ratio ${(co / cb).toFixed(2)}`,
    );

    const results: Record<string, number[]> = { cli: [], lines: [], objects: [] };
    // Warm-up: the first container of an image pays for vfs copying.
    await dockerCli(ioDir, file);
    for (let r = 0; r < REPEATS; r++) {
      results.cli.push(await dockerCli(ioDir, file));
      results.lines.push(await ours(docker, () => encodeMessages(lines)));
      results.objects.push(await ours(docker, () => encodeMessages(messageObjects())));
    }
    const cli = median(results.cli);
    const rows: Array<[string, number]> = [
      ['docker run -i < file (baseline)', cli],
      ['ours: DockerExecutor, forwarded lines', median(results.lines)],
      ['ours: DockerExecutor, serialising messages', median(results.objects)],
    ];
    const best = (xs: number[]) => Math.min(...xs);
    const bests = [best(results.cli), best(results.lines), best(results.objects)];
    rows.forEach(([name, ms], i) => {
      const rps = RECORDS / (ms / 1000);
      console.log(
        `  ${name.padEnd(46)} ${fmt(ms).padStart(8)}  ${Math.round(rps).toLocaleString('en').padStart(10)} records/s  ${(size / 1e6 / (ms / 1000)).toFixed(0).padStart(4)} MB/s  ratio ${(ms / cli).toFixed(2)}  (best ${fmt(bests[i])}, ratio ${(bests[i] / bests[0]).toFixed(2)})`,
      );
    });
    const ratio = median(results.lines) / cli;
    console.log(
      `runtime bench: ratio ours/docker CLI = ${ratio.toFixed(2)} median, ${(bests[1] / bests[0]).toFixed(2)} best-of-${REPEATS} (target <= 1.10) ${ratio <= 1.1 ? 'OK' : 'ABOVE TARGET'}`,
    );
    console.log(
      `runtime bench: all rounds (s): ${Object.entries(results)
        .map(([k, v]) => `${k}=[${v.map((x) => (x / 1000).toFixed(2)).join(', ')}]`)
        .join(' ')}`,
    );
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`runtime bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
