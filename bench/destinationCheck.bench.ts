/**
 * What checking the destination before the read costs a good write (issue 14: a wrong destination
 * fails in seconds, before a whole source is read). The same small write, builtin:sample (25
 * records × 3 streams) through the cache into the Docker test destination, with and without the
 * destination's `check` (PipelineOptions.checkDestination), interleaved round by round; and how
 * long a write into a destination whose check fails takes to fail; and a rerun, which skips the check
 * when the destination config wrote well lately. Needs the test images and an
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

async function once(dir: string, check: boolean, config: Record<string, unknown> = {}, storePath?: string): Promise<number> {
  const source = await getSource('builtin:sample', { config: { count: 25, seed: 1 }, baseDir: dir });
  const destination = await getDestination('destination-test', { image: IMAGE, localDir: path.join(dir, 'out'), config, baseDir: dir });
  const t0 = performance.now();
  // A fresh store by default: a first write, sending everything.
  await destination
    .write(source, { storePath: storePath ?? path.join(dir, `${Math.random()}.sqlite`), checkDestination: check })
    .catch((e: unknown) => (config.fault ? undefined : Promise.reject(e)));
  return performance.now() - t0;
}

/** A second write on a store whose first write to this destination succeeded (nothing new to send). */
async function rerun(dir: string, check: boolean): Promise<number> {
  const store = path.join(dir, `${Math.random()}.sqlite`);
  await once(dir, false, {}, store);
  return once(dir, check, {}, store);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const secs = (x: number) => (x / 1000).toFixed(2);

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-check-'));
  try {
    await once(dir, true); // warm: specs read once per image id, images in the page cache
    const arms: Record<string, number[]> = { first: [], firstChecked: [], rerun: [], rerunChecked: [], failing: [] };
    for (let r = 0; r < ROUNDS; r++) {
      arms.first.push(await once(dir, false));
      arms.firstChecked.push(await once(dir, true));
      arms.rerun.push(await rerun(dir, false));
      arms.rerunChecked.push(await rerun(dir, true));
      arms.failing.push(await once(dir, true, { fault: 'bad_path', destination_path: '/etc/x.db' }));
    }
    const line = (name: string, xs: number[]) => console.log(`${name}: median ${secs(median(xs))} s (rounds ${xs.map(secs).join(', ')})`);
    line('first write, no check        ', arms.first);
    line('first write, checked         ', arms.firstChecked);
    line('rerun, no check              ', arms.rerun);
    line('rerun (wrote lately: skipped)', arms.rerunChecked);
    line('destination whose check fails', arms.failing);
    console.log(
      `cost of the check: first write ${secs(median(arms.firstChecked) - median(arms.first))} s, rerun ${secs(median(arms.rerunChecked) - median(arms.rerun))} s`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

void main();
