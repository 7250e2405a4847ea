import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RecordCache } from '../../../src/core/store/recordCache';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

const line = (stream: string, id: number) =>
  JSON.stringify({ type: 'RECORD', record: { stream, data: { id, Name: `n${id}` }, emitted_at: 1700000000000 + id } });
const lines = (stream: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => line(stream, from + i));
const state = (n: number) => ({ type: 'STREAM' as const, stream: { stream_descriptor: { name: 'users' }, stream_state: { n } } });

async function collect(cache: RecordCache, source: string, stream: string, from: number, to?: number): Promise<string[]> {
  const out: string[] = [];
  let count = 0;
  for await (const chunk of cache.chunks(source, stream, from, to)) {
    const text = chunk.bytes.toString('utf8');
    assert.ok(text.endsWith('\n'), 'chunks hold whole lines');
    const got = text.slice(0, -1).split('\n');
    assert.equal(got.length, chunk.count);
    count += chunk.count;
    out.push(...got);
  }
  assert.equal(count, out.length);
  return out;
}

describe('RecordCache', () => {
  let dir: string;
  let store: WorkspaceStore;
  let cache: RecordCache;
  before(async () => {
    dir = await makeTempDir('aw-cache-');
    store = await WorkspaceStore.open({ path: path.join(dir, '.airbyte', 'state.sqlite') });
    cache = new RecordCache(store, { segmentRecords: 1000 });
  });
  after(async () => {
    await store.close();
    await removeTempDir(dir);
  });

  it('keeps raw lines byte for byte across segments and reads any range back', async () => {
    const ingest = cache.beginIngest('src#a', [{ streamKey: 'users', replace: false }]);
    await ingest.append('users', lines('users', 0, 1500));
    ingest.addState(state(1500));
    await ingest.append('users', lines('users', 1500, 2500));
    ingest.addState(state(2500));
    await ingest.commit();
    assert.equal(cache.recordCount('src#a', 'users'), 2500);
    assert.equal(store.cacheIndex.segments('src#a', 'users').length, 3, 'rolled every 1000 records');
    assert.deepEqual(await collect(cache, 'src#a', 'users', 0), lines('users', 0, 2500));
    assert.deepEqual(await collect(cache, 'src#a', 'users', 999, 1001), lines('users', 999, 1001));
    assert.deepEqual(await collect(cache, 'src#a', 'users', 1700), lines('users', 1700, 2500));
    const states = store.cacheIndex.states('src#a');
    assert.deepEqual(
      states.map((s) => s.positions.users),
      [1500, 2500],
    );
  });

  it('appends the next ingest after the previous one', async () => {
    const ingest = cache.beginIngest('src#a', [{ streamKey: 'users', replace: false }]);
    await ingest.append('users', lines('users', 2500, 2600));
    await ingest.commit();
    assert.equal(cache.streamInfo('src#a', 'users')!.endPos, 2600);
    assert.deepEqual(await collect(cache, 'src#a', 'users', 2490), lines('users', 2490, 2600));
  });

  it('a failed ingest keeps only what its last state covers', async () => {
    const ingest = cache.beginIngest('src#b', [{ streamKey: 'users', replace: false }]);
    await ingest.append('users', lines('users', 0, 300));
    ingest.addState(state(300));
    await ingest.append('users', lines('users', 300, 450));
    const { committedStates } = await ingest.commit({ upToLastState: true });
    assert.equal(committedStates.length, 1);
    assert.equal(cache.recordCount('src#b', 'users'), 300);
    assert.deepEqual(await collect(cache, 'src#b', 'users', 0), lines('users', 0, 300));
  });

  it('a full-refresh ingest starts a new generation and deletes the old files', async () => {
    const oldFiles = store.cacheIndex.segments('src#a', 'users').map((s) => path.join(cache.dir, s.file));
    const ingest = cache.beginIngest('src#a', [{ streamKey: 'users', replace: true }]);
    await ingest.append('users', lines('users', 0, 10));
    await ingest.commit();
    const info = cache.streamInfo('src#a', 'users')!;
    assert.deepEqual([info.generationStart, info.endPos], [2600, 2610]);
    assert.equal(cache.recordCount('src#a', 'users'), 10);
    assert.deepEqual(await collect(cache, 'src#a', 'users', 0), lines('users', 0, 10), 'positions before the generation are not served');
    assert.ok(
      oldFiles.every((f) => !existsSync(f)),
      'old segments deleted',
    );
    assert.deepEqual(store.cacheIndex.states('src#a'), [], 'states of the old generation dropped');
  });

  it('a checkpoint makes what the last state covers visible while the read goes on; a store reopened then sees it', async () => {
    const both = [
      { streamKey: 'users', replace: false },
      { streamKey: 'events', replace: true },
    ];
    const ingest = cache.beginIngest('src#k', both);
    await ingest.append('users', lines('users', 0, 1200));
    await ingest.append('events', lines('events', 0, 40));
    const eventsState = { type: 'STREAM' as const, stream: { stream_descriptor: { name: 'events' }, stream_state: { n: 40 } } };
    ingest.addState(eventsState);
    const noted = ingest.addState(state(1200));
    assert.deepEqual([noted.positions, noted.count], [{ users: 1200 }, 2]);
    await ingest.append('users', lines('users', 1200, 1300));
    await ingest.checkpoint(noted.count);
    assert.equal(cache.recordCount('src#k', 'users'), 1200, 'visible up to the state, not the records after it');
    assert.deepEqual(await collect(cache, 'src#k', 'users', 0), lines('users', 0, 1200), 'read back across a closed and an open segment');
    assert.equal(cache.recordCount('src#k', 'events'), 0, 'a stream being replaced is not visible before the commit');
    assert.deepEqual(
      store.cacheIndex.states('src#k').map((s) => s.positions),
      [{ users: 1200 }],
    );
    await store.save();
    const reopened = await WorkspaceStore.open({ path: store.path, lock: false });
    try {
      assert.equal(new RecordCache(reopened).recordCount('src#k', 'users'), 1200, 'durable once the caller saved');
    } finally {
      await reopened.close();
    }
    await ingest.append('users', lines('users', 1300, 1500));
    ingest.addState(state(1500));
    await ingest.commit();
    assert.deepEqual(await collect(cache, 'src#k', 'users', 0), lines('users', 0, 1500));
    assert.equal(cache.recordCount('src#k', 'events'), 40);
    assert.deepEqual(
      store.cacheIndex.states('src#k').map((s) => s.positions),
      [{ users: 1200 }, { events: 40 }, { users: 1500 }],
      "each state indexed once; the replaced stream's state at the commit",
    );
  });

  it('an ingest aborted after a checkpoint keeps what the checkpoint made visible, files included', async () => {
    const ingest = cache.beginIngest('src#l', [{ streamKey: 'users', replace: false }]);
    await ingest.append('users', lines('users', 0, 100));
    await ingest.checkpoint(ingest.addState(state(100)).count);
    await ingest.append('users', lines('users', 100, 1100));
    await ingest.abort();
    assert.equal(cache.recordCount('src#l', 'users'), 100);
    assert.deepEqual(await collect(cache, 'src#l', 'users', 0), lines('users', 0, 100));
    assert.equal(await cache.dropIfIncomplete('src#l'), false, 'every indexed file is still there');
  });

  it('an aborted ingest leaves no files and no index entries; orphans are removed', async () => {
    const before = store.cacheIndex.segments('src#c');
    const ingest = cache.beginIngest('src#c', [{ streamKey: 'users', replace: false }]);
    await ingest.append('users', lines('users', 0, 50));
    await ingest.abort();
    assert.deepEqual(store.cacheIndex.segments('src#c'), before);
    const orphan = path.join(cache.dir, 'leftover', 'x', '000000000000-dead.jsonl');
    await fs.mkdir(path.dirname(orphan), { recursive: true });
    await fs.writeFile(orphan, `${line('x', 1)}\n`);
    assert.equal(await cache.removeOrphans(), 1);
    assert.ok(!existsSync(orphan));
    assert.equal(cache.recordCount('src#a', 'users'), 10, 'known segments untouched');
  });

  it('a STREAM state covers its own stream only; a failed ingest keeps per stream what its own last state covers', async () => {
    const both = [
      { streamKey: 'users', replace: false },
      { streamKey: 'orders', replace: false },
    ];
    const ingest = cache.beginIngest('src#d', both);
    const ordersState = { type: 'STREAM' as const, stream: { stream_descriptor: { name: 'orders' }, stream_state: { n: 1 } } };
    await ingest.append('users', lines('users', 0, 40));
    ingest.addState(state(40));
    await ingest.append('orders', lines('orders', 0, 25));
    await ingest.append('users', lines('users', 40, 55));
    ingest.addState(ordersState);
    await ingest.append('orders', lines('orders', 25, 30));
    await ingest.commit({ upToLastState: true });
    assert.deepEqual(
      store.cacheIndex.states('src#d').map((s) => s.positions),
      [{ users: 40 }, { orders: 25 }],
    );
    // The users records after users' own last state are not covered by the orders state that followed them.
    assert.equal(cache.recordCount('src#d', 'users'), 40);
    assert.equal(cache.recordCount('src#d', 'orders'), 25);
    const global = cache.beginIngest('src#d', both);
    global.addState({ type: 'GLOBAL', global: { shared_state: {}, stream_states: [] } });
    await global.commit();
    assert.deepEqual(store.cacheIndex.states('src#d').at(-1)!.positions, { users: 40, orders: 25 }, 'a GLOBAL state covers every stream');
  });

  it('a source with many streams keeps a bounded number of segment files open; every record reads back in order', async () => {
    const keys = Array.from({ length: 70 }, (_, i) => `s${i}`);
    const ingest = cache.beginIngest(
      'src#wide',
      keys.map((k) => ({ streamKey: k, replace: false })),
    );
    // Round robin: every stream gets records, then every stream again.
    for (const round of [0, 1]) for (const k of keys) await ingest.append(k, lines(k, round * 3, round * 3 + 3));
    await ingest.commit();
    for (const k of keys) assert.deepEqual(await collect(cache, 'src#wide', k, 0), lines(k, 0, 6));
    assert.ok(store.cacheIndex.segments('src#wide').length > keys.length, 'idle segments were closed and new ones rolled');
  });

  it('parses records for readers', async () => {
    const ids: number[] = [];
    for await (const data of cache.records('src#b', 'users')) ids.push(data.id as number);
    assert.equal(ids.length, 300);
    assert.deepEqual(ids.slice(0, 3), [0, 1, 2]);
  });
});
