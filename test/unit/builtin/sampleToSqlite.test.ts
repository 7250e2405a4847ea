import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getDestination, getSource } from '../../../src/core/connectors/getConnector';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { sqliteRows } from '../sqliteTestSupport';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

describe('builtin:sample into builtin:sqlite, end to end in process', () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir('aw-builtin-');
  });
  after(async () => {
    await removeTempDir(dir);
  });

  for (const cache of [true, false]) {
    it(`writes every stream, and a second run (${cache ? 'through the cache' : 'streamed'}) sends nothing new`, async () => {
      const work = path.join(dir, cache ? 'cached' : 'streamed');
      await fs.mkdir(work);
      const storePath = path.join(work, '.airbyte', 'state.sqlite');
      const source = await getSource('builtin:sample', { config: { count: 2500, seed: 7, state_every: 1000 }, baseDir: work });
      const destination = await getDestination('builtin:sqlite', { config: { destination_path: 'out/data.sqlite' }, baseDir: work });
      const store = await WorkspaceStore.open({ path: storePath });
      try {
        const first = await destination.write(source, { store, cache });
        assert.equal(first.mode, cache ? 'cache' : 'stream');
        for (const s of first.streams) {
          assert.equal(s.recordsSent, 2500, `${s.stream} sent`);
          assert.equal(s.recordsConfirmed, 2500, `${s.stream} confirmed`);
          assert.equal(s.destinationSyncMode, 'append_dedup');
          assert.equal(s.syncMode, 'incremental');
        }
        const db = path.join(work, 'out', 'data.sqlite');
        assert.deepEqual(await sqliteRows(db, 'SELECT COUNT(*), COUNT(DISTINCT id), MIN(id), MAX(id) FROM users'), [[2500, 2500, 1, 2500]]);
        assert.deepEqual(await sqliteRows(db, 'SELECT COUNT(*) FROM purchases'), [[2500]]);

        const second = await destination.write(source, { store, cache });
        assert.equal(second.totals.recordsRead, 0);
        assert.equal(second.totals.recordsSent, 0);
        assert.ok(second.runId > first.runId, 'sync id grows per run');

        const bigger = await getSource('builtin:sample', { config: { count: 3000, seed: 7, state_every: 1000 }, baseDir: work });
        // A different config is a different source identity: it starts from scratch, and dedup keeps ids unique.
        const third = await destination.write(bigger, { store, cache, streams: ['users'] });
        assert.equal(third.streams.length, 1);
        assert.equal(third.streams[0].recordsSent, 3000);
        assert.deepEqual(await sqliteRows(db, 'SELECT COUNT(*), COUNT(DISTINCT id) FROM users'), [[3000, 3000]]);

        const runs = store.runs.list().filter((r) => r.kind === 'write');
        assert.equal(runs.length, 3);
        assert.ok(runs.every((r) => r.status === 'succeeded'));
        assert.equal(runs[2].recordsConfirmed, 7500);
        // Through the cache, each write is fed by its own read run into the cache, linked both ways.
        const reads = store.runs.list().filter((r) => r.kind === 'read');
        assert.equal(reads.length, cache ? 3 : 0);
        for (const [i, read] of reads.entries()) {
          assert.equal(runs[i].parentRunId, read.id, 'the write names the read that fed it');
          assert.equal(read.forDestinationId, runs[i].destinationId, 'the read names the destination it was for');
          assert.equal(read.status, 'succeeded');
        }
      } finally {
        await store.close();
      }
    });
  }

  it('Source.read() with only a store path: the ReadResult still iterates, and write(readResult) uses that store', async () => {
    const work = path.join(dir, 'by-path');
    const storePath = path.join(work, '.airbyte', 'state.sqlite');
    const source = await getSource('builtin:sample', { config: { count: 50 }, baseDir: work });
    const read = await source.read({ storePath, streams: ['users'] });
    let n = 0;
    for await (const r of read.records('users')) n += typeof r.id === 'number' ? 1 : 0;
    assert.equal(n, 50, 'records come back after the store was closed');
    const destination = await getDestination('builtin:dev-null', { config: {}, baseDir: work });
    const result = await destination.write(read);
    assert.equal(result.totals.recordsConfirmed, 50);
    const store = await WorkspaceStore.open({ path: storePath });
    try {
      assert.deepEqual(
        store.runs.list().map((r) => [r.kind, r.status]),
        [
          ['write', 'succeeded'],
          ['read', 'succeeded'],
        ],
      );
    } finally {
      await store.close();
    }
  });

  it('a deleted cache folder is noticed: the source is read again from what the destination confirmed, nothing duplicated', async () => {
    const work = path.join(dir, 'deleted-cache');
    const storePath = path.join(work, '.airbyte', 'state.sqlite');
    const destination = await getDestination('builtin:jsonl', { config: { destination_path: 'out' }, baseDir: work });
    const notices: string[] = [];
    // The same source config both times (its count is part of its identity, so it keeps its state).
    const run = async () => {
      const source = await getSource('builtin:sample', { config: { count: 100, state_every: 40 }, baseDir: work });
      return destination.write(source, { storePath, streams: ['users'], writeStrategy: 'append', onNotice: (t) => notices.push(t) });
    };
    assert.equal((await run()).streams[0].recordsSent, 100);
    await fs.rm(path.join(work, '.airbyte', 'cache'), { recursive: true });
    const second = await run();
    assert.ok(
      notices.some((n) => /cache .* missing/.test(n)),
      notices.join('\n'),
    );
    assert.equal(second.streams[0].recordsRead, 0, 'read again from the state the destination confirmed: nothing new to read');
    assert.equal(second.streams[0].recordsSent, 0, 'only the records the destination has not got');
    const lines = (await fs.readFile(path.join(work, 'out', 'users.jsonl'), 'utf8')).split('\n').filter(Boolean);
    assert.equal(lines.length, 100, 'append without duplicates');
  });
});
