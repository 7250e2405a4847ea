// Hangs: a destination that fails at once (or crashes early) while the source keeps writing. Before
// the fix the CLI printed the error and then never exited: the hijacked attach socket of the dead
// destination's container kept a blocked stdin write forever, the source went on in the background,
// and builtin:sqlite under /proc spun in Node's recursive mkdir. Each trial is a real CLI write
// with real containers; it must end, with the destination's error, within 15 s of the destination's
// end (the engine's `die` event; its container's slow removal on vfs storage included), or within a
// total bound for in-process destinations and stores.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { testDocker } from '../../docker/runtime/dockerHelpers';
import {
  cliBundle,
  dockerDestination,
  dockerSource,
  followDestinationDeaths,
  oneLine,
  runCli,
  seconds,
  writeConfig,
  writeTestRegistry,
} from './hangHarness';

let docker: Docker;
let root: string;
let registry: string;

before(async () => {
  docker = await testDocker();
  await cliBundle();
  root = await makeTempDir('aw-fault-faildest-');
  registry = writeTestRegistry(root);
});
after(() => removeTempDir(root));

interface Trial {
  name: string;
  source: Record<string, unknown>;
  destination: Record<string, unknown>;
  args?: string[];
  /** What the error output must say. */
  expect: RegExp;
  /** Measured from the destination container's death (Docker), else from the start of the process. */
  from: 'destination-death' | 'start';
  boundMs: number;
}

const exitAtStart = dockerDestination({ fault: 'exit_at_start' });
const dockerRead = (count: number) => dockerSource({ record_count: count });
const sample = (count: number) => ({ connector: 'builtin:sample', config: { count } });
// /proc/self/… : Node's recursive mkdir loops forever there (each level answers ENOENT).
const sqliteInProc = { connector: 'builtin:sqlite', localDir: '/proc/self/aw-hang', config: { destination_path: 'x.db' } };
const atOnce = /Could not open the database file \/etc\/x\.db/;
const crashing = dockerDestination({ fault: 'crash', fault_after: 100 });
const crashed = /exited with code 3/;
const inProc = /\/proc\/self\/aw-hang/;
// From the destination's end: its container's removal is inside this (1–8 s on the test engine's vfs storage).
const BOUND_MS = 15_000;

const TRIALS: Trial[] = [
  trial('builtin → docker exiting at once, streamed', sample(300_000), exitAtStart, atOnce, true),
  trial('builtin → docker exiting at once, streamed (2)', sample(300_000), exitAtStart, atOnce, true),
  trial('builtin → docker exiting at once, through the cache', sample(30_000), exitAtStart, atOnce),
  trial('builtin → docker crashing after 100 records, streamed', sample(300_000), crashing, crashed, true),
  trial('builtin → docker crashing after 100 records, through the cache', sample(30_000), crashing, crashed),
  trial('docker → docker exiting at once, streamed', dockerRead(200_000), exitAtStart, atOnce, true),
  trial('docker → docker exiting at once, streamed (2)', dockerRead(200_000), exitAtStart, atOnce, true),
  trial('docker → docker exiting at once, through the cache', dockerRead(20_000), exitAtStart, atOnce),
  {
    ...trial('docker → builtin:sqlite under /proc, streamed', dockerRead(200_000), sqliteInProc, inProc, true),
    from: 'start',
    boundMs: 20_000,
  },
  { ...trial('builtin → builtin:sqlite under /proc, streamed', sample(300_000), sqliteInProc, inProc, true), from: 'start' },
  { ...trial('builtin → builtin:sqlite under /proc, through the cache', sample(30_000), sqliteInProc, inProc), from: 'start' },
  {
    ...trial('a store under /proc', sample(10), { connector: 'builtin:dev-null', config: {} }, inProc),
    args: ['--state-file', '/proc/self/aw-hang/state.sqlite'],
    from: 'start',
  },
];

function trial(
  name: string,
  source: Record<string, unknown>,
  destination: Record<string, unknown>,
  expect: RegExp,
  streamed = false,
): Trial {
  return { name, source, destination, expect, args: streamed ? ['--no-cache'] : [], from: 'destination-death', boundMs: BOUND_MS };
}

test('a destination that fails at once ends the run within 15 s, with its error', async () => {
  const deaths = await followDestinationDeaths(docker);
  const results: Array<{ name: string; ok: boolean; took: number; why: string }> = [];
  try {
    for (const [i, trial] of TRIALS.entries()) {
      const dir = path.join(root, `t${i}`);
      mkdirSync(path.join(dir, '.airbyte'), { recursive: true });
      const src = writeConfig(dir, 'source', trial.source);
      const dst = writeConfig(dir, 'destination', trial.destination);
      const spawnedAt = Date.now();
      const outcome = await runCli(['write', '--source', src, '--destination', dst, ...(trial.args ?? [])], {
        cwd: dir,
        env: { AIRBYTE_LOCAL_REGISTRY: registry },
        timeoutMs: 60_000,
      });
      const died = trial.from === 'destination-death' ? deaths.last() : undefined;
      const took = died && died > spawnedAt ? spawnedAt + outcome.ms - died : outcome.ms;
      const problems = [
        outcome.killed ? 'still running after 60 s (killed)' : '',
        outcome.code === 1 ? '' : `exit code ${outcome.code}`,
        trial.expect.test(outcome.stderr) ? '' : `no destination error in: ${outcome.stderr.slice(-400)}`,
        took <= trial.boundMs ? '' : `ended ${seconds(took)} after ${trial.from === 'start' ? 'it started' : 'the destination died'}`,
        trial.from === 'destination-death' && !(died && died > spawnedAt) ? 'no destination container died' : '',
      ].filter(Boolean);
      results.push({ name: trial.name, ok: problems.length === 0, took, why: problems.join('; ') });
      console.log(
        `${trial.name}: ${seconds(took)} after the failure, ${seconds(outcome.ms)} in all${problems.length ? ` — ${oneLine(problems.join('; '))}` : ''}`,
      );
    }
  } finally {
    deaths.stop();
  }
  const failures = results.filter((r) => !r.ok);
  const worst = results.reduce((a, b) => (b.took > a.took ? b : a));
  recordFaultFigure({
    area: 'hangs and leftovers',
    case: 'a destination that fails at once (or early) while the source keeps writing',
    trials: results.length,
    failures: failures.length,
    worst: `${worst.name}: ended ${seconds(worst.took)} after the failure${worst.ok ? '' : ` (${oneLine(worst.why)})`}`,
  });
  assert.deepEqual(
    failures.map((f) => `${f.name}: ${f.why}`),
    [],
  );
});
