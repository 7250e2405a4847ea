import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { getSource } from '../../../src/core/connectors/getConnector';
import { isAirbyteError } from '../../../src/core/errors';
import type { WriteProgress } from '../../../src/core/write/progressTracker';
import { ProgressTracker } from '../../../src/core/write/progressTracker';
import { readSource } from '../../../src/core/write/writePipeline';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { localTestSource } from '../../harness/testConnectors';

describe('ProgressTracker', () => {
  it('reports the counts of a burst followed by a stall within about one interval', async () => {
    const events: WriteProgress[] = [];
    const tracker = new ProgressTracker(['users'], (p) => events.push(p), 100);
    try {
      tracker.setPhase('reading');
      const users = tracker.stream('users');
      for (let i = 0; i < 500; i++) {
        users.recordsRead++;
        tracker.emit();
      }
      // The burst is over and the source says nothing more: the counts must still arrive.
      await sleep(250);
      const last = events[events.length - 1];
      assert.equal(last.recordsRead, 500, `last event counts ${last.recordsRead}, not the 500 read`);
      // One forced event for the phase, one trailing event: throttling still holds during the burst.
      assert.ok(events.length <= 3, `${events.length} events for a burst inside one interval`);
    } finally {
      tracker.end();
    }
  });

  it('a forced event cancels the pending trailing one; nothing is sent after end()', async () => {
    const events: WriteProgress[] = [];
    const tracker = new ProgressTracker(['users'], (p) => events.push(p), 80);
    tracker.setPhase('reading');
    tracker.stream('users').recordsRead = 7;
    tracker.emit(); // throttled: a trailing event is scheduled
    tracker.setPhase('writing'); // two forced events, which make the trailing one redundant
    const afterForced = events.length;
    await sleep(200);
    assert.equal(events.length, afterForced, 'the trailing event was not cancelled by the forced ones');

    tracker.emit(true);
    const beforeEnd = events.length;
    tracker.stream('users').recordsSent = 7;
    tracker.emit(); // throttled again: a trailing event is scheduled
    tracker.end();
    tracker.emit(true);
    await sleep(200);
    assert.equal(events.length, beforeEnd, 'an event was sent after the run ended');
  });

  it('a pending trailing event does not keep the process alive', () => {
    // A 60 s interval: were the timer referenced, the child would live for a minute.
    const tracker = path.resolve(__dirname, '../../../src/core/write/progressTracker.ts');
    const code = `const { ProgressTracker } = require(${JSON.stringify(tracker)});
      const t = new ProgressTracker(['s'], () => undefined, 60000);
      t.emit(true); t.stream('s').recordsRead = 1; t.emit();`;
    const started = Date.now();
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(child.status, 0, child.stderr);
    assert.ok(Date.now() - started < 20_000, `the process lived ${Date.now() - started} ms`);
  });

  it('a read whose source sends a burst and then stalls shows the real counts while it stalls', async () => {
    const dir = await makeTempDir('aw-progress-');
    const events: WriteProgress[] = [];
    const controller = new AbortController();
    try {
      // The test source emits 300 records, flushes, then hangs without another message.
      const source = await getSource('source-test', {
        localExecutable: localTestSource,
        config: { record_count: 10_000, state_every: 100_000, fault: 'hang', fault_after: 300 },
      });
      const reading = readSource(source, {
        storePath: path.join(dir, '.airbyte', 'state.sqlite'),
        streams: ['users'],
        signal: controller.signal,
        onProgress: (p) => events.push(p),
      });
      // Generous: spec, discover and read each start a process, which a loaded machine makes slow.
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !events.some((e) => e.phase === 'reading' && e.recordsRead === 300)) await sleep(50);
      // Only events sent while the source is still running count (the end of the run reports anyway).
      const live = events.filter((e) => e.phase === 'reading').map((e) => e.recordsRead);
      controller.abort();
      await assert.rejects(reading, (e: unknown) => isAirbyteError(e, 'ABORTED') || /abort|cancel/i.test((e as Error).message));
      assert.equal(Math.max(0, ...live), 300, `live counts while the source stalled: ${live.join(', ')}`);
    } finally {
      controller.abort();
      await removeTempDir(dir);
    }
  });
});
