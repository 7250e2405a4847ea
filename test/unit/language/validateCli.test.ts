// `airbyte-write validate` and `airbyte-write registry` through the CLI entry point, on real
// files in a temp folder and the real registry sample.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main';
import { registrySample } from '../spec/specFixtures';
import { captureIo } from '../cliTestSupport';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.stdout.join('\n'), err: io.stderr.join('\n') };
}

describe('airbyte-write validate / registry', () => {
  let dir: string;
  const savedCache = process.env.XDG_CACHE_HOME;
  before(async () => {
    dir = await makeTempDir('aw-validate-');
    process.env.XDG_CACHE_HOME = path.join(dir, 'cache');
    await fs.writeFile(
      path.join(dir, 'good.airbyte.jsonc'),
      `{
  // local test database
  "connector": "destination-postgres",
  "config": {
    "host": "localhost", "port": 5432, "database": "db", "schema": "public", "username": "me",
    "password": "\${env:PG_PASSWORD}",
  },
}`,
    );
    await fs.writeFile(
      path.join(dir, 'bad.airbyte.jsonc'),
      `{
  "connector": "destination-postgres",
  "config": {
    "host": "localhost",
    "port": 70000,
    "database": "db",
    "username": "me",
    "password": "hunter2"
  }
}`,
    );
  });
  after(async () => {
    if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = savedCache;
    await removeTempDir(dir);
  });

  it('exits 0 for a valid file', async () => {
    const r = await run(['validate', path.join(dir, 'good.airbyte.jsonc'), '--registry', registrySample]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.equal(r.out, '');
    assert.match(r.err, /1 file checked: no problems\./);
  });

  it('prints FILE:LINE:COL: severity: MESSAGE (1-based) and exits 1 on errors; never prints the secret', async () => {
    const file = path.join(dir, 'bad.airbyte.jsonc');
    const r = await run(['validate', file, '--registry', registrySample]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.out.split('\n'), [
      `${file}:3:3: error: Missing required field “Default Schema” (schema)`,
      `${file}:5:13: error: Port must be an integer from 0 to 65536`,
      `${file}:8:17: warning: “Password” (password) is a secret written in plain text; use "\${env:POSTGRES_PASSWORD}" and set POSTGRES_PASSWORD in the environment`,
    ]);
    assert.ok(!`${r.out}${r.err}`.includes('hunter2'));
    assert.match(r.err, /2 errors, 1 warning/);
  });

  it('--json prints diagnostics with 0-based ranges; --strict fails on warnings', async () => {
    const good = path.join(dir, 'good.airbyte.jsonc');
    const bad = path.join(dir, 'bad.airbyte.jsonc');
    const r = await run(['validate', good, bad, '--json', '--registry', registrySample]);
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.out) as {
      ok: boolean;
      errors: number;
      files: { file: string; diagnostics: { code: string; range: { start: { line: number; character: number } } }[] }[];
    };
    assert.equal(doc.ok, false);
    assert.equal(doc.errors, 2);
    assert.deepEqual(
      doc.files.map((f) => f.diagnostics.length),
      [0, 3],
    );
    assert.deepEqual(doc.files[1].diagnostics[1].range.start, { line: 4, character: 12 });
    assert.equal(doc.files[1].diagnostics[1].code, 'config-range');

    const warnOnly = path.join(dir, 'warn.airbyte.jsonc');
    await fs.writeFile(warnOnly, (await fs.readFile(good, 'utf8')).replace('"${env:PG_PASSWORD}"', '"plain"'));
    assert.equal((await run(['validate', warnOnly, '--registry', registrySample])).code, 0);
    assert.equal((await run(['validate', warnOnly, '--strict', '--registry', registrySample])).code, 1);
  });

  it('a version the registry does not pin: warns and, without Docker, says the config is not checked', async () => {
    const file = path.join(dir, 'pinned.airbyte.jsonc');
    await fs.writeFile(file, '{ "connector": "destination-postgres", "version": "2.0.0", "config": {} }');
    const r = await run(['validate', file, '--no-docker', '--registry', registrySample]);
    assert.equal(r.code, 0, r.out);
    const lines = r.out.split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0], /:1:16: warning: The config is not checked: The spec of airbyte\/destination-postgres:2\.0\.0 is not known yet/);
    assert.match(
      lines[1],
      /:1:51: warning: The registry only knows destination-postgres at its pinned version 3\.0\.16; version 2\.0\.0 is not in the registry/,
    );
  });

  it('without a registry: warns, still checks built-ins, and says registry configs are not checked', async () => {
    const builtin = path.join(dir, 'builtin.airbyte.jsonc');
    await fs.writeFile(builtin, '{ "connector": "builtin:nope", "config": {} }');
    const good = path.join(dir, 'good.airbyte.jsonc');
    const r = await run(['validate', good, builtin, '--registry', path.join(dir, 'no-registry.json')]);
    assert.equal(r.code, 1);
    assert.match(r.err, /^warning: Cannot read the registry file .*no-registry\.json: ENOENT/);
    const lines = r.out.split('\n');
    assert.match(
      lines[0],
      /good\.airbyte\.jsonc:3:16: warning: The config is not checked: No connector registry is loaded to look up "destination-postgres"/,
    );
    assert.match(lines[1], /builtin\.airbyte\.jsonc:1:16: error: Unknown built-in connector “builtin:nope”/);
    assert.equal(lines.length, 2);
  });

  it('a folder stands for every *.airbyte.jsonc under it', async () => {
    const folder = path.join(dir, 'tree');
    await fs.mkdir(path.join(folder, 'sub'), { recursive: true });
    await fs.mkdir(path.join(folder, 'node_modules'), { recursive: true });
    await fs.copyFile(path.join(dir, 'good.airbyte.jsonc'), path.join(folder, 'sub', 'a.airbyte.jsonc'));
    await fs.copyFile(path.join(dir, 'bad.airbyte.jsonc'), path.join(folder, 'b.airbyte.jsonc'));
    await fs.copyFile(path.join(dir, 'bad.airbyte.jsonc'), path.join(folder, 'node_modules', 'c.airbyte.jsonc'));
    await fs.writeFile(path.join(folder, 'notes.json'), '{');
    const r = await run(['validate', folder, '--json', '--registry', registrySample]);
    const doc = JSON.parse(r.out) as { files: { file: string }[] };
    assert.deepEqual(
      doc.files.map((f) => path.relative(folder, f.file)),
      ['b.airbyte.jsonc', path.join('sub', 'a.airbyte.jsonc')],
    );
    assert.equal(r.code, 1);
    await fs.mkdir(path.join(folder, 'empty'));
    const empty = await run(['validate', path.join(folder, 'empty')]);
    assert.equal(empty.code, 2);
    assert.match(empty.err, /No \.airbyte\.jsonc files under/);
  });

  it('reports unreadable files and usage errors', async () => {
    const r = await run(['validate', path.join(dir, 'missing.airbyte.jsonc'), '--registry', registrySample]);
    assert.equal(r.code, 1);
    assert.match(r.out, /missing\.airbyte\.jsonc:1:1: error: cannot read the file: ENOENT/);
    const usage = await run(['validate']);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /Name at least one config file or folder/);
  });

  it('registry list / show', async () => {
    const list = await run(['registry', 'list', '--type', 'source', '--registry', registrySample]);
    assert.equal(list.code, 0);
    const lines = list.out.split('\n');
    assert.match(lines[0], /^NAME\s+VERSION\s+SUPPORT\s+DISPLAY NAME$/);
    assert.deepEqual(
      lines.slice(1, 4).map((l) => l.split(/\s+/)[0]),
      ['source-faker', 'source-file', 'source-github'],
    );
    assert.equal(lines[4], '3 connectors');
    assert.ok(list.out.includes('Built-in (in-process, no Docker):'));
    assert.ok(list.out.includes('builtin:sample'));
    assert.ok(!list.out.includes('builtin:sqlite'), 'destinations are filtered out by --type source');
    const builtin = await run(['registry', 'show', 'builtin:sample']);
    assert.equal(builtin.code, 0);
    assert.match(builtin.out, /\(builtin:sample\), built-in source: runs in-process, no Docker/);
    const json = await run(['registry', 'list', '--json', '--registry', registrySample]);
    const parsed = JSON.parse(json.out) as { source: string; connectors: { name: string; image: string }[] };
    assert.equal(parsed.source, 'file');
    assert.equal(parsed.connectors.length, 15);
    assert.ok(parsed.connectors.some((c) => c.name === 'destination-duckdb' && c.image === 'airbyte/destination-duckdb:0.6.0'));
    const show = await run(['registry', 'show', 'destination-postgres', '--registry', registrySample]);
    assert.equal(show.code, 0);
    assert.match(show.out, /^Postgres \(destination-postgres\), destination\nImage: +airbyte\/destination-postgres:3\.0\.16/);
    assert.match(show.out, /\* host +Host/);
    assert.match(show.out, /password +Password \(secret\)/);
    const unknown = await run(['registry', 'show', 'destination-postgress', '--registry', registrySample]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /"destination-postgress" is not in the connector registry/);
    assert.equal((await run(['registry', 'list', '--type', 'sink', '--registry', registrySample])).code, 2);
    assert.equal((await run(['registry', 'frobnicate'])).code, 2);
  });
});
