// Destination.write / Source.read through real containers of the test connectors.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import type { Destination, Source } from '../../../src/core/connectors/connector';
import { getConnectorFromFile, getDestination, getSource } from '../../../src/core/connectors/getConnector';
import { LABEL_COMMAND, LABEL_OWNER_PID, managedFilter } from '../../../src/core/docker/labels';
import { isAirbyteError } from '../../../src/core/errors';
import type { JsonObject } from '../../../src/core/protocol/messages';
import type { RegistryEntry, RegistryLookup } from '../../../src/core/registry/registryTypes';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import type { WriteProgress } from '../../../src/core/write/progressTracker';
import type { RunStarted } from '../../../src/core/write/runEvents';
import type { WriteResult } from '../../../src/core/write/writeResult';
import type { WriteStrategy } from '../../../src/core/write/writeStrategy';
import { assertNoContainersLeft, testDocker } from '../runtime/dockerHelpers';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

const SECRET = 'sk-write-test-5e6f7a8b9c';
let docker: Docker;
let tmp: string;

// The test source's upstream (see `upstream`): one at a time, as the tests run one after another.
let sourceUpstream: string;

before(async () => {
  docker = await testDocker();
  tmp = await makeTempDir('docker-write-');
  sourceUpstream = path.join(tmp, 'source-upstream');
});
afterEach(async () => assertNoContainersLeft());
after(async () => removeTempDir(tmp));

function registry(supportsRefreshes = false): RegistryLookup {
  return {
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
          supportsRefreshes,
          raw: {},
        },
      };
      return entries[name];
    },
  };
}

interface SourceEnv {
  count: number;
  fault?: string;
  faultAfter?: number;
  stateEvery?: number;
  stateMode?: 'STREAM' | 'GLOBAL';
  /** A slow upstream: the source pauses this long after each STATE. */
  pauseMs?: number;
}

/**
 * Says what the system behind a test connector holds and does now (`upstream.json` in its local
 * folder, read by the connector): data and faults change outside the config, as a real source's
 * would, so the config (hence the identity, and the state) stays the same between runs.
 */
async function upstream(localDir: string, facts: JsonObject): Promise<void> {
  await mkdir(localDir, { recursive: true });
  await writeFile(path.join(localDir, 'upstream.json'), JSON.stringify(facts));
}

async function source(env: SourceEnv): Promise<Source> {
  await upstream(sourceUpstream, { record_count: env.count, fault: env.fault ?? 'none', pause_ms: env.pauseMs ?? 0 });
  return getSource('source-test', {
    registry: registry(),
    config: {
      record_count: 0,
      fault_after: env.faultAfter ?? 0,
      state_every: env.stateEvery ?? 10,
      state_mode: env.stateMode ?? 'STREAM',
      api_key: SECRET,
    },
    localDir: sourceUpstream,
  });
}

function destination(localDir: string, config: JsonObject = {}, refreshes = false, env?: NodeJS.ProcessEnv): Promise<Destination> {
  return getDestination('destination-test', { registry: registry(refreshes), config: { api_key: SECRET, ...config }, localDir, env });
}

async function rows(localDir: string, stream: string): Promise<JsonObject[]> {
  const file = path.join(localDir, `${stream}.jsonl`);
  if (!existsSync(file)) return [];
  return (await readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JsonObject);
}

const ids = (list: JsonObject[], key = 'id') => list.map((r) => r[key] as number).sort((a, b) => a - b);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const byStream = (r: WriteResult) => Object.fromEntries(r.streams.map((s) => [s.stream, s]));

async function workspace(name: string): Promise<{ dir: string; localDir: string; store: WorkspaceStore }> {
  const dir = await mkdtemp(path.join(tmp, `${name}-`));
  const localDir = path.join(dir, 'local');
  const store = await WorkspaceStore.open({ path: path.join(dir, '.airbyte', 'state.sqlite') });
  return { dir, localDir, store };
}

type Mode = 'cache' | 'stream' | 'replay';

async function write(
  mode: Mode,
  src: Source,
  dst: Destination,
  store: WorkspaceStore,
  strategy: WriteStrategy,
  streams: string[],
  extra: { onProgress?: (p: WriteProgress) => void; signal?: AbortSignal; schemaRefreshMinutes?: number } = {},
): Promise<WriteResult> {
  if (mode === 'replay') {
    const read = await src.read({ store, streams, writeStrategy: strategy, signal: extra.signal });
    return dst.write(read, { store, writeStrategy: strategy, ...extra });
  }
  return dst.write(src, { store, streams, writeStrategy: strategy, cache: mode === 'cache', ...extra });
}

describe('each mode with each strategy, then an incremental second run', () => {
  for (const mode of ['cache', 'stream', 'replay'] as const) {
    for (const strategy of ['auto', 'append', 'replace', 'merge'] as const) {
      it(`${mode} / ${strategy}`, async () => {
        const { localDir, store } = await workspace(`${mode}-${strategy}`);
        // merge needs a primary key; events has none.
        const streams = strategy === 'merge' ? ['users', 'orders'] : ['users', 'events'];
        try {
          const dst = await destination(localDir);
          const first = await write(mode, await source({ count: 30 }), dst, store, strategy, streams);
          assert.equal(first.mode, mode);
          for (const s of first.streams) {
            assert.equal(s.recordsSent, 30, `${s.stream} sent`);
            assert.equal(s.recordsConfirmed, 30, `${s.stream} confirmed`);
          }
          const expectedMode = {
            auto: { users: 'append_dedup', orders: 'append_dedup', events: 'append' },
            append: {},
            replace: {},
            merge: {},
          }[strategy] as Record<string, string>;
          for (const s of first.streams) {
            const want =
              strategy === 'auto' ? expectedMode[s.stream] : { append: 'append', replace: 'overwrite', merge: 'append_dedup' }[strategy];
            assert.equal(s.destinationSyncMode, want, `${s.stream} destination mode`);
          }
          assert.deepEqual(ids(await rows(localDir, streams[0])), range(1, 30));

          const second = await write(mode, await source({ count: 45 }), dst, store, strategy, streams);
          const incremental = strategy !== 'replace';
          for (const s of second.streams) {
            assert.equal(
              s.recordsSent,
              incremental ? 15 : 45,
              `${s.stream}: ${incremental ? 'only the new records' : 'everything again (replace)'}`,
            );
            assert.equal(s.recordsConfirmed, s.recordsSent);
          }
          // Whatever the strategy, the destination now holds each record exactly once.
          assert.deepEqual(ids(await rows(localDir, streams[0])), range(1, 45));
          if (streams.includes('events')) assert.deepEqual(ids(await rows(localDir, 'events'), 'seq'), range(1, 45));
          const sample = (await rows(localDir, streams[0]))[0];
          assert.ok(
            Object.keys(sample).includes('updated_at') &&
              !Object.keys(sample).some(
                (k) => k.startsWith('_airbyte_') && !['_airbyte_extracted_at', '_airbyte_generation_id'].includes(k),
              ),
            'records arrive as the source produced them',
          );
          assert.ok((sample._airbyte_extracted_at as number) > 1e12, 'emitted_at is in milliseconds');

          const third = await write(mode, await source({ count: 45 }), dst, store, strategy, streams);
          if (incremental) assert.equal(third.totals.recordsSent, 0, 'nothing new, nothing sent');
          const runs = store.runs.list().filter((r) => r.kind === 'write');
          assert.equal(runs.length, 3);
          assert.ok(runs.every((r) => r.status === 'succeeded'));
        } finally {
          await store.close();
        }
      });
    }
  }
});

/** Kills the destination's container, noting whether the source's was still running then. */
async function killDestinationWhileReading(state: { killed: boolean; sourceRunning: boolean }): Promise<void> {
  if (state.killed) return;
  state.killed = true;
  const list = await docker.listContainers({ filters: managedFilter() });
  const mine = list.filter((c) => c.Labels[LABEL_OWNER_PID] === String(process.pid));
  state.sourceRunning = mine.some((c) => c.Labels[LABEL_COMMAND] === 'read');
  const target = mine.find((c) => c.Labels[LABEL_COMMAND] === 'write');
  assert.ok(target, 'the destination container is running');
  await docker.getContainer(target.Id).kill({ signal: 'SIGKILL' });
}

async function killWhenConfirmed(progress: WriteProgress, state: { killed: boolean }): Promise<void> {
  if (state.killed || progress.recordsConfirmed === 0) return;
  state.killed = true;
  const list = await docker.listContainers({ filters: managedFilter() });
  const target = list.find((c) => c.Labels[LABEL_COMMAND] === 'write' && c.Labels[LABEL_OWNER_PID] === String(process.pid));
  assert.ok(target, 'the destination container is running');
  await docker.getContainer(target.Id).kill({ signal: 'SIGKILL' });
}

describe('failures', () => {
  for (const mode of ['stream', 'cache'] as const) {
    it(`the destination SIGKILLed mid-write (${mode}): failed run, state at the last confirmed point, a rerun completes with nothing lost and no duplicates`, async () => {
      const { localDir, store } = await workspace(`kill-${mode}`);
      const count = 20_000;
      // The destination stops reading after `fault_after` records and hangs until it is killed, so
      // it can never finish before the kill lands (the cache mode replays fast). The fault comes
      // from upstream: the config, hence the destination's identity and state, is the same for the
      // rerun, which gets no fault.
      const config = { flush_every: 200, fault_after: 5_000 };
      try {
        await upstream(localDir, { fault: 'hang' });
        const dst = await destination(localDir, config);
        const killState = { killed: false };
        let killing: Promise<void> | undefined;
        const error = await write(mode, await source({ count, stateEvery: 500 }), dst, store, 'auto', ['users', 'orders'], {
          onProgress: (p) => {
            killing ??= p.recordsConfirmed > 0 ? killWhenConfirmed(p, killState) : undefined;
          },
        }).then(
          () => undefined,
          (e: unknown) => e,
        );
        await killing;
        assert.ok(killState.killed, 'the destination was killed during the run');
        assert.ok(isAirbyteError(error, 'CONNECTOR_FAILED'), `failed with CONNECTOR_FAILED, got ${String(error)}`);
        assert.match(error.message, /destination-test/);
        assert.match(error.guidance ?? '', /confirmed/);
        assert.ok(!JSON.stringify(error.toJSON()).includes(SECRET), 'no secret in the error');
        const failed = store.runs.list()[0];
        assert.equal(failed.status, 'failed');
        assert.ok(failed.recordsConfirmed > 0 && failed.recordsConfirmed < 2 * count, `confirmed ${failed.recordsConfirmed}`);
        const users = store.states.get(failed.sourceId, failed.destinationId!).find((r) => r.streamKey === 'users');
        const cursor = (users?.state.stream?.stream_state as { cursor?: number } | undefined)?.cursor ?? 0;
        assert.ok(cursor < count, 'state stays at the last confirmed point');

        assert.ok(
          failed.recordsConfirmed <= 5_000,
          `nothing past what the destination received was confirmed (${failed.recordsConfirmed})`,
        );

        const rerun = await write(
          mode,
          await source({ count, stateEvery: 500 }),
          await upstream(localDir, { fault: 'none' }).then(() => destination(localDir, config)),
          store,
          'auto',
          ['users', 'orders'],
        );
        assert.ok(byStream(rerun).users.recordsSent <= count - cursor, 'the rerun sends only what was not confirmed');
        for (const stream of ['users', 'orders']) {
          const got = await rows(localDir, stream);
          assert.equal(got.length, count, `${stream}: no duplicates`);
          assert.deepEqual(ids(got), range(1, count), `${stream}: nothing lost`);
        }
      } finally {
        await store.close();
      }
    });
  }

  it('through the cache, the destination SIGKILLed while the source is still reading: the read goes on into the cache; a rerun sends only what was not confirmed, each record once', async () => {
    const { localDir, store } = await workspace('kill-pipelined');
    const count = 3_000;
    try {
      const dst = await destination(localDir, { flush_every: 100 });
      const killed = { killed: false, sourceRunning: false };
      let killing: Promise<void> | undefined;
      // 30 states a stream, 40 ms apart: the source reads for over two seconds, the destination keeps up.
      const error = await write('cache', await source({ count, stateEvery: 100, pauseMs: 40 }), dst, store, 'auto', ['users', 'orders'], {
        onProgress: (p) => {
          killing ??= p.recordsConfirmed > 0 ? killDestinationWhileReading(killed) : undefined;
        },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await killing;
      assert.ok(killed.killed && killed.sourceRunning, 'the destination was killed while the source was still reading');
      assert.ok(isAirbyteError(error, 'CONNECTOR_FAILED'), `failed with CONNECTOR_FAILED, got ${String(error)}`);
      assert.match(error.message, /destination-test/);
      const [write1, read1] = store.runs.list();
      assert.deepEqual([write1.kind, write1.status, read1.kind, read1.status], ['write', 'failed', 'read', 'succeeded']);
      assert.equal(read1.recordsRead, 2 * count, 'the source was read to its end into the cache');
      assert.ok(write1.recordsConfirmed > 0 && write1.recordsConfirmed < 2 * count, `confirmed ${write1.recordsConfirmed}`);
      for (const stream of ['users', 'orders']) {
        const confirmed = store.cacheIndex.confirmed(write1.sourceId, write1.destinationId!, stream) ?? 0;
        assert.ok(
          confirmed <= (store.cacheIndex.stream(write1.sourceId, stream)?.endPos ?? 0),
          `${stream}: confirmed within what the cache holds`,
        );
        const row = store.states.get(write1.sourceId, write1.destinationId!).find((r) => r.streamKey === stream);
        const cursor = (row?.state.stream?.stream_state as { cursor?: number } | undefined)?.cursor ?? 0;
        assert.equal(cursor, confirmed, `${stream}: the state is at what the destination confirmed`);
      }
      const confirmedBefore = write1.recordsConfirmed;

      const rerun = await write('cache', await source({ count, stateEvery: 100 }), dst, store, 'auto', ['users', 'orders']);
      assert.equal(rerun.totals.recordsRead, 0, 'the source had been read to its end: nothing new');
      assert.equal(rerun.totals.recordsSent, 2 * count - confirmedBefore, 'the rerun sends exactly what was not confirmed, from the cache');
      for (const stream of ['users', 'orders']) {
        const got = await rows(localDir, stream);
        assert.deepEqual(ids(got), range(1, count), `${stream}: nothing lost, nothing duplicated`);
      }
    } finally {
      await store.close();
    }
  });

  for (const mode of ['stream', 'cache'] as const) {
    it(`a source crash (${mode}) fails the run with its reason and keeps what was confirmed; a rerun completes`, async () => {
      const { dir, localDir, store } = await workspace(`crash-${mode}`);
      try {
        const dst = await destination(localDir);
        const error = await write(mode, await source({ count: 50, fault: 'crash', faultAfter: 25 }), dst, store, 'auto', ['users']).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(isAirbyteError(error, 'CONNECTOR_FAILED'));
        assert.match(error.message, /source-test/);
        assert.equal(error.exitCode, 3);
        assert.ok(
          error.logTail.some((l) => l.includes('Segmentation fault')),
          'the last log lines are attached',
        );
        assert.ok(!JSON.stringify(error.toJSON()).includes(SECRET), 'secrets masked in the error and its log tail');
        const failed = store.runs.list()[0];
        assert.equal(failed.status, 'failed');
        assert.ok(failed.error && !failed.error.includes(SECRET));
        // Confirmed by the destination before the crash (through the cache too, fed as the source
        // read): the records up to the state at 20.
        assert.equal(failed.recordsConfirmed, 20);
        const users = store.states.get(failed.sourceId, failed.destinationId!)[0];
        assert.deepEqual(users.state.stream?.stream_state, { cursor: 20 });
        const rerun = await write(mode, await source({ count: 50, faultAfter: 25 }), dst, store, 'auto', ['users']);
        assert.equal(byStream(rerun).users.recordsRead, 30, 'the source resumes after the last checkpoint');
        assert.deepEqual(ids(await rows(localDir, 'users')), range(1, 50));
        assert.ok(
          !(await readFile(path.join(dir, '.airbyte', 'state.sqlite'))).includes(Buffer.from(SECRET)),
          'no secret in the state file',
        );
      } finally {
        await store.close();
      }
    });
  }

  for (const mode of ['stream', 'cache', 'replay'] as const) {
    it(`a destination that fails its check (${mode}): the run fails with the check's reason, nothing was read from the source or sent, no container is left`, async () => {
      const { localDir, store } = await workspace(`check-${mode}`);
      try {
        // Enough records that any taken from the source before the check failed would show.
        const src = await source({ count: 200_000, stateEvery: 1000 });
        const read = mode === 'replay' ? await src.read({ store, streams: ['users'] }) : undefined;
        const before = store.runs.list().length;
        // Its check fails naming the cause; its write would fail at its first record with a catch-all TRACE.
        const dst = await destination(localDir, { fault: 'bad_path', destination_path: '/etc/x.db' });
        const error = await (
          read ? dst.write(read, { store }) : dst.write(src, { store, streams: ['users'], cache: mode === 'cache' })
        ).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(isAirbyteError(error, 'CHECK_FAILED'), `CHECK_FAILED, got ${String(error)}`);
        assert.match(error.message, /destination_path=\/etc\/x\.db is not a valid path/);
        assert.match(error.guidance ?? '', /nothing was read or sent/);
        const runs = store.runs.list().slice(0, store.runs.list().length - before);
        assert.ok(runs.length > 0, 'the write was recorded');
        for (const run of runs) {
          assert.equal(run.status, 'failed', `run ${run.id} (${run.kind})`);
          assert.match(run.error ?? '', /not a valid path/, `run ${run.id} names the check's cause`);
          assert.equal(run.recordsSent, 0, `run ${run.id} sent nothing`);
          if (mode !== 'replay') assert.equal(run.recordsRead, 0, `run ${run.id} read nothing from the source`);
        }
        assert.equal(existsSync(path.join(localDir, 'users.jsonl')), false, 'the destination wrote nothing');
        if (read) assert.equal(store.states.get(read.sourceId, runs[0].destinationId!).length, 0, 'no state for the destination');
      } finally {
        await store.close();
      }
    });
  }

  it('a TRACE ERROR from the destination fails the run with its message', async () => {
    const { localDir, store } = await workspace('trace');
    try {
      const dst = await destination(localDir, { fault: 'trace_error', fault_after: 5 });
      await assert.rejects(
        write('stream', await source({ count: 20 }), dst, store, 'auto', ['users']),
        (e: unknown) => isAirbyteError(e, 'CONNECTOR_FAILED') && /quota exceeded/.test(e.traceMessage ?? '') && !e.message.includes(SECRET),
      );
      assert.equal(store.runs.list()[0].status, 'failed');
    } finally {
      await store.close();
    }
  });

  it('cancelling a run stops both containers and records it as cancelled', async () => {
    const { localDir, store } = await workspace('cancel');
    try {
      const controller = new AbortController();
      const dst = await destination(localDir, { flush_every: 100 });
      const error = await write('stream', await source({ count: 200_000, stateEvery: 1000 }), dst, store, 'auto', ['users'], {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.recordsSent > 1000) controller.abort();
        },
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(isAirbyteError(error, 'ABORTED'), `ABORTED, got ${String(error)}`);
      assert.equal(store.runs.list()[0].status, 'cancelled');
    } finally {
      await store.close();
    }
  });
});

/** The container events (create, start, die) of this process's connectors while `fn` runs, in order, with their command. */
async function containerEvents(fn: () => Promise<unknown>): Promise<Array<{ action: string; command: string; at: number }>> {
  const startedNs = Date.now() * 1e6;
  const since = Math.floor(Date.now() / 1000) - 1;
  await fn();
  // The engine's clock is in whole seconds for `since`/`until`; events carry nanoseconds.
  const until = Math.ceil(Date.now() / 1000) + 1;
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const stream = (await docker.getEvents({
    since,
    until,
    filters: { type: ['container'], event: ['create', 'start', 'die'], label: [`${LABEL_OWNER_PID}=${process.pid}`] },
  })) as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { Action: string; timeNano: number; Actor: { Attributes: Record<string, string> } })
    .filter((e) => e.timeNano >= startedNs)
    .map((e) => ({ action: e.Action, command: e.Actor.Attributes[LABEL_COMMAND], at: e.timeNano }));
}

describe('a streamed write of a source config written before', () => {
  it('starts its read and write beside discover and takes them when discover confirms the plan; within the schema refresh window it runs no discover; a changed schema stops the early runs unread and the run uses the new one', async () => {
    const { localDir, store } = await workspace('early');
    let notices: string[] = [];
    const run = async (schemaRefreshMinutes?: number) =>
      containerEvents(async () => {
        const result = await write(
          'stream',
          await source({ count: 400, stateEvery: 100 }),
          await destination(localDir),
          store,
          'replace',
          ['users'],
          { schemaRefreshMinutes },
        );
        assert.equal(result.totals.recordsConfirmed, 400);
        notices = result.notices;
      });
    const at = (events: Array<{ action: string; command: string; at: number }>, action: string, command: string) =>
      events.filter((e) => e.action === action && e.command === command).map((e) => e.at);
    try {
      // The first write of this source config has no catalog kept: its read starts after discover ended.
      const first = await run(0);
      assert.ok(Math.min(...at(first, 'create', 'read')) > Math.max(...at(first, 'die', 'discover')), 'first write: read after discover');

      // Told to discover before every write, the second starts its read and write beside discover,
      // and takes them: one of each.
      const second = await run(0);
      assert.equal(at(second, 'create', 'read').length, 1, 'one read container');
      assert.equal(at(second, 'create', 'write').length, 1, 'one write container');
      assert.ok(
        Math.min(...at(second, 'create', 'read')) < Math.max(...at(second, 'die', 'discover')),
        'the read was started before discover ended',
      );
      assert.equal((await rows(localDir, 'users')).length, 400, 'overwritten once, each record once');
      assert.deepEqual(notices, []);

      // Within the refresh window (the default, 15 min), the kept catalog is the plan: no discover runs.
      const third = await run();
      assert.equal(at(third, 'create', 'discover').length, 0, 'no discover container');
      assert.equal(at(third, 'create', 'read').length, 1, 'one read container');
      assert.equal(at(third, 'create', 'write').length, 1, 'one write container');
      assert.equal((await rows(localDir, 'users')).length, 400);
      assert.ok(
        notices.some((n) => /discover found less than a minute ago.*--refresh-schema/.test(n)),
        `the run says its streams come from the kept catalog: ${notices.join(' | ')}`,
      );

      // Upstream, the users table gained a column: discover's catalog (asked for: --refresh-schema)
      // makes another plan. The runs started with the kept one are stopped unread, and the connectors
      // start again with the new one.
      await upstream(sourceUpstream, { record_count: 400, users_plan: true });
      const fourth = await containerEvents(async () => {
        const src = await getSource('source-test', {
          registry: registry(),
          config: { record_count: 0, fault_after: 0, state_every: 100, state_mode: 'STREAM', api_key: SECRET },
          localDir: sourceUpstream,
        });
        const result = await write('stream', src, await destination(localDir), store, 'replace', ['users'], { schemaRefreshMinutes: 0 });
        assert.equal(result.totals.recordsConfirmed, 400);
      });
      assert.equal(at(fourth, 'create', 'read').length, 2, 'the read started early was not used');
      assert.equal(at(fourth, 'create', 'write').length, 2, 'the write started early was not used');
      const users = await rows(localDir, 'users');
      assert.equal(users.length, 400, 'nothing from the early runs reached the destination');
      assert.ok(
        users.every((u) => u.plan === 'pro'),
        'the source read with the new catalog',
      );
    } finally {
      await store.close();
    }
  });
});

describe('one read, several destinations', () => {
  it('each destination config gets everything once, then only what it has not confirmed', async () => {
    const { dir, store } = await workspace('two-destinations');
    const dirA = path.join(dir, 'a');
    const dirB = path.join(dir, 'b');
    try {
      // Same connector, two configs: two identities, two sets of state (PyAirbyte keyed state by name only).
      const a = await destination(dirA, { flush_every: 100 });
      const b = await destination(dirB, { flush_every: 200 });
      const first = await (await source({ count: 20 })).read({ store, streams: ['events'] });
      assert.equal((await a.write(first, { store })).totals.recordsSent, 20);
      const second = await (await source({ count: 35 })).read({ store, streams: ['events'] });
      assert.equal(second.streams[0].recordsRead, 15);
      assert.equal((await a.write(second, { store })).totals.recordsSent, 15, 'A gets only the new events');
      assert.equal((await b.write(second, { store })).totals.recordsSent, 35, 'B, new, gets the whole cached stream');
      assert.deepEqual(ids(await rows(dirA, 'events'), 'seq'), range(1, 35));
      assert.deepEqual(ids(await rows(dirB, 'events'), 'seq'), range(1, 35));
      const runs = store.runs.list().filter((r) => r.kind === 'write');
      assert.notEqual(runs[0].destinationId, runs[1].destinationId);
    } finally {
      await store.close();
    }
  });
});

describe('state kinds and config updates', () => {
  for (const mode of ['stream', 'cache'] as const) {
    it(`GLOBAL (CDC) state round-trips (${mode})`, async () => {
      const { localDir, store } = await workspace(`global-${mode}`);
      try {
        const dst = await destination(localDir);
        await write(mode, await source({ count: 30, stateMode: 'GLOBAL' }), dst, store, 'auto', ['users', 'orders']);
        const run = store.runs.list()[0];
        const stored = store.states.get(run.sourceId, run.destinationId!);
        assert.deepEqual(
          stored.map((r) => r.type),
          ['GLOBAL'],
        );
        assert.deepEqual(
          stored[0].state.global?.stream_states.map((s) => s.stream_state),
          [{ cursor: 30 }, { cursor: 30 }],
        );
        const second = await write(mode, await source({ count: 40, stateMode: 'GLOBAL' }), dst, store, 'auto', ['users', 'orders']);
        assert.deepEqual(
          second.streams.map((s) => s.recordsSent),
          [10, 10],
        );
        assert.deepEqual(ids(await rows(localDir, 'orders')), range(1, 40));
      } finally {
        await store.close();
      }
    });
  }

  it('a refresh-capable destination gets replace as generations and keeps only the new one', async () => {
    const { localDir, store } = await workspace('refresh');
    try {
      const dst = await destination(localDir, {}, true);
      await write('stream', await source({ count: 10 }), dst, store, 'replace', ['users']);
      const second = await write('stream', await source({ count: 12 }), dst, store, 'replace', ['users']);
      assert.equal(byStream(second).users.recordsSent, 12);
      const got = await rows(localDir, 'users');
      assert.deepEqual(ids(got), range(1, 12));
      assert.ok(
        got.every((r) => r._airbyte_generation_id === 2),
        'rows of generation 2 only',
      );
    } finally {
      await store.close();
    }
  });

  it('CONTROL CONNECTOR_CONFIG is written back into the config file, comments kept, secret never logged', async () => {
    const { dir, localDir, store } = await workspace('control');
    const file = path.join(dir, 'api.airbyte.jsonc');
    const text = `// the test API\n{\n  "connector": "source-test",\n  "config": {\n    "record_count": 5, // small\n    "api_key": "${SECRET}",\n    "emit_control": true\n  }\n}\n`;
    await writeFile(file, text);
    const logs: string[] = [];
    const notices: string[] = [];
    try {
      const src = (await getConnectorFromFile(file, { registry: registry() })) as Source;
      const dst = await destination(localDir);
      await dst.write(src, {
        store,
        streams: ['users'],
        cache: false,
        onLog: (_n, l) => logs.push(l.text),
        onNotice: (t) => notices.push(t),
      });
      const updated = await readFile(file, 'utf8');
      assert.equal(updated, text.replace(`"${SECRET}"`, `"${SECRET}-rotated"`).replace('"emit_control": true', '"emit_control": false'));
      assert.ok(notices.some((n) => n.includes('api_key') && n.includes(file)));
      assert.ok(![...logs, ...notices].some((l) => l.includes(SECRET)), 'neither secret appears in logs or notices');
    } finally {
      await store.close();
    }
  });
});

describe('runs announce themselves', () => {
  it('a write through the cache: a read run for the destination and a write run fed by it as it reads; a failed read fails both', async () => {
    const { dir, localDir, store } = await workspace('run-events');
    const events: RunStarted[] = [];
    try {
      const dst = await destination(localDir);
      const result = await dst.write(await source({ count: 30 }), { store, streams: ['users'], onRunStarted: (e) => events.push(e) });
      assert.deepEqual(
        events.map((e) => [e.kind, e.mode]),
        [
          ['read', 'cache'],
          ['write', 'cache'],
        ],
      );
      const [read, write] = events;
      assert.equal(write.runId, result.runId);
      assert.equal(write.parentReadRunId, read.runId);
      assert.deepEqual(read.forDestination, write.destination);
      assert.deepEqual(
        [write.source.connector, write.source.label, write.destination?.connector, write.destination?.label],
        ['source-test', 'source-test', 'destination-test', 'destination-test'],
        'connectors not loaded from a file are labelled by their name',
      );

      const crashed: RunStarted[] = [];
      const error = await dst
        .write(await source({ count: 50, fault: 'crash', faultAfter: 25 }), {
          store,
          streams: ['users'],
          onRunStarted: (e) => crashed.push(e),
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      assert.ok(isAirbyteError(error, 'CONNECTOR_FAILED'));
      assert.deepEqual(
        crashed.map((e) => [e.kind, e.parentReadRunId]),
        [
          ['read', undefined],
          ['write', crashed[0]?.runId],
        ],
        'the write run begins beside its read',
      );
      assert.match(error.guidance ?? '', new RegExp(`Run ${crashed[0]?.runId}, the read into the cache, was recorded as failed`));
      assert.match(error.guidance ?? '', new RegExp(`Run ${crashed[1]?.runId} was recorded as failed`));
      await store.close();

      // Run history, reopened, holds what the events said.
      const again = await WorkspaceStore.open({ path: path.join(dir, '.airbyte', 'state.sqlite'), lock: false });
      try {
        const rows = again.runs.list();
        assert.deepEqual(
          rows.map((r) => [r.id, r.kind, r.status, r.parentRunId, r.forDestinationId]),
          [
            [crashed[1].runId, 'write', 'failed', crashed[0].runId, undefined],
            [crashed[0].runId, 'read', 'failed', undefined, write.destination!.identity],
            [write.runId, 'write', 'succeeded', read.runId, undefined],
            [read.runId, 'read', 'succeeded', undefined, write.destination!.identity],
          ],
        );
        assert.deepEqual(
          [rows[2].sourceLabel, rows[2].sourceConnector, rows[2].destinationLabel, rows[2].destinationConnector, rows[2].destinationId],
          [write.source.label, 'source-test', write.destination!.label, 'destination-test', write.destination!.identity],
        );
        assert.ok(rows[0].error && !rows[0].error.includes(SECRET), 'the failed write keeps its masked reason');
        assert.ok(rows[1].error && !rows[1].error.includes(SECRET), 'the failed read keeps its masked reason');
      } finally {
        await again.close();
      }
    } finally {
      await store.close();
    }
  });
});
