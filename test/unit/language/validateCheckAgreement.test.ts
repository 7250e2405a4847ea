// `validate` and `check` read a config alike: the cases where the config fuzzer (test/fault/badInput/
// fuzzConfigs.test.ts) found them disagreeing, each run through the CLI in process. No Docker: the
// engine given to `check` is not there, so a registry connector's check fails with DOCKER_UNREACHABLE
// unless its config is refused first.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../../src/cli/main';
import { getDestination } from '../../../src/core/connectors/getConnector';
import { loadRegistryFile } from '../../../src/core/registry/registry';
import { childSchema } from '../../../src/core/spec/schemaNavigation';
import { registrySamplePath } from '../../harness/paths';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { captureIo } from '../cliTestSupport';

const NO_DOCKER = 'unix:///nonexistent/airbyte-write-agreement/docker.sock';

interface Outcome {
  code: number;
  doc: {
    ok: boolean;
    error?: { code: string; message: string };
    files?: Array<{ diagnostics: Array<{ severity: string; code: string; message: string }> }>;
  };
}

async function cli(args: string[]): Promise<Outcome> {
  const io = captureIo();
  const code = await main(args, io);
  assert.equal(io.stdout.length, 1, `one JSON document: ${io.stdout.join('\n')}${io.stderr.join('\n')}`);
  return { code, doc: JSON.parse(io.stdout[0]) as Outcome['doc'] };
}

describe('validate and check agree on what a config file says', () => {
  let dir: string;
  let n = 0;
  before(async () => {
    dir = await makeTempDir('agreement-');
  });
  after(() => removeTempDir(dir));

  async function both(text: string): Promise<{ errors: string[]; warnings: string[]; check: Outcome }> {
    const file = path.join(dir, `c${n++}.airbyte.jsonc`);
    writeFileSync(file, text);
    const validate = await cli(['validate', file, '--json', '--no-docker', '--registry', registrySamplePath]);
    const check = await cli(['check', file, '--json', '--registry', registrySamplePath, '--docker-host', NO_DOCKER]);
    const diagnostics = validate.doc.files?.[0].diagnostics ?? [];
    const of = (severity: string) => diagnostics.filter((d) => d.severity === severity).map((d) => `${d.code}: ${d.message}`);
    return { errors: of('error'), warnings: of('warning'), check };
  }

  it('a duplicated key counts where it is given last, for both', async () => {
    const last = await both('{ "connector": "builtin:nope", "connector": "builtin:sample", "config": 5, "config": { "count": 2 } }');
    assert.deepEqual(last.errors, []);
    assert.equal(last.warnings.filter((w) => w.startsWith('duplicate-key')).length, 2, last.warnings.join('\n'));
    assert.equal(last.check.doc.ok, true, JSON.stringify(last.check.doc));
    const first = await both('{ "connector": "builtin:sample", "config": { "count": 2 }, "config": 7 }');
    assert.deepEqual(first.errors, ['envelope-type: “config” must be an object { … }']);
    assert.equal(first.check.doc.error?.code, 'CONFIG_FILE');
  });

  it('an unknown key in the file is an error for both (the loader refuses it)', async () => {
    const r = await both('{ "connector": "builtin:sample", "localdir": "out", "config": { "count": 2 } }');
    assert.deepEqual(r.errors, ['envelope-unknown-key: Unknown key “localdir”; did you mean “localDir”?']);
    assert.equal(r.check.doc.error?.code, 'CONFIG_FILE');
  });

  it('a connector that is neither a built-in nor named source-…/destination-… is an error for both', async () => {
    const r = await both('{ "connector": "destnation-postgres", "config": {} }');
    assert.equal(r.errors.length, 1, r.errors.join('\n'));
    assert.match(
      r.errors[0],
      /Cannot tell whether “destnation-postgres” is a source or a destination.*did you mean “destination-postgres”/,
    );
    assert.equal(r.check.doc.error?.code, 'CONFIG_FILE');
  });

  it('a registry connector whose config fails its spec is refused before Docker is needed', async () => {
    const r = await both('{ "connector": "destination-sqlite", "config": { "destination_path": 5 } }');
    assert.equal(r.errors.length, 1, r.errors.join('\n'));
    assert.equal(r.check.doc.error?.code, 'CONFIG_INVALID', JSON.stringify(r.check.doc));
    const good = await both('{ "connector": "destination-sqlite", "config": { "destination_path": "/local/x.db" } }');
    assert.deepEqual(good.errors, []);
    assert.equal(good.check.doc.error?.code, 'DOCKER_UNREACHABLE');
  });

  it("another version's config is not checked against the registry's pinned spec", async () => {
    // The registry's spec belongs to 0.2.9; what 0.1.0 accepts only its image can say.
    const r = await both('{ "connector": "destination-sqlite", "version": "0.1.0", "config": { "destination_path": 5 } }');
    assert.deepEqual(r.errors, []);
    assert.equal(r.check.doc.error?.code, 'DOCKER_UNREACHABLE', JSON.stringify(r.check.doc));
    const registry = await loadRegistryFile(registrySamplePath);
    const other = await getDestination('destination-sqlite', { registry, version: '0.1.0', config: {} });
    assert.equal(other.specIfKnown(), undefined);
    const pinned = await getDestination('destination-sqlite', { registry, config: {} });
    assert.ok(pinned.specIfKnown());
  });

  it('a version that is not an image tag, an image that is no reference: errors for both', async () => {
    const version = await both('{ "connector": "destination-sqlite", "version": "/", "config": { "destination_path": "/local/x.db" } }');
    assert.deepEqual(
      version.errors.map((e) => e.split(':')[0]),
      ['image-reference'],
    );
    assert.equal(version.check.doc.error?.code, 'CONFIG_FILE');
    const image = await both('{ "connector": "builtin:sample", "image": "x@sha256:zz", "config": { "count": 2 } }');
    assert.deepEqual(
      image.errors.map((e) => e.split(':')[0]),
      ['image-reference'],
    );
    assert.equal(image.check.doc.error?.code, 'CONFIG_FILE');
    // Not in the registry, so run as airbyte/source-:1.0.0, which is no reference.
    const name = await both('{ "connector": "source-", "version": "1.0.0", "config": {} }');
    assert.match(name.errors.join('\n'), /image-reference: “source-” does not make a valid Docker image reference/);
    assert.equal(name.check.doc.error?.code, 'CONFIG_INVALID', JSON.stringify(name.check.doc));
  });

  it('a leading byte order mark is accepted by both (editors write one, VS Code hides it)', async () => {
    const r = await both('\ufeff{ "connector": "builtin:sample", "config": { "count": 2 } }');
    assert.deepEqual(r.errors, []);
    assert.equal(r.check.doc.ok, true, JSON.stringify(r.check.doc));
  });

  it('keys named like Object members are plain keys for both', async () => {
    const r = await both(
      '{ "connector": "builtin:dev-null", "config": { "constructor": { "name": 1 }, "toString": "x", "__proto__": {} } }',
    );
    assert.deepEqual(r.errors, []);
    assert.equal(r.check.doc.ok, true, JSON.stringify(r.check.doc));
    assert.equal(childSchema({ type: 'object', properties: {} }, { type: 'object', properties: {} }, {}, 'constructor'), undefined);
  });

  it('a megabyte key or value makes a message of a line, not of a megabyte', async () => {
    const huge = 'k'.repeat(1_000_000);
    const r = await both(`{ "connector": "builtin:sample", "config": { "count": 2, "${huge}": 1 }, "${huge}": 2 }`);
    assert.equal(r.errors.length, 2, r.errors.map((e) => e.slice(0, 100)).join('\n'));
    for (const e of r.errors) assert.ok(e.length < 300, e.slice(0, 300));
    assert.equal(r.check.doc.error?.code, 'CONFIG_FILE');
    assert.ok(r.check.doc.error!.message.length < 400, r.check.doc.error!.message.slice(0, 400));
  });

  it('a --config file nested 10,000 levels deep is a CONFIG_FILE error, not a crash', async () => {
    const file = path.join(dir, 'deep.json');
    writeFileSync(file, `{ "count": ${'['.repeat(10_000)}${']'.repeat(10_000)} }`);
    const r = await cli(['check', 'builtin:sample', '--config', file, '--json']);
    assert.equal(r.code, 1);
    assert.equal(r.doc.error?.code, 'CONFIG_FILE', JSON.stringify(r.doc));
    assert.match(r.doc.error!.message, /nested more than 100 levels deep at 1:\d+/);
  });
});
