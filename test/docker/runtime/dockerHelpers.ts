/** Shared setup of the Docker runtime tests: the engine, the test images, and leftover checks. */
import assert from 'node:assert/strict';
import type Docker from 'dockerode';
import { ensureTestImages } from '../../../scripts/buildTestImages';
import { connectDocker } from '../../../src/core/docker/dockerClient';
import { LABEL_OWNER_PID, managedFilter } from '../../../src/core/docker/labels';

let docker: Promise<Docker> | undefined;

/** The engine of DOCKER_HOST, with the test images built (a no-op when they are current). */
export function testDocker(): Promise<Docker> {
  docker ??= (async () => {
    const d = await connectDocker();
    await ensureTestImages(d);
    return d;
  })();
  return docker;
}

/** Containers this tool labelled: one run's, or all that this test process owns. */
export async function managedContainers(runId?: string): Promise<Docker.ContainerInfo[]> {
  const d = await testDocker();
  const list = await d.listContainers({ all: true, filters: managedFilter(runId) });
  return runId ? list : list.filter((c) => c.Labels[LABEL_OWNER_PID] === String(process.pid));
}

export async function assertNoContainersLeft(runId?: string): Promise<void> {
  const left = await managedContainers(runId);
  assert.deepEqual(
    left.map((c) => `${c.Id.slice(0, 12)} ${c.Image} ${c.State}`),
    [],
    'containers left behind',
  );
}
