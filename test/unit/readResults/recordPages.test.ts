import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { isAirbyteError } from '../../../src/core/errors';
import { exportRows, exportStream } from '../../../src/core/readResults/recordExport';
import { filterStream, parseRecordFilter, rowsAt } from '../../../src/core/readResults/recordFilter';
import type { FilterProgress } from '../../../src/core/readResults/recordFilter';
import { readRecordPage } from '../../../src/core/readResults/recordPages';
import { isCacheDamage } from '../../../src/core/store/cacheReader';
import { RecordCache } from '../../../src/core/store/recordCache';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

const data = (id: number) => ({
  id,
  name: `user ${id}`,
  city: id % 10 === 3 ? 'Nairobi, "Kenya"' : 'Austin',
  tags: id % 2 ? ['odd', { n: id }] : [],
  note: id === 42 ? 'line one\nline two' : null,
});
const line = (id: number) => JSON.stringify({ type: 'RECORD', record: { stream: 'users', data: data(id), emitted_at: 1 } });

describe('cached records: pages, filter, export', () => {
  let dir: string;
  let store: WorkspaceStore;
  let cache: RecordCache;
  const view = {
    sourceId: 'src',
    stream: 'users',
    columns: ['id', 'name', 'city', 'tags', 'note'].map((name) => ({ name, type: '', primaryKey: name === 'id', cursor: false })),
  };
  // 10,000 records in 4 segments of 3,000 (the last 1,000) written in blocks of about 16 KB.
  const TOTAL = 10_000;
  before(async () => {
    dir = await makeTempDir('aw-pages-');
    store = await WorkspaceStore.open({ path: path.join(dir, '.airbyte', 'state.sqlite') });
    cache = new RecordCache(store, { segmentRecords: 3000, blockBytes: 16 * 1024 });
    const ingest = cache.beginIngest('src', [{ streamKey: 'users', replace: false }]);
    for (let i = 0; i < TOTAL; i += 100)
      await ingest.append(
        'users',
        Array.from({ length: 100 }, (_, k) => line(i + k)),
      );
    await ingest.commit();
  });
  after(async () => {
    await store.close();
    await removeTempDir(dir);
  });

  it('opens the first, a middle and the last page with the records at those positions', async () => {
    for (const [offset, limit, expected] of [
      [0, 50, 50],
      [4_321, 50, 50],
      [9_990, 50, 10],
      [10_000, 50, 0],
    ] as const) {
      const page = await readRecordPage(cache, view, offset, limit);
      assert.equal(page.total, TOTAL);
      assert.equal(page.rows.length, expected, `offset ${offset}`);
      page.rows.forEach((r, i) => {
        assert.equal(r.position, offset + i);
        assert.deepEqual(r.data, data(offset + i));
      });
    }
    // A page across two segments (3,000 is the second's first record).
    const across = await readRecordPage(cache, view, 2_990, 20);
    assert.deepEqual(
      across.rows.map((r) => r.data.id),
      Array.from({ length: 20 }, (_, i) => 2_990 + i),
    );
  });

  it('reads only the blocks of the page: a damaged first block fails page 0 and leaves the last page readable', async () => {
    const seg = store.cacheIndex.segments('src', 'users')[0];
    const file = path.join(cache.dir, seg.file);
    const original = await fs.readFile(file);
    const damaged = Buffer.from(original);
    damaged[10] = damaged[10] === 0x41 ? 0x42 : 0x41;
    await fs.writeFile(file, damaged);
    try {
      const last = await readRecordPage(cache, view, 9_950, 50);
      assert.equal(last.rows.length, 50);
      await assert.rejects(readRecordPage(cache, view, 0, 10), (e) => isCacheDamage(e) && /does not match the checksum/.test(e.message));
    } finally {
      await fs.writeFile(file, original);
    }
  });

  it('refuses a negative offset and a zero limit', async () => {
    await assert.rejects(readRecordPage(cache, view, -1, 10), (e) => isAirbyteError(e, 'USAGE'));
    await assert.rejects(readRecordPage(cache, view, 0, 0), (e) => isAirbyteError(e, 'USAGE'));
  });

  it('filters the whole stream by text and by field = value, with progress', async () => {
    assert.deepEqual(parseRecordFilter('city = Austin'), { kind: 'field', field: 'city', value: 'Austin' });
    assert.deepEqual(parseRecordFilter('nairobi'), { kind: 'text', text: 'nairobi' });
    const progress: FilterProgress[] = [];
    const text = await filterStream(cache, view, parseRecordFilter('NAIROBI'), { onProgress: (p) => progress.push(p) });
    assert.equal(text.matched, 1_000);
    assert.equal(text.scanned, TOTAL);
    assert.deepEqual(text.positions.slice(0, 3), [3, 13, 23]);
    assert.ok(progress.length > 10, 'progress after each chunk');
    assert.deepEqual(progress.at(-1), { scanned: TOTAL, total: TOTAL, matched: 1_000 });
    // The envelope ("RECORD", "users") is not searched, only the data.
    assert.equal((await filterStream(cache, view, parseRecordFilter('RECORD'))).matched, 0);
    const byId = await filterStream(cache, view, parseRecordFilter('id = 777'));
    assert.deepEqual(byId.positions, [777]);
    const nested = await filterStream(cache, view, parseRecordFilter('tags = ["odd",{"n":5}]'));
    assert.deepEqual(nested.positions, [5]);
    const rows = await rowsAt(cache, view, [3, 13, 5_003, 9_993]);
    assert.deepEqual(
      rows.map((r) => [r.position, r.data.id]),
      [
        [3, 3],
        [13, 13],
        [5_003, 5_003],
        [9_993, 9_993],
      ],
    );
  });

  it('stops a filter when cancelled', async () => {
    const ac = new AbortController();
    let seen = 0;
    await assert.rejects(
      filterStream(cache, view, parseRecordFilter('zzz'), {
        signal: ac.signal,
        onProgress: (p) => {
          seen = p.scanned;
          if (p.scanned > 1_000) ac.abort();
        },
      }),
      (e) => isAirbyteError(e, 'ABORTED'),
    );
    assert.ok(seen < TOTAL, `stopped after ${seen}`);
  });

  it('exports the whole stream as JSON lines and as CSV that a CSV reader reads back', async () => {
    const jsonl = path.join(dir, 'users.jsonl');
    assert.deepEqual(await exportStream(cache, view, 'jsonl', jsonl), { file: jsonl, rows: TOTAL });
    const lines = (await fs.readFile(jsonl, 'utf8')).trimEnd().split('\n');
    assert.equal(lines.length, TOTAL);
    assert.deepEqual(JSON.parse(lines[42]), data(42));

    const csv = path.join(dir, 'users.csv');
    await exportStream(cache, view, 'csv', csv);
    const rows = parse(await fs.readFile(csv, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    assert.equal(rows.length, TOTAL);
    assert.deepEqual(rows[43], { id: '43', name: 'user 43', city: 'Nairobi, "Kenya"', tags: '["odd",{"n":43}]', note: '' });
    assert.equal(rows[42].note, 'line one\nline two');
    assert.deepEqual(await fs.readdir(dir).then((f) => f.filter((n) => n.includes('.tmp-'))), [], 'no temp file left');
  });

  it('exports the rows shown, with fields the schema lacks as extra columns', async () => {
    const file = path.join(dir, 'shown.csv');
    await exportRows([{ id: 1, extra: { a: 1 } }, { id: 2 }], ['id', 'name'], 'csv', file);
    assert.equal(await fs.readFile(file, 'utf8'), 'id,name,extra\n1,,"{""a"":1}"\n2,,\n');
  });
});
