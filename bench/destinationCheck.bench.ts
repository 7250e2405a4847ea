/**
 * What checking the destination before the read costs a good write (issue 14: a wrong destination
 * fails in seconds, before a whole source is read). The same small write, builtin:sample (25
 * records × 3 streams) through the cache into the Docker test destination, with and without the
 * destination's `check` (PipelineOptions.checkDestination), interleaved round by round; and how
 * long a write into a destination whose check fails takes to fail. Needs the test images and an
 * engine (DOCKER_HOST or the default socket).
 *
 *   node --import tsx bench/destinationCheck.bench.ts        (BENCH_ROUNDS, default 5)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { getDestination, getSource } from '../src/core/connectors/getConnector';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const IMAGE = 'airbyte-write-test/destination-test:dev';

async function once(dir: string, check: boolean, config: Record<string, unknown> = {}): Promise<number> {
  const source = await getSource('builtin:sample', { config: { count: 25, seed: 1 }, baseDir: dir });
  const destination = await getDestination('destination-test', { image: IMAGE, localDir: path.join(dir, 'out'), config, baseDir: dir });
  const t0 = performance.now();
  // A fresh store each time: every run sends everything (not an incremental no-op).
  await destination
    .write(source, { storePath: path.join(dir, `${Math.random()}.sqlite`), checkDestination: check })
    .catch((e: unknown) => (config.fault ? undefined : Promise.reject(e)));
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-check-'));
  try {
    await once(dir, true); // warm: specs read once per image id, images in the page cache
    const withCheck: number[] = [];
    const without: number[] = [];
    const failing: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      without.push(await once(dir, false));
      withCheck.push(await once(dir, true));
      failing.push(await once(dir, true, { fault: 'bad_path', destination_path: '/etc/x.db' }));
    }
    const fmt = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(2)).join(', ');
    console.log(`write without the check: median ${(median(without) / 1000).toFixed(2)} s (rounds ${fmt(without)})`);
    console.log(`write with the check:    median ${(median(withCheck) / 1000).toFixed(2)} s (rounds ${fmt(withCheck)})`);
    console.log(
      `cost of the check: ${((median(withCheck) - median(without)) / 1000).toFixed(2)} s, ratio ${(median(withCheck) / median(without)).toFixed(2)}`,
    );
    console.log(`a destination whose check fails: the write fails after ${(median(failing) / 1000).toFixed(2)} s (rounds ${fmt(failing)})`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
