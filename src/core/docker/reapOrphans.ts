/** Removing containers that this tool started and nobody will ever clean up. */
import os from 'node:os';
import type Docker from 'dockerode';
import { isProcessAlive } from '../isProcessAlive';
import type { DockerClientOptions } from './dockerClient';
import { connectDocker } from './dockerClient';
import { LABEL_CREATED_AT, LABEL_OWNER_HOST, LABEL_OWNER_PID, managedFilter } from './labels';

export interface ReapOptions {
  /** Containers of other machines (shared engine) are removed only once exited and older than this. Default 24 h. */
  maxAgeMs?: number;
}

/**
 * Removes containers labelled by this tool whose owning process (on this machine) is gone, and
 * exited ones of other machines older than `maxAgeMs`. Returns the ids removed.
 */
export async function reapOrphans(docker: Docker, options: ReapOptions = {}): Promise<string[]> {
  const maxAge = options.maxAgeMs ?? 24 * 3600 * 1000;
  const hostname = os.hostname();
  const list = await docker.listContainers({ all: true, filters: managedFilter() });
  const removed: string[] = [];
  for (const info of list) {
    const labels = info.Labels ?? {};
    const pid = Number(labels[LABEL_OWNER_PID]);
    const created = Date.parse(labels[LABEL_CREATED_AT] ?? '') || info.Created * 1000;
    const sameHost = labels[LABEL_OWNER_HOST] === hostname;
    let orphan: boolean;
    if (sameHost && Number.isInteger(pid) && pid > 0) orphan = pid !== process.pid && !isProcessAlive(pid);
    else orphan = info.State !== 'running' && Date.now() - created > maxAge;
    if (!orphan) continue;
    try {
      await docker.getContainer(info.Id).remove({ force: true, v: true });
      removed.push(info.Id);
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) continue;
    }
  }
  return removed;
}

/**
 * Connects and reaps, for hosts that clean up at start (extension activation, CLI start). Never
 * throws: without an engine there is nothing to reap.
 */
export async function reapOrphansQuietly(options: ReapOptions & DockerClientOptions = {}): Promise<string[]> {
  try {
    return await reapOrphans(await connectDocker(options), options);
  } catch {
    return [];
  }
}
