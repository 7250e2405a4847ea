// Runs announce themselves (PipelineOptions.onRunStarted) and run history keeps the same fields.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Destination, Source } from '../../../src/core/connectors/connector';
import { getConnectorFromFile, getSource } from '../../../src/core/connectors/getConnector';
import { isAirbyteError } from '../../../src/core/errors';
import type { RunRecord } from '../../../src/core/store/runHistory';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { openCachedRead } from '../../../src/core/write/cachedRead';
import type { WriteProgress } from '../../../src/core/write/progressTracker';
import type { RunParty, RunStarted } from '../../../src/core/write/runEvents';
import { sqliteCount } from '../sqliteTestSupport';

/** What a host sees of each run when it starts: the event, the store file's row, and how far records had moved. */
interface Seen {
  event: RunStarted;
  row: Promise<RunRecord | undefined>;
  movedBefore: number;
}

describe('runs announce themselves', () => {
  let dir: string;
  let storePath: string;
  let sourceFile: string;
  let warehouseFile: string;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aw-run-events-'));
    storePath = path.join(dir, '.airbyte', 'state.sqlite');
    sourceFile = path.join(dir, 'shop.airbyte.jsonc');
    warehouseFile = path.join(dir, 'warehouse.airbyte.jsonc');
    await fs.writeFile(sourceFile, '{ "connector": "builtin:sample", "config": { "count": 60, "seed": 4, "state_every": 25 } }\n');
    await fs.writeFile(warehouseFile, '{ "connector": "builtin:sqlite", "config": { "destination_path": "out/w.sqlite" } }\n');
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  const connectors = async () => ({
    source: (await getConnectorFromFile(sourceFile)) as Source,
    warehouse: (await getConnectorFromFile(warehouseFile)) as Destination,
  });

  /** Options that record every RunStarted with the store row a viewer of the file sees at that moment, and the progress. */
  function watch(): {
    seen: Seen[];
    progress: WriteProgress[];
    onRunStarted: (e: RunStarted) => void;
    onProgress: (p: WriteProgress) => void;
  } {
    const seen: Seen[] = [];
    const progress: WriteProgress[] = [];
    const moved = () => progress.reduce((n, p) => Math.max(n, p.recordsRead + p.recordsSent), 0);
    return {
      seen,
      progress,
      onRunStarted: (event) => {
        const row = WorkspaceStore.open({ path: storePath, lock: false }).then(async (viewer) => {
          const r = viewer.runs.get(event.runId);
          await viewer.close();
          return r;
        });
        seen.push({ event, row, movedBefore: moved() });
      },
      onProgress: (p) => progress.push(p),
    };
  }

  function assertParty(party: RunParty | undefined, file: string, connector: string): void {
    assert.ok(party, `a party for ${connector}`);
    assert.equal(party.label, path.basename(file, '.airbyte.jsonc'));
    assert.equal(party.configPath, file);
    assert.equal(party.connector, connector);
    assert.match(party.identity, new RegExp(`^${connector}#[0-9a-f]{16}$`));
  }

  it('a write through the cache announces its read (for the destination), then its write (fed by that read)', async () => {
    const { source, warehouse } = await connectors();
    const w = watch();
    const result = await warehouse.write(source, { storePath, onRunStarted: w.onRunStarted, onProgress: w.onProgress });
    assert.equal(result.mode, 'cache');
    assert.equal(w.seen.length, 2, 'one event per run');
    const [read, write] = w.seen.map((s) => s.event);

    assert.equal(read.kind, 'read');
    assertParty(read.source, sourceFile, 'builtin:sample');
    assertParty(read.forDestination, warehouseFile, 'builtin:sqlite');
    assert.equal(read.destination, undefined);
    assert.equal(read.mode, 'cache');

    assert.equal(write.kind, 'write');
    assert.equal(write.runId, result.runId);
    assert.equal(write.parentReadRunId, read.runId);
    assert.deepEqual(write.source, read.source);
    assert.deepEqual(write.destination, read.forDestination);
    assert.ok(write.startedAt >= read.startedAt);

    // Announced before any record moved, each after the store file already held its row.
    assert.equal(w.seen[0].movedBefore, 0, 'nothing read before the read run was announced');
    assert.equal(Math.max(0, ...w.progress.filter((p) => p.runId === write.runId).map((p) => p.recordsSent)) > 0, true);
    assert.ok(
      w.progress.filter((p) => p.recordsSent > 0).every((p) => p.runId === write.runId),
      'records sent belong to the write run',
    );
    assert.ok(
      w.progress.filter((p) => p.phase === 'reading').every((p) => p.runId === read.runId),
      'the reading phase carries the read run',
    );
    for (const s of w.seen) assert.equal((await s.row)?.status, 'running', `run ${s.event.runId} was in the store file when announced`);
    assert.equal(await sqliteCount(path.join(dir, 'out', 'w.sqlite'), 'users'), 60);

    // Run history, reopened, says the same as the events.
    const store = await WorkspaceStore.open({ path: storePath, lock: false });
    try {
      const readRow = store.runs.get(read.runId)!;
      assert.deepEqual(
        [readRow.kind, readRow.status, readRow.sourceLabel, readRow.sourceConfigPath, readRow.sourceConnector, readRow.sourceId],
        ['read', 'succeeded', read.source.label, read.source.configPath, read.source.connector, read.source.identity],
      );
      assert.equal(readRow.forDestinationId, read.forDestination!.identity);
      const writeRow = store.runs.get(write.runId)!;
      assert.deepEqual(
        [writeRow.kind, writeRow.status, writeRow.parentRunId, writeRow.destinationId, writeRow.destinationLabel],
        ['write', 'succeeded', read.runId, write.destination!.identity, write.destination!.label],
      );
      assert.deepEqual(
        [writeRow.destinationConfigPath, writeRow.destinationConnector, writeRow.sourceLabel],
        [write.destination!.configPath, 'builtin:sqlite', 'shop'],
      );
      assert.equal(writeRow.recordsConfirmed, 180, 'the write run keeps the counts of the whole write');
      assert.deepEqual([write.source.runsOn, write.destination!.runsOn], ['in process', 'in process'], 'where each side ran');
      assert.deepEqual([writeRow.sourceRunsOn, writeRow.destinationRunsOn], ['in process', 'in process'], 'recorded in run history');
    } finally {
      await store.close();
    }
  });

  it('a streamed write is one run; a write of cache:N names N as its parent and the read source by its label', async () => {
    const { source, warehouse } = await connectors();
    const streamed = watch();
    const result = await warehouse.write(source, { storePath, cache: false, onRunStarted: streamed.onRunStarted });
    assert.deepEqual(
      streamed.seen.map((s) => [s.event.runId, s.event.kind, s.event.mode, s.event.parentReadRunId]),
      [[result.runId, 'write', 'stream', undefined]],
    );

    const read = await source.read({ storePath, streams: ['users'] });
    const replay = watch();
    const store = await WorkspaceStore.open({ path: storePath });
    try {
      await warehouse.write(openCachedRead(store, read.runId), { store, onRunStarted: replay.onRunStarted });
      const [event] = replay.seen.map((s) => s.event);
      assert.equal(replay.seen.length, 1);
      assert.deepEqual([event.kind, event.mode, event.parentReadRunId, event.streams], ['write', 'replay', read.runId, ['users']]);
      assertParty(event.source, sourceFile, 'builtin:sample');
      assertParty(event.destination, warehouseFile, 'builtin:sqlite');
      assert.equal(store.runs.get(event.runId)!.parentRunId, read.runId);
    } finally {
      await store.close();
    }
  });

  it('Source.read announces a read with no destination; a run that fails before moving records is still recorded', async () => {
    const source = await getSource('builtin:sample', { config: { count: 5 }, baseDir: dir });
    const w = watch();
    const read = await source.read({ storePath, onRunStarted: w.onRunStarted });
    assert.deepEqual(
      w.seen.map((s) => [s.event.runId, s.event.kind, s.event.source.label, s.event.source.configPath, s.event.forDestination]),
      [[read.runId, 'read', 'builtin:sample', undefined, undefined]],
    );
    assert.equal(read.sourceLabel, 'builtin:sample');

    const failing = watch();
    await assert.rejects(
      source.read({ storePath, streams: ['nope'], onRunStarted: failing.onRunStarted }),
      (e: unknown) => isAirbyteError(e, 'CONFIG_INVALID') && /no stream named "nope"/.test(e.message),
    );
    assert.equal(failing.seen.length, 1, 'announced before discover');
    const store = await WorkspaceStore.open({ path: storePath, lock: false });
    try {
      const run = store.runs.get(failing.seen[0].event.runId)!;
      assert.equal(run.status, 'failed');
      assert.match(run.error ?? '', /no stream named "nope"/);
    } finally {
      await store.close();
    }
  });
});
