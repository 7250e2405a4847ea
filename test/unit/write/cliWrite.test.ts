import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main';
import { defaultStorePath } from '../../../src/cli/commands/runOutput';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { captureIo } from '../cliTestSupport';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

describe('airbyte-write write / read', () => {
  let dir: string;
  let src: string;
  let dst: string;
  before(async () => {
    dir = await makeTempDir('aw-cli-');
    src = path.join(dir, 'sample.airbyte.jsonc');
    dst = path.join(dir, 'warehouse.airbyte.jsonc');
    await fs.writeFile(src, '// sample\n{ "connector": "builtin:sample", "config": { "count": 120 } }\n');
    await fs.writeFile(dst, '{ "connector": "builtin:sqlite", "config": { "destination_path": "out/w.sqlite" } }\n');
  });
  after(async () => {
    await removeTempDir(dir);
  });

  it('writes, prints a per-stream table, and keeps the store beside the config files', async () => {
    const io = captureIo();
    assert.equal(await main(['write', '--source', src, '--destination', dst], io), 0, io.stderr.join('\n'));
    const text = io.stdout.join('\n');
    assert.match(text, /Stream\s+Read as\s+Written as\s+Read\s+Sent\s+Confirmed/);
    assert.match(text, /users\s+incremental\s+append_dedup\s+120\s+120\s+120/);
    assert.match(text, /360 confirmed by builtin:sqlite/);
    assert.ok(existsSync(path.join(dir, '.airbyte', 'state.sqlite')));
    assert.ok(existsSync(path.join(dir, 'out', 'w.sqlite')));
  });

  it('--json prints the result with per-stream counts; the second run is incremental', async () => {
    const io = captureIo();
    assert.equal(await main(['write', '--source', src, '--destination', dst, '--json', '--streams', 'users'], io), 0);
    const result = JSON.parse(io.stdout.join('')) as {
      ok: boolean;
      streams: Array<{ stream: string; recordsSent: number }>;
      runId: number;
    };
    assert.equal(result.ok, true);
    assert.deepEqual(
      result.streams.map((s) => [s.stream, s.recordsSent]),
      [['users', 0]],
    );
  });

  it('read fills the cache and can print the records', async () => {
    const io = captureIo();
    assert.equal(await main(['read', src, '--streams', 'products', '--records', '--full-refresh'], io), 0, io.stderr.join('\n'));
    assert.equal(io.stdout.length, 120);
    assert.equal((JSON.parse(io.stdout[0]) as { stream: string }).stream, 'products');
  });

  it('usage errors exit 2 and name the problem', async () => {
    for (const args of [
      ['write', '--destination', dst],
      ['write', '--source', src, '--destination', dst, '--strategy', 'upsert'],
      ['write', '--bogus'],
    ]) {
      const io = captureIo();
      assert.equal(await main(args, io), 2, args.join(' '));
      assert.ok(io.stderr.join('\n').length > 0);
    }
  });

  it('failures exit 1 with the reason: an unknown stream names the real ones', async () => {
    const io = captureIo();
    assert.equal(await main(['write', '--source', src, '--destination', dst, '--streams', 'nope'], io), 1);
    assert.match(io.stderr.join('\n'), /no stream named "nope"[\s\S]*users, products, purchases/);
  });

  it('a held store gives an "in use" message', async () => {
    const held = await WorkspaceStore.open({ path: path.join(dir, '.airbyte', 'state.sqlite'), purpose: 'another run' });
    try {
      const io = captureIo();
      assert.equal(await main(['write', '--source', src, '--destination', dst], io), 1);
      assert.match(io.stderr.join('\n'), /in use by another run .*another run/);
    } finally {
      await held.close();
    }
  });

  it('finds the workspace store from the config file folder upward', async () => {
    const nested = path.join(dir, 'a', 'b');
    await fs.mkdir(nested, { recursive: true });
    assert.equal(defaultStorePath(path.join(nested, 'x.airbyte.jsonc'), '/'), path.join(dir, '.airbyte', 'state.sqlite'));
    const lonely = await makeTempDir('aw-lonely-');
    assert.equal(defaultStorePath(undefined, lonely), path.join(lonely, '.airbyte', 'state.sqlite'));
    await removeTempDir(lonely);
  });
});
