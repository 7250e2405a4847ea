// Configs that fuzzing found to crash or to be read differently by `validate` and by `check`.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main';
import { MAX_NESTING, parseJsoncValue } from '../../../src/core/config/jsoncValue';
import { captureIo } from '../cliTestSupport';

describe('JSONC values', () => {
  it('keeps "__proto__" as an own key and never touches the prototype', () => {
    const { value } = parseJsoncValue('{ "__proto__": { "polluted": 1 }, "a": 1 }');
    const object = value as Record<string, unknown>;
    assert.deepEqual(Object.keys(object), ['__proto__', 'a']);
    assert.equal(Object.getPrototypeOf(object), Object.prototype);
    assert.equal((object as { polluted?: unknown }).polluted, undefined);
  });

  it('keeps the last of duplicated keys and says where the ignored one is', () => {
    const text = '{ "count": 5, /* again */ "count": 7 }';
    const { value, duplicates } = parseJsoncValue(text);
    assert.deepEqual(value, { count: 7 });
    assert.deepEqual(duplicates, [{ key: 'count', offset: text.indexOf('"count"') }]);
  });

  it('refuses nesting past the limit without overflowing the stack (10,000 levels)', () => {
    const deep = `{"x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const parsed = parseJsoncValue(deep);
    assert.equal(parsed.tooDeepAt, 5 + MAX_NESTING - 1);
    assert.equal(parsed.value, undefined);
    assert.equal(parseJsoncValue(`{"x":${'['.repeat(MAX_NESTING - 1)}${']'.repeat(MAX_NESTING - 1)}}`).tooDeepAt, undefined);
  });
});

describe('validate and check agree on odd configs', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsonc-value-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const io = captureIo();
    const code = await main(args, io);
    return { code, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
  }

  it('a "__proto__" key in config is an unknown field for both', async () => {
    const file = path.join(dir, 'proto.airbyte.jsonc');
    await fs.writeFile(file, '{ "connector": "builtin:sample", "config": { "count": 5, "__proto__": { "seed": 1 } } }');
    const validate = await run(['validate', file, '--no-docker']);
    const check = await run(['check', file]);
    assert.equal(validate.code, 1, validate.stdout + validate.stderr);
    assert.equal(check.code, 1, check.stdout + check.stderr);
    assert.match(validate.stdout, /Unknown field “__proto__”/);
    assert.match(check.stderr, /Unknown field “__proto__”/);
  });

  it('10,000 levels of nesting: a clear message with the position, exit 1, JSON with --json', async () => {
    const file = path.join(dir, 'deep.airbyte.jsonc');
    await fs.writeFile(file, `{ "connector": "builtin:sample", "config": { "count": ${'['.repeat(10_000)}${']'.repeat(10_000)} } }`);
    const check = await run(['check', file, '--json']);
    assert.equal(check.code, 1);
    const result = JSON.parse(check.stdout) as { ok: boolean; error: { code: string; message: string } };
    assert.equal(result.error.code, 'CONFIG_FILE');
    assert.match(result.error.message, /:1:\d+: values are nested more than 100 levels deep/);
    const validate = await run(['validate', file, '--no-docker']);
    assert.equal(validate.code, 1);
    assert.match(validate.stdout, /deep\.airbyte\.jsonc:1:\d+: error: Values are nested more than 100 levels deep/);
  });
});
