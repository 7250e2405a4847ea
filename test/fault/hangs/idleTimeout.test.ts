// Hangs: a source or destination that never writes, never reads or never exits ran forever (11 of
// 11 in the issue). Now the run has an idle timeout (--idle-timeout SECONDS, airbyte.idleTimeoutSeconds;
// 600 s by default): a connector the run has waited on that long with nothing coming is stopped,
// and the run fails naming it and what it did not do. Each trial is a real CLI write with real
// containers (and a built-in source) at --idle-timeout 3; it must end with that error, its
// containers gone, within the idle timeout plus the connectors' own start and removal.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import { LABEL_OWNER_PID, managedFilter } from '../../../src/core/docker/labels';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { testDocker } from '../../docker/runtime/dockerHelpers';
import { cliBundle, dockerDestination, dockerSource, oneLine, seconds, startCli, writeConfig, writeTestRegistry } from './hangHarness';

let docker: Docker;
let root: string;
let registry: string;

before(async () => {
  docker = await testDocker();
  await cliBundle();
  root = await makeTempDir('aw-fault-idle-');
  registry = writeTestRegistry(root);
});
after(() => removeTempDir(root));

interface Trial {
  name: string;
  source: Record<string, unknown>;
  destination: Record<string, unknown>;
  streamed: boolean;
  expect: RegExp;
}

const IDLE_S = 3;
// Idle timeout + the connectors' start (discover, read, write containers) and their removal on vfs storage.
const BOUND_MS = 30_000;
const sample = (count: number) => ({ connector: 'builtin:sample', config: { count } });
const devNull = { connector: 'builtin:dev-null', config: {} };
const sourceSilent = /source-test \(the source\) sent nothing \(more\) and did not exit for 3 s/;
const notReading = /destination-test \(the destination\) stopped reading its input for 3 s/;
const notFinishing = /destination-test \(the destination\) got all of its input but neither answered nor exited for 3 s/;

const TRIALS: Trial[] = [
  {
    name: 'source never writes, streamed',
    source: dockerSource({ record_count: 10, fault: 'hang' }),
    destination: devNull,
    streamed: true,
    expect: sourceSilent,
  },
  {
    name: 'source never writes, through the cache',
    source: dockerSource({ record_count: 10, fault: 'hang' }),
    destination: devNull,
    streamed: false,
    expect: sourceSilent,
  },
  {
    name: 'source never exits, streamed',
    source: dockerSource({ record_count: 50, fault: 'hang', fault_after: 1_000_000 }),
    destination: dockerDestination({}),
    streamed: true,
    expect: sourceSilent,
  },
  {
    name: 'destination never reads, streamed',
    source: dockerSource({ record_count: 100_000 }),
    destination: dockerDestination({ fault: 'hang' }),
    streamed: true,
    expect: notReading,
  },
  {
    name: 'destination never reads, through the cache',
    source: sample(20_000),
    destination: dockerDestination({ fault: 'hang' }),
    streamed: false,
    expect: notReading,
  },
  {
    name: 'destination never reads, built-in source, streamed',
    source: sample(100_000),
    destination: dockerDestination({ fault: 'hang' }),
    streamed: true,
    expect: notReading,
  },
  {
    name: 'destination never exits, streamed',
    source: sample(100),
    destination: dockerDestination({ fault: 'hang_at_end' }),
    streamed: true,
    expect: notFinishing,
  },
  {
    name: 'destination never exits, through the cache',
    source: sample(100),
    destination: dockerDestination({ fault: 'hang_at_end' }),
    streamed: false,
    expect: notFinishing,
  },
];

test('a connector that never writes, reads or exits is stopped by the idle timeout, naming it', async () => {
  const results: Array<{ name: string; ok: boolean; ms: number; why: string }> = [];
  for (const [i, trial] of TRIALS.entries()) {
    const dir = path.join(root, `t${i}`);
    mkdirSync(path.join(dir, '.airbyte'), { recursive: true });
    const src = writeConfig(dir, 'source', trial.source);
    const dst = writeConfig(dir, 'destination', trial.destination);
    const args = [
      'write',
      '--source',
      src,
      '--destination',
      dst,
      '--idle-timeout',
      String(IDLE_S),
      ...(trial.streamed ? ['--no-cache'] : []),
    ];
    const child = await startCli(args, { cwd: dir, env: { AIRBYTE_LOCAL_REGISTRY: registry }, timeoutMs: 60_000 });
    const outcome = await child.outcome;
    const left = await docker.listContainers({ all: true, filters: managedFilter() });
    const mine = left.filter((c) => c.Labels[LABEL_OWNER_PID] === String(child.pid));
    const problems = [
      outcome.killed ? 'still running after 60 s (killed)' : '',
      outcome.code === 1 ? '' : `exit code ${outcome.code}`,
      trial.expect.test(outcome.stderr) ? '' : `no idle-timeout error naming it in: ${outcome.stderr.slice(-400)}`,
      outcome.ms <= BOUND_MS ? '' : `ended after ${seconds(outcome.ms)}`,
      mine.length === 0 ? '' : `${mine.length} container(s) left`,
    ].filter(Boolean);
    results.push({ name: trial.name, ok: problems.length === 0, ms: outcome.ms, why: problems.join('; ') });
    console.log(`${trial.name}: ${seconds(outcome.ms)}${problems.length ? ` — ${oneLine(problems.join('; '))}` : ''}`);
  }
  const failures = results.filter((r) => !r.ok);
  const worst = results.reduce((a, b) => (b.ms > a.ms ? b : a));
  recordFaultFigure({
    area: 'hangs and leftovers',
    case: `a connector that never writes, reads or exits (idle timeout ${IDLE_S} s)`,
    trials: results.length,
    failures: failures.length,
    worst: `${worst.name}: ended after ${seconds(worst.ms)} in all${worst.ok ? '' : ` (${oneLine(worst.why)})`}`,
  });
  assert.deepEqual(
    failures.map((f) => `${f.name}: ${f.why}`),
    [],
  );
});
