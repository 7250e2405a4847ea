// `--full-refresh` (forceFullRefresh): sources are asked for `sync_mode: full_refresh` on every
// stream that supports it (as the Airbyte platform does), not `incremental` without a state; and a
// cached read written again with it sends the whole read, whatever the destination confirmed.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main';
import { getDestination, getSource } from '../../../src/core/connectors/getConnector';
import type { AirbyteCatalog } from '../../../src/core/protocol/messages';
import { buildConfiguredCatalog } from '../../../src/core/write/catalogBuilder';
import { localTestSource } from '../../harness/testConnectors';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { captureIo } from '../cliTestSupport';

const discovered: AirbyteCatalog = {
  streams: [
    { name: 'users', json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'], source_defined_cursor: true },
    { name: 'cdc', json_schema: {}, supported_sync_modes: ['incremental'], default_cursor_field: ['lsn'] },
  ],
};

describe('--full-refresh', () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir('aw-full-refresh-');
  });
  after(async () => removeTempDir(dir));

  it('the catalog asks for full_refresh where a stream supports it, incremental (without state) where it does not', () => {
    const plan = { discovered, strategy: 'append' as const, destination: { name: 'd' }, syncId: 1, currentGeneration: () => 0 };
    const normal = buildConfiguredCatalog(plan).catalog.streams.map((s) => s.sync_mode);
    assert.deepEqual(normal, ['incremental', 'incremental']);
    const full = buildConfiguredCatalog({ ...plan, forceFullRefresh: true });
    assert.deepEqual(
      full.catalog.streams.map((s) => s.sync_mode),
      ['full_refresh', 'incremental'],
    );
    assert.deepEqual(
      full.plans.map((p) => p.syncMode),
      ['full_refresh', 'incremental'],
    );
    assert.equal(full.catalog.streams[0].cursor_field, undefined, 'no cursor for a full refresh');
  });

  for (const cache of [true, false]) {
    it(`the source is asked for sync_mode full_refresh (${cache ? 'through the cache' : 'streamed'})`, async () => {
      const work = await fs.mkdtemp(path.join(dir, 'source-'));
      const source = await getSource('source-test', { localExecutable: localTestSource, config: { record_count: 20, state_every: 5 } });
      const destination = await getDestination('builtin:jsonl', { config: { destination_path: 'out' }, baseDir: work });
      const asked: string[] = [];
      const write = (forceFullRefresh: boolean) =>
        destination.write(source, {
          storePath: path.join(work, '.airbyte', 'state.sqlite'),
          streams: ['users'],
          writeStrategy: 'append',
          cache,
          forceFullRefresh,
          onLog: (_name, line) => {
            const m = /reading users as (\w+)/.exec(line.text);
            if (m) asked.push(m[1]);
          },
        });
      assert.equal((await write(false)).totals.recordsConfirmed, 20);
      const again = await write(true);
      assert.deepEqual(asked, ['incremental', 'full_refresh']);
      assert.equal(again.totals.recordsSent, 20, 'everything read and sent again');
      assert.equal(again.streams[0].syncMode, 'full_refresh');
    });
  }

  it('write --source cache:N --full-refresh --strategy append sends the whole cached read again', async () => {
    const work = await fs.mkdtemp(path.join(dir, 'replay-'));
    const src = path.join(work, 'sample.airbyte.jsonc');
    const dst = path.join(work, 'out.airbyte.jsonc');
    await fs.writeFile(src, '{ "connector": "builtin:sample", "config": { "count": 40 } }\n');
    await fs.writeFile(dst, '{ "connector": "builtin:jsonl", "config": { "destination_path": "out" } }\n');
    const read = captureIo();
    assert.equal(await main(['read', '--source', src, '--json'], read), 0, read.stderr.join('\n'));
    const runId = (JSON.parse(read.stdout.join('')) as { runId: number }).runId;
    const write = async (...extra: string[]) => {
      const io = captureIo();
      assert.equal(
        await main(['write', '--source', `cache:${runId}`, '--destination', dst, '--strategy', 'append', '--json', ...extra], io),
        0,
      );
      return JSON.parse(io.stdout.join('')) as { totals: { recordsSent: number; recordsConfirmed: number } };
    };
    assert.equal((await write()).totals.recordsSent, 120);
    assert.equal((await write()).totals.recordsSent, 0, 'confirmed: nothing new');
    const full = await write('--full-refresh');
    assert.deepEqual([full.totals.recordsSent, full.totals.recordsConfirmed], [120, 120]);
    const users = (await fs.readFile(path.join(work, 'out', 'users.jsonl'), 'utf8')).split('\n').filter(Boolean);
    assert.equal(users.length, 80, 'append: the read twice');
  });
});
