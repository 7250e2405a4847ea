import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main';
import { captureIo } from '../cliTestSupport';
import { sqliteCount } from '../sqliteTestSupport';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

describe('airbyte-write read → write --source cache:<runId> → runs', () => {
  let dir: string;
  let src: string;
  let dst: string;
  let other: string;
  let storePath: string;
  let readRunId: number;
  before(async () => {
    dir = await makeTempDir('aw-cli-cache-');
    src = path.join(dir, 'sample.airbyte.jsonc');
    dst = path.join(dir, 'warehouse.airbyte.jsonc');
    other = path.join(dir, 'other.airbyte.jsonc');
    storePath = path.join(dir, '.airbyte', 'state.sqlite');
    await fs.writeFile(src, '{ "connector": "builtin:sample", "config": { "count": 90 } }\n');
    await fs.writeFile(dst, '{ "connector": "builtin:sqlite", "config": { "destination_path": "out/w.sqlite" } }\n');
    await fs.writeFile(other, '{ "connector": "builtin:sqlite", "config": { "destination_path": "out/other.sqlite" } }\n');
  });
  after(async () => {
    await removeTempDir(dir);
  });

  it('read prints the run id and how to write it', async () => {
    const io = captureIo();
    assert.equal(await main(['read', '--source', src], io), 0, io.stderr.join('\n'));
    const text = io.stdout.join('\n');
    const m = /Run (\d+) read 270 new records/.exec(text);
    assert.ok(m, text);
    readRunId = Number(m[1]);
    assert.match(text, new RegExp(`airbyte-write write --source cache:${readRunId} --destination <ref>`));
  });

  it('write --source cache:<runId> sends the cached records; again sends nothing; another destination gets all', async () => {
    const io = captureIo();
    assert.equal(await main(['write', '--source', `cache:${readRunId}`, '--destination', dst], io), 0, io.stderr.join('\n'));
    const text = io.stdout.join('\n');
    // Nothing is read from the source: the records come from the cache.
    assert.match(text, /users\s+incremental\s+append_dedup\s+0\s+90\s+90/);
    assert.match(text, /\(replayed\) succeeded .* 270 sent, 270 confirmed by builtin:sqlite/);
    assert.equal(await sqliteCount(path.join(dir, 'out', 'w.sqlite'), 'users'), 90);

    const again = captureIo();
    assert.equal(
      await main(['write', '--source', `cache:${readRunId}`, '--destination', dst, '--json'], again),
      0,
      again.stderr.join('\n'),
    );
    const second = JSON.parse(again.stdout.join('')) as { mode: string; totals: { recordsSent: number }; stateFile: string };
    assert.equal(second.mode, 'replay');
    assert.equal(second.totals.recordsSent, 0);
    assert.equal(second.stateFile, storePath, 'the store beside the destination config is found');

    const third = captureIo();
    assert.equal(
      await main(['write', '--source', `cache:${readRunId}`, '--destination', other, '--streams', 'purchases', '--json'], third),
      0,
      third.stderr.join('\n'),
    );
    const result = JSON.parse(third.stdout.join('')) as { streams: Array<{ stream: string; recordsConfirmed: number }> };
    assert.deepEqual(
      result.streams.map((s) => [s.stream, s.recordsConfirmed]),
      [['purchases', 90]],
    );
    assert.equal(await sqliteCount(path.join(dir, 'out', 'other.sqlite'), 'purchases'), 90);
  });

  it('runs lists the history and marks the read as writable; --cached --json lists cached reads', async () => {
    const io = captureIo();
    assert.equal(await main(['runs', '--state-file', storePath], io), 0, io.stderr.join('\n'));
    const text = io.stdout.join('\n');
    assert.match(text, /Run\s+Kind\s+Status\s+Source → Destination/);
    assert.match(
      text,
      new RegExp(`^${readRunId}\\s+read\\s+succeeded\\s+builtin:sample → cache\\s+270\\s+-\\s+-\\s+\\S+ \\S+\\s+cache:${readRunId}$`, 'm'),
    );
    assert.match(text, /write \(replay\)\s+succeeded\s+builtin:sample → builtin:sqlite\s+0\s+270\s+270/);

    const json = captureIo();
    assert.equal(await main(['runs', '--cached', '--json', '--state-file', storePath], json), 0);
    const listed = JSON.parse(json.stdout.join('')) as { cachedReads: Array<{ runId: number; source: string; cachedRecords: number }> };
    assert.deepEqual(
      listed.cachedReads.map((r) => [r.runId, r.source, r.cachedRecords]),
      [[readRunId, 'builtin:sample', 270]],
    );
  });

  it('a run id that is not a cached read is a usage error naming the ones there are', async () => {
    const io = captureIo();
    assert.equal(await main(['write', '--source', 'cache:999', '--destination', dst], io), 2);
    const err = io.stderr.join('\n');
    assert.match(err, /Run 999 is not in the run history/);
    assert.match(err, new RegExp(`cache:${readRunId} \\(builtin:sample\\)`));

    const bad = captureIo();
    assert.equal(await main(['write', '--source', 'cache:x', '--destination', dst], bad), 2);
    assert.match(bad.stderr.join('\n'), /is not a cached read/);
    const noCache = captureIo();
    assert.equal(await main(['write', '--source', `cache:${readRunId}`, '--destination', dst, '--no-cache'], noCache), 2);
  });
});
