// Spec resolution: built-ins, the registry's pinned version, and otherwise `spec` run in the image —
// here through the runtime's real Connector.spec() over the local test connector program
// (test/connectors/destination.mjs), the same path the CLI takes with Docker.
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listBuiltins } from '../../../src/core/builtin/builtinRegistry';
import { getDestination } from '../../../src/core/connectors/getConnector';
import { AirbyteError, isAirbyteError } from '../../../src/core/errors';
import { getConfigLanguageService } from '../../../src/core/language/configLanguageService';
import { loadRegistryFile } from '../../../src/core/registry/registry';
import type { Registry } from '../../../src/core/registry/registry';
import { isMutableImage, SpecResolver } from '../../../src/core/spec/specResolver';
import type { RunSpec } from '../../../src/core/spec/specTypes';
import { registrySample } from './specFixtures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { localTestDestination } from '../../harness/testConnectors';

async function readdirCount(folder: string): Promise<number> {
  return (await fs.readdir(folder)).filter((f) => f.endsWith('.json')).length;
}

describe('spec resolution', () => {
  let dir: string;
  let registry: Registry;
  const calls: string[] = [];
  const runSpec: RunSpec = async (image, signal) => {
    calls.push(image);
    const connector = await getDestination('destination-test', { localExecutable: localTestDestination });
    return connector.spec({ signal });
  };

  before(async () => {
    dir = await makeTempDir('aw-spec-');
    registry = await loadRegistryFile(registrySample);
  });
  after(async () => {
    await removeTempDir(dir);
  });

  it('uses the registry spec for the pinned version (absent or equal), without running anything', async () => {
    const resolver = new SpecResolver({ registry, runSpec, cacheDir: dir });
    for (const version of [undefined, '3.0.16']) {
      const r = await resolver.resolve({ connector: 'destination-postgres', version });
      assert.equal(r.origin, 'registry');
      assert.equal(r.image, 'airbyte/destination-postgres:3.0.16');
      assert.equal(r.spec, registry.find('destination-postgres')?.spec);
      assert.equal(r.type, 'destination');
    }
    assert.deepEqual(calls, []);
  });

  it('runs spec in the image for another version, then serves it from memory and from disk', async () => {
    calls.length = 0;
    const resolver = new SpecResolver({ registry, runSpec, cacheDir: dir });
    const first = await resolver.resolve({ connector: 'destination-postgres', version: '2.0.0' });
    assert.equal(first.origin, 'image');
    assert.equal(first.image, 'airbyte/destination-postgres:2.0.0');
    assert.ok(first.spec.connectionSpecification);
    assert.deepEqual(calls, ['airbyte/destination-postgres:2.0.0']);
    const second = await resolver.resolve({ connector: 'destination-postgres', version: '2.0.0' });
    assert.equal(second.origin, 'image-cache');
    assert.equal(calls.length, 1);
    // A new process (new resolver) reads the disk cache and never runs the image.
    const fresh = new SpecResolver({ registry, cacheDir: dir, runSpec: () => Promise.reject(new Error('must not run')) });
    const third = await fresh.resolve({ connector: 'destination-postgres', version: '2.0.0' });
    assert.equal(third.origin, 'image-cache');
    assert.deepEqual(third.spec, first.spec);
  });

  it('takes the spec of an explicit image, and never caches mutable tags on disk', async () => {
    calls.length = 0;
    const cacheDir = path.join(dir, 'mutable');
    const resolver = new SpecResolver({ registry, runSpec, cacheDir });
    const r = await resolver.resolve({ connector: 'destination-postgres', image: 'me/destination-postgres:dev' });
    assert.equal(r.origin, 'image');
    assert.deepEqual(calls, ['me/destination-postgres:dev']);
    await assert.rejects(fs.readdir(cacheDir), /ENOENT/);
    assert.equal(isMutableImage('airbyte/x:latest'), true);
    assert.equal(isMutableImage('airbyte/x'), true);
    assert.equal(isMutableImage('localhost:5000/x'), true);
    assert.equal(isMutableImage('airbyte/x:1.2.3'), false);
    assert.equal(isMutableImage('airbyte/x@sha256:abc'), false);
  });

  it('with an image id lookup, caches mutable tags per id and re-reads after a rebuild', async () => {
    calls.length = 0;
    const cacheDir = path.join(dir, 'by-id');
    let id: string | undefined = 'sha256:aaa';
    const imageId = async () => id;
    const ref = { connector: 'destination-postgres', image: 'me/destination-postgres:dev' };
    assert.equal((await new SpecResolver({ registry, runSpec, cacheDir, imageId }).resolve(ref)).origin, 'image');
    // Same build, new process: from disk.
    assert.equal((await new SpecResolver({ registry, runSpec, cacheDir, imageId }).resolve(ref)).origin, 'image-cache');
    assert.equal(calls.length, 1);
    // The tag now points at a new build: read again.
    id = 'sha256:bbb';
    assert.equal((await new SpecResolver({ registry, runSpec, cacheDir, imageId }).resolve(ref)).origin, 'image');
    // One resolver asks the engine for the id at most every few seconds.
    let lookups = 0;
    const counting = new SpecResolver({ registry, runSpec, cacheDir, imageId: async () => (lookups++, id) });
    for (let i = 0; i < 5; i++) await counting.resolve(ref);
    assert.equal(lookups, 1);
    assert.equal(calls.length, 2);
    assert.equal(await readdirCount(cacheDir), 2);
  });

  it('fails clearly: unknown connector, no runner, running forbidden, failing image (not retried at once)', async () => {
    const resolver = new SpecResolver({ registry });
    const unknown = await resolver.resolve({ connector: 'destination-nope' }).catch((e: unknown) => e);
    assert.ok(isAirbyteError(unknown, 'CONNECTOR_UNKNOWN'));
    assert.match(unknown.guidance ?? '', /set "image"/);
    const noRunner = await resolver.resolve({ connector: 'destination-postgres', version: '1.0.0' }).catch((e: unknown) => e);
    assert.ok(isAirbyteError(noRunner, 'SPEC_FAILED'));
    assert.match(noRunner.message, /airbyte\/destination-postgres:1\.0\.0 is not known yet/);

    let runs = 0;
    const failing = new SpecResolver({
      registry,
      runSpec: async () => {
        runs++;
        throw new AirbyteError('IMAGE_MISSING', { message: 'The image airbyte/destination-postgres:9.9.9 does not exist.' });
      },
    });
    const forbidden = await failing
      .resolve({ connector: 'destination-postgres', version: '9.9.9' }, { allowRun: false })
      .catch((e: unknown) => e);
    assert.ok(isAirbyteError(forbidden, 'SPEC_FAILED'));
    assert.equal(runs, 0);
    for (let i = 0; i < 3; i++) {
      const e = await failing.resolve({ connector: 'destination-postgres', version: '9.9.9' }).catch((err: unknown) => err);
      assert.ok(isAirbyteError(e, 'IMAGE_MISSING'));
    }
    assert.equal(runs, 1, 'a failed image is not re-run on every keystroke');
  });

  it('the language service passes allowRun: false through (no container while typing)', async () => {
    let runs = 0;
    const resolver = new SpecResolver({
      registry,
      runSpec: async (image) => {
        runs++;
        return runSpec(image);
      },
    });
    const service = getConfigLanguageService({ registry, specProvider: resolver });
    const text = '{ "connector": "destination-postgres", "version": "2.0.1", "config": { "port": "x" } }';
    const quiet = await service.doValidation(text, { allowRun: false });
    assert.equal(runs, 0);
    assert.ok(quiet.some((d) => d.code === 'spec-unavailable'));
    const checked = await service.doValidation(text);
    assert.equal(runs, 1);
    assert.ok(!checked.some((d) => d.code === 'spec-unavailable'));
  });

  it('a request cancelled while the spec runs does not cancel the run: the next request gets it', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const slow: RunSpec = async (image) => {
      runs++;
      await gate;
      return runSpec(image);
    };
    const resolver = new SpecResolver({ registry, runSpec: slow });
    const controller = new AbortController();
    const first = resolver.resolve({ connector: 'destination-postgres', version: '2.1.0' }, { signal: controller.signal });
    controller.abort();
    const e = await first.catch((err: unknown) => err);
    assert.ok(isAirbyteError(e, 'ABORTED'));
    const second = resolver.resolve({ connector: 'destination-postgres', version: '2.1.0' });
    release();
    const r = await second;
    assert.ok(r.spec.connectionSpecification);
    assert.equal(runs, 1);
  });

  it('takes built-in specs from the built-in registry', async () => {
    const resolver = new SpecResolver();
    const builtins = listBuiltins();
    assert.ok(builtins.length > 0);
    for (const b of builtins) {
      const r = await resolver.resolve({ connector: b.name });
      assert.equal(r.origin, 'builtin');
      assert.equal(r.spec, b.spec);
      assert.equal(r.type, b.type);
    }
    const e = await resolver.resolve({ connector: 'builtin:nope' }).catch((err: unknown) => err);
    assert.ok(isAirbyteError(e, 'CONNECTOR_UNKNOWN'));
  });
});
