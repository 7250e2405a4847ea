/**
 * Sync jobs on an Airbyte platform: started (`POST /jobs`), followed to their end (`GET /jobs/{id}`),
 * cancelled (`DELETE /jobs/{id}`, also when the wait is cancelled) and listed. The public API gives a
 * job's status, rows, bytes and duration, not its logs: a failed job's error names the job and links
 * to it in the platform's UI, with the connection's own status reason when it has one.
 */
import { AirbyteError, isAirbyteError } from '../errors';
import type { components } from './airbyteApi.gen';
import type { PlatformClient } from './platformClient';
import { abortableSleep } from './platformClient';
import { platformUiUrl } from './platformSettings';

export type PlatformJob = components['schemas']['JobResponse'];
export type JobStatus = components['schemas']['JobStatusEnum'];

/** Statuses after which a job changes no more. */
export const FINAL_JOB_STATUSES: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled', 'incomplete'];

/** True once the job has ended (succeeded, failed, cancelled or incomplete). */
export function isJobFinished(job: Pick<PlatformJob, 'status'>): boolean {
  return FINAL_JOB_STATUSES.includes(job.status);
}

/** Starts a sync of the connection. */
export async function startSync(client: PlatformClient, connectionId: string): Promise<PlatformJob> {
  return client.call(
    `start a sync of connection ${connectionId}`,
    client.api.POST('/jobs', { body: { connectionId, jobType: 'sync' }, signal: client.signal }),
  );
}

/** The job as the platform sees it now. */
export async function getJob(client: PlatformClient, jobId: number): Promise<PlatformJob> {
  return client.call(`read job ${jobId}`, client.api.GET('/jobs/{jobId}', { params: { path: { jobId } }, signal: client.signal }));
}

/**
 * Cancels a job. Sent with its own 15 s limit and without the client's signal, so that it still goes
 * out when what waited for the job was itself cancelled (Ctrl-C).
 */
export async function cancelJob(client: PlatformClient, jobId: number): Promise<PlatformJob> {
  return client.call(
    `cancel job ${jobId}`,
    client.api.DELETE('/jobs/{jobId}', { params: { path: { jobId } }, signal: AbortSignal.timeout(15_000) }),
  );
}

export interface WaitOptions {
  /** Between two reads of the job (default 5 s). */
  pollMs?: number;
  onUpdate?: (job: PlatformJob, elapsedMs: number) => void;
}

/**
 * Follows a job until it ends and returns it when it succeeded. A job that ends failed, incomplete or
 * cancelled is a PLATFORM_JOB_FAILED error; when the client's signal aborts, the job is cancelled on
 * the platform and the error is ABORTED, saying so.
 */
export async function waitForJob(client: PlatformClient, job: PlatformJob, options: WaitOptions = {}): Promise<PlatformJob> {
  const started = Date.now();
  let current = job;
  try {
    for (;;) {
      options.onUpdate?.(current, Date.now() - started);
      if (isJobFinished(current)) break;
      await abortableSleep(options.pollMs ?? 5000, client.signal);
      current = await getJob(client, job.jobId);
    }
  } catch (error) {
    if (!client.signal?.aborted && !isAirbyteError(error, 'ABORTED')) throw error;
    const cancelled = await cancelJob(client, job.jobId).catch((e: unknown) => e as Error);
    throw new AirbyteError('ABORTED', {
      message:
        cancelled instanceof Error
          ? `Waiting for job ${job.jobId} was cancelled, but cancelling the job on the platform failed: ${cancelled.message}`
          : `Job ${job.jobId} was cancelled on the platform (it is now ${cancelled.status}).`,
      guidance: cancelled instanceof Error ? `Cancel it in the Airbyte UI: ${jobUrl(client, job)}` : undefined,
    });
  }
  if (current.status === 'succeeded') return current;
  throw await jobFailure(client, current);
}

/** The error for a job that ended without succeeding: status, what it moved, the connection's reason, a link. */
async function jobFailure(client: PlatformClient, job: PlatformJob): Promise<AirbyteError> {
  const connection = await client.api
    .GET('/connections/{connectionId}', { params: { path: { connectionId: job.connectionId } }, signal: client.signal })
    .then((r) => r.data)
    .catch(() => undefined);
  const reason = connection?.statusReason ? client.mask(connection.statusReason) : undefined;
  const moved = `${job.rowsSynced ?? 0} rows, ${job.bytesSynced ?? 0} bytes synced`;
  return new AirbyteError('PLATFORM_JOB_FAILED', {
    message: `Job ${job.jobId} of connection ${connection?.name ?? job.connectionId} ended ${job.status} (${moved})${reason ? `: ${reason}` : ''}.`,
    guidance: `Its logs are in the Airbyte UI (the public API does not serve them): ${jobUrl(client, job)}`,
    context: { jobId: job.jobId, connectionId: job.connectionId, status: job.status },
  });
}

/** The job's page in the platform's UI. */
export function jobUrl(client: PlatformClient, job: Pick<PlatformJob, 'jobId' | 'connectionId'>): string {
  const ws = client.settings.workspaceId ?? '-';
  return `${platformUiUrl(client.settings.apiUrl)}/workspaces/${ws}/connections/${job.connectionId}/timeline#${job.jobId}`;
}

/** The latest jobs of a connection (or of the workspace), newest first. */
export async function listJobs(
  client: PlatformClient,
  filter: { connectionId?: string; workspaceId?: string; limit?: number },
): Promise<PlatformJob[]> {
  const query = {
    ...(filter.connectionId ? { connectionId: filter.connectionId } : {}),
    ...(filter.workspaceId && !filter.connectionId ? { workspaceIds: [filter.workspaceId] } : {}),
    limit: filter.limit ?? 20,
    orderBy: 'createdAt|DESC',
  };
  const { data } = await client.call('list jobs', client.api.GET('/jobs', { params: { query }, signal: client.signal }));
  return data;
}

/** An ISO 8601 duration (`PT1H2M3.5S`) in ms; undefined when it is not one. */
export function isoDurationMs(value: string | undefined): number | undefined {
  const m = value ? /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:([\d.]+)S)?)?$/.exec(value) : null;
  if (!m) return undefined;
  const [, d, h, min, s] = m;
  return ((Number(d ?? 0) * 24 + Number(h ?? 0)) * 60 + Number(min ?? 0)) * 60_000 + Math.round(Number(s ?? 0) * 1000);
}
