// The runtime through the local executor: the test connectors run as local node programs, with
// the same files, protocol handling, masking and error mapping as in Docker.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Destination, Source } from '../../../src/core/connectors/connector';
import type { ConnectorLogLine } from '../../../src/core/connectors/connectorProcess';
import { runConnector } from '../../../src/core/connectors/connectorProcess';
import { getDestination, getSource } from '../../../src/core/connectors/getConnector';
import { AirbyteError, isAirbyteError } from '../../../src/core/errors';
import { LocalExecutor } from '../../../src/core/executors/localExecutor';
import { encodeMessages } from '../../../src/core/protocol/lineCodec';
import type { AirbyteMessage, ConfiguredAirbyteCatalog, JsonObject } from '../../../src/core/protocol/messages';
import { SecretMasker } from '../../../src/core/secrets';
import { testCatalog } from '../../harness/catalogs';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { localTestDestination, localTestSource } from '../../harness/testConnectors';

const SECRET = 'sk-live-51Hx9secretvalue';

let tmp: string;
let privateTmp: string;
const originalTmpdir = process.env.TMPDIR;
before(async () => {
  tmp = await makeTempDir('local-connector-');
  // The executors' temp folders go here, so the test can see that they are removed.
  privateTmp = await makeTempDir('local-connector-tmp-');
  process.env.TMPDIR = privateTmp;
});
after(async () => {
  if (originalTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = originalTmpdir;
  await removeTempDir(tmp);
  await removeTempDir(privateTmp);
});

const source = (config: JsonObject, env?: NodeJS.ProcessEnv): Promise<Source> =>
  getSource('source-test', { localExecutable: localTestSource, config, env });
const destination = (config: JsonObject, localDir: string): Promise<Destination> =>
  getDestination('destination-test', { localExecutable: localTestDestination, config, localDir });

async function readAll(src: Source, cat: ConfiguredAirbyteCatalog, state?: AirbyteMessage[], onLog?: (l: ConnectorLogLine) => void) {
  const run = await src.start(
    { command: 'read', config: src.config, catalog: cat, state: state?.map((m) => (m as unknown as { state: never }).state) },
    { onLog },
  );
  const messages: AirbyteMessage[] = [];
  for await (const batch of run.batches()) for (const item of batch) messages.push(item.message);
  const result = await run.done;
  return { messages, result };
}

/** The run folders left under the project's temp root (the root itself stays). */
async function leftoverTempDirs(): Promise<string[]> {
  const left: string[] = [];
  for (const root of (await readdir(privateTmp)).filter((n) => n.startsWith('airbyte-write-')))
    for (const name of await readdir(path.join(privateTmp, root))) left.push(`${root}/${name}`);
  return left;
}

describe('connectors through the local executor', () => {
  it('spec, check (SUCCEEDED and FAILED) and discover', async () => {
    const src = await source({ record_count: 3 });
    const spec = await src.spec();
    assert.equal((spec.connectionSpecification as { title: string }).title, 'Test Source Spec');
    assert.equal((await src.check()).status, 'SUCCEEDED');
    const cat = await src.discover();
    assert.deepEqual(
      cat.streams.map((s) => s.name),
      ['users', 'orders', 'events'],
    );

    const bad = await source({ record_count: 3, api_key: 'invalid' });
    await assert.rejects(bad.check(), (e: unknown) => isAirbyteError(e, 'CHECK_FAILED') && /api_key \*\*\*\* was rejected/.test(e.message));
    // A connector that answers check with a TRACE ERROR and exit 1: also a failed check, with its reason.
    const traced = await source({ record_count: 3, api_key: SECRET, fault: 'trace_error', fault_command: 'check' });
    await assert.rejects(
      traced.check(),
      (e: unknown) =>
        isAirbyteError(e, 'CHECK_FAILED') &&
        e.exitCode === 1 &&
        e.message.endsWith('Rate limit exceeded for key ****') &&
        !JSON.stringify(e.toJSON()).includes(SECRET),
    );
    // A crash without a reason stays a connector failure.
    const crashed = await source({ record_count: 3, fault: 'crash', fault_command: 'check' });
    await assert.rejects(crashed.check(), (e: unknown) => isAirbyteError(e, 'CONNECTOR_FAILED') && e.exitCode === 3);
    assert.deepEqual(await leftoverTempDirs(), [], 'config files removed after each command');
  });

  it('reads records and per-stream state, and resumes from state', async () => {
    const src = await source({ record_count: 12, state_every: 5 });
    const first = await readAll(src, testCatalog(['users', 'orders']));
    const records = first.messages.filter((m) => m.type === 'RECORD');
    assert.equal(records.length, 24);
    const states = first.messages.filter((m) => m.type === 'STATE');
    assert.ok(states.length >= 4);
    const last = new Map(
      states.map((s) => [(s as { state: { stream: { stream_descriptor: { name: string } } } }).state.stream.stream_descriptor.name, s]),
    );
    const more = await source({ record_count: 15, state_every: 5 });
    const second = await readAll(more, testCatalog(['users', 'orders']), [...last.values()]);
    assert.deepEqual(
      second.messages.filter((m) => m.type === 'RECORD').map((m) => (m as unknown as { record: { data: { id: number } } }).record.data.id),
      [13, 14, 15, 13, 14, 15],
    );
  });

  it('writes through the destination: files under localDir, STATE echoed with destinationStats', async () => {
    const local = path.join(tmp, 'write-local');
    const src = await source({ record_count: 20, state_every: 8 });
    const dst = await destination({}, local);
    const read = await readAll(src, testCatalog(['users', 'events']));
    const run = await dst.start({
      command: 'write',
      config: dst.config,
      catalog: testCatalog(['users', 'events']),
      stdin: encodeMessages(read.messages),
    });
    const echoed: AirbyteMessage[] = [];
    for await (const { message } of run.messages()) if (message.type === 'STATE') echoed.push(message);
    await run.done;
    assert.equal(echoed.length, read.messages.filter((m) => m.type === 'STATE').length);
    const total = echoed.reduce(
      (n, m) => n + ((m as { state: { destinationStats?: { recordCount?: number } } }).state.destinationStats?.recordCount ?? 0),
      0,
    );
    assert.equal(total, 40);
    const users = (await readFile(path.join(local, 'users.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      users.map((u) => u.id),
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
  });

  it('the test destination honours generations: minimum_generation_id drops older rows once the stream completes', async () => {
    const local = path.join(tmp, 'generations');
    const dst = await destination({}, local);
    const write = async (ids: number[], generation: number, minimum: number, complete = true) => {
      const cat = testCatalog(['users'], 'append', { generation_id: generation, minimum_generation_id: minimum });
      const msgs: AirbyteMessage[] = ids.map((id) => ({ type: 'RECORD', record: { stream: 'users', data: { id }, emitted_at: 1 } }));
      if (complete)
        msgs.push({
          type: 'TRACE',
          trace: { type: 'STREAM_STATUS', emitted_at: 1, stream_status: { stream_descriptor: { name: 'users' }, status: 'COMPLETE' } },
        });
      const run = await dst.start({ command: 'write', config: dst.config, catalog: cat, stdin: encodeMessages(msgs) });
      await run.drain().catch(() => undefined);
      const text = await readFile(path.join(local, 'users.jsonl'), 'utf8');
      return text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: number; _airbyte_generation_id: number });
    };
    assert.deepEqual(
      (await write([1, 2], 1, 0)).map((r) => [r.id, r._airbyte_generation_id]),
      [
        [1, 1],
        [2, 1],
      ],
    );
    // A refresh that fails before COMPLETE keeps the old generation next to the new rows.
    assert.deepEqual(
      (await write([3], 2, 2, false)).map((r) => r.id),
      [1, 2, 3],
    );
    assert.deepEqual(
      (await write([4, 5], 3, 3)).map((r) => [r.id, r._airbyte_generation_id]),
      [
        [4, 3],
        [5, 3],
      ],
    );
  });

  it('masks secrets from the spec and from ${env:…} references in every log line and the log tail', async () => {
    const logs: ConnectorLogLine[] = [];
    const src = await source({ record_count: 2, api_key: '${env:TEST_API_KEY}' }, { TEST_API_KEY: SECRET });
    assert.equal(src.config.api_key, SECRET, 'the connector gets the resolved value');
    const { result } = await readAll(src, testCatalog(['users']), undefined, (l) => logs.push(l));
    const text = JSON.stringify({ logs, tail: result.logTail });
    assert.ok(
      logs.some((l) => l.text.includes('api_key=****')),
      text,
    );
    assert.ok(logs.some((l) => l.source === 'stderr') && logs.some((l) => l.source === 'protocol'));
    assert.ok(!text.includes(SECRET), 'secret leaked');
    assert.equal(JSON.stringify(src.maskedConfig()).includes(SECRET), false);
  });

  it('a TRACE ERROR fails the run with its message, exit code and a masked log tail', async () => {
    const src = await source({ record_count: 10, fault: 'trace_error', fault_after: 4, api_key: SECRET });
    const error = await readAll(src, testCatalog(['users'])).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof AirbyteError && error.code === 'CONNECTOR_FAILED', String(error));
    assert.equal(error.exitCode, 1);
    assert.equal(error.traceMessage, 'Rate limit exceeded for key ****');
    assert.match(error.message, /Rate limit exceeded for key \*\*\*\*/);
    assert.match(error.guidance ?? '', /temporary problem/);
    assert.ok(error.logTail.some((l) => l.includes('HTTP 429')));
    assert.ok(!JSON.stringify(error.toJSON()).includes(SECRET));
  });

  it('a crash fails the run with the exit code and the last log lines', async () => {
    const src = await source({ record_count: 10, fault: 'crash', fault_after: 3 });
    await assert.rejects(readAll(src, testCatalog(['users'])), (e: unknown) => {
      assert.ok(isAirbyteError(e, 'CONNECTOR_FAILED'));
      assert.equal(e.exitCode, 3);
      assert.match(e.message, /exited with code 3/);
      assert.ok(e.logTail.some((l) => l.includes('simulated crash')));
      return true;
    });
  });

  it('a failure is not an unhandled rejection when the caller awaits done later', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const src = await source({ record_count: 3, fault: 'crash', fault_after: 1 });
      const run = await src.start({ command: 'read', config: src.config, catalog: testCatalog(['users']) });
      for await (const _batch of run.batches()) {
        // consume
      }
      await new Promise((r) => setTimeout(r, 100));
      await assert.rejects(run.done, (e: unknown) => isAirbyteError(e, 'CONNECTOR_FAILED'));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('output a program wrote before it exited is all there when it is read only after the exit', { timeout: 20_000 }, async () => {
    // A run's output may be read late (records wait for the destination's check while a short
    // source has already finished); Node drops what an untouched stdout of an exited child holds.
    const script =
      "for (let i = 0; i < 200; i++) process.stdout.write(JSON.stringify({ type: 'LOG', log: { level: 'INFO', message: 'line ' + i } }) + '\\n');";
    const executor = new LocalExecutor({ command: [process.execPath, '-e', script] });
    const running = await executor.execute({ command: 'spec' });
    running.stderr.resume();
    assert.equal((await running.exit).exitCode, 0, 'the program has exited before its output is read');
    await new Promise((resolve) => setTimeout(resolve, 50));
    let text = '';
    for await (const chunk of running.stdout) text += String(chunk);
    assert.equal(text.split('\n').filter(Boolean).length, 200, 'every line it wrote');
  });

  it('garbage on stdout becomes log lines and the run succeeds', async () => {
    const logs: ConnectorLogLine[] = [];
    const src = await source({ record_count: 6, fault: 'garbage', fault_after: 2 });
    const { messages } = await readAll(src, testCatalog(['users']), undefined, (l) => logs.push(l));
    assert.equal(messages.filter((m) => m.type === 'RECORD').length, 6);
    const stdoutLogs = logs.filter((l) => l.source === 'stdout').map((l) => l.text);
    assert.ok(stdoutLogs.includes('this is not json'));
    assert.ok(stdoutLogs.includes('{"half": "a JSON object that is not a message"}'));
    assert.ok(
      stdoutLogs.some((t) => t.includes('\ufffd')),
      'invalid UTF-8 arrives as replacement characters',
    );
  });

  it('a hanging connector is stopped by the AbortSignal: ABORTED, process gone, files removed', async () => {
    const executor = new LocalExecutor({ command: localTestSource });
    const controller = new AbortController();
    const run = runConnector(
      executor,
      { command: 'read', config: { record_count: 5, fault: 'hang', fault_after: 2 }, catalog: testCatalog(['users']) },
      { signal: controller.signal },
    );
    let seen = 0;
    const t0 = Date.now();
    const consume = (async () => {
      for await (const batch of run.batches()) {
        seen += batch.filter((m) => m.message.type === 'RECORD').length;
        if (seen >= 2) controller.abort();
      }
    })();
    await assert.rejects(run.done, (e: unknown) => isAirbyteError(e, 'ABORTED'));
    await consume;
    assert.ok(Date.now() - t0 < 10_000);
    assert.deepEqual(await leftoverTempDirs(), []);
  });

  it('a connector that never answers check fails with "did not answer within …"', async () => {
    const src = await source({ record_count: 1, fault: 'hang', fault_command: 'check' });
    const t0 = Date.now();
    await assert.rejects(
      src.check({ timeoutMs: 1500 }),
      (e: unknown) => isAirbyteError(e, 'CONNECTOR_FAILED') && /did not answer "check" within 1.5 s/.test(e.message),
    );
    assert.ok(Date.now() - t0 < 8000);
  });

  it('a consumer that stops early does not block the process', async () => {
    const src = await source({ record_count: 5000 });
    const run = await src.start({ command: 'read', config: src.config, catalog: testCatalog(['users', 'orders', 'events']) });
    for await (const batch of run.batches()) {
      if (batch.length > 0) break;
    }
    const result = await run.done;
    assert.equal(result.exitCode, 0);
  });

  it('cuts huge log lines, masking first so a secret on the cut never shows in part', async () => {
    const secret = 'abcdefghij-secret';
    const script = `process.stdout.write('x'.repeat(7995) + ${JSON.stringify(secret)} + 'y'.repeat(1_000_000) + '\\n')`;
    const executor = new LocalExecutor({ command: [process.execPath, '-e', script] });
    const logs: ConnectorLogLine[] = [];
    const run = runConnector(executor, { command: 'spec' }, { masker: new SecretMasker([secret]), onLog: (l) => logs.push(l) });
    const e = await run.drain().then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(e === undefined || isAirbyteError(e), String(e));
    assert.equal(logs.length, 1);
    assert.ok(logs[0].text.length < 8100);
    assert.ok(logs[0].text.startsWith(`${'x'.repeat(7995)}****`));
    assert.match(logs[0].text, /… \(\d+ more characters\)$/);
    assert.ok(!logs[0].text.includes('abcde'));
  });

  it('a program that does not exist is a clear error', async () => {
    const missing = new LocalExecutor({ command: path.join(tmp, 'no-such-connector') });
    await assert.rejects(
      missing.ensureReady(),
      (e: unknown) => isAirbyteError(e, 'CONNECTOR_UNKNOWN') && /does not exist or is not executable/.test(e.message),
    );
    const run = runConnector(missing, { command: 'spec' });
    const drained = run.drain();
    await assert.rejects(
      drained,
      (e: unknown) => isAirbyteError(e, 'CONNECTOR_FAILED') && e.exitCode === 127 && e.logTail.some((l) => l.includes('ENOENT')),
    );
  });
});
