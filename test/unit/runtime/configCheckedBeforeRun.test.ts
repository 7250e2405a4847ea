import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getConnectorFromFile, getDestination, getSource } from '../../../src/core/connectors/getConnector';
import { isAirbyteError } from '../../../src/core/errors';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

describe('a config is checked against its spec before a connector starts', () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir('config-checked-');
  });
  after(async () => {
    await removeTempDir(dir);
  });

  it('names every problem and the file to fix, and the connector never runs', async () => {
    const file = path.join(dir, 'bad.airbyte.jsonc');
    await fs.writeFile(file, '{ "connector": "builtin:jsonl", "config": { "destination_path": 42 } }');
    const destination = await getConnectorFromFile(file);
    await assert.rejects(destination.check(), (e: unknown) => {
      assert.ok(isAirbyteError(e, 'CONFIG_INVALID'), String(e));
      assert.match(e.message, /\/destination_path: .*must be text/i);
      assert.match(e.guidance ?? '', new RegExp(`airbyte-write validate ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      return true;
    });
    assert.deepEqual(await fs.readdir(dir), ['bad.airbyte.jsonc'], 'nothing was written: the destination never ran');
  });

  it('stops a write before any connector starts', async () => {
    const source = await getSource('builtin:sample', { config: { count: 'many' }, baseDir: dir });
    const destination = await getDestination('builtin:jsonl', { config: { destination_path: 'out' }, baseDir: dir });
    await assert.rejects(
      destination.write(source, { storePath: path.join(dir, '.airbyte', 'state.sqlite'), cache: false }),
      (e: unknown) => isAirbyteError(e, 'CONFIG_INVALID') && /\/count: Records per stream must be an integer/.test(e.message),
    );
    await assert.rejects(fs.access(path.join(dir, 'out')), 'no output folder: nothing ran');
  });

  it('leaves a value resolved from a reference to the connector (environment values are always text)', async () => {
    const source = await getSource('builtin:sample', { config: { count: '${env:N}' }, env: { N: '3' }, baseDir: dir });
    assert.equal((await source.check()).status, 'SUCCEEDED');
  });
});
