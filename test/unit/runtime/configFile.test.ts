import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfigFile, parseConfigFileText, resolveSecretReferences } from '../../../src/core/config/configFile';
import { AirbyteError, isAirbyteError } from '../../../src/core/errors';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

let tmp: string;
before(async () => {
  tmp = await makeTempDir('config-file-');
});
after(async () => removeTempDir(tmp));

describe('loadConfigFile', () => {
  it('reads JSONC with comments and trailing commas, resolving localDir against the file', async () => {
    const file = path.join(tmp, 'sub', 'duck.airbyte.jsonc');
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(
      file,
      `// my destination
{
  "connector": "destination-duckdb", /* pinned */
  "version": "0.4.0",
  "useHostNetwork": true,
  "localDir": "../data",
  "config": { "destination_path": "/local/out.duckdb", },
}
`,
    );
    const loaded = await loadConfigFile(file);
    assert.equal(loaded.connector, 'destination-duckdb');
    assert.equal(loaded.version, '0.4.0');
    assert.equal(loaded.useHostNetwork, true);
    assert.equal(loaded.localDir, path.join(tmp, 'data'));
    assert.deepEqual(loaded.config, { destination_path: '/local/out.duckdb' });
    assert.equal(loaded.baseDir, path.dirname(file));
  });

  it('names file, line and column of a syntax error', () => {
    const text = '{\n  "connector": "destination-duckdb",\n  "config": { "a": 1 "b": 2 }\n}';
    assert.throws(
      () => parseConfigFileText(text, '/x/bad.airbyte.jsonc'),
      (e: unknown) =>
        isAirbyteError(e, 'CONFIG_FILE') && /\/x\/bad\.airbyte\.jsonc:3:22: invalid JSON: a comma was expected/.test(e.message),
    );
  });

  it('explains shape problems: missing connector, config not an object, wrong types, unknown keys', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"config": {}}', /"connector" is missing/],
      ['{"connector": "destination-x", "config": []}', /"config" must be an object/],
      ['{"connector": "destination-x", "config": {}, "useHostNetwork": "yes"}', /:1:\d+: "useHostNetwork" must be true or false/],
      ['{"connector": "destination-x", "config": {}, "localdir": "x"}', /unknown key "localdir"/],
      ['[1]', /one JSON object/],
    ];
    for (const [text, pattern] of cases) {
      assert.throws(
        () => parseConfigFileText(text, 'f.airbyte.jsonc'),
        (e: unknown) => isAirbyteError(e, 'CONFIG_FILE') && pattern.test(e.message),
        text,
      );
    }
    assert.equal(parseConfigFileText('{"$schema": "x", "connector": "builtin:sample", "config": {}}', 'f').connector, 'builtin:sample');
  });

  it('says when the file does not exist', async () => {
    await assert.rejects(
      loadConfigFile(path.join(tmp, 'nope.airbyte.jsonc')),
      (e: unknown) => isAirbyteError(e, 'CONFIG_FILE') && /does not exist/.test(e.message),
    );
  });
});

describe('resolveSecretReferences', () => {
  const env = { PG_PASSWORD: 'hunter2', API_TOKEN: 'tok-123', HOST: 'db.local' };

  it('replaces ${env:NAME} anywhere and secret_reference::NAME as a whole value, in nested fields and arrays', () => {
    const { config, resolvedValues } = resolveSecretReferences(
      {
        password: '${env:PG_PASSWORD}',
        dsn: 'postgres://u:${env:PG_PASSWORD}@${env:HOST}/db',
        credentials: { token: 'secret_reference::API_TOKEN' },
        list: ['${env:HOST}', 3],
        port: 5432,
        literal: 'secret_reference::not a ref',
      },
      env,
    );
    assert.deepEqual(config, {
      password: 'hunter2',
      dsn: 'postgres://u:hunter2@db.local/db',
      credentials: { token: 'tok-123' },
      list: ['db.local', 3],
      port: 5432,
      literal: 'secret_reference::not a ref',
    });
    assert.deepEqual(new Set(resolvedValues), new Set(['hunter2', 'db.local', 'tok-123']));
  });

  it('leaves the input untouched', () => {
    const input = { password: '${env:PG_PASSWORD}' };
    resolveSecretReferences(input, env);
    assert.equal(input.password, '${env:PG_PASSWORD}');
  });

  it('names the missing variable and the field', () => {
    assert.throws(
      () => resolveSecretReferences({ credentials: { token: '${env:MISSING_TOKEN}' } }, env),
      (e: unknown) =>
        e instanceof AirbyteError &&
        e.code === 'CONFIG_INVALID' &&
        /credentials\.token/.test(e.message) &&
        /MISSING_TOKEN/.test(e.message) &&
        /export MISSING_TOKEN=/.test(e.guidance ?? ''),
    );
  });
});
