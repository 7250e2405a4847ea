import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunRecord } from '../../../src/core/store/runHistory';
import type { WriteProgress } from '../../../src/core/write/progressTracker';
import type { RunStarted } from '../../../src/core/write/runEvents';
import type { WriteResult } from '../../../src/core/write/writeResult';
import {
  appendLog,
  applyProgress,
  applyWriteResult,
  finishRunView,
  newRunView,
  runViewFromRecord,
  runViewOfStarted,
  summarizeState,
  timeFromRecord,
} from '../../../src/extension/runViewModel';
import { formatCount } from '../../../src/shared/format';
import {
  appendThroughputPoint,
  averageRate,
  isWebviewToHostMessage,
  LOG_TAIL_LINES,
  runTitle,
  totalsText,
} from '../../../src/shared/runDetailsProtocol';

function progress(partial: Partial<WriteProgress> & Pick<WriteProgress, 'streams'>): WriteProgress {
  return {
    runId: 0,
    phase: 'writing',
    elapsedMs: 0,
    recordsRead: 0,
    recordsSent: 0,
    recordsConfirmed: 0,
    bytes: 0,
    recordsPerSecond: 0,
    bytesPerSecond: 0,
    ...partial,
  };
}
const stream = (name: string, read: number, sent: number, confirmed: number) => ({
  stream: name,
  recordsRead: read,
  recordsSent: sent,
  recordsConfirmed: confirmed,
  bytesRead: 0,
  bytesSent: 0,
});

describe('run view model', () => {
  it("names a run as the core announced it; a read a write started sits with that write's destination", () => {
    const party = (label: string, identity: string) => ({ label, identity, connector: 'x', configPath: `/ws/${label}.airbyte.jsonc` });
    const started: RunStarted = {
      runId: 7,
      kind: 'write',
      source: party('postgres-prod', 's#1'),
      destination: party('warehouse', 'd#1'),
      streams: ['users', 'orders'],
      strategy: 'merge',
      startedAt: 5_000,
    };
    const view = runViewOfStarted(started);
    assert.deepEqual(
      [view.runId, view.source, view.destination, view.status, view.strategy, view.startedAt],
      ['7', 'postgres-prod', 'warehouse', 'Running', 'merge', 5_000],
    );
    assert.deepEqual(
      view.streams.map((s) => [s.name, s.phase, s.strategy]),
      [
        ['users', 'pending', 'merge'],
        ['orders', 'pending', 'merge'],
      ],
    );
    const read = runViewOfStarted({
      ...started,
      runId: 6,
      kind: 'read',
      destination: undefined,
      forDestination: party('warehouse', 'd#1'),
    });
    assert.equal(read.destination, 'warehouse');
    assert.equal(runViewOfStarted({ ...started, kind: 'read', destination: undefined }).destination, 'cache');
    // The run details say where each side runs (a venv, an engine), when the core said.
    const placed = runViewOfStarted({
      ...started,
      source: { ...started.source, runsOn: 'venv python3.11' },
      destination: { ...started.destination!, runsOn: 'docker unix:///var/run/docker.sock' },
    });
    assert.equal(placed.runsOn, 'Ran on: source venv python3.11, destination docker unix:///var/run/docker.sock');
    assert.equal(view.runsOn, undefined);
  });

  it('folds progress into per-stream rows and a throughput series, keeping its run id', () => {
    const view = newRunView({ runId: '7', source: 'a', destination: 'b', strategy: 'auto', streams: ['users'] });
    assert.deepEqual(
      view.streams.map((s) => [s.name, s.phase]),
      [['users', 'pending']],
    );
    applyProgress(
      view,
      progress({
        runId: 7,
        elapsedMs: 1000,
        recordsSent: 10,
        recordsConfirmed: 5,
        streams: [stream('users', 10, 10, 5), stream('orders', 3, 0, 0)],
      }),
    );
    assert.equal(view.runId, '7');
    assert.deepEqual(
      view.streams.map((s) => [s.name, s.read, s.sent, s.confirmed, s.phase]),
      [
        ['users', 10, 10, 5, 'running'],
        ['orders', 3, 0, 0, 'running'],
      ],
    );
    assert.deepEqual(view.throughput.at(-1), { t: 1000, sent: 10, confirmed: 5 });
    // While reading, the chart counts records read.
    applyProgress(view, progress({ phase: 'reading', elapsedMs: 1500, recordsRead: 40, streams: [stream('users', 40, 10, 5)] }));
    assert.equal(view.throughput.at(-1)!.sent, 40);
  });

  it("puts progress on the run's own clock when told the time (a write through the cache started after its read)", () => {
    const view = newRunView({ runId: '8', source: 'a', destination: 'b', streams: ['users'], startedAt: 10_000 });
    applyProgress(view, progress({ runId: 8, elapsedMs: 9_000, recordsSent: 4, streams: [stream('users', 4, 4, 0)] }), 12_500);
    assert.equal(view.durationMs, 2_500);
    assert.deepEqual(view.throughput.at(-1), { t: 2_500, sent: 4, confirmed: 0 });
  });

  it('finishes a failed run: streams incomplete, the error and its log tail kept', () => {
    const view = newRunView({ runId: '3', source: 'a', destination: 'b', streams: ['users'], startedAt: 1_000 });
    finishRunView(view, 'Failed', 4_000, {
      message: 'destination-test failed',
      traceMessage: 'disk full',
      exitCode: 1,
      context: { connector: 'destination-test' },
      logTail: ['l1', 'l2'],
    });
    assert.equal(view.status, 'Failed');
    assert.equal(view.durationMs, 3_000);
    assert.equal(view.streams[0].phase, 'incomplete');
    assert.deepEqual(view.error, {
      message: 'destination-test failed',
      guidance: undefined,
      traceMessage: 'disk full',
      exitCode: 1,
      connector: 'destination-test',
    });
    assert.deepEqual(view.logTail, ['l1', 'l2']);
  });

  it('keeps only the last log lines', () => {
    const view = newRunView({ runId: '1', source: 'a', destination: 'b' });
    appendLog(
      view,
      Array.from({ length: LOG_TAIL_LINES + 20 }, (_, i) => `line ${i}`),
    );
    assert.equal(view.logTail.length, LOG_TAIL_LINES);
    assert.equal(view.logTail[0], 'line 20');
  });

  it('rebuilds a run from the history with a start and end sample', () => {
    const record: RunRecord = {
      id: 12,
      kind: 'write',
      source: 'builtin:sample',
      sourceId: 's#1',
      destination: 'destination-test',
      destinationId: 'd#1',
      streams: ['users'],
      strategy: 'auto',
      startedAt: 10_000,
      endedAt: 12_000,
      status: 'succeeded',
      recordsRead: 25,
      recordsSent: 25,
      recordsConfirmed: 25,
      bytes: 100,
      streamStats: [{ stream: 'users', recordsRead: 25, recordsSent: 25, recordsConfirmed: 25, bytes: 100 }],
    };
    const view = runViewFromRecord({ ...record, sourceLabel: 'source', destinationLabel: 'destination' });
    assert.equal(view.status, 'Succeeded');
    assert.equal(view.source, 'source');
    assert.equal(view.destination, 'destination');
    assert.deepEqual(
      view.streams.map((s) => [s.name, s.confirmed, s.phase]),
      [['users', 25, 'complete']],
    );
    assert.deepEqual(view.throughput, [
      { t: 0, sent: 0, confirmed: 0 },
      { t: 2_000, sent: 25, confirmed: 25 },
    ]);
    assert.equal(averageRate(view.throughput), 12.5);
    // A row from before run history kept labels shows connector names.
    const failed = runViewFromRecord({ ...record, status: 'failed', error: 'boom' });
    assert.equal(failed.status, 'Failed');
    assert.deepEqual(failed.error, { message: 'boom' });
    assert.equal(failed.source, 'builtin:sample');
    assert.equal(failed.destination, 'destination-test');
    // A read names the cache, or the destination it fed when the caller knows it.
    const read: RunRecord = { ...record, kind: 'read', destination: undefined, destinationId: undefined };
    assert.equal(runViewFromRecord(read).destination, 'cache');
    assert.equal(runViewFromRecord(read, 'warehouse').destination, 'warehouse');
    assert.equal(runViewFromRecord({ ...record, sourceRunsOn: 'venv python3.12' }).runsOn, 'Ran on: source venv python3.12');
  });

  it('takes the final counts, sync modes and committed state of the write from its result', () => {
    const view = newRunView({ runId: '9', source: 'a', destination: 'b', streams: ['public.users'] });
    const result = {
      runId: 9,
      streams: [
        {
          stream: 'public.users',
          syncMode: 'incremental',
          destinationSyncMode: 'append_dedup',
          recordsRead: 3,
          recordsSent: 3,
          recordsConfirmed: 3,
          bytes: 9,
          status: 'complete',
        },
      ],
      finalState: [
        { type: 'STREAM', stream: { stream_descriptor: { name: 'users', namespace: 'public' }, stream_state: { updated_at: 25 } } },
      ],
    } as unknown as WriteResult;
    applyWriteResult(view, result);
    assert.deepEqual(view.streams, [
      {
        name: 'public.users',
        strategy: undefined,
        read: 3,
        sent: 3,
        confirmed: 3,
        phase: 'complete',
        destinationSyncMode: 'append_dedup',
        syncMode: 'incremental',
        state: 'updated_at = 25',
      },
    ]);
  });

  it('summarizes a stream state in one line', () => {
    assert.equal(summarizeState({ updated_at: 25, nested: { a: 1 } }), 'updated_at = 25');
    assert.equal(summarizeState(null), undefined);
    assert.equal(summarizeState({ nested: { a: 1 } }), '{"nested":{"a":1}}');
  });
});

describe('run details protocol', () => {
  it('titles a run with its number, and says where a fed write got its records', () => {
    assert.equal(runTitle({ runId: '12', source: 'faker', destination: 'sqlite' }), 'Airbyte Run #12: faker → sqlite');
    const streams = [{ name: 'users', read: 0, sent: 800, confirmed: 0, phase: 'incomplete' as const }];
    assert.equal(
      totalsText({ streams, kind: 'write', fedByRead: '11' }, formatCount),
      '800 sent from read #11 (the record cache) · 0 confirmed',
    );
    assert.equal(totalsText({ streams, kind: 'write' }, formatCount), '0 read · 800 sent · 0 confirmed');
    assert.equal(totalsText({ streams: [{ ...streams[0], read: 800 }], kind: 'read' }, formatCount), '800 read into the record cache');
  });

  it('puts a finished run on run history’s clock', () => {
    const view = finishRunView(newRunView({ runId: '3', source: 's', destination: 'd', startedAt: 1_000 }), 'Succeeded', 18_000);
    assert.equal(timeFromRecord(view, { startedAt: 1_000, endedAt: 12_500 }), true);
    assert.equal(view.durationMs, 11_500);
    assert.equal(view.endedAt, 12_500);
    assert.equal(timeFromRecord(view, { startedAt: 1_000 }), false, 'a record not ended yet changes nothing');
  });

  it('thins old throughput points past the limit, keeping the first and the latest', () => {
    let series = [{ t: 0, sent: 0, confirmed: 0 }];
    for (let i = 1; i <= 1000; i++) series = appendThroughputPoint(series, { t: i * 100, sent: i, confirmed: i }, 100);
    assert.ok(series.length <= 100);
    assert.deepEqual(series[0], { t: 0, sent: 0, confirmed: 0 });
    assert.deepEqual(series.at(-1), { t: 100_000, sent: 1000, confirmed: 1000 });
    for (let i = 1; i < series.length; i++) assert.ok(series[i].t > series[i - 1].t, 'in time order');
  });

  it('replaces a sample taken at the same time', () => {
    const series = appendThroughputPoint([{ t: 5, sent: 1, confirmed: 0 }], { t: 5, sent: 2, confirmed: 1 });
    assert.deepEqual(series, [{ t: 5, sent: 2, confirmed: 1 }]);
  });

  it('accepts only well-formed webview messages', () => {
    assert.ok(isWebviewToHostMessage({ type: 'ready' }));
    assert.ok(isWebviewToHostMessage({ type: 'cancel', runId: '3' }));
    assert.ok(!isWebviewToHostMessage({ type: 'cancel' }));
    assert.ok(isWebviewToHostMessage({ type: 'previewDestination', runId: '3' }));
    assert.ok(!isWebviewToHostMessage({ type: 'previewDestination' }));
    assert.ok(!isWebviewToHostMessage({ type: 'eval', code: 'x' }));
    assert.ok(!isWebviewToHostMessage('ready'));
  });
});
