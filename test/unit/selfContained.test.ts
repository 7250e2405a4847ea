// A clone of the repository alone must build and pass its tests: nothing may read the reference
// folder that sat beside it during development (`../shared`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../harness/paths';

describe('the repository stands on its own', () => {
  it('no tracked file refers to ../shared', () => {
    const files = spawnSync('git', ['ls-files'], { cwd: repoRoot, encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    assert.ok(files.length > 100, 'git ls-files lists the repository');
    const pattern = /\.\.\/(?:\.\.\/)*shared\/(?:fixtures|airbyte-protocol|airbyte-api|docs)|['"`](?:\.\.\/)+shared['"`]/;
    const offenders = files.filter((f) => {
      if (f === 'test/unit/selfContained.test.ts') return false;
      const text = readFileSync(path.join(repoRoot, f), 'utf8');
      return pattern.test(text);
    });
    assert.deepEqual(offenders, []);
  });

  it('the fixtures the tests read are in the repository, with their provenance', () => {
    const source = readFileSync(path.join(repoRoot, 'test', 'fixtures', 'SOURCE.md'), 'utf8');
    for (const dir of ['specs/', 'registry/oss_registry.sample.json', 'airbyte-protocol/']) assert.ok(source.includes(dir), dir);
  });
});
