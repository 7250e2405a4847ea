import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAirbyteError } from '../../../src/core/errors';
import { writeBackConnectorConfig } from '../../../src/core/write/configWriteBack';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

const original = `// My API source
{
  "connector": "source-example",
  "config": {
    // rotated by the connector
    "access_token": "tok-1",
    "refresh_token": "\${env:REFRESH}", /* from the environment */
    "start_date": "2024-01-01"
  }
}
`;

describe('CONTROL config write-back', () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir('aw-control-');
  });
  after(async () => {
    await removeTempDir(dir);
  });

  it('updates only the changed values, keeping comments, and leaves references alone', async () => {
    const file = path.join(dir, 'a.airbyte.jsonc');
    await fs.writeFile(file, original);
    const previous = { access_token: 'tok-1', refresh_token: 'r-1', start_date: '2024-01-01' };
    const result = await writeBackConnectorConfig(
      file,
      { access_token: 'tok-2', refresh_token: 'r-2', start_date: '2024-01-01' },
      { previous },
    );
    assert.deepEqual(result.updated, ['access_token']);
    assert.deepEqual(result.skippedReferences, ['refresh_token']);
    const text = await fs.readFile(file, 'utf8');
    assert.equal(text, original.replace('"tok-1"', '"tok-2"'));
    assert.deepEqual(
      (await fs.readdir(dir)).filter((f) => f.includes('tmp')),
      [],
      'atomic replace leaves no temp file',
    );
  });

  it('rejects an update that is not an object or fails validation, leaving the file unchanged', async () => {
    const file = path.join(dir, 'b.airbyte.jsonc');
    await fs.writeFile(file, original);
    await assert.rejects(writeBackConnectorConfig(file, 'nope', { previous: {} }), (e: unknown) => isAirbyteError(e, 'CONFIG_INVALID'));
    await assert.rejects(
      writeBackConnectorConfig(file, { access_token: 918273645 }, { previous: {}, validate: () => ['/access_token: must be string'] }),
      (e: unknown) => isAirbyteError(e, 'CONFIG_INVALID') && !e.message.includes('918273645') && /must be string/.test(e.guidance ?? ''),
    );
    assert.equal(await fs.readFile(file, 'utf8'), original);
  });
});
