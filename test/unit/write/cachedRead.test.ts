import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getDestination, getSource } from '../../../src/core/connectors/getConnector';
import { isAirbyteError } from '../../../src/core/errors';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { describeCachedRead, listCachedReads, openCachedRead, parseCachedReadRef } from '../../../src/core/write/cachedRead';
import { sqliteCount } from '../sqliteTestSupport';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

async function withStore<T>(file: string, fn: (store: WorkspaceStore) => Promise<T>): Promise<T> {
  const store = await WorkspaceStore.open({ path: file });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('cached reads reopened by run id', () => {
  let dir: string;
  let storePath: string;
  let readRunId: number;
  const sampleConfig = { count: 400, seed: 3, state_every: 150 };

  before(async () => {
    dir = await makeTempDir('aw-cached-read-');
    storePath = path.join(dir, '.airbyte', 'state.sqlite');
    const source = await getSource('builtin:sample', { config: sampleConfig, baseDir: dir });
    // Read in one store instance, closed afterwards: what a later process finds is only the file.
    readRunId = await withStore(storePath, async (store) => (await source.read({ store })).runId);
  });
  after(async () => {
    await removeTempDir(dir);
  });

  it('lists the read with its source, streams, counts and time', async () => {
    await withStore(storePath, async (store) => {
      const reads = listCachedReads(store);
      assert.equal(reads.length, 1);
      const [read] = reads;
      assert.equal(read.runId, readRunId);
      assert.equal(read.source, 'builtin:sample');
      const rows = read.streams
        .map((s) => [s.stream, s.recordsRead, s.cachedRecords])
        .sort((x, y) => String(x[0]).localeCompare(String(y[0])));
      assert.deepEqual(rows, [
        ['products', 400, 400],
        ['purchases', 400, 400],
        ['users', 400, 400],
      ]);
      assert.equal(read.cachedRecords, 1200);
      assert.ok(read.endedAt! >= read.startedAt && Date.now() - read.startedAt < 60_000);
      assert.equal(read.latestReadRunId, readRunId);
    });
  });

  it('writes the reopened read to builtin:sqlite; again sends nothing new; to another config sends all', async () => {
    const destination = await getDestination('builtin:sqlite', { config: { destination_path: 'out/a.sqlite' }, baseDir: dir });
    const first = await withStore(storePath, async (store) => destination.write(openCachedRead(store, readRunId), { store }));
    assert.equal(first.mode, 'replay');
    assert.equal(first.source, 'builtin:sample');
    assert.equal(first.streams.length, 3);
    for (const s of first.streams) {
      assert.equal(s.recordsSent, 400, `${s.stream} sent`);
      assert.equal(s.recordsConfirmed, 400, `${s.stream} confirmed`);
    }
    const a = path.join(dir, 'out', 'a.sqlite');
    assert.equal(await sqliteCount(a, 'users'), 400);
    assert.equal(await sqliteCount(a, 'purchases'), 400);

    // A new store instance again (as a second CLI run would), same read, same destination config.
    const second = await withStore(storePath, async (store) => destination.write(openCachedRead(store, readRunId), { store }));
    assert.equal(second.totals.recordsSent, 0, 'the destination already confirmed every cached record');
    assert.equal(await sqliteCount(a, 'users'), 400);

    const other = await getDestination('builtin:sqlite', { config: { destination_path: 'out/b.sqlite' }, baseDir: dir });
    const third = await withStore(storePath, async (store) => other.write(openCachedRead(store, readRunId), { store, streams: ['users'] }));
    assert.deepEqual(
      third.streams.map((s) => [s.stream, s.recordsSent, s.recordsConfirmed]),
      [['users', 400, 400]],
    );
    assert.equal(await sqliteCount(path.join(dir, 'out', 'b.sqlite'), 'users'), 400);

    // The writes are in the run history as replays of the read's source.
    await withStore(storePath, async (store) => {
      const run = store.runs.get(third.runId)!;
      assert.equal(run.kind, 'write');
      assert.equal(run.mode, 'replay');
      assert.equal(run.source, 'builtin:sample');
      assert.equal(run.recordsConfirmed, 400);
    });
  });

  it('a later read of the same config is listed instead; the older run id still opens the cache', async () => {
    const source = await getSource('builtin:sample', { config: sampleConfig, baseDir: dir });
    const again = await withStore(storePath, async (store) => source.read({ store }));
    assert.ok(again.runId > readRunId);
    await withStore(storePath, async (store) => {
      assert.deepEqual(
        listCachedReads(store).map((r) => r.runId),
        [again.runId],
      );
      assert.deepEqual(
        listCachedReads(store, { all: true }).map((r) => r.runId),
        [again.runId, readRunId],
      );
      const older = describeCachedRead(store, readRunId);
      assert.equal(older.latestReadRunId, again.runId);
      assert.equal(openCachedRead(store, readRunId).recordCount('users'), 400);
    });
  });

  it('a run id that is not a complete read fails with the cached reads there are', async () => {
    const destination = await getDestination('builtin:sqlite', { config: { destination_path: 'out/a.sqlite' }, baseDir: dir });
    const write = await withStore(storePath, async (store) => destination.write(openCachedRead(store, readRunId), { store }));
    await withStore(storePath, async (store) => {
      assert.throws(
        () => openCachedRead(store, write.runId),
        (e: unknown) => isAirbyteError(e, 'USAGE') && /is a write/.test(e.message) && /cache:\d+ \(builtin:sample\)/.test(e.guidance ?? ''),
      );
      assert.throws(
        () => openCachedRead(store, 9999),
        (e: unknown) => isAirbyteError(e, 'USAGE') && /not in the run history/.test(e.message),
      );
    });
  });

  it('parses cache:<runId> references', () => {
    assert.equal(parseCachedReadRef('cache:12'), 12);
    assert.equal(parseCachedReadRef('cache:#7'), 7);
    assert.equal(parseCachedReadRef('cache:abc'), undefined);
    assert.equal(parseCachedReadRef('cache:0'), undefined);
    assert.equal(parseCachedReadRef('source.airbyte.jsonc'), undefined);
  });
});
