// Leftovers after kill -9: run records stayed "running" forever (spinning in the Syncs view), and
// containers caught between create and start survived the next run's reaping. Each trial starts a
// real CLI write into the Docker test destination, kills it (SIGKILL) around the moment the engine
// creates its container (from just before the create event to just after), then runs the next
// write to its end. After that next start: no container of the killed process may be left (listed
// by its owner-pid label, created or running), and no run of the store may still say "running".
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type Docker from 'dockerode';
import initSqlJs from 'sql.js';
import { LABEL_OWNER_PID, managedFilter } from '../../../src/core/docker/labels';
import { reapOrphans } from '../../../src/core/docker/reapOrphans';
import { testDocker } from '../../docker/runtime/dockerHelpers';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { cliBundle, dockerDestination, oneLine, runCli, startCli, writeConfig, writeTestRegistry } from './hangHarness';

let docker: Docker;
let root: string;
let registry: string;

before(async () => {
  docker = await testDocker();
  await cliBundle();
  root = await makeTempDir('aw-fault-kill-leftovers-');
  registry = writeTestRegistry(root);
});
after(async () => {
  await reapOrphans(docker);
  await removeTempDir(root);
});

const TRIALS = 8;

/** Resolves with the time of the first `create` event of a container labelled with `pid`, or undefined after `timeoutMs`. */
async function createdBy(pid: number, timeoutMs: number): Promise<{ at: Promise<number | undefined>; stop(): void }> {
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: ['create'], label: [`${LABEL_OWNER_PID}=${pid}`] },
  })) as NodeJS.ReadableStream & { destroy(): void };
  const at = new Promise<number | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    stream.once('data', () => {
      clearTimeout(timer);
      resolve(Date.now());
    });
    stream.on('error', () => resolve(undefined));
  });
  return { at, stop: () => stream.destroy() };
}

async function containersOf(pid: number): Promise<Docker.ContainerInfo[]> {
  const all = await docker.listContainers({ all: true, filters: managedFilter() });
  return all.filter((c) => c.Labels?.[LABEL_OWNER_PID] === String(pid));
}

/** Rows of the store's run history still marked running (the rows themselves, as saved). */
async function runningRuns(store: string): Promise<number> {
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(store));
  try {
    return Number(db.exec("SELECT count(*) FROM runs WHERE status = 'running'")[0].values[0][0]);
  } finally {
    db.close();
  }
}

function write(dir: string) {
  const args = ['write', '--source', 'source.airbyte.jsonc', '--destination', 'destination.airbyte.jsonc', '--strategy', 'append'];
  return { args, options: { cwd: dir, env: { AIRBYTE_LOCAL_REGISTRY: registry }, timeoutMs: 90_000 } };
}

test('after kill -9 around a container create, the next start leaves no container and no run "running"', async () => {
  const failures: string[] = [];
  let calibratedMs: number | undefined;
  for (let i = 0; i < TRIALS; i++) {
    const dir = path.join(root, `t${i}`);
    mkdirSync(path.join(dir, 'out'), { recursive: true });
    writeConfig(dir, 'source', { connector: 'builtin:sample', config: { count: 200 } });
    writeConfig(dir, 'destination', dockerDestination({}));
    const { args, options } = write(dir);
    const child = await startCli(args, options);
    const pid = child.pid!;
    const created = await createdBy(pid, 60_000);
    // Half the trials kill at the create event plus 0–40 ms (between create and start), half at a
    // random point of the time a create takes to show (the create request in flight).
    const atEvent = i % 2 === 0;
    let killedAt: string;
    if (atEvent || calibratedMs === undefined) {
      const at = await created.at;
      const extra = atEvent ? Math.floor(Math.random() * 40) : 0;
      if (at === undefined) failures.push(`trial ${i}: no container was created within 60 s`);
      if (!atEvent) calibratedMs = Date.now() - child.started;
      await new Promise((r) => setTimeout(r, extra));
      killedAt = `create event + ${extra} ms`;
    } else {
      const delay = Math.floor(calibratedMs * (0.6 + Math.random() * 0.5));
      await new Promise((r) => setTimeout(r, Math.max(0, delay - (Date.now() - child.started))));
      killedAt = `${delay} ms after start`;
    }
    child.kill('SIGKILL');
    await child.outcome;
    created.stop();
    const next = await runCli(args, options);
    const left = await containersOf(pid);
    const running = await runningRuns(path.join(dir, '.airbyte', 'state.sqlite'));
    const problems = [
      next.code === 0 ? '' : `the next write failed: ${oneLine(next.stderr)}`,
      left.length ? `${left.length} container(s) of the killed process left (${left.map((c) => c.State).join(', ')})` : '',
      running ? `${running} run(s) still "running"` : '',
    ].filter(Boolean);
    console.log(`trial ${i} (killed at ${killedAt}): ${problems.join('; ') || 'clean'}`);
    if (problems.length) failures.push(`trial ${i} (killed at ${killedAt}): ${problems.join('; ')}`);
  }
  recordFaultFigure({
    area: 'hangs and leftovers',
    case: 'kill -9 around a container create: containers and "running" run records after the next start',
    trials: TRIALS,
    failures: failures.length,
    worst: failures[0] ? oneLine(failures[0]) : 'the next start left no container of the killed process and no run "running"',
  });
  assert.deepEqual(failures, []);
});
