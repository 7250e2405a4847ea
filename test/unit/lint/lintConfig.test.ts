// `npm run lint` is ESLint with the project's config, then `prettier --check .`: both must fail on
// what the house rules forbid (an import cycle, a core file reaching into the hosts, unformatted code).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ESLint } from 'eslint';
import { repoRoot } from '../../harness/paths';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

describe('npm run lint', () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir('lint-config-');
  });
  after(() => removeTempDir(dir));

  it('runs ESLint and then prettier --check', async () => {
    const pkg = (await import(path.join(repoRoot, 'package.json'))) as { scripts: Record<string, string> };
    assert.equal(pkg.scripts.lint, 'eslint . && prettier --check .');
  });

  it("the project's ESLint config applies the cycle and layering rules to every source file", async () => {
    const eslint = new ESLint({ cwd: repoRoot });
    for (const file of ['src/core/write/writePipeline.ts', 'src/extension/extension.ts', 'src/cli/main.ts']) {
      const config = (await eslint.calculateConfigForFile(path.join(repoRoot, file))) as { rules: Record<string, unknown> };
      const level = (rule: string) => (Array.isArray(config.rules[rule]) ? (config.rules[rule] as unknown[])[0] : config.rules[rule]);
      assert.ok([2, 'error'].includes(level('local/no-import-cycle') as number | string), `${file}: no-import-cycle is an error`);
    }
    const core = (await eslint.calculateConfigForFile(path.join(repoRoot, 'src/core/docker/runContainer.ts'))) as {
      rules: Record<string, unknown>;
    };
    assert.ok(core.rules['import-x/no-restricted-paths'], 'docker/ may not import executors/');
  });

  it('prettier --check fails on unformatted code and passes on the same code formatted', async () => {
    const file = path.join(dir, 'sample.ts');
    const prettier = path.join(repoRoot, 'node_modules', '.bin', 'prettier');
    const config = path.join(repoRoot, '.prettierrc.json');
    await writeFile(file, "export const a   =  { b:1,c:'x' }\n");
    assert.equal(spawnSync(prettier, ['--config', config, '--check', file]).status, 1);
    assert.equal(spawnSync(prettier, ['--config', config, '--write', file]).status, 0);
    assert.equal(spawnSync(prettier, ['--config', config, '--check', file]).status, 0);
  });
});
