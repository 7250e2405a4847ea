// `airbyte-write spec` and `check` as a user runs them: a real process, real containers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { registrySamplePath } from '../../harness/paths';
import { after, afterEach, before, describe, it } from 'node:test';
import { TEST_SOURCE_IMAGE } from '../../../scripts/buildTestImages';
import { assertNoContainersLeft, testDocker } from './dockerHelpers';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

const repoRoot = path.resolve(__dirname, '../../..');
const sample = registrySamplePath;
const SECRET = 'cli-secret-0a1b2c3d';
let tmp: string;

before(async () => {
  await testDocker();
  tmp = await makeTempDir('cli-spec-check-');
});
afterEach(async () => assertNoContainersLeft());
after(async () => removeTempDir(tmp));

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    // XDG_CACHE_HOME: never touch the user's registry cache.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'src/cli/main.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, XDG_CACHE_HOME: path.join(tmp, 'cache') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function configFile(name: string, config: object, extra: object = {}): Promise<string> {
  const file = path.join(tmp, name);
  await writeFile(file, JSON.stringify({ connector: 'source-test', image: TEST_SOURCE_IMAGE, ...extra, config }, null, 2));
  return file;
}

describe('airbyte-write spec', () => {
  it('--json prints exactly the ConnectorSpecification', async () => {
    const r = await cli('spec', '--image', TEST_SOURCE_IMAGE, '--json');
    assert.equal(r.code, 0, r.stderr);
    const spec = JSON.parse(r.stdout);
    assert.equal(spec.connectionSpecification.title, 'Test Source Spec');
    assert.deepEqual(Object.keys(spec).sort(), ['connectionSpecification', 'documentationUrl']);
  });

  it('prints the config fields for people, secrets flagged', async () => {
    const r = await cli('spec', await configFile('spec.airbyte.jsonc', { record_count: 1 }));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\* record_count\s+integer/);
    assert.match(r.stdout, /api_key\s+string\s+API key \(secret\)/);
  });
});

describe('airbyte-write check', () => {
  it('exits 0 when the connection succeeds', async () => {
    const r = await cli('check', await configFile('ok.airbyte.jsonc', { record_count: 1, api_key: SECRET }));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Connection check of source-test succeeded/);
  });

  it("exits 1 with the connector's message, secrets masked", async () => {
    const file = await configFile('bad.airbyte.jsonc', { record_count: 1, api_key: 'invalid' });
    const r = await cli('check', file);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the connection check failed: Authentication failed: api_key \*\*\*\* was rejected \(401\)/);
    assert.match(r.stderr, /Fix the settings in .*bad\.airbyte\.jsonc/);
    const json = await cli('check', file, '--json');
    assert.equal(json.code, 1);
    const out = JSON.parse(json.stdout);
    assert.equal(out.ok, false);
    assert.equal(out.error.code, 'CHECK_FAILED');
  });

  it('never prints a secret, even with the connector logs shown', async () => {
    const r = await cli('check', '-v', await configFile('verbose.airbyte.jsonc', { record_count: 1, api_key: SECRET }));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /connecting with api_key=\*\*\*\*/);
    assert.ok(!`${r.stdout}${r.stderr}`.includes(SECRET));
  });

  it('exits 2 on usage errors', async () => {
    assert.equal((await cli('check')).code, 2);
    assert.equal((await cli('check', 'source-test')).code, 2, 'a registry name needs --config');
    assert.equal((await cli('check', '--bogus')).code, 2);
    assert.equal((await cli('check', '--image', TEST_SOURCE_IMAGE, '--config', 'x.json', '--timeout', 'soon')).code, 2);
  });

  it('names the missing image and how to get it, with connector names from --registry', async () => {
    const cfg = path.join(tmp, 'duck.json');
    await writeFile(cfg, JSON.stringify({ destination_path: '/local/x.duckdb' }));
    const r = await cli('check', 'destination-duckdb', '--config', cfg, '--registry', sample);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /airbyte\/destination-duckdb:0\.6\.0 is not on this machine/);
    assert.match(r.stderr, /docker pull airbyte\/destination-duckdb:0\.6\.0/);
  });

  it('says "Is Docker running?" when DOCKER_HOST points nowhere', async () => {
    const r = await cli(
      'check',
      await configFile('nodocker.airbyte.jsonc', { record_count: 1 }),
      '--docker-host',
      `unix://${path.join(tmp, 'none.sock')}`,
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Is Docker running\? Could not reach the Docker engine: there is no Docker socket at unix:\/\/.*none\.sock/);
  });
});
