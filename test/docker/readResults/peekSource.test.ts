// Peeking at a source running in a real container: it is stopped (and removed) once every stream
// has given enough; its failure is the connector's own message; its secret appears nowhere.
import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { getSource } from '../../../src/core/connectors/getConnector';
import { isAirbyteError } from '../../../src/core/errors';
import type { RegistryLookup } from '../../../src/core/registry/registryTypes';
import { peekSource } from '../../../src/core/readResults/sourcePeek';
import { assertNoContainersLeft, testDocker } from '../runtime/dockerHelpers';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

const SECRET = 'sk-peek-test-1a2b3c4d5e';

const registry: RegistryLookup = {
  find: (name) =>
    name === 'source-test'
      ? { type: 'source', name, displayName: 'Test', dockerRepository: 'airbyte-write-test/source-test', dockerImageTag: 'dev', raw: {} }
      : undefined,
};

describe('peekSource through a real container', () => {
  let dir: string;
  before(async () => {
    await testDocker();
    dir = await makeTempDir('docker-peek-');
  });
  afterEach(async () => assertNoContainersLeft());
  after(async () => removeTempDir(dir));

  async function source(facts: Record<string, unknown>) {
    const localDir = path.join(dir, 'upstream');
    await mkdir(localDir, { recursive: true });
    await writeFile(path.join(localDir, 'upstream.json'), JSON.stringify(facts));
    return getSource('source-test', { registry, config: { record_count: 0, state_every: 10, api_key: SECRET }, localDir });
  }

  it('gives the first N records of each stream and stops the source, leaving no container and no state', async () => {
    const logs: string[] = [];
    const src = await source({ record_count: 300_000 });
    const t0 = Date.now();
    const peek = await peekSource(src, { limit: 5, onLog: (l) => logs.push(l.text) });
    assert.equal(peek.stoppedEarly, true, 'stopped once every stream had 5');
    assert.deepEqual(
      peek.streams.map((s) => [s.stream, s.records.length]),
      [
        ['users', 5],
        ['orders', 5],
        ['events', 5],
      ],
    );
    assert.deepEqual(
      peek.streams[0].records.map((r) => r.id),
      [1, 2, 3, 4, 5],
    );
    assert.ok(peek.streams[0].columns.find((c) => c.name === 'id')?.primaryKey, 'primary key from the discovered schema');
    // Reading all 900,000 records takes far longer than this on the CI machine; the peek ends within seconds.
    assert.ok(Date.now() - t0 < 30_000, `took ${Date.now() - t0} ms`);
    assert.ok(!logs.some((l) => l.includes(SECRET)), 'the secret is masked in the source logs');
    assert.deepEqual(await readdir(dir), ['upstream'], 'no store or state written');
  });

  it('a source failing before it gave enough fails the peek with its own message', async () => {
    const src = await source({ record_count: 100, fault: 'trace_error' });
    await assert.rejects(peekSource(src, { limit: 5, streams: ['users'] }), (e) => {
      assert.ok(isAirbyteError(e, 'CONNECTOR_FAILED'), String(e));
      assert.ok(!JSON.stringify(e).includes(SECRET));
      return true;
    });
  });
});
