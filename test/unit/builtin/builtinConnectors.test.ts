import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listBuiltins } from '../../../src/core/builtin/builtinRegistry';
import { getDestination, getSource } from '../../../src/core/connectors/getConnector';
import { isAirbyteError } from '../../../src/core/errors';
import { validateConfig } from '../../../src/core/spec/specValidator';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { sqliteRows } from '../sqliteTestSupport';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

async function jsonl(file: string): Promise<Record<string, unknown>[]> {
  return (await fs.readFile(file, 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('built-in connectors', () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir('aw-builtins-');
  });
  after(async () => {
    await removeTempDir(dir);
  });

  it('are listed with real specs that accept their documented configs', () => {
    const names = listBuiltins().map((b) => b.name);
    assert.deepEqual(names.sort(), ['builtin:dev-null', 'builtin:jsonl', 'builtin:sample', 'builtin:sqlite']);
    const sample = listBuiltins().find((b) => b.name === 'builtin:sample')!;
    assert.deepEqual(validateConfig({ count: 10, seed: 1 }, sample.spec.connectionSpecification), []);
    assert.notDeepEqual(validateConfig({ count: 'ten' }, sample.spec.connectionSpecification), []);
  });

  it('builtin:sample answers spec, check and discover like a container, and is deterministic', async () => {
    const source = await getSource('builtin:sample', { config: { count: 5, seed: 3 }, baseDir: dir });
    assert.equal((await source.spec()).connectionSpecification.title, 'Sample Data (built-in)');
    assert.equal((await source.check()).status, 'SUCCEEDED');
    const catalog = await source.discover();
    assert.deepEqual(
      catalog.streams.map((s) => [s.name, s.source_defined_primary_key, s.default_cursor_field]),
      [
        ['users', [['id']], ['updated_at']],
        ['products', [['id']], ['updated_at']],
        ['purchases', [['id']], ['updated_at']],
      ],
    );
    const bad = await getSource('builtin:sample', { config: { count: -1 }, baseDir: dir });
    // A config that fails the spec never reaches the connector: every problem is named first.
    await assert.rejects(
      bad.check(),
      (e: unknown) => isAirbyteError(e, 'CONFIG_INVALID') && /\/count: Records per stream must be an integer at least 0/.test(e.message),
    );

    const read = async (sub: string) => {
      const store = await WorkspaceStore.open({ path: path.join(dir, sub, 'state.sqlite') });
      try {
        const result = await source.read({ store, streams: ['users'] });
        const out: unknown[] = [];
        for await (const r of result.records('users')) out.push(r);
        return out;
      } finally {
        await store.close();
      }
    };
    const a = await read('det-a');
    assert.equal(a.length, 5);
    assert.deepEqual(await read('det-b'), a, 'same seed, same data');
  });

  it('builtin:sqlite replace swaps in a fresh table per run; append adds rows', async () => {
    const work = path.join(dir, 'sqlite-modes');
    const store = await WorkspaceStore.open({ path: path.join(work, '.airbyte', 'state.sqlite') });
    try {
      const source = await getSource('builtin:sample', { config: { count: 40 }, baseDir: work });
      const destination = await getDestination('builtin:sqlite', { config: { destination_path: '/local/db.sqlite' }, baseDir: work });
      const file = path.join(work, 'db.sqlite');
      for (let i = 0; i < 2; i++) {
        const r = await destination.write(source, { store, streams: ['products'], writeStrategy: 'replace' });
        assert.equal(r.streams[0].destinationSyncMode, 'overwrite');
        assert.equal(r.streams[0].recordsSent, 40);
      }
      assert.deepEqual(await sqliteRows(file, 'SELECT COUNT(*), COUNT(DISTINCT id) FROM products'), [[40, 40]]);
      assert.deepEqual(await sqliteRows(file, "SELECT name FROM sqlite_master WHERE name LIKE '_airbyte_tmp%'"), [], 'no temp table left');
      await destination.write(source, { store, streams: ['products'], writeStrategy: 'append', forceFullRefresh: true });
      assert.deepEqual(
        await sqliteRows(file, 'SELECT COUNT(*), COUNT(DISTINCT id) FROM products'),
        [[80, 40]],
        'append keeps earlier rows',
      );
      await destination.write(source, { store, streams: ['products'], writeStrategy: 'merge', forceFullRefresh: true });
      assert.deepEqual(
        await sqliteRows(file, 'SELECT COUNT(*), COUNT(DISTINCT id) FROM products'),
        [[40, 40]],
        'merge deduplicates by primary key',
      );
      const [[price, inStock]] = await sqliteRows(file, 'SELECT typeof(price), typeof(in_stock) FROM products LIMIT 1');
      assert.deepEqual([price, inStock], ['real', 'integer'], 'columns typed from the stream schema');
    } finally {
      await store.close();
    }
  });

  it('builtin:jsonl writes one file per stream with the records as the source sent them', async () => {
    const work = path.join(dir, 'jsonl');
    const store = await WorkspaceStore.open({ path: path.join(work, '.airbyte', 'state.sqlite') });
    try {
      const source = await getSource('builtin:sample', { config: { count: 25, seed: 9 }, baseDir: work });
      const destination = await getDestination('builtin:jsonl', { config: { destination_path: 'out' }, baseDir: work });
      const read = await source.read({ store });
      const r = await destination.write(read, { store });
      assert.equal(r.mode, 'replay');
      assert.deepEqual(
        r.streams.map((s) => s.recordsConfirmed),
        [25, 25, 25],
      );
      const users = await jsonl(path.join(work, 'out', 'users.jsonl'));
      const cached: unknown[] = [];
      for await (const rec of read.records('users')) cached.push(rec);
      assert.deepEqual(users, cached);
      // A rerun from the same ReadResult: everything is confirmed, nothing is sent again.
      const again = await destination.write(read, { store });
      assert.equal(again.totals.recordsSent, 0);
      assert.equal((await jsonl(path.join(work, 'out', 'users.jsonl'))).length, 25);
      await destination.write(source, { store, writeStrategy: 'merge', forceFullRefresh: true, streams: ['users'] });
      assert.equal((await jsonl(path.join(work, 'out', 'users.jsonl'))).length, 25, 'merge compacts by primary key');
    } finally {
      await store.close();
    }
  });

  it('builtin:dev-null confirms everything it is sent', async () => {
    const work = path.join(dir, 'null');
    const store = await WorkspaceStore.open({ path: path.join(work, 'state.sqlite') });
    try {
      const source = await getSource('builtin:sample', { config: { count: 3000, state_every: 700 }, baseDir: work });
      const destination = await getDestination('builtin:dev-null', { config: {}, baseDir: work });
      const r = await destination.write(source, { store, cache: false });
      assert.deepEqual(
        r.streams.map((s) => s.recordsConfirmed),
        [3000, 3000, 3000],
      );
      assert.equal(r.finalState.length, 3, 'the echoed state of each stream is committed');
    } finally {
      await store.close();
    }
  });

  for (const cache of [false, true]) {
    it(`a built-in destination failing mid-stream fails the run with its reason and stops the source (${cache ? 'cache' : 'streamed'})`, async () => {
      const work = path.join(dir, `fail-${cache}`);
      await fs.mkdir(path.join(work, 'out', 'purchases.jsonl'), { recursive: true });
      const store = await WorkspaceStore.open({ path: path.join(work, 'state.sqlite') });
      try {
        const source = await getSource('builtin:sample', { config: { count: 20_000, state_every: 1000 }, baseDir: work });
        const destination = await getDestination('builtin:jsonl', { config: { destination_path: 'out' }, baseDir: work });
        await assert.rejects(
          destination.write(source, { store, cache }),
          (e: unknown) =>
            isAirbyteError(e, 'CONNECTOR_FAILED') && e.message.includes('builtin:jsonl') && /purchases\.jsonl/.test(e.message),
        );
        const run = store.runs.list()[0];
        assert.equal(run.status, 'failed');
        const users = run.streamStats.find((s) => s.stream === 'users')!;
        assert.ok(users.recordsConfirmed > 0 && users.recordsConfirmed <= 20_000, 'what was confirmed before the failure is recorded');
        assert.equal(run.streamStats.find((s) => s.stream === 'purchases')!.recordsConfirmed, 0);
      } finally {
        await store.close();
      }
    });
  }
});
