// Pulling a missing connector image, for real: the engine pulls from a registry on 127.0.0.1.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { inspectImage } from '../../../src/core/docker/inspectImage';
import { isAirbyteError } from '../../../src/core/errors';
import { DockerExecutor } from '../../../src/core/executors/dockerExecutor';
import type { InstallProgress } from '../../../src/core/executors/executor';
import { testDocker } from './dockerHelpers';
import type { MiniRegistry } from './miniRegistry';
import { startMiniRegistry } from './miniRegistry';

const LOCAL_IMAGE = 'airbyte-write-test/pull-fixture:dev';
let docker: Docker;
let registry: MiniRegistry;
let pulledRef: string;

async function buildFixtureImage(): Promise<void> {
  // Incompressible content, so that the download takes several progress steps.
  const tar = pack();
  tar.entry({ name: 'Dockerfile' }, 'FROM scratch\nCOPY payload.bin /payload.bin\nLABEL purpose=pull-test\n');
  tar.entry({ name: 'payload.bin' }, randomBytes(8 * 1024 * 1024));
  tar.finalize();
  const stream = await docker.buildImage(tar as unknown as NodeJS.ReadableStream, { t: LOCAL_IMAGE, rm: true });
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (e: Error | null) => (e ? reject(e) : resolve())));
}

before(async () => {
  docker = await testDocker();
  await buildFixtureImage();
  registry = await startMiniRegistry();
  pulledRef = await registry.publish(docker, LOCAL_IMAGE, 'airbyte/destination-pulltest', '1.0.0');
  // Gone from the engine, layers included: a pull must download everything.
  await docker.getImage(LOCAL_IMAGE).remove({ force: true });
});
after(async () => {
  for (const ref of [pulledRef, LOCAL_IMAGE])
    await docker
      .getImage(ref)
      .remove({ force: true })
      .catch(() => undefined);
  await registry.close();
});

describe('pulling connector images', () => {
  it('without installIfMissing a missing image is IMAGE_MISSING; with it, the image is pulled with progress', async () => {
    await docker
      .getImage(pulledRef)
      .remove({ force: true })
      .catch(() => undefined);
    const executor = new DockerExecutor({ image: pulledRef });
    await assert.rejects(
      executor.ensureReady(),
      (e: unknown) => isAirbyteError(e, 'IMAGE_MISSING') && e.guidance?.includes(`docker pull ${pulledRef}`) === true,
    );

    const progress: InstallProgress[] = [];
    await executor.ensureReady({ installIfMissing: true, onProgress: (p) => progress.push(p) });
    const facts = await inspectImage(docker, pulledRef);
    assert.equal(facts?.labels.purpose, 'pull-test');
    assert.ok(
      registry.requests.some((r) => r.includes('/blobs/sha256:')),
      'the engine downloaded blobs from the registry',
    );
    const fractions = progress.map((p) => p.fraction).filter((f): f is number => f !== undefined);
    assert.ok(fractions.length >= 2, `progress events: ${JSON.stringify(progress.slice(0, 5))}`);
    assert.ok(fractions.every((f) => f >= 0 && f <= 1));
    assert.ok(progress.some((p) => /Download|Pull complete|Extracting/.test(p.status)));
    // Present now: no second pull.
    const before = registry.requests.length;
    await executor.ensureReady({ installIfMissing: true });
    assert.equal(registry.requests.length, before);
  });

  it("a tag the registry does not have fails with IMAGE_MISSING and the registry's answer", async () => {
    const missing = `${registry.host}/airbyte/destination-pulltest:9.9.9`;
    const executor = new DockerExecutor({ image: missing });
    await assert.rejects(executor.ensureReady({ installIfMissing: true }), (e: unknown) => {
      assert.ok(isAirbyteError(e, 'IMAGE_MISSING'), String(e));
      assert.match(
        e.message,
        new RegExp(`Could not pull ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .*(manifest unknown|not found)`, 'i'),
      );
      assert.match(e.guidance ?? '', /docker pull/);
      return true;
    });
  });
});
