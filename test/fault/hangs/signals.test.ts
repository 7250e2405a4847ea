// Hangs: SIGTERM and SIGINT end any CLI run within 10 s, in-process (built-in) connectors included.
// A 3,000,000-record built-in write ignored SIGTERM for 15 s: built-in connectors fed each other in
// microtasks and never gave the event loop (where signal handlers run) a turn. Each trial is a real
// CLI write sent a real signal mid-run; it must exit within 10 s of the signal with its containers
// removed, its run recorded as cancelled (not left "running"), and the destination holding at least
// what the store says it confirmed.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import { LABEL_OWNER_PID, managedFilter } from '../../../src/core/docker/labels';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { testDocker } from '../../docker/runtime/dockerHelpers';
import { sqliteCount, sqliteRows } from '../../unit/sqliteTestSupport';
import { cliBundle, dockerDestination, dockerSource, oneLine, seconds, startCli, writeConfig, writeTestRegistry } from './hangHarness';

let docker: Docker;
let root: string;
let registry: string;

before(async () => {
  docker = await testDocker();
  await cliBundle();
  root = await makeTempDir('aw-fault-signals-');
  registry = writeTestRegistry(root);
});
after(() => removeTempDir(root));

interface Trial {
  name: string;
  source: Record<string, unknown>;
  destination: Record<string, unknown>;
  streamed: boolean;
  signal: NodeJS.Signals;
  /** Sent this long after the process started. */
  afterMs: number;
}

const BOUND_MS = 10_000;
const sample = (count: number) => ({ connector: 'builtin:sample', config: { count } });
const sqlite = { connector: 'builtin:sqlite', config: { destination_path: 'out.db' } };

const TRIALS: Trial[] = [
  {
    name: 'built-in → built-in, 3,000,000 records, streamed',
    source: sample(1_000_000),
    destination: sqlite,
    streamed: true,
    signal: 'SIGTERM',
    afterMs: 30_000,
  },
  {
    name: 'built-in → built-in, 3,000,000 records, through the cache',
    source: sample(1_000_000),
    destination: sqlite,
    streamed: false,
    signal: 'SIGINT',
    afterMs: 6_000,
  },
  {
    name: 'docker source never writing → built-in, streamed',
    source: dockerSource({ record_count: 10, fault: 'hang' }),
    destination: sqlite,
    streamed: true,
    signal: 'SIGTERM',
    afterMs: 6_000,
  },
  {
    name: 'docker → docker never reading, through the cache',
    source: dockerSource({ record_count: 20_000 }),
    destination: dockerDestination({ fault: 'hang' }),
    streamed: false,
    signal: 'SIGINT',
    afterMs: 10_000,
  },
  {
    name: 'built-in → docker never reading, streamed',
    source: sample(100_000),
    destination: dockerDestination({ fault: 'hang' }),
    streamed: true,
    signal: 'SIGTERM',
    afterMs: 6_000,
  },
];

/** Rows of builtin:sqlite's file, all tables (0 when there is none yet). */
async function destinationRows(file: string): Promise<number> {
  if (!existsSync(file)) return 0;
  const tables = await sqliteRows(file, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '_airbyte_tmp_%'");
  let n = 0;
  for (const [name] of tables) n += await sqliteCount(file, `"${String(name)}"`);
  return n;
}

/** The runs the store recorded, with what each says was confirmed. */
async function runsOf(dir: string): Promise<Array<{ status: string; confirmed: number }>> {
  const file = path.join(dir, '.airbyte', 'state.sqlite');
  if (!existsSync(file)) return [];
  const store = await WorkspaceStore.open({ path: file, lock: false });
  try {
    return store.runs.list(50).map((r) => ({ status: r.status, confirmed: r.recordsConfirmed }));
  } finally {
    await store.close();
  }
}

test('SIGTERM and SIGINT end any CLI run within 10 s, containers removed, runs recorded', async () => {
  const results: Array<{ name: string; ok: boolean; ms: number; why: string }> = [];
  for (const [i, trial] of TRIALS.entries()) {
    const dir = path.join(root, `t${i}`);
    mkdirSync(path.join(dir, '.airbyte'), { recursive: true });
    const src = writeConfig(dir, 'source', trial.source);
    const dst = writeConfig(dir, 'destination', trial.destination);
    const args = ['write', '--source', src, '--destination', dst, ...(trial.streamed ? ['--no-cache'] : [])];
    const child = await startCli(args, { cwd: dir, env: { AIRBYTE_LOCAL_REGISTRY: registry }, timeoutMs: trial.afterMs + 60_000 });
    await new Promise((r) => setTimeout(r, trial.afterMs));
    const signalledAt = Date.now();
    child.kill(trial.signal);
    const outcome = await child.outcome;
    const took = child.started + outcome.ms - signalledAt;
    const left = (await docker.listContainers({ all: true, filters: managedFilter() })).filter(
      (c) => c.Labels[LABEL_OWNER_PID] === String(child.pid),
    );
    const runs = await runsOf(dir);
    const confirmed = runs.reduce((n, r) => n + (r.status === 'cancelled' || r.status === 'succeeded' ? r.confirmed : 0), 0);
    const rows = trial.destination === sqlite ? await destinationRows(path.join(dir, 'out.db')) : undefined;
    const problems = [
      outcome.killed ? 'still running 60 s after the signal (killed)' : '',
      took <= BOUND_MS ? '' : `exited ${seconds(took)} after ${trial.signal}`,
      left.length === 0 ? '' : `${left.length} container(s) left`,
      runs.some((r) => r.status === 'running') ? `a run left "running": ${JSON.stringify(runs)}` : '',
      runs.some((r) => r.status === 'cancelled') ? '' : `no run recorded as cancelled: ${JSON.stringify(runs)}`,
      rows === undefined || rows >= confirmed ? '' : `the store says ${confirmed} confirmed, the destination holds ${rows}`,
    ].filter(Boolean);
    results.push({ name: `${trial.name}, ${trial.signal}`, ok: problems.length === 0, ms: took, why: problems.join('; ') });
    console.log(
      `${trial.name}, ${trial.signal} after ${seconds(trial.afterMs)}: exited ${seconds(took)} later${problems.length ? ` — ${oneLine(problems.join('; '))}` : ''}`,
    );
  }
  const failures = results.filter((r) => !r.ok);
  const worst = results.reduce((a, b) => (b.ms > a.ms ? b : a));
  recordFaultFigure({
    area: 'hangs and leftovers',
    case: 'SIGTERM / SIGINT mid-run (built-in and Docker connectors)',
    trials: results.length,
    failures: failures.length,
    worst: `${worst.name}: exited ${seconds(worst.ms)} after the signal${worst.ok ? '' : ` (${oneLine(worst.why)})`}`,
  });
  assert.deepEqual(
    failures.map((f) => `${f.name}: ${f.why}`),
    [],
  );
});
