// package.json states some core rules as literals (VS Code reads them before any code runs): they
// must say what the core says.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { WRITE_STRATEGIES } from '../../../src/core/write/writeStrategy';
import { repoRoot } from '../../harness/paths';

interface Manifest {
  contributes: { configuration: { properties: Record<string, { enum?: string[]; enumDescriptions?: string[]; default?: unknown }> } };
}

const manifest = JSON.parse(readFileSync(`${repoRoot}/package.json`, 'utf8')) as Manifest;

describe('package.json', () => {
  it('offers exactly the core write strategies as airbyte.defaultWriteStrategy, each described, auto by default', () => {
    const setting = manifest.contributes.configuration.properties['airbyte.defaultWriteStrategy'];
    assert.deepEqual(setting.enum, [...WRITE_STRATEGIES]);
    assert.equal(setting.enumDescriptions?.length, WRITE_STRATEGIES.length);
    assert.equal(setting.default, 'auto');
  });
});
