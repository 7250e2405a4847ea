/**
 * The cases of the write benchmark (bench/write.bench.ts): the same fast source container and the
 * same counting destination container, moved by a shell pipe of `docker run`s, by `cat` of cache
 * segment files, and by this project's three write modes. Each case returns its wall time and the
 * time until the destination saw its first record (logged by the destination's count mode).
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TEST_DESTINATION_IMAGE, TEST_SOURCE_IMAGE } from '../scripts/buildTestImages';
import { getDestination, getSource } from '../src/core/connectors/getConnector';
import type { ConnectorLogLine } from '../src/core/connectors/connectorProcess';
import type { JsonObject } from '../src/core/protocol/messages';
import type { RegistryEntry, RegistryLookup } from '../src/core/registry/registryTypes';
import { WorkspaceStore } from '../src/core/store/workspaceStore';
import { buildConfiguredCatalog } from '../src/core/write/catalogBuilder';
import { openCachedRead } from '../src/core/write/cachedRead';
import type { PipelineOptions } from '../src/core/write/pipelineOptions';

/** Registry entries without a spec: like a config with `image:`, the spec comes from the image (and its cache). */
export const registry: RegistryLookup = {
  find(name) {
    const entry = (type: 'source' | 'destination'): RegistryEntry => ({
      type,
      name,
      displayName: 'Test',
      dockerRepository: `airbyte-write-test/${name}`,
      dockerImageTag: 'dev',
      raw: {},
    });
    if (name === 'source-test') return entry('source');
    if (name === 'destination-test') return entry('destination');
    return undefined;
  },
};

export interface Timing {
  ms: number;
  /** From the start of the case until the destination received its first record. */
  firstMs: number;
}

const FIRST_RECORD = /first record at (\d+)/;

/** Writes the files a `docker run` of the test images reads: source config, destination config, catalog. */
export async function ioFolder(tmp: string, sourceConfig: JsonObject, streams?: string[]): Promise<string> {
  const dir = await mkdtemp(path.join(tmp, 'io-'));
  const source = await getSource('source-test', { registry, config: sourceConfig });
  const { catalog } = buildConfiguredCatalog({
    discovered: await source.discover(),
    streams,
    strategy: 'append',
    destination: { name: 'destination-test' },
    syncId: 1,
    currentGeneration: () => 0,
  });
  await writeFile(path.join(dir, 'source.json'), JSON.stringify(sourceConfig));
  await writeFile(path.join(dir, 'destination.json'), JSON.stringify({ mode: 'count' }));
  await writeFile(path.join(dir, 'catalog.json'), JSON.stringify(catalog));
  await chmod(dir, 0o755);
  return dir;
}

/** Runs a bash pipeline ending in the counting destination; checks its count. */
async function shell(script: string, expected: number): Promise<Timing> {
  const t0 = Date.now();
  const child = spawn('bash', ['-c', `set -o pipefail; ${script}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const ms = Date.now() - t0;
  if (code !== 0) throw new Error(`the shell pipeline exited with ${code}: ${script}`);
  const counted = /"analytics":\{"type":"count","value":"(\d+)"/.exec(out);
  if (Number(counted?.[1]) !== expected) throw new Error(`the pipeline delivered ${counted?.[1]} records, expected ${expected}`);
  const first = FIRST_RECORD.exec(out);
  return { ms, firstMs: first ? Number(first[1]) - t0 : NaN };
}

const dockerRun = (flags: string, image: string, args: string) => `docker run --rm ${flags} ${image} ${args}`;

/** `docker run SOURCE read | docker run -i DESTINATION write`: the physical limit. */
export function rawPipe(ioDir: string, expected: number): Promise<Timing> {
  const v = `-v ${ioDir}:/airbyte/io:ro`;
  const read = dockerRun(v, TEST_SOURCE_IMAGE, 'read --config /airbyte/io/source.json --catalog /airbyte/io/catalog.json');
  const write = dockerRun(
    `-i ${v}`,
    TEST_DESTINATION_IMAGE,
    'write --config /airbyte/io/destination.json --catalog /airbyte/io/catalog.json',
  );
  return shell(`${read} | ${write}`, expected);
}

/** `cat` of cache segment files into the destination: the limit of a replay. */
export function catInto(ioDir: string, files: string[], expected: number): Promise<Timing> {
  const v = `-v ${ioDir}:/airbyte/io:ro`;
  const write = dockerRun(
    `-i ${v}`,
    TEST_DESTINATION_IMAGE,
    'write --config /airbyte/io/destination.json --catalog /airbyte/io/catalog.json',
  );
  return shell(`cat ${files.map((f) => `'${f}'`).join(' ')} | ${write}`, expected);
}

export interface OursRun extends Timing {
  /** The read into the cache (cache mode). */
  readRunId?: number;
  store: WorkspaceStore;
}

/** How an "ours" run is made, beyond its source, mode and streams. */
export interface OursOptions {
  /** The engine both connectors run on (default: DOCKER_HOST). */
  dockerHost?: string;
  /** Read and send the whole source again (`--full-refresh`), as a rerun must to move every record. */
  fullRefresh?: boolean;
  /** Discover the source's streams whatever the age of its kept catalog (`--refresh-schema`). */
  refreshSchema?: boolean;
}

/**
 * One `Destination.write()` with fresh connector objects and the store under `dir` opened anew (as
 * a new CLI process does); the store stays open for a replay after it. A `dir` written before holds
 * a rerun's store: its source's catalog is known and its destination proved by that write.
 */
export async function ours(
  dir: string,
  sourceConfig: JsonObject,
  cache: boolean,
  expected: number,
  streams: string[] | undefined,
  options: OursOptions = {},
): Promise<OursRun> {
  const { dockerHost } = options;
  await mkdir(dir, { recursive: true });
  const t0 = Date.now();
  const store = await WorkspaceStore.open({ path: path.join(dir, 'state.sqlite') });
  const source = await getSource('source-test', { registry, config: sourceConfig, dockerHost });
  const destination = await getDestination('destination-test', { registry, config: { mode: 'count' }, dockerHost });
  const out: OursRun = { ms: 0, firstMs: NaN, store };
  const pipeline: PipelineOptions = {
    store,
    cache,
    streams,
    writeStrategy: 'append',
    forceFullRefresh: options.fullRefresh,
    schemaRefreshMinutes: options.refreshSchema ? 0 : undefined,
    onLog: (_name: string, line: ConnectorLogLine) => {
      const m = FIRST_RECORD.exec(line.text);
      if (m && Number.isNaN(out.firstMs)) out.firstMs = Number(m[1]) - t0;
    },
    onRunStarted: (run) => {
      if (run.kind === 'read') out.readRunId = run.runId;
    },
  };
  const result = await destination.write(source, pipeline);
  out.ms = Date.now() - t0;
  if (result.totals.recordsConfirmed !== expected)
    throw new Error(`ours confirmed ${result.totals.recordsConfirmed}, expected ${expected}`);
  return out;
}

/**
 * `write --source cache:N` of a cached read: into a destination config that has confirmed nothing of
 * it (`tag`: its check runs, as for any destination config not proved lately), or, without `tag`,
 * with `--full-refresh` into the destination config that wrote it (proved by that write: no check).
 */
export async function replay(run: OursRun, tag: string | undefined, expected: number): Promise<Timing & { files: string[] }> {
  const t0 = Date.now();
  const config = tag === undefined ? { mode: 'count' } : { mode: 'count', tag };
  const destination = await getDestination('destination-test', { registry, config });
  const read = openCachedRead(run.store, run.readRunId!);
  let firstMs = NaN;
  const result = await destination.write(read, {
    store: run.store,
    forceFullRefresh: tag === undefined,
    onLog: (_name, line) => {
      const m = FIRST_RECORD.exec(line.text);
      if (m && Number.isNaN(firstMs)) firstMs = Number(m[1]) - t0;
    },
  });
  const ms = Date.now() - t0;
  if (result.totals.recordsConfirmed !== expected)
    throw new Error(`the replay confirmed ${result.totals.recordsConfirmed}, expected ${expected}`);
  const files = run.store.cacheIndex.segments(read.sourceId).map((s) => path.join(run.store.cacheDir, s.file));
  return { ms, firstMs, files };
}

/** Closes a run's store and removes its folder. */
export async function dispose(run: OursRun, dir: string): Promise<void> {
  await run.store.close();
  await rm(dir, { recursive: true, force: true });
}

/** Peak resident set of this process (VmHWM), in MB. */
export async function peakRssMb(): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const m = /VmHWM:\s+(\d+) kB/.exec(await readFile('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 : process.resourceUsage().maxRSS / 1024;
}
