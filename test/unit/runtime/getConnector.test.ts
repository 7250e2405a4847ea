// Connector resolution against the real registry sample (no Docker needed: executors connect lazily).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { registrySamplePath } from '../../harness/paths';
import { after, before, describe, it } from 'node:test';
import { getConnectorFromFile, getDestination, getSource, nameFromImage, typeFromName } from '../../../src/core/connectors/getConnector';
import { isAirbyteError } from '../../../src/core/errors';
import { loadRegistryFile } from '../../../src/core/registry/registry';
import type { Registry } from '../../../src/core/registry/registry';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { localTestSource } from '../../harness/testConnectors';

const sample = registrySamplePath;
let registry: Registry;
let tmp: string;

before(async () => {
  registry = await loadRegistryFile(sample);
  tmp = await makeTempDir('get-connector-');
});
after(async () => removeTempDir(tmp));

describe('getDestination / getSource', () => {
  it("runs the registry's pinned image tag, or the version asked for", async () => {
    const pg = await getDestination('destination-postgres', { registry, config: { host: 'h' } });
    assert.equal(pg.executor.kind, 'docker');
    assert.equal(pg.executor.displayName, 'airbyte/destination-postgres:3.0.16');
    assert.equal(pg.supportsRefreshes, true);
    const older = await getDestination('destination-postgres', { registry, version: '2.4.0' });
    assert.equal(older.executor.displayName, 'airbyte/destination-postgres:2.4.0');
    const custom = await getDestination('destination-postgres', { registry, image: 'me/pg:dev' });
    assert.equal(custom.executor.displayName, 'me/pg:dev');
    const faker = await getSource('source-faker', { registry });
    assert.equal(faker.executor.displayName, 'airbyte/source-faker:7.2.1');
  });

  it("masks the config's airbyte_secret fields from the registry spec before anything runs", async () => {
    const pg = await getDestination('destination-postgres', { registry, config: { host: 'db', password: 'pg-pass-123', username: 'u' } });
    assert.equal(pg.masker.mask('login failed for pg-pass-123'), 'login failed for ****');
    assert.equal(JSON.stringify(pg.maskedConfig()).includes('pg-pass-123'), false);
    assert.equal(pg.maskedConfig().host, 'db');
  });

  it('says which names exist when one does not, and refuses the wrong kind', async () => {
    await assert.rejects(
      getDestination('destination-postgress', { registry }),
      (e: unknown) => isAirbyteError(e, 'CONNECTOR_UNKNOWN') && /not in the Airbyte registry/.test(e.message),
    );
    await assert.rejects(
      getDestination('duck', { registry }),
      (e: unknown) => isAirbyteError(e, 'CONNECTOR_UNKNOWN') && /destination-duckdb/.test(e.guidance ?? ''),
    );
    await assert.rejects(
      getSource('destination-duckdb', { registry }),
      (e: unknown) => isAirbyteError(e, 'CONNECTOR_UNKNOWN') && /is a destination, but a source is needed/.test(e.message),
    );
  });

  it('resolves built-ins in-process and local programs without Docker', async () => {
    const sampleSource = await getSource('builtin:sample', { config: {} });
    assert.equal(sampleSource.executor.kind, 'builtin');
    await assert.rejects(
      getSource('builtin:nope'),
      (e: unknown) => isAirbyteError(e, 'CONNECTOR_UNKNOWN') && /builtin:sample/.test(e.guidance ?? ''),
    );
    const local = await getSource('source-test', { localExecutable: localTestSource });
    assert.equal(local.executor.kind, 'local');
  });

  it('infers the type from names and images', () => {
    assert.equal(typeFromName('source-faker'), 'source');
    assert.equal(typeFromName('airbyte/destination-duckdb:0.6.0'), 'destination');
    assert.equal(typeFromName('builtin:jsonl'), 'destination');
    assert.equal(typeFromName('my-connector'), undefined);
  });

  it('names the connector of an image reference, whatever its registry, tag or digest', () => {
    assert.equal(nameFromImage('airbyte/destination-duckdb:0.4'), 'destination-duckdb');
    assert.equal(nameFromImage('localhost:5000/team/source-x:1.2@sha256:0123abcd'), 'source-x');
    assert.equal(nameFromImage('localhost:5000/destination-y'), 'destination-y');
    assert.equal(nameFromImage('source-z'), 'source-z');
  });
});

describe('getConnectorFromFile', () => {
  it('builds the connector a config file describes, with references resolved and localDir made absolute', async () => {
    const file = path.join(tmp, 'pg.airbyte.jsonc');
    await writeFile(
      file,
      `{
        // the warehouse
        "connector": "destination-postgres",
        "version": "3.0.0",
        "useHostNetwork": true,
        "localDir": "./out",
        "config": { "host": "localhost", "password": "\${env:BENCH_PG_PASSWORD}", },
      }`,
    );
    process.env.BENCH_PG_PASSWORD = 'from-env-42';
    try {
      const c = await getConnectorFromFile(file, { registry });
      assert.equal(c.type, 'destination');
      assert.equal(c.executor.displayName, 'airbyte/destination-postgres:3.0.0');
      assert.equal(c.config.password, 'from-env-42');
      assert.equal(c.masker.mask('from-env-42'), '****');
      assert.equal(c.configPath, file);
    } finally {
      delete process.env.BENCH_PG_PASSWORD;
    }
  });

  it("runs a local program from a file with the file's config (and its folder as /local stand-in)", async () => {
    const file = path.join(tmp, 'src.airbyte.jsonc');
    await writeFile(file, '{ "connector": "source-test", "config": { "record_count": 2, "api_key": "invalid" } }');
    const c = await getConnectorFromFile(file, { localExecutable: localTestSource });
    await assert.rejects(
      c.check(),
      (e: unknown) =>
        isAirbyteError(e, 'CHECK_FAILED') &&
        e.message.includes('api_key **** was rejected') &&
        /src\.airbyte\.jsonc/.test(e.guidance ?? ''),
    );
  });
});
