import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import initSqlJs from 'sql.js';
import { isAirbyteError } from '../../../src/core/errors';
import { STORE_MIGRATIONS, STORE_SCHEMA_VERSION } from '../../../src/core/store/storeMigrations';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

const repoRoot = path.resolve(__dirname, '../../..');

describe('WorkspaceStore', () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir('aw-store-');
  });
  after(async () => {
    await removeTempDir(dir);
  });
  const file = (name: string) => path.join(dir, name, 'state.sqlite');

  it('creates the file with the current schema and keeps state across reopening', async () => {
    const f = file('fresh');
    const store = await WorkspaceStore.open({ path: f });
    assert.equal(store.schemaVersion, STORE_SCHEMA_VERSION);
    store.states.put('src#1', 'dst#1', [
      {
        streamKey: 'users',
        type: 'STREAM',
        state: { type: 'STREAM', stream: { stream_descriptor: { name: 'users' }, stream_state: { c: 1 } } },
      },
    ]);
    await store.close();
    assert.ok(!existsSync(`${f}.lock`), 'lock released on close');
    const again = await WorkspaceStore.open({ path: f });
    assert.deepEqual(
      again.states.get('src#1', 'dst#1').map((r) => r.state.stream?.stream_state),
      [{ c: 1 }],
    );
    assert.deepEqual(again.states.get('src#1', 'dst#2'), [], 'another destination identity has its own state');
    await again.close();
  });

  it('a GLOBAL state replaces per-stream rows and a STREAM state replaces a GLOBAL one', async () => {
    const store = await WorkspaceStore.open({ path: file('kinds') });
    try {
      const stream = (name: string) => ({
        streamKey: name,
        type: 'STREAM' as const,
        state: { type: 'STREAM' as const, stream: { stream_descriptor: { name }, stream_state: { n: name } } },
      });
      store.states.put('s', 'd', [stream('a'), stream('b')]);
      assert.equal(store.states.get('s', 'd').length, 2);
      store.states.put('s', 'd', [
        { streamKey: '', type: 'GLOBAL', state: { type: 'GLOBAL', global: { shared_state: { lsn: 5 }, stream_states: [] } } },
      ]);
      assert.deepEqual(
        store.states.get('s', 'd').map((r) => r.type),
        ['GLOBAL'],
      );
      store.states.put('s', 'd', [stream('a')]);
      assert.deepEqual(
        store.states.get('s', 'd').map((r) => r.streamKey),
        ['a'],
      );
    } finally {
      await store.close();
    }
  });

  it('records run history with per-stream counts', async () => {
    const store = await WorkspaceStore.open({ path: file('runs') });
    try {
      const id1 = store.runs.begin({
        kind: 'write',
        source: 'builtin:sample',
        sourceId: 's',
        destination: 'builtin:sqlite',
        destinationId: 'd',
        streams: ['users'],
        strategy: 'auto',
        mode: 'cache',
      });
      const id2 = store.runs.begin({ kind: 'write', source: 'builtin:sample', sourceId: 's', streams: [] });
      assert.ok(id2 > id1);
      store.runs.finish(id1, {
        status: 'failed',
        error: 'boom',
        streams: [{ stream: 'users', recordsRead: 10, recordsSent: 8, recordsConfirmed: 5, bytes: 100, status: 'incomplete' }],
      });
      const run = store.runs.get(id1)!;
      assert.equal(run.status, 'failed');
      assert.equal(run.error, 'boom');
      assert.equal(run.recordsConfirmed, 5);
      assert.deepEqual(
        run.streamStats.map((s) => [s.stream, s.recordsSent]),
        [['users', 8]],
      );
      assert.equal(store.runs.list()[0].id, id2, 'newest first');
      assert.equal(store.runs.get(id2)!.status, 'running');
    } finally {
      await store.close();
    }
  });

  it('keeps run catalogs and discovered catalogs deflated, reads a catalog row written as text, and passes its own check', async () => {
    const f = file('catalogs');
    const streams = Array.from({ length: 1000 }, (_, i) => ({
      name: `stream_${i}`,
      json_schema: { type: 'object', properties: { id: { type: 'integer' }, updated_at: { type: 'string', format: 'date-time' } } },
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_cursor: true,
      default_cursor_field: ['updated_at'],
    }));
    const catalog = { streams } as never;
    const plans = streams.map((s) => ({ key: s.name, syncMode: 'incremental' }));
    const store = await WorkspaceStore.open({ path: f });
    store.runs.putCatalog(7, catalog, plans);
    store.catalogs.put('src#1', catalog);
    await store.close();
    const size = (await fs.stat(f)).size;
    assert.ok(size < JSON.stringify(catalog).length, `the store (${size} bytes) is smaller than one catalog as JSON`);

    // A row as a store of schema 8 wrote it: JSON text.
    const SQL = await initSqlJs();
    const db = new SQL.Database(await fs.readFile(f));
    db.run('INSERT INTO run_catalogs VALUES (8, ?, ?)', [JSON.stringify({ streams: streams.slice(0, 1) }), '[]']);
    await fs.writeFile(f, db.export());
    db.close();

    const again = await WorkspaceStore.open({ path: f });
    try {
      assert.deepEqual(again.warnings, [], 'no row was found damaged');
      assert.deepEqual(again.runs.catalog(7), { catalog, plans });
      assert.deepEqual(again.catalogs.get('src#1'), catalog);
      assert.equal(again.catalogs.get('src#2'), undefined);
      assert.deepEqual(again.runs.catalog(8), { catalog: { streams: streams.slice(0, 1) }, plans: [] });
    } finally {
      await again.close();
    }
  });

  it('a kept catalog stands in for discover only while young enough and discovered by the same image', async () => {
    const store = await WorkspaceStore.open({ path: file('fresh') });
    try {
      const catalog = { streams: [{ name: 'users', json_schema: {}, supported_sync_modes: ['full_refresh'] }] } as never;
      const at = 1_000_000;
      const window = 15 * 60_000;
      store.catalogs.put('src#1', catalog, 'sha256:aaa', at);
      assert.deepEqual(store.catalogs.fresh('src#1', 'sha256:aaa', window, at + window - 1)?.catalog, catalog);
      assert.equal(store.catalogs.fresh('src#1', 'sha256:aaa', window, at + window), undefined, 'too old');
      assert.equal(store.catalogs.fresh('src#1', 'sha256:bbb', window, at + 1), undefined, 'another image (rebuilt or pulled)');
      assert.equal(store.catalogs.fresh('src#1', undefined, window, at + 1), undefined, 'not in Docker: no image to trust');
      assert.equal(store.catalogs.fresh('src#1', 'sha256:aaa', 0, at + 1), undefined, 'a window of 0 always discovers');
      assert.equal(store.catalogs.fresh('src#2', 'sha256:aaa', window, at + 1), undefined);
      // A catalog kept without an image (a local connector's) is still there for the early start.
      store.catalogs.put('src#3', catalog, undefined, at);
      assert.equal(store.catalogs.fresh('src#3', 'sha256:aaa', window, at + 1), undefined);
      assert.deepEqual(store.catalogs.get('src#3'), catalog);
    } finally {
      await store.close();
    }
  });

  it('migrates a file written with an older schema, keeping its data', async () => {
    const f = file('migrate');
    await fs.mkdir(path.dirname(f), { recursive: true });
    // A version-1 file as the first release wrote it: states and run history only (the cache tables
    // came with version 2, read catalogs with 3, run labels and links with 4).
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    STORE_MIGRATIONS[0](db);
    db.run("INSERT INTO states VALUES ('s', 'd', '', 'LEGACY', '{\"data\":{\"cursor\":9}}', 1)");
    db.run(
      "INSERT INTO runs (kind, source, source_id, destination, destination_id, streams, started_at, status) VALUES ('write', 'source-x', 's', 'destination-y', 'd', '[]', 5, 'succeeded')",
    );
    db.run('PRAGMA user_version = 1');
    await fs.writeFile(f, db.export());
    db.close();
    const migrated = await WorkspaceStore.open({ path: f });
    try {
      assert.equal(migrated.schemaVersion, STORE_SCHEMA_VERSION);
      assert.deepEqual(migrated.states.get('s', 'd')[0].state, { data: { cursor: 9 } });
      assert.equal(migrated.cacheIndex.stream('s', 'users'), undefined, 'the new tables exist and are empty');
      assert.equal(migrated.runs.catalog(1), undefined);
      const old = migrated.runs.get(1)!;
      assert.equal(old.source, 'source-x', 'the old run is kept');
      assert.equal(old.destination, 'destination-y');
      for (const field of [
        'sourceLabel',
        'sourceConfigPath',
        'sourceConnector',
        'destinationLabel',
        'parentRunId',
        'forDestinationId',
      ] as const)
        assert.equal(old[field], undefined, `${field} is unknown for a run recorded before it existed`);
    } finally {
      await migrated.close();
    }
  });

  it('keeps who a run is about (labels, config paths, connectors, parent read) across reopening', async () => {
    const f = file('run-parties');
    const store = await WorkspaceStore.open({ path: f });
    const read = store.runs.begin({
      kind: 'read',
      source: 'source-faker',
      sourceId: 'source-faker#1',
      sourceLabel: 'faker',
      sourceConfigPath: '/w/faker.airbyte.jsonc',
      sourceConnector: 'source-faker',
      forDestinationId: 'destination-duckdb#2',
      streams: ['users'],
      strategy: 'auto',
      mode: 'cache',
    });
    const write = store.runs.begin({
      kind: 'write',
      source: 'source-faker',
      sourceId: 'source-faker#1',
      sourceLabel: 'faker',
      sourceConfigPath: '/w/faker.airbyte.jsonc',
      sourceConnector: 'source-faker',
      destination: 'destination-duckdb',
      destinationId: 'destination-duckdb#2',
      destinationLabel: 'warehouse',
      destinationConfigPath: '/w/warehouse.airbyte.jsonc',
      destinationConnector: 'destination-duckdb',
      parentRunId: read,
      streams: ['users'],
      strategy: 'auto',
      mode: 'cache',
    });
    await store.close();
    const again = await WorkspaceStore.open({ path: f, lock: false });
    try {
      const [w, r] = again.runs.list();
      assert.deepEqual(
        [
          w.id,
          w.sourceLabel,
          w.sourceConfigPath,
          w.sourceConnector,
          w.destinationLabel,
          w.destinationConfigPath,
          w.destinationConnector,
          w.parentRunId,
        ],
        [write, 'faker', '/w/faker.airbyte.jsonc', 'source-faker', 'warehouse', '/w/warehouse.airbyte.jsonc', 'destination-duckdb', read],
      );
      assert.equal(w.forDestinationId, undefined);
      assert.deepEqual(
        [r.id, r.kind, r.sourceLabel, r.forDestinationId, r.destinationLabel, r.parentRunId],
        [read, 'read', 'faker', 'destination-duckdb#2', undefined, undefined],
      );
    } finally {
      await again.close();
    }
  });

  it('refuses a file from a newer version instead of damaging it', async () => {
    const f = file('newer');
    await fs.mkdir(path.dirname(f), { recursive: true });
    const SQL = await initSqlJs();
    const db = new SQL.Database();
    db.run(`PRAGMA user_version = ${STORE_SCHEMA_VERSION + 5}`);
    await fs.writeFile(f, db.export());
    db.close();
    const before = await fs.readFile(f);
    await assert.rejects(
      WorkspaceStore.open({ path: f }),
      (e: unknown) => isAirbyteError(e, 'STORE_CORRUPT') && /newer version/.test(e.message),
    );
    assert.deepEqual(await fs.readFile(f), before, 'file untouched');
    assert.ok(!existsSync(`${f}.lock`), 'lock released after the refusal');
  });

  it('serializes and coalesces concurrent saves, leaving no temp files', async () => {
    const f = file('saves');
    const store = await WorkspaceStore.open({ path: f });
    try {
      const saves: Promise<void>[] = [];
      for (let i = 0; i < 20; i++) {
        store.states.put('s', 'd', [
          {
            streamKey: `s${i}`,
            type: 'STREAM',
            state: { type: 'STREAM', stream: { stream_descriptor: { name: `s${i}` }, stream_state: { i } } },
          },
        ]);
        saves.push(store.save());
      }
      await Promise.all(saves);
      const entries = await fs.readdir(path.dirname(f));
      assert.deepEqual(
        entries.filter((e) => e.includes('.tmp-')),
        [],
      );
      const SQL = await initSqlJs();
      const db = new SQL.Database(await fs.readFile(f));
      assert.equal(db.exec('SELECT COUNT(*) FROM states')[0].values[0][0], 20, 'the last save holds every change');
      db.close();
    } finally {
      await store.close();
    }
  });

  it('tells a second opener that the store is in use, naming the pid', async () => {
    const f = file('lock');
    const first = await WorkspaceStore.open({ path: f, purpose: 'test run' });
    try {
      await assert.rejects(
        WorkspaceStore.open({ path: f }),
        (e: unknown) => isAirbyteError(e, 'STORE_IN_USE') && e.message.includes(String(process.pid)) && e.message.includes('test run'),
      );
      const viewer = await WorkspaceStore.open({ path: f, lock: false });
      assert.equal(viewer.schemaVersion, STORE_SCHEMA_VERSION, 'read-only viewers need no lock');
      await viewer.close();
    } finally {
      await first.close();
    }
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    const f = file('stale');
    await fs.mkdir(path.dirname(f), { recursive: true });
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    await fs.writeFile(`${f}.lock`, JSON.stringify({ pid: deadPid, hostname: os.hostname(), startedAt: new Date().toISOString() }));
    const store = await WorkspaceStore.open({ path: f });
    assert.equal(JSON.parse(await fs.readFile(`${f}.lock`, 'utf8')).pid, process.pid);
    await store.close();
  });

  it('moves a corrupt file aside, says so, and starts fresh', async () => {
    const f = file('corrupt');
    await fs.mkdir(path.dirname(f), { recursive: true });
    await fs.writeFile(f, 'this is not a sqlite database at all, just text'.repeat(50));
    const warnings: string[] = [];
    const store = await WorkspaceStore.open({ path: f, onWarning: (w) => warnings.push(w) });
    try {
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /moved to .*state\.sqlite\.corrupt-/);
      const aside = (await fs.readdir(path.dirname(f))).filter((e) => e.startsWith('state.sqlite.corrupt-'));
      assert.equal(aside.length, 1);
      assert.match(await fs.readFile(path.join(path.dirname(f), aside[0]), 'utf8'), /not a sqlite database/);
      assert.equal(store.schemaVersion, STORE_SCHEMA_VERSION);
      assert.deepEqual(store.runs.list(), []);
    } finally {
      await store.close();
    }
  });

  it('a process killed while saving leaves an intact file that opens with its last saved state', async () => {
    const f = file('killed');
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'saveLoopChild.ts'), f], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let saved = 0;
    await new Promise<void>((resolve, reject) => {
      child.on('exit', () => reject(new Error('child exited early')));
      child.stdout!.on('data', (d: Buffer) => {
        const m = /saved (\d+)/.exec(d.toString().trim().split('\n').pop() ?? '');
        if (m) saved = Number(m[1]);
        if (saved >= 15) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const warnings: string[] = [];
    const store = await WorkspaceStore.open({ path: f, onWarning: (w) => warnings.push(w) });
    try {
      // The runs the child began and never finished are reported as interrupted; nothing is damaged.
      assert.deepEqual(
        warnings.filter((w) => !/were interrupted/.test(w)),
        [],
        'not corrupt',
      );
      assert.equal(store.runs.list(100, { status: 'running' }).length, 0, 'no run left running');
      const rows = store.states.get('s', 'd');
      assert.equal(rows.length, 1);
      const n = (rows[0].state.stream?.stream_state as { n: number }).n;
      assert.ok(n >= 15, `the state is the one of a completed save (n=${n})`);
      assert.equal((rows[0].state.stream?.stream_state as { pad: string }).pad.length, 200_000, 'the whole payload is there');
    } finally {
      await store.close();
    }
  });
});
