// `environment`: variables for the connector's process, outside its config, so they never change
// which state a run continues from (upstream data growing is not a new source).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getSource } from '../../../src/core/connectors/getConnector';
import { identityOf } from '../../../src/core/write/runParties';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { localTestSource } from '../../harness/testConnectors';

describe('connector environment', () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir('aw-connector-env-');
  });
  after(() => removeTempDir(dir));

  const source = (count: number) =>
    getSource('source-test', {
      localExecutable: localTestSource,
      config: { record_count: 1, state_every: 2 },
      environment: { TEST_SOURCE_RECORD_COUNT: String(count) },
    });

  it('reaches the connector process, keeps the identity, and an incremental rerun reads only what is new', async () => {
    const storePath = path.join(dir, '.airbyte', 'state.sqlite');
    const first = await (await source(4)).read({ storePath, streams: ['users'] });
    assert.equal(first.streams.find((s) => s.stream === 'users')?.recordsRead, 4, 'the environment overrides the config');
    assert.equal(await identityOf(await source(4)), await identityOf(await source(9)));
    const second = await (await source(9)).read({ storePath, streams: ['users'] });
    assert.equal(second.streams.find((s) => s.stream === 'users')?.recordsRead, 5, 'same identity: only the 5 new records');
  });
});
