// The executor choice with a reachable engine: a connector the registry also publishes on PyPI
// runs on Docker when its engine answers (the venv is only the fallback for an unreachable one).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { TEST_SOURCE_IMAGE } from '../../../scripts/buildTestImages';
import { getSource } from '../../../src/core/connectors/getConnector';
import type { RegistryEntry } from '../../../src/core/registry/registryTypes';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { assertNoContainersLeft, testDocker } from './dockerHelpers';

let tmp: string;
before(async () => {
  await testDocker();
  tmp = await makeTempDir('venv-fallback-');
});
afterEach(async () => assertNoContainersLeft());
after(async () => removeTempDir(tmp));

describe('Docker or venv', () => {
  it('a PyPI-published connector runs on Docker when the engine answers: no venv, no notice', async () => {
    const [repository, tag] = TEST_SOURCE_IMAGE.split(':');
    const entry: RegistryEntry = {
      type: 'source',
      name: 'source-test',
      displayName: 'Test source',
      dockerRepository: repository,
      dockerImageTag: tag,
      raw: { remoteRegistries: { pypi: { enabled: true, packageName: 'airbyte-source-test' } } },
    };
    const notices: string[] = [];
    const installRoot = path.join(tmp, 'venvs');
    const source = await getSource('source-test', {
      registry: { find: (name) => (name === entry.name ? entry : undefined) },
      config: { record_count: 1 },
      installRoot,
      onNotice: (m) => notices.push(m),
    });
    assert.equal((await source.check()).status, 'SUCCEEDED');
    assert.equal(source.executor.kind, 'docker');
    assert.equal(source.executor.displayName, TEST_SOURCE_IMAGE);
    assert.match(source.runsOn(), /^docker /);
    assert.deepEqual(notices, []);
    assert.equal(existsSync(installRoot), false, 'no venv was made');
  });
});
