// The runtime against a real Docker engine and real containers of the test connectors.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, readFile, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { TEST_DESTINATION_IMAGE, TEST_DESTINATION_UID1000_IMAGE, TEST_SOURCE_IMAGE } from '../../../scripts/buildTestImages';
import type { Destination, Source } from '../../../src/core/connectors/connector';
import { runConnector } from '../../../src/core/connectors/connectorProcess';
import { getDestination, getSource } from '../../../src/core/connectors/getConnector';
import { reapOrphans } from '../../../src/core/docker/reapOrphans';
import { AirbyteError, isAirbyteError } from '../../../src/core/errors';
import { DockerExecutor } from '../../../src/core/executors/dockerExecutor';
import { encodeMessages } from '../../../src/core/protocol/lineCodec';
import type { AirbyteMessage, JsonObject } from '../../../src/core/protocol/messages';
import { message } from '../../../src/core/protocol/messages';
import type { RegistryEntry, RegistryLookup } from '../../../src/core/registry/registryTypes';
import { testCatalog } from '../../harness/catalogs';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { assertNoContainersLeft, managedContainers, testDocker } from './dockerHelpers';

const SECRET = 'sk-docker-9f8e7d6c5b4a';
let docker: Docker;
let tmp: string;

before(async () => {
  docker = await testDocker();
  tmp = await makeTempDir('docker-runtime-');
});
afterEach(async () => assertNoContainersLeft());
after(async () => removeTempDir(tmp));

const registry: RegistryLookup = {
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
        supportsRefreshes: true,
        raw: {},
      },
    };
    return entries[name];
  },
};

const source = (config: JsonObject): Promise<Source> => getSource('source-test', { registry, config });
const destination = (config: JsonObject, localDir: string, image = TEST_DESTINATION_IMAGE): Promise<Destination> =>
  getDestination('destination-test', { image, config, localDir });

async function collect(run: { messages(): AsyncIterable<{ message: AirbyteMessage }>; done: Promise<unknown> }): Promise<AirbyteMessage[]> {
  const out: AirbyteMessage[] = [];
  for await (const { message: m } of run.messages()) out.push(m);
  await run.done;
  return out;
}

async function failureOf(p: Promise<unknown>): Promise<AirbyteError> {
  try {
    await p;
  } catch (error) {
    assert.ok(error instanceof AirbyteError, String(error));
    return error;
  }
  assert.fail('expected a failure');
}

describe('connectors in Docker containers', () => {
  it('resolves the image from the registry entry and runs spec, check and discover', async () => {
    const src = await source({ record_count: 3 });
    assert.equal(src.executor.displayName, 'airbyte-write-test/source-test:dev');
    const spec = await src.spec();
    assert.deepEqual(Object.keys((spec.connectionSpecification as { properties: object }).properties).slice(0, 2), [
      'record_count',
      'api_key',
    ]);
    assert.equal((await src.check()).status, 'SUCCEEDED');
    assert.deepEqual(
      (await src.discover()).streams.map((s) => s.name),
      ['users', 'orders', 'events'],
    );
  });

  it("a FAILED connection status is CHECK_FAILED with the connector's (masked) message", async () => {
    const src = await source({ record_count: 3, api_key: 'invalid' });
    const e = await failureOf(src.check());
    assert.equal(e.code, 'CHECK_FAILED');
    assert.match(e.message, /api_key \*\*\*\* was rejected \(401\)/);
  });

  it('reads many records through the attach stream without losing or reordering any', async () => {
    const src = await source({ record_count: 30_000, state_every: 1000 });
    const run = await src.start({ command: 'read', config: src.config, catalog: testCatalog(['users', 'orders', 'events']) });
    const counts = new Map<string, number>();
    let lastId = new Map<string, number>();
    let ordered = true;
    for await (const batch of run.batches()) {
      for (const { message: m } of batch) {
        if (m.type !== 'RECORD') continue;
        const s = m.record.stream;
        counts.set(s, (counts.get(s) ?? 0) + 1);
        const id = Number((m.record.data as { id?: number; seq?: number }).id ?? (m.record.data as { seq: number }).seq);
        if (id !== (lastId.get(s) ?? 0) + 1) ordered = false;
        lastId.set(s, id);
      }
    }
    await run.done;
    assert.deepEqual(Object.fromEntries(counts), { users: 30_000, orders: 30_000, events: 30_000 });
    assert.ok(ordered);
    lastId = new Map();
  });

  it('writes into /local as uid 1000, echoing STATE only for flushed records', async () => {
    const local = path.join(tmp, 'uid1000');
    const dst = await destination({ api_key: SECRET }, local, TEST_DESTINATION_UID1000_IMAGE);
    const src = await source({ record_count: 50, state_every: 20 });
    const input = await collect(await src.start({ command: 'read', config: src.config, catalog: testCatalog(['users']) }));
    const echoed = await collect(
      await dst.start({ command: 'write', config: dst.config, catalog: testCatalog(['users']), stdin: encodeMessages(input) }),
    );
    const states = echoed.filter((m) => m.type === 'STATE');
    assert.deepEqual(
      states.map((s) => (s.type === 'STATE' ? s.state.destinationStats?.recordCount : -1)),
      [20, 20, 10],
    );
    const file = path.join(local, 'users.jsonl');
    const rows = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(rows.length, 50);
    assert.equal((await stat(file)).uid, 1000, 'written by the image user');
  });

  it('copies config, catalog, state and localDir into the container and localDir back when the engine cannot see this machine', async () => {
    const local = path.join(tmp, 'copy-local');
    await mkdir(local, { recursive: true });
    await writeFile(path.join(local, 'users.jsonl'), '{"id":0}\n');
    await writeFile(path.join(local, 'untouched.txt'), 'kept');
    const untouchedBefore = (await stat(path.join(local, 'untouched.txt'))).mtimeMs;
    const executor = new DockerExecutor({ image: TEST_DESTINATION_UID1000_IMAGE, fileTransfer: 'copy', localDir: local });
    assert.equal(executor.copiesFiles(), true);
    const msgs = [
      message.record('users', { id: 1 }, 1),
      message.state({ type: 'STREAM', stream: { stream_descriptor: { name: 'users' }, stream_state: { c: 1 } } }),
      message.streamStatus({ name: 'users' }, 'COMPLETE'),
    ];
    const run = runConnector(executor, {
      command: 'write',
      config: { api_key: 'k' },
      catalog: testCatalog(['users']),
      state: [],
      stdin: encodeMessages(msgs),
    });
    const out = await collect(run);
    assert.deepEqual(
      out.filter((m) => m.type === 'STATE').map((m) => (m.type === 'STATE' ? m.state.destinationStats?.recordCount : -1)),
      [1],
    );
    // The destination appended to the file it found in /local; the result is back here, written by this user.
    const rows = (await readFile(path.join(local, 'users.jsonl'), 'utf8')).trim().split('\n');
    assert.deepEqual(
      rows.map((r) => (JSON.parse(r) as { id: number }).id),
      [0, 1],
    );
    assert.equal((await stat(path.join(local, 'users.jsonl'))).uid, process.getuid!(), 'owned by this user, never chowned');
    assert.equal((await stat(path.join(local, 'untouched.txt'))).mtimeMs, untouchedBefore, 'an unchanged file is not rewritten');
    assert.deepEqual((await readdir(local)).sort(), ['untouched.txt', 'users.jsonl'], 'no partial files left');
    assert.equal(new DockerExecutor({ image: 'x', dockerHost: 'ssh://me@build-box' }).copiesFiles(), true);
    assert.equal(new DockerExecutor({ image: 'x', dockerHost: 'tcp://10.0.0.5:2376' }).copiesFiles(), true);
    // A loopback port may be a tunnel into another machine (an ssh -L forward, a VM's port): copied too.
    assert.equal(new DockerExecutor({ image: 'x', dockerHost: 'tcp://localhost:2375' }).copiesFiles(), true);
    assert.equal(new DockerExecutor({ image: 'x', dockerHost: 'unix:///var/run/docker.sock' }).copiesFiles(), false);
  });

  it('overwrite keeps only the last run; append_dedup keeps one row per primary key', async () => {
    const local = path.join(tmp, 'modes');
    const dst = await destination({}, local);
    const write = async (mode: 'overwrite' | 'append_dedup', ids: number[]) => {
      const msgs = [
        ...ids.map((id) => message.record('users', { id, v: mode }, Date.now())),
        message.streamStatus({ name: 'users' }, 'COMPLETE'),
      ];
      await collect(
        await dst.start({ command: 'write', config: dst.config, catalog: testCatalog(['users'], mode), stdin: encodeMessages(msgs) }),
      );
      return (await readFile(path.join(local, 'users.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id as number);
    };
    await write('overwrite', [1, 2, 3]);
    assert.deepEqual(await write('overwrite', [4, 5]), [4, 5]);
    assert.deepEqual((await write('append_dedup', [5, 6, 6])).sort(), [4, 5, 6]);
  });

  it('a destination without a terminal STREAM_STATUS fails like a Bulk-CDK destination', async () => {
    const dst = await destination({}, path.join(tmp, 'no-status'));
    const e = await failureOf(
      collect(
        await dst.start({
          command: 'write',
          config: dst.config,
          catalog: testCatalog(['users']),
          stdin: encodeMessages([message.record('users', { id: 1 }, 1)]),
        }),
      ),
    );
    assert.equal(e.code, 'CONNECTOR_FAILED');
    assert.match(e.message, /some streams did not receive a terminal stream status message/);
    assert.equal(e.exitCode, 1);
  });

  it('a TRACE ERROR fails with its message, the exit code and a masked log tail', async () => {
    const src = await source({ record_count: 10, fault: 'trace_error', fault_after: 3, api_key: SECRET });
    const e = await failureOf(collect(await src.start({ command: 'read', config: src.config, catalog: testCatalog(['users']) })));
    assert.equal(e.code, 'CONNECTOR_FAILED');
    assert.equal(e.exitCode, 1);
    assert.equal(e.traceMessage, 'Rate limit exceeded for key ****');
    assert.ok(
      e.logTail.some((l) => l.includes('connecting with api_key=****')),
      e.logTail.join('\n'),
    );
    assert.ok(!JSON.stringify(e.toJSON()).includes(SECRET), 'secret leaked into the error');
  });

  it('a destination crashing mid-write: the echoed states cover exactly the records on disk', async () => {
    const local = path.join(tmp, 'crash');
    const dst = await destination({ fault: 'crash', fault_after: 45 }, local);
    const msgs: AirbyteMessage[] = [];
    for (let i = 1; i <= 100; i++) {
      msgs.push(message.record('users', { id: i }, 1));
      if (i % 10 === 0)
        msgs.push(message.state({ type: 'STREAM', stream: { stream_descriptor: { name: 'users' }, stream_state: { cursor: i } } }));
    }
    const echoed: AirbyteMessage[] = [];
    const run = await dst.start({ command: 'write', config: dst.config, catalog: testCatalog(['users']), stdin: encodeMessages(msgs) });
    for await (const { message: m } of run.messages()) echoed.push(m);
    const e = await failureOf(run.done);
    assert.equal(e.exitCode, 3);
    assert.ok(e.logTail.some((l) => l.includes('simulated crash mid-write')));
    const last = echoed.filter((m) => m.type === 'STATE').pop();
    assert.deepEqual(last?.type === 'STATE' ? last.state.stream?.stream_state : undefined, { cursor: 40 });
    const rows = (await readFile(path.join(local, 'users.jsonl'), 'utf8')).trim().split('\n');
    assert.equal(rows.length, 40);
  });

  it('garbage on stdout is logged and the run still succeeds', async () => {
    const src = await source({ record_count: 5, fault: 'garbage', fault_after: 1 });
    const logs: string[] = [];
    const run = await src.start(
      { command: 'read', config: src.config, catalog: testCatalog(['users']) },
      { onLog: (l) => logs.push(l.text) },
    );
    const msgs = await collect(run);
    assert.equal(msgs.filter((m) => m.type === 'RECORD').length, 5);
    assert.ok(logs.includes('this is not json'));
  });

  it('a hanging connector is killed on abort and its container removed within 10 s', async () => {
    const executor = new DockerExecutor({ image: TEST_SOURCE_IMAGE, runId: 'hang-test' });
    const controller = new AbortController();
    const run = runConnector(
      executor,
      { command: 'read', config: { record_count: 5, fault: 'hang', fault_after: 2 }, catalog: testCatalog(['users']) },
      { signal: controller.signal },
    );
    let records = 0;
    let abortedAt = 0;
    const consume = (async () => {
      for await (const batch of run.batches()) {
        records += batch.filter((m) => m.message.type === 'RECORD').length;
        if (records >= 2 && !abortedAt) {
          assert.equal((await managedContainers('hang-test')).length, 1, 'the container runs while hanging');
          abortedAt = Date.now();
          controller.abort();
        }
      }
    })();
    await assert.rejects(run.done, (e: unknown) => isAirbyteError(e, 'ABORTED'));
    await consume;
    assert.ok(Date.now() - abortedAt < 10_000, `took ${Date.now() - abortedAt} ms`);
    await assertNoContainersLeft('hang-test');
  });

  it('abort removes the container even while nobody reads its output (backpressure)', async () => {
    const executor = new DockerExecutor({ image: TEST_SOURCE_IMAGE, runId: 'stalled-reader' });
    const controller = new AbortController();
    const run = runConnector(
      executor,
      { command: 'read', config: { record_count: 2_000_000 }, catalog: testCatalog(['users']) },
      { signal: controller.signal },
    );
    const it = run.batches()[Symbol.asyncIterator]();
    assert.equal((await it.next()).done, false);
    // Stop reading: the container blocks on a full pipe.
    await new Promise((r) => setTimeout(r, 500));
    const t0 = Date.now();
    controller.abort();
    while ((await managedContainers('stalled-reader')).length > 0) {
      assert.ok(Date.now() - t0 < 10_000, 'container still there after 10 s');
      await new Promise((r) => setTimeout(r, 100));
    }
    await it.return?.(undefined);
    await assert.rejects(run.done, (e: unknown) => isAirbyteError(e, 'ABORTED'));
  });

  it('a stopped write is killed before its stdin closes: the destination never sees the end of its input', async () => {
    // EOF on stdin is how a destination learns that its input is complete (it then commits, and an
    // old destination in overwrite mode replaces its table): a run stopped midway must not send it.
    for (let trial = 0; trial < 5; trial++) {
      const local = path.join(tmp, `stopped-${trial}`);
      const dst = await destination({ input_end_marker: true }, local);
      const controller = new AbortController();
      let markSent!: () => void;
      const sent = new Promise<void>((resolve) => (markSent = resolve));
      async function* input(): AsyncGenerator<string> {
        yield `${JSON.stringify(message.record('users', { id: 1 }, 1))}\n`;
        markSent();
        await new Promise(() => undefined);
      }
      const run = await dst.start(
        { command: 'write', config: dst.config, catalog: testCatalog(['users']), stdin: input() },
        { signal: controller.signal },
      );
      const drained = run.drain().catch((e: unknown) => e);
      await sent;
      await new Promise((r) => setTimeout(r, 300));
      controller.abort();
      assert.ok(isAirbyteError(await drained, 'ABORTED'));
      await assertNoContainersLeft();
      const files: string[] = await readdir(local).catch(() => []);
      assert.ok(!files.includes('input-ended.marker'), `trial ${trial}: the destination read the end of its input before it was killed`);
    }
  });

  it('a check that never answers is stopped after its timeout', async () => {
    const src = await source({ record_count: 1, fault: 'hang', fault_command: 'check' });
    await src.spec();
    const e = await failureOf(src.check({ timeoutMs: 2000 }));
    assert.match(e.message, /did not answer "check" within 2 s/);
  });

  it('streams stdin with backpressure: 200,000 records all arrive', async () => {
    const dst = await destination({ mode: 'count' }, path.join(tmp, 'count'));
    function* records() {
      for (let i = 0; i < 200_000; i++) yield message.record('users', { id: i, name: `user ${i}`, pad: 'x'.repeat(100) }, 1);
    }
    const logs: string[] = [];
    const msgs = await collect(
      await dst.start(
        { command: 'write', config: dst.config, catalog: testCatalog(['users']), stdin: encodeMessages(records()) },
        { onLog: (l) => logs.push(l.text) },
      ),
    );
    const analytics = msgs.find((m) => m.type === 'TRACE' && m.trace.type === 'ANALYTICS');
    assert.equal(analytics?.type === 'TRACE' ? analytics.trace.analytics?.value : undefined, '200000');
  });
});

describe('Docker problems, said plainly', () => {
  it('no engine at the address: "Is Docker running?" naming the socket', async () => {
    const dead = `unix://${path.join(tmp, 'dead.sock')}`;
    const executor = new DockerExecutor({ image: TEST_SOURCE_IMAGE, dockerHost: dead });
    const e = await failureOf(executor.ensureReady());
    assert.equal(e.code, 'DOCKER_UNREACHABLE');
    assert.match(e.message, /^Is Docker running\?/);
    assert.ok(e.message.includes(dead), e.message);
  });

  it('the DOCKER_HOST variable is named when it points nowhere', async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = 'tcp://127.0.0.1:1';
    try {
      const e = await failureOf(runConnector(new DockerExecutor({ image: TEST_SOURCE_IMAGE }), { command: 'spec' }).drain());
      assert.equal(e.code, 'DOCKER_UNREACHABLE');
      assert.match(e.message, /tcp:\/\/127\.0\.0\.1:1 \(from DOCKER_HOST\)/);
    } finally {
      process.env.DOCKER_HOST = saved;
    }
  });

  it('a missing image is IMAGE_MISSING with the way to get it', async () => {
    const src = await getSource('source-test', { registry, version: 'not-built', config: { record_count: 1 } });
    const e = await failureOf(src.spec());
    assert.equal(e.code, 'IMAGE_MISSING');
    assert.match(e.message, /airbyte-write-test\/source-test:not-built is not on this machine/);
    assert.match(e.guidance ?? '', /docker pull airbyte-write-test\/source-test:not-built/);
    assert.match(e.guidance ?? '', /Airbyte: Pull Connector Image/);
  });

  it('orphans of a dead process are reaped, containers of live processes are not', async () => {
    // A real owner: a child process starts a hanging container, then is killed with SIGKILL.
    const script = `
      const { DockerExecutor } = require(${JSON.stringify(path.resolve(__dirname, '../../../src/core/executors/dockerExecutor'))});
      const ex = new DockerExecutor({ image: ${JSON.stringify(TEST_SOURCE_IMAGE)}, runId: 'orphan-test', reapOrphans: false });
      ex.execute({ command: 'read', config: { record_count: 1, fault: 'hang' }, catalog: { streams: [{ stream: { name: 'users', json_schema: {}, supported_sync_modes: ['full_refresh'] }, sync_mode: 'full_refresh', destination_sync_mode: 'append' }] } })
        .then((r) => { r.stdout.resume(); r.stderr.resume(); console.log('started'); });
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
      cwd: path.resolve(__dirname, '../../..'),
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('started') && resolve());
      child.once('exit', () => reject(new Error('the child exited before starting its container')));
    });
    // While its owner lives, the container is not an orphan (another window or CLI may own it).
    await reapOrphans(docker);
    assert.equal((await managedContainers('orphan-test')).length, 1, 'a live owner keeps its container');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal((await managedContainers('orphan-test')).length, 1, 'the orphan exists');
    const removed = await reapOrphans(docker);
    assert.equal(removed.length >= 1, true);
    await assertNoContainersLeft('orphan-test');
  });
});
