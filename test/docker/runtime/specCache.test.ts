// A Docker connector's spec is read once per image id and kept (an image's spec never changes): a
// second connector object of the same image, in this process or a new one, starts no container for it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TEST_SOURCE_IMAGE } from '../../../scripts/buildTestImages';
import type { Connector } from '../../../src/core/connectors/connector';
import { getSource } from '../../../src/core/connectors/getConnector';
import { LABEL_COMMAND, LABEL_RUN_ID } from '../../../src/core/docker/labels';
import type { DockerExecutor } from '../../../src/core/executors/dockerExecutor';
import { repoRoot } from '../../harness/paths';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { testDocker } from './dockerHelpers';

let tmp: string;
before(async () => {
  await testDocker();
  tmp = await makeTempDir('aw-spec-cache-');
});
after(async () => removeTempDir(tmp));

/** Containers the engine created for a connector's executor between two times (its events). */
async function containersCreated(connector: Connector, since: number, until: number): Promise<string[]> {
  const docker = await testDocker();
  const runId = (connector.executor as DockerExecutor).runId;
  const stream = (await docker.getEvents({
    since: Math.floor(since / 1000),
    until: Math.ceil(until / 1000) + 1,
    filters: JSON.stringify({ type: ['container'], event: ['create'], label: [`${LABEL_RUN_ID}=${runId}`] }),
  })) as unknown as AsyncIterable<Buffer>;
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { Actor: { Attributes: Record<string, string> } }).Actor.Attributes[LABEL_COMMAND]);
}

const source = (specCacheDir: string) => getSource('source-test', { image: TEST_SOURCE_IMAGE, config: { record_count: 1 }, specCacheDir });

describe("a connector's spec is read once per image id", () => {
  it('a second connector object of the image starts no container for it', async () => {
    const dir = path.join(tmp, 'same-process');
    const first = await source(dir);
    let t0 = Date.now();
    const spec = await first.spec();
    assert.deepEqual(await containersCreated(first, t0, Date.now()), ['spec'], 'the first one reads it from the image');
    assert.equal((await readdir(dir)).length, 1, 'kept on disk');

    const second = await source(dir);
    t0 = Date.now();
    assert.deepEqual(await second.spec(), spec);
    assert.deepEqual(await containersCreated(second, t0, Date.now()), [], 'the second one runs nothing');
  });

  it('a new process finds it on disk', async () => {
    // Kept on disk by the first case (in this process the memory copy answers without touching the disk).
    const dir = path.join(tmp, 'same-process');
    assert.equal((await readdir(dir)).length, 1);
    const script = `
      const { getSource } = require(${JSON.stringify(path.join(repoRoot, 'src/core/connectors/getConnector.ts'))});
      (async () => {
        const s = await getSource('source-test', { image: ${JSON.stringify(TEST_SOURCE_IMAGE)}, config: { record_count: 1 }, specCacheDir: ${JSON.stringify(dir)} });
        const t0 = Date.now();
        const spec = await s.spec();
        console.log(JSON.stringify({ runId: s.executor.runId, t0, t1: Date.now(), title: spec.connectionSpecification.title }));
      })();`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', cwd: repoRoot, timeout: 60_000 });
    assert.equal(child.status, 0, child.stderr);
    const out = JSON.parse(child.stdout.trim().split('\n').pop()!) as { runId: string; t0: number; t1: number; title: string };
    assert.equal(out.title, 'Test Source Spec');
    const probe = await source(dir);
    Object.defineProperty(probe.executor, 'runId', { value: out.runId });
    assert.deepEqual(await containersCreated(probe, out.t0, out.t1), [], 'no spec container in the new process');
  });
});
