import assert from 'node:assert/strict';
import path from 'node:path';
import { registrySamplePath, specsDir } from '../../harness/paths';
import { describe, it } from 'node:test';
import { loadRegistryFile } from '../../../src/core/registry/registry';
import { collectSecretValues } from '../../../src/core/secrets';
import { validateConfig } from '../../../src/core/spec/specValidator';
import { NOOP_DESTINATION_CONFIG, getNoopDestination } from '../../../src/core/write/noopDestination';

describe('getNoopDestination', () => {
  it("is Airbyte's dev-null image at the registry's pinned tag, in SILENT mode, refresh-capable", async () => {
    const registry = await loadRegistryFile(registrySamplePath);
    const destination = await getNoopDestination({ registry });
    assert.equal(destination.name, 'destination-dev-null');
    assert.equal(destination.executor.displayName, 'airbyte/destination-dev-null:0.9.4');
    assert.deepEqual(destination.config, { test_destination: { test_destination_type: 'SILENT' } });
    assert.equal(destination.supportsRefreshes, true);
  });

  it('its config is valid against the real dev-null spec', async () => {
    const spec = (await import(path.join(specsDir, 'destination-dev-null.spec.json'))) as {
      connectionSpecification: Record<string, unknown>;
    };
    assert.deepEqual(validateConfig(NOOP_DESTINATION_CONFIG, spec.connectionSpecification), []);
    assert.equal(collectSecretValues(NOOP_DESTINATION_CONFIG, spec.connectionSpecification).size, 0);
  });
});
