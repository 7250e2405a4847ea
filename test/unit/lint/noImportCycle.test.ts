// The lint rule that keeps imports pointing down: it must fail on a cycle, type-only imports included,
// and stay quiet on a graph without one. Real files on disk, linted by ESLint with the project's parser.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Rule } from 'eslint';
import { Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

let dir: string;
let linter: Linter;
let config: Linter.Config[];

before(async () => {
  dir = await makeTempDir('import-cycle-');
  const ruleFile = pathToFileURL(path.resolve(__dirname, '../../../scripts/eslint/noImportCycle.mjs')).href;
  const { noImportCycle } = (await import(ruleFile)) as { noImportCycle: Rule.RuleModule };
  linter = new Linter({ cwd: dir, configType: 'flat' });
  config = [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser as Linter.Parser },
      plugins: { local: { rules: { 'no-import-cycle': noImportCycle } } },
      rules: { 'local/no-import-cycle': 'error' },
    },
  ];
});
after(async () => {
  await removeTempDir(dir);
});

/** Writes the files, then lints each one as ESLint would; returns the messages per file. */
async function lint(files: Record<string, string>): Promise<Record<string, string[]>> {
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  const out: Record<string, string[]> = {};
  for (const [name, text] of Object.entries(files)) {
    out[name] = linter.verify(text, config, path.join(dir, name)).map((m) => `${m.line}: ${m.message}`);
  }
  return out;
}

describe('no-import-cycle', () => {
  it('reports both ends of a cycle closed by a type-only import, with the route', async () => {
    const messages = await lint({
      'pipeline.ts': "import { connect } from './connector';\nexport const run = () => connect();\n",
      'connector.ts': "import type { run } from './pipeline';\nexport const connect = (): ReturnType<typeof run> | void => undefined;\n",
    });
    assert.deepEqual(messages['pipeline.ts'], [
      '1: Import cycle: pipeline.ts → connector.ts → pipeline.ts. Move what both sides need into a module below them.',
    ]);
    assert.deepEqual(messages['connector.ts'], [
      '1: Import cycle: connector.ts → pipeline.ts → connector.ts. Move what both sides need into a module below them.',
    ]);
  });

  it('follows a longer cycle through re-exports', async () => {
    const messages = await lint({
      'a.ts': "export * from './b';\n",
      'b.ts': "export { c } from './c';\n",
      'c.ts': "import type { A } from './a';\nexport const c = 1;\nexport type C = A;\n",
    });
    assert.match(messages['a.ts'][0], /Import cycle: a\.ts → b\.ts → c\.ts → a\.ts\./);
    assert.equal(messages['b.ts'].length, 1);
    assert.equal(messages['c.ts'].length, 1);
  });

  it('is quiet when imports only point down', async () => {
    const messages = await lint({
      'top.ts': "import { middle } from './middle';\nimport type { Base } from './base';\nexport const top: Base = middle;\n",
      'middle.ts': "import { base } from './base';\nexport const middle = base;\n",
      'base.ts': "export const base = 1;\nexport type Base = number;\nexport const lazy = () => import('node:fs');\n",
    });
    assert.deepEqual(messages, { 'top.ts': [], 'middle.ts': [], 'base.ts': [] });
  });
});
