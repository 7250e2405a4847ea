/**
 * A remote engine's transport cost: the same streamed write (`write --no-cache`, test source →
 * counting destination, BENCH_RECORDS records) on one Docker engine reached through its unix
 * socket and through TLS with client certificates on loopback (tcp://127.0.0.1), interleaved round
 * by round. With TLS, config, catalog and state are copied into the containers through the Engine
 * API instead of mounted, and every byte of the records crosses two TLS connections.
 *
 *   npm run bench (runs every benchmark of the default set), or with DOCKER_HOST set and as root:
 *   node --import tsx bench/remote.bench.ts       BENCH_RECORDS=1000000 BENCH_ROUNDS=3
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ensureTestImages } from '../scripts/buildTestImages';
import { startTlsEngine } from '../test/harness/remoteEngines';
import type { Timing } from './writeBenchCases';
import { dispose, ours } from './writeBenchCases';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const config = { record_count: RECORDS, state_every: 10_000 };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function streamed(tmp: string, name: string, dockerHost: string): Promise<Timing> {
  const dir = path.join(tmp, name);
  const run = await ours(dir, config, false, RECORDS, ['users'], { dockerHost });
  await dispose(run, dir);
  return run;
}

async function main(): Promise<void> {
  const engine = await startTlsEngine({ alsoUnixSocket: true });
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'bench-remote-'));
  try {
    // The TLS variables apply to the tcp address only; the unix socket ignores them.
    Object.assign(process.env, { DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: engine.certs.client.dir });
    await ensureTestImages(engine.docker);
    console.log(
      `remote bench: ${RECORDS.toLocaleString('en')} records streamed, one engine through its unix socket and through TLS on loopback, ${ROUNDS} rounds interleaved; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs`,
    );
    await streamed(tmp, 'warm', engine.unixHost!);
    const unix: Timing[] = [];
    const tls: Timing[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      unix.push(await streamed(tmp, `unix-${r}`, engine.unixHost!));
      tls.push(await streamed(tmp, `tls-${r}`, engine.host));
      console.error(`  round ${r + 1}/${ROUNDS}: unix ${secs(unix[r].ms)}, tls ${secs(tls[r].ms)}`);
    }
    const ratio = median(tls.map((t, i) => t.ms / unix[i].ms));
    console.log('| path | time (median) | ratio | target |');
    console.log('| --- | --- | --- | --- |');
    console.log(`| streamed write, unix socket | ${secs(median(unix.map((t) => t.ms)))} | 1.00 | |`);
    console.log(`| streamed write, TLS on loopback | ${secs(median(tls.map((t) => t.ms)))} | ${ratio.toFixed(2)} | ≤ 1.10 |`);
    console.log(`load average at the end: ${os.loadavg()[0].toFixed(1)}`);
  } finally {
    await engine.stop();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(`remote bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
