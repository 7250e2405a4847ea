import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { giveBack } from '../../../src/core/process/lentBuffers';
import { BlockBuffers, isCacheDamage } from '../../../src/core/store/cacheReader';
import type { CacheStreamReader } from '../../../src/core/store/cacheReader';
import { RecordCache } from '../../../src/core/store/recordCache';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

const line = (id: number) =>
  JSON.stringify({ type: 'RECORD', record: { stream: 'users', data: { id, pad: 'x'.repeat(40) }, emitted_at: 1 } });
const lines = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => line(from + i));

/** Reads `reader` up to each target in turn; returns the lines in order. */
async function readUntil(reader: CacheStreamReader, targets: number[]): Promise<string[]> {
  const out: string[] = [];
  for (const t of targets) {
    for await (const chunk of reader.until(t)) {
      const text = chunk.bytes.toString('utf8');
      assert.ok(text.endsWith('\n'), 'chunks hold whole lines');
      const got = text.slice(0, -1).split('\n');
      assert.equal(got.length, chunk.count);
      out.push(...got);
    }
    assert.equal(reader.position, t);
  }
  return out;
}

describe('CacheStreamReader', () => {
  let dir: string;
  let store: WorkspaceStore;
  let cache: RecordCache;
  // 10,000 records of ~90 bytes: 4 segments of 3,000 (the last 1,000), blocks of about 18 KB (flushed after each append past 16 KB).
  const TOTAL = 10_000;
  before(async () => {
    dir = await makeTempDir('aw-reader-');
    store = await WorkspaceStore.open({ path: path.join(dir, '.airbyte', 'state.sqlite') });
    cache = new RecordCache(store, { segmentRecords: 3000, blockBytes: 16 * 1024 });
    const ingest = cache.beginIngest('src', [{ streamKey: 'users', replace: false }]);
    for (let i = 0; i < TOTAL; i += 100) await ingest.append('users', lines(i, i + 100));
    await ingest.commit();
  });
  after(async () => {
    await store.close();
    await removeTempDir(dir);
  });

  const segmentBytes = () => store.cacheIndex.segments('src', 'users').reduce((n, s) => n + s.bytes, 0);

  it('records the blocks of every segment at ingest', () => {
    const segments = store.cacheIndex.segments('src', 'users');
    assert.equal(segments.length, 4);
    for (const s of segments) {
      assert.ok(s.blocks && s.blocks.length > 3, 'several blocks per segment');
      assert.equal(
        s.blocks.reduce((n, b) => n + b.lines, 0),
        s.recordCount,
      );
      assert.equal(
        s.blocks.reduce((n, b) => n + b.bytes, 0),
        s.bytes,
      );
    }
  });

  it('reads each segment once however many checkpoints the replay stops at', async () => {
    const reader = cache.reader('src', 'users', 0);
    const targets = Array.from({ length: 100 }, (_, i) => (i + 1) * 100);
    assert.deepEqual(await readUntil(reader, targets), lines(0, TOTAL));
    assert.equal(reader.bytesRead, segmentBytes(), 'every byte read exactly once');
    await reader.close();
  });

  it('starts inside a segment at the block holding the position, without reading what is before it', async () => {
    const reader = cache.reader('src', 'users', 7_777, 9_001);
    assert.deepEqual(await readUntil(reader, [8_000, 9_001]), lines(7_777, 9_001));
    assert.ok(reader.bytesRead < segmentBytes() / 4, `read ${reader.bytesRead} bytes for 1,224 records`);
    await reader.close();
  });

  it('with shared buffers, a chunk given back lets its buffer be used again; one kept is never overwritten', async () => {
    // Three readers of one replay, taking turns as a replay's checkpoints do.
    const buffers = new BlockBuffers();
    const readers = [0, 1, 2].map(() => cache.reader('src', 'users', 0, TOTAL, { buffers }));
    const kept: Array<{ bytes: Buffer; text: string }> = [];
    const seen = new Set<ArrayBufferLike>();
    const got: string[][] = [[], [], []];
    let n = 0;
    for (let t = 500; t <= TOTAL; t += 500) {
      for (const [i, reader] of readers.entries()) {
        for await (const chunk of reader.until(t)) {
          const text = chunk.bytes.toString('utf8');
          got[i].push(...text.slice(0, -1).split('\n'));
          seen.add(chunk.bytes.buffer);
          // Every fifth chunk is kept (as a consumer that never gives back would); the others are given back once read.
          if (n++ % 5 === 0) kept.push({ bytes: chunk.bytes, text });
          else giveBack(chunk.bytes);
        }
      }
    }
    for (const reader of readers) await reader.close();
    for (const lines_ of got) assert.deepEqual(lines_, lines(0, TOTAL), 'each reader hands out every line, in order');
    for (const k of kept) assert.equal(k.bytes.toString('utf8'), k.text, 'a chunk not given back keeps its bytes');
    const blocks = store.cacheIndex.segments('src', 'users').reduce((sum, s) => sum + s.blocks!.length, 0);
    assert.ok(seen.size < (blocks * 3) / 2, `${seen.size} buffers for ${blocks * 3} blocks: the ones given back are used again`);
  });

  it('without shared buffers, nothing handed out is lent or used again', async () => {
    const reader = cache.reader('src', 'users', 0);
    const chunks: Array<{ bytes: Buffer; text: string }> = [];
    for await (const chunk of reader.until(TOTAL)) {
      chunks.push({ bytes: chunk.bytes, text: chunk.bytes.toString('utf8') });
      giveBack(chunk.bytes);
    }
    await reader.close();
    assert.equal(new Set(chunks.map((c) => c.bytes.buffer)).size, chunks.length);
    for (const c of chunks) assert.equal(c.bytes.toString('utf8'), c.text);
  });

  it('a flipped byte fails before any line of its block is handed out, naming the file', async () => {
    const seg = store.cacheIndex.segments('src', 'users')[1];
    const file = path.join(cache.dir, seg.file);
    const original = await fs.readFile(file);
    const damaged = Buffer.from(original);
    const at = seg.blocks![0].bytes + seg.blocks![1].bytes + 100; // inside the segment's third block
    damaged[at] = damaged[at] === 0x41 ? 0x42 : 0x41;
    await fs.writeFile(file, damaged);
    try {
      const reader = cache.reader('src', 'users', 0);
      const got: string[] = [];
      const error = await (async () => {
        try {
          for await (const chunk of reader.until(TOTAL)) got.push(...chunk.bytes.toString('utf8').slice(0, -1).split('\n'));
        } catch (e) {
          return e;
        }
      })();
      await reader.close();
      assert.ok(isCacheDamage(error), String(error));
      assert.match((error as Error).message, new RegExp(`${seg.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*checksum`));
      const firstDamaged = seg.firstPos + seg.blocks![0].lines + seg.blocks![1].lines;
      assert.deepEqual(got, lines(0, firstDamaged), 'everything before the damaged block, nothing of it');
    } finally {
      await fs.writeFile(file, original);
    }
  });

  it('a truncated segment fails before its missing block is handed out', async () => {
    const seg = store.cacheIndex.segments('src', 'users')[2];
    const file = path.join(cache.dir, seg.file);
    const original = await fs.readFile(file);
    await fs.writeFile(file, original.subarray(0, original.length - 10));
    try {
      await assert.rejects(async () => {
        for await (const _ of cache.chunks('src', 'users', seg.firstPos)) void _;
      }, isCacheDamage);
    } finally {
      await fs.writeFile(file, original);
    }
  });

  it('reads segments written before blocks were recorded, checking their line counts before sending', async () => {
    const ingest = cache.beginIngest('legacy', [{ streamKey: 'users', replace: false }]);
    await ingest.append('users', lines(0, 2_000));
    await ingest.commit();
    const seg = store.cacheIndex.segments('legacy', 'users')[0];
    // What an older version left: no blocks in the index.
    store.cacheIndex['db'].run('UPDATE cache_segments SET blocks_json = NULL WHERE source_id = ?', ['legacy']);
    assert.equal(store.cacheIndex.segments('legacy', 'users')[0].blocks, undefined);
    const reader = cache.reader('legacy', 'users', 1_500);
    assert.deepEqual(await readUntil(reader, [1_600, 2_000]), lines(1_500, 2_000));
    await reader.close();
    const file = path.join(cache.dir, seg.file);
    const original = await fs.readFile(file);
    await fs.writeFile(file, original.subarray(0, original.length - 300));
    const out: unknown[] = [];
    await assert.rejects(async () => {
      for await (const chunk of cache.chunks('legacy', 'users', 0)) out.push(chunk);
    }, isCacheDamage);
    assert.equal(out.length, 0, 'a short legacy file fails before anything is sent');
  });
});
