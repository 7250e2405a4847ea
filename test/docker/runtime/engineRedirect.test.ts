// Below the reference check: a request path the engine answers with a redirect must fail as a
// rejected promise. docker-modem used to follow the redirect on a request without an 'error'
// listener (to a host named after the path), which crashed the whole process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDockerClient } from '../../../src/core/docker/dockerClient';
import { testDocker } from './dockerHelpers';

test('an image name that makes the engine redirect rejects instead of crashing the process', async () => {
  await testDocker();
  const docker = createDockerClient({ dockerHost: process.env.DOCKER_HOST });
  for (const name of ['../../etc/passwd', 'x/../../y', 'a//b', 'airbyte/x:/']) {
    await assert.rejects(docker.getImage(name).inspect(), /redirect/i, name);
  }
});
