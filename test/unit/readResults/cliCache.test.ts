import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main';
import { getSource } from '../../../src/core/connectors/getConnector';
import { clearCache, listCacheEntries, pruneCache } from '../../../src/core/readResults/cacheCatalog';
import { describeLocalFile, destinationOutputFiles, readLocalTable } from '../../../src/core/readResults/localOutputs';
import { peekSource } from '../../../src/core/readResults/sourcePeek';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { captureIo } from '../cliTestSupport';
import { sqliteCount } from '../sqliteTestSupport';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

interface Listed {
  entries: Array<{
    runId: number;
    sourceLabel: string;
    records: number;
    bytes: number;
    confirmed: boolean;
    unconfirmedRecords: number;
    streams: Array<{ stream: string; records: number; confirmedBy: string[] }>;
  }>;
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

/** The size on disk of every file under `dir`. */
async function bytesUnder(dir: string): Promise<number> {
  let n = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true, recursive: true }))
    if (e.isFile()) n += (await fs.stat(path.join(e.parentPath, e.name))).size;
  return n;
}

describe('airbyte-write cache list | prune | clear and preview', () => {
  let dir: string;
  let store: string;
  let runA: number;
  before(async () => {
    dir = await makeTempDir('aw-cli-cachecmd-');
    store = path.join(dir, '.airbyte', 'state.sqlite');
    await fs.writeFile(path.join(dir, 'a.airbyte.jsonc'), '{ "connector": "builtin:sample", "config": { "count": 40 } }\n');
    await fs.writeFile(path.join(dir, 'b.airbyte.jsonc'), '{ "connector": "builtin:sample", "config": { "count": 25, "seed": 7 } }\n');
    await fs.writeFile(
      path.join(dir, 'w.airbyte.jsonc'),
      '{ "connector": "builtin:sqlite", "config": { "destination_path": "out/w.sqlite" } }\n',
    );
    await fs.writeFile(
      path.join(dir, 'j.airbyte.jsonc'),
      '{ "connector": "builtin:jsonl", "config": { "destination_path": "out/jsonl" } }\n',
    );
    for (const f of ['a', 'b']) {
      const r = await run(['read', '--source', path.join(dir, `${f}.airbyte.jsonc`), '--json']);
      assert.equal(r.code, 0, r.err);
      if (f === 'a') runA = (JSON.parse(r.out) as { runId: number }).runId;
    }
  });
  after(async () => {
    await removeTempDir(dir);
  });

  it('cache list shows each source with its streams, counts, size on disk and that nothing is confirmed yet', async () => {
    const r = await run(['cache', 'list', '--state-file', store, '--json']);
    assert.equal(r.code, 0, r.err);
    const listed = JSON.parse(r.out) as Listed & { bytes: number };
    assert.deepEqual(listed.entries.map((e) => [e.sourceLabel, e.records, e.confirmed, e.unconfirmedRecords]).sort(), [
      ['a', 120, false, 120],
      ['b', 75, false, 75],
    ]);
    assert.equal(listed.bytes, await bytesUnder(path.join(dir, '.airbyte', 'cache')), 'the size is what the segment files take');
    const text = await run(['cache', 'list', '--state-file', store]);
    assert.match(text.out, new RegExp(`cache:${runA}\\s+a\\s+products 40, purchases 40, users 40\\s+120\\s+\\S+ KB\\s+no \\(120 not\\)`));
  });

  it('preview cache:N prints a page of a stream as a table and as JSON', async () => {
    const table = await run(['preview', `cache:${runA}`, '--stream', 'users', '--offset', '38', '--limit', '5', '--state-file', store]);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /^\s*#\s+id \(pk\)\s+name\s+email.*updated_at \(cursor\)$/m);
    assert.match(table.out, /^38\s+39\s+/m);
    assert.match(table.out, /^39\s+40\s+/m);
    assert.match(table.out, /users: records 38–39 of 40/);
    const json = await run(['preview', `cache:${runA}`, '--stream', 'users', '--limit', '3', '--state-file', store, '--json']);
    const doc = JSON.parse(json.out) as {
      total: number;
      records: Array<{ position: number; data: { id: number } }>;
      columns: Array<{ name: string; primaryKey: boolean }>;
    };
    assert.equal(doc.total, 40);
    assert.deepEqual(
      doc.records.map((x) => [x.position, x.data.id]),
      [
        [0, 1],
        [1, 2],
        [2, 3],
      ],
    );
    assert.ok(doc.columns.find((c) => c.name === 'id')?.primaryKey);
    const lines = await run(['preview', `cache:${runA}`, '--stream', 'users', '--limit', '2', '--state-file', store, '--jsonl']);
    assert.deepEqual(
      lines.out.split('\n').map((l) => (JSON.parse(l) as { position: number }).position),
      [0, 1],
    );
    const bad = await run(['preview', `cache:${runA}`, '--stream', 'nope', '--state-file', store]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /has no stream "nope"\. Its streams: users, products, purchases/);
  });

  it('preview of a source ref peeks at it without creating any store or state', async () => {
    const other = await makeTempDir('aw-peek-');
    try {
      const src = path.join(other, 's.airbyte.jsonc');
      await fs.writeFile(src, '{ "connector": "builtin:sample", "config": { "count": 20000 } }\n');
      const r = await run(['preview', src, '--stream', 'products', '--limit', '4', '--json']);
      assert.equal(r.code, 0, r.err);
      const doc = JSON.parse(r.out) as { records: Array<{ data: { id: number } }> };
      assert.deepEqual(
        doc.records.map((x) => x.data.id),
        [1, 2, 3, 4],
      );
      assert.deepEqual(await fs.readdir(other), ['s.airbyte.jsonc'], 'no .airbyte folder, no state');
      const peek = await peekSource(await getSource('builtin:sample', { config: { count: 20000 } }), { limit: 3 });
      assert.equal(peek.stoppedEarly, true, 'the source was stopped once every stream had 3');
      assert.deepEqual(
        peek.streams.map((s) => [s.stream, s.records.length]),
        [
          ['users', 3],
          ['products', 3],
          ['purchases', 3],
        ],
      );
    } finally {
      await removeTempDir(other);
    }
  });

  it('cache clear refuses what no destination confirmed, and says so', async () => {
    const r = await run(['cache', 'clear', '--state-file', store]);
    assert.equal(r.code, 1);
    assert.match(r.out, /kept a: 120 record\(s\) no destination has confirmed \(products 40, purchases 40, users 40\)/);
    assert.match(r.err, /Refused: 2 source cache\(s\) hold records no destination has confirmed.*--force/);
    assert.ok(existsSync(path.join(dir, '.airbyte', 'cache')));
    assert.equal((JSON.parse((await run(['cache', 'list', '--state-file', store, '--json'])).out) as Listed).entries.length, 2);
  });

  it('prune removes only confirmed sources over the limits; the next read and write send nothing twice', async () => {
    const w = await run(['write', '--source', `cache:${runA}`, '--destination', path.join(dir, 'w.airbyte.jsonc'), '--json']);
    assert.equal(w.code, 0, w.err);
    const listed = JSON.parse((await run(['cache', 'list', '--state-file', store, '--json'])).out) as Listed;
    const a = listed.entries.find((e) => e.sourceLabel === 'a')!;
    assert.equal(a.confirmed, true);
    assert.deepEqual(a.streams[0].confirmedBy, ['w']);

    const r = await run(['cache', 'prune', '--max-size', '1', '--state-file', store, '--json']);
    assert.equal(r.code, 0, r.err);
    const pruned = JSON.parse(r.out) as {
      removed: Array<{ sourceLabel: string }>;
      kept: Array<{ sourceLabel: string; reason: string }>;
      overLimit: boolean;
    };
    assert.deepEqual(
      pruned.removed.map((e) => e.sourceLabel),
      ['a'],
    );
    assert.deepEqual(
      pruned.kept.map((e) => e.sourceLabel),
      ['b'],
    );
    assert.match(pruned.kept[0].reason, /75 record\(s\) no destination has confirmed/);
    assert.equal(pruned.overLimit, true);

    // Read again (from scratch: the cache's own state went with it) and write: the destination's
    // committed state matches a cached checkpoint, so nothing is sent again.
    const again = await run(['read', '--source', path.join(dir, 'a.airbyte.jsonc'), '--json']);
    const runA2 = (JSON.parse(again.out) as { runId: number }).runId;
    const w2 = await run(['write', '--source', `cache:${runA2}`, '--destination', path.join(dir, 'w.airbyte.jsonc'), '--json']);
    assert.equal(w2.code, 0, w2.err);
    assert.equal((JSON.parse(w2.out) as { totals: { recordsSent: number } }).totals.recordsSent, 0);
    assert.equal(await sqliteCount(path.join(dir, 'out', 'w.sqlite'), 'users'), 40);
  });

  it('prune by age and clear --force (core): old confirmed goes, unconfirmed stays unless forced', async () => {
    const s = await WorkspaceStore.open({ path: store });
    try {
      const later = Date.now() + 10 * 86_400_000;
      const byAge = await pruneCache(s, { maxAgeMs: 86_400_000, now: later });
      assert.deepEqual(
        byAge.removed.map((e) => e.sourceLabel),
        ['a'],
        'a was confirmed (its new read holds what w has: the checkpoint matched)',
      );
      assert.deepEqual(
        byAge.kept.map((k) => k.entry.sourceLabel),
        ['b'],
      );
      const forced = await clearCache(s, { force: true });
      assert.deepEqual(
        forced.removed.map((e) => e.sourceLabel),
        ['b'],
      );
      assert.deepEqual(await listCacheEntries(s), []);
    } finally {
      await s.close();
    }
    assert.equal(await bytesUnder(path.join(dir, '.airbyte', 'cache')), 0, 'the segment files are gone');
  });

  it('previews what landed in a local destination: sqlite tables, jsonl and csv files with row counts', async () => {
    const r = await run(['read', '--source', path.join(dir, 'b.airbyte.jsonc'), '--json']);
    const runB = (JSON.parse(r.out) as { runId: number }).runId;
    assert.equal((await run(['write', '--source', `cache:${runB}`, '--destination', path.join(dir, 'j.airbyte.jsonc')])).code, 0);
    const sqlite = await describeLocalFile(path.join(dir, 'out', 'w.sqlite'));
    assert.deepEqual(
      sqlite.tables.map((t) => [t.name, t.rows]),
      [
        ['products', 40],
        ['purchases', 40],
        ['users', 40],
      ],
    );
    const page = await readLocalTable(sqlite.file, 'users', 10, 2);
    assert.deepEqual(
      page.rows.map((x) => x.id),
      [11, 12],
    );
    assert.ok(page.columns.includes('_airbyte_extracted_at'));
    const files = await destinationOutputFiles({
      name: 'builtin:jsonl',
      config: { destination_path: 'out/jsonl' },
      configPath: path.join(dir, 'j.airbyte.jsonc'),
    });
    assert.deepEqual(
      files.map((f) => path.basename(f)),
      ['products.jsonl', 'purchases.jsonl', 'users.jsonl'],
    );
    assert.deepEqual((await describeLocalFile(files[2])).tables, [{ name: 'users.jsonl', rows: 25 }]);
    const csv = path.join(dir, 'out', 'x.csv');
    await fs.writeFile(csv, 'id,note\n1,"a, ""quoted""\nnote"\n2,plain\n');
    assert.deepEqual((await describeLocalFile(csv)).tables, [{ name: 'x.csv', rows: 2 }]);
    assert.deepEqual((await readLocalTable(csv, 'x.csv', 0, 5)).rows, [
      { id: '1', note: 'a, "quoted"\nnote' },
      { id: '2', note: 'plain' },
    ]);
  });
});
