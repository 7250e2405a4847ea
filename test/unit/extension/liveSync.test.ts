import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WriteProgress } from '../../../src/core/write/progressTracker';
import type { RunParty, RunStarted } from '../../../src/core/write/runEvents';
import { LiveSync, runSummary } from '../../../src/extension/liveSync';

const party = (label: string, identity: string): RunParty => ({
  label,
  identity,
  connector: label,
  configPath: `/ws/${label}.airbyte.jsonc`,
});
const source = party('postgres', 'source-postgres#1');
const destination = party('warehouse', 'destination-duckdb#2');

function progress(
  runId: number,
  phase: WriteProgress['phase'],
  read: number,
  sent: number,
  extra: Partial<WriteProgress> = {},
): WriteProgress {
  return {
    runId,
    phase,
    elapsedMs: 0,
    recordsRead: read,
    recordsSent: sent,
    recordsConfirmed: 0,
    bytes: 0,
    recordsPerSecond: 0,
    bytesPerSecond: 0,
    streams: [{ stream: 'users', recordsRead: read, recordsSent: sent, recordsConfirmed: 0, bytesRead: 0, bytesSent: 0 }],
    ...extra,
  };
}

function started(runId: number, kind: 'read' | 'write', startedAt: number, extra: Partial<RunStarted> = {}): RunStarted {
  return { runId, kind, source, streams: ['users'], strategy: 'auto', startedAt, ...extra };
}

describe('a live sync', () => {
  const request = {
    source: '/ws/postgres.airbyte.jsonc',
    destination: '/ws/warehouse.airbyte.jsonc',
    strategy: 'auto' as const,
    fullRefresh: false,
  };

  it('is "Starting…" with no run until the core announces one; early connector logs go to the first run', () => {
    const sync = new LiveSync(request, 'postgres → warehouse');
    assert.equal(sync.current, undefined);
    assert.equal(sync.name, 'postgres → warehouse', 'named as asked until a run is announced');
    assert.equal(sync.statusText(), '$(sync~spin) Airbyte: Starting…');
    assert.deepEqual(sync.progressReport(), { message: 'Starting…' });
    assert.equal(sync.progress(progress(0, 'preparing', 0, 0)), undefined, 'no view takes progress before its run started');
    sync.log('destination-duckdb', { level: 'INFO', text: 'reading the spec', source: 'protocol' });
    const read = sync.runStarted(started(11, 'read', 1_000, { forDestination: { ...destination, label: 'duck' } }));
    assert.equal(sync.name, 'postgres → duck', 'then as the core names the run');
    assert.deepEqual([read.sourceId, read.destinationId], ['source-postgres#1', 'destination-duckdb#2']);
    assert.deepEqual(read.view.logTail, ['[destination-duckdb] reading the spec']);
  });

  it('places a write through the cache as the core announced it: its read, then its write, each by its own run id', () => {
    const sync = new LiveSync(request, 'postgres → warehouse');
    const read = sync.runStarted(started(11, 'read', 1_000, { forDestination: destination }));
    assert.equal(read.view.runId, '11');
    assert.equal(read.view.destination, 'warehouse');
    sync.progress(progress(11, 'reading', 40, 0), 3_000);
    assert.equal(read.view.streams[0].read, 40);
    assert.equal(sync.statusText(), '$(sync~spin) Airbyte: postgres → warehouse · 40 read');
    assert.equal(sync.progressReport().message, 'reading — users 40 read · 0 written');

    const write = sync.runStarted(started(12, 'write', 4_000, { destination, parentReadRunId: 11 }));
    assert.equal(read.view.status, 'Succeeded', 'the read ended when the write began');
    assert.equal(sync.current, write);
    sync.progress(progress(12, 'writing', 40, 25), 5_000);
    assert.equal(write.view.streams[0].sent, 25);
    assert.equal(write.view.durationMs, 1_000, 'on the write run’s own clock');
    assert.equal(read.view.streams[0].sent, 0, 'the read’s view keeps the read’s counts');
    assert.equal(sync.statusText(), '$(sync~spin) Airbyte: postgres → warehouse · 25 sent');
    sync.log('destination-duckdb', { level: 'INFO', text: 'flushed', source: 'protocol' });
    assert.deepEqual(write.view.logTail, ['[destination-duckdb] flushed']);

    sync.finish('Cancelled', undefined, 6_000);
    assert.deepEqual(
      sync.runs.map((r) => [r.view.runId, r.view.status]),
      [
        ['11', 'Succeeded'],
        ['12', 'Cancelled'],
      ],
    );
    assert.equal(write.view.streams[0].phase, 'incomplete');
  });

  it('moves the progress notification by the share of estimated records sent', () => {
    const sync = new LiveSync(request, 'postgres → warehouse');
    sync.runStarted(started(3, 'write', 0, { destination }));
    assert.equal(sync.progressReport(progress(3, 'writing', 50, 25, { expectedRecords: 100 })).increment, 25);
    assert.equal(sync.progressReport(progress(3, 'writing', 60, 60, { expectedRecords: 100 })).increment, 35);
    assert.equal(sync.progressReport(progress(3, 'writing', 60, 60, { expectedRecords: 100 })).increment, undefined);
  });

  it('settles `ended` once it is over, and sums a run for the success message', async () => {
    const sync = new LiveSync(request, 'postgres → warehouse');
    const run = sync.runStarted(started(3, 'write', 0, { destination }));
    sync.progress(progress(3, 'writing', 1_500, 1_500));
    run.view.streams[0].confirmed = 1_200;
    assert.equal(runSummary(run.view), '1,200 records confirmed (1,500 sent) in 1 stream(s)');
    sync.end();
    await sync.ended;
  });
});
