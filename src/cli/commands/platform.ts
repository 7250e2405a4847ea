import path from 'node:path';
import { loadConfigFile } from '../../core/config/configFile';
import { defaultCacheDir } from '../../core/connectors/getConnector';
import { AirbyteError } from '../../core/errors';
import { PlatformClient } from '../../core/platform/platformClient';
import { connectionKey, deployPair, findConnection } from '../../core/platform/platformDeploy';
import type { DeployResult } from '../../core/platform/platformDeploy';
import type { PlatformJob } from '../../core/platform/platformJobs';
import { isoDurationMs, jobUrl, listJobs, startSync, waitForJob } from '../../core/platform/platformJobs';
import { PLATFORM_ENV, platformSettings, requireWorkspace } from '../../core/platform/platformSettings';
import { loadRegistry, registryLocation } from '../../core/registry/registry';
import type { RegistryLookup } from '../../core/registry/registryTypes';
import { WorkspaceStore } from '../../core/store/workspaceStore';
import { WRITE_STRATEGIES, isWriteStrategy } from '../../core/write/writeStrategy';
import { formatBytes, formatCount, formatDuration } from '../../shared/format';
import type { CliCommand, CliIo } from '../cliIo';
import { parseCommandArgs, UsageError } from '../cliIo';
import { defaultStorePath, formatTable, parseStreams } from './runOutput';

const PLATFORM_OPTIONS = {
  'api-url': { type: 'string' },
  'client-id': { type: 'string' },
  'client-secret': { type: 'string' },
  'bearer-token': { type: 'string' },
  workspace: { type: 'string' },
  'state-file': { type: 'string' },
  json: { type: 'boolean' },
  source: { type: 'string' },
  destination: { type: 'string' },
  name: { type: 'string' },
  streams: { type: 'string' },
  strategy: { type: 'string' },
  schedule: { type: 'string' },
  registry: { type: 'string' },
  wait: { type: 'boolean' },
  'poll-interval': { type: 'string' },
  limit: { type: 'string' },
} as const;

type PlatformValues = ReturnType<typeof parseCommandArgs<{ options: typeof PLATFORM_OPTIONS }>>['values'];

const USAGE = `Usage: airbyte-write platform deploy|sync|jobs [options]

Hands syncs to an Airbyte platform: Airbyte Cloud or a self-managed instance.

  platform deploy --source S.airbyte.jsonc --destination D.airbyte.jsonc [--name N]
                  [--streams a,b] [--strategy ${WRITE_STRATEGIES.join('|')}] [--schedule CRON]
      creates the source, the destination and the connection, or updates them in place when this
      pair was deployed before (nothing is created twice). Secret references are resolved now and
      sent to the platform only.
  platform sync <connection name> | --source S --destination D [--wait] [--poll-interval SECONDS]
      starts a sync job; --wait follows it to its end (Ctrl-C cancels the job on the platform).
  platform jobs [<connection name> | --source S --destination D] [--limit N] [--json]
      the latest jobs, newest first.

Platform (options override the environment variables PyAirbyte reads):
  --api-url URL          ${PLATFORM_ENV.apiUrl}; default https://api.airbyte.com/v1 (Cloud);
                         self-managed: http://HOST:8000/api/public/v1
  --client-id ID         ${PLATFORM_ENV.clientId}
  --client-secret S      ${PLATFORM_ENV.clientSecret} (prefer the variable: options show in ps)
  --bearer-token T       ${PLATFORM_ENV.bearerToken}: a token used as is, instead of client credentials
  --workspace ID         ${PLATFORM_ENV.workspaceId}
  --state-file PATH      the workspace store, where deployed ids are kept (default .airbyte/state.sqlite)
  --registry PATH|URL    connector registry, to find connector definitions by id
  --json                 print the result as JSON`;

export const platformCommand: CliCommand = {
  summary: 'Deploy a source+destination pair to Airbyte Cloud or a self-managed Airbyte, run and list its jobs',
  usage: USAGE,
  async run(args, io) {
    const [sub, ...rest] = args;
    const { values, positionals } = parseCommandArgs({ args: rest, allowPositionals: true, options: PLATFORM_OPTIONS });
    io.json = values.json === true;
    if (sub === 'deploy') return deploy(values, positionals, io);
    if (sub === 'sync') return sync(values, positionals, io);
    if (sub === 'jobs') return jobs(values, positionals, io);
    throw new UsageError(
      sub ? `Unknown platform command "${sub}": use deploy, sync or jobs.` : 'Name a platform command: deploy, sync or jobs.',
    );
  },
};

/** The client for the options and environment; retries are said on stderr. */
function clientFor(values: PlatformValues, io: CliIo): { client: PlatformClient; workspaceId: string } {
  const settings = platformSettings({
    apiUrl: values['api-url'],
    clientId: values['client-id'],
    clientSecret: values['client-secret'],
    bearerToken: values['bearer-token'],
    workspaceId: values.workspace,
  });
  const workspaceId = requireWorkspace(settings);
  const client = new PlatformClient(settings, {
    signal: io.signal,
    onRetry: ({ method, path: p, status, delayMs }) => {
      if (!io.json) io.err(`note: ${method} ${p} ${status ? `answered ${status}` : 'failed'}; retrying in ${formatDuration(delayMs)}`);
    },
  });
  return { client, workspaceId };
}

async function openStore(values: PlatformValues, io: CliIo, purpose: string): Promise<WorkspaceStore> {
  const storePath = path.resolve(values['state-file'] ?? defaultStorePath(values.source));
  return WorkspaceStore.open({ path: storePath, purpose: `airbyte-write platform ${purpose}`, onWarning: (w) => io.err(`warning: ${w}`) });
}

async function deploy(values: PlatformValues, positionals: string[], io: CliIo): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".`);
  if (!values.source || !values.destination)
    throw new UsageError('Name both config files: --source S.airbyte.jsonc --destination D.airbyte.jsonc.');
  const strategy = values.strategy ?? 'auto';
  if (!isWriteStrategy(strategy)) throw new UsageError(`--strategy must be one of ${WRITE_STRATEGIES.join(', ')}, not "${strategy}".`);
  const streams = parseStreams(values.streams);
  const [source, destination] = await Promise.all([loadConfigFile(values.source), loadConfigFile(values.destination)]);
  const { client, workspaceId } = clientFor(values, io);
  const registry = await registryFor(values, io);
  const store = await openStore(values, io, `deploy ${path.basename(values.source)}`);
  let result: DeployResult;
  try {
    result = await deployPair(client, store, {
      source,
      destination,
      workspaceId,
      name: values.name,
      streams,
      strategy,
      schedule: values.schedule,
      registry,
      onStep: (text) => {
        if (!io.json) io.err(text);
      },
    });
  } finally {
    await store.close();
  }
  if (io.json) io.outJson({ ok: true, ...result });
  else printDeploy(io, result);
  return 0;
}

/** The registry when it can be had (for definition ids and secret fields); names alone otherwise. */
async function registryFor(values: PlatformValues, io: CliIo): Promise<RegistryLookup | undefined> {
  try {
    return await loadRegistry({ cacheDir: defaultCacheDir(), ...registryLocation(values.registry), signal: io.signal });
  } catch (error) {
    if (!io.json) io.err(`note: the connector registry is not available (${(error as Error).message}); definitions are matched by name.`);
    return undefined;
  }
}

function printDeploy(io: CliIo, r: DeployResult): void {
  const streams = r.connection.streams.map((s) => `${s.name} (${s.syncMode})`).join(', ');
  const schedule = r.connection.schedule.scheduleType === 'cron' ? `cron ${r.connection.schedule.cronExpression}` : 'manual';
  io.out(
    `Connection "${r.connection.name}" ${r.connection.action} on ${r.apiUrl}, workspace ${r.workspaceId}:\n` +
      `  source       ${r.source.name}: ${r.source.action} (${r.source.id})\n` +
      `  destination  ${r.destination.name}: ${r.destination.action} (${r.destination.id})\n` +
      `  connection   ${r.connection.id}, schedule ${schedule}\n` +
      `  streams      ${streams || '(none)'}\n` +
      `Run it: airbyte-write platform sync "${r.connection.name}" --wait`,
  );
}

/** The connection a sync or jobs command names: a name, or the pair of config files deployed. */
async function connectionFor(values: PlatformValues, positionals: string[], io: CliIo, client: PlatformClient, workspaceId: string) {
  const name = positionals[0];
  if (positionals.length > 1) throw new UsageError(`Unexpected argument "${positionals[1]}".`);
  if (name && (values.source || values.destination))
    throw new UsageError('Name the connection either by name or by --source and --destination.');
  if (!name && !(values.source && values.destination)) return undefined;
  const store = await openStore(values, io, 'sync');
  try {
    const { apiUrl } = client.settings;
    if (!name) {
      const key = connectionKey(values.source!, values.destination!);
      const record = store.platform.get(apiUrl, workspaceId, 'connection', key);
      if (record) return { id: record.remoteId, name: record.name };
      throw new AirbyteError('USAGE', {
        message: `${values.source} → ${values.destination} has not been deployed to workspace ${workspaceId} at ${apiUrl} from this workspace.`,
        guidance: 'Deploy it first: airbyte-write platform deploy --source … --destination …',
      });
    }
    const recorded = store.platform.connections(apiUrl).find((c) => c.name === name && c.workspaceId === workspaceId);
    if (recorded) return { id: recorded.remoteId, name };
  } finally {
    await store.close();
  }
  const id = await findConnection(client, workspaceId, (c) => c.name === name);
  if (id) return { id, name };
  throw new AirbyteError('USAGE', {
    message: `Workspace ${workspaceId} at ${client.settings.apiUrl} has no connection named "${name}".`,
    guidance: 'Check the name ("airbyte-write platform jobs" lists jobs of every connection), or deploy the pair first.',
  });
}

async function sync(values: PlatformValues, positionals: string[], io: CliIo): Promise<number> {
  const { client, workspaceId } = clientFor(values, io);
  const connection = await connectionFor(values, positionals, io, client, workspaceId);
  if (!connection) throw new UsageError('Name the connection: platform sync <name>, or --source S --destination D.');
  const pollSeconds = values['poll-interval'] === undefined ? 5 : Number(values['poll-interval']);
  if (!(pollSeconds > 0)) throw new UsageError('--poll-interval takes a number of seconds.');
  const job = await startSync(client, connection.id);
  if (!values.wait) {
    if (io.json) io.outJson({ ok: true, connection, job });
    else io.out(`Job ${job.jobId} started on "${connection.name}" (${job.status}). Follow it: ${jobUrl(client, job)}`);
    return 0;
  }
  let lastStatus = '';
  const done = await waitForJob(client, job, {
    pollMs: pollSeconds * 1000,
    onUpdate: (j, elapsedMs) => {
      if (io.json) return;
      const line = jobLine(j, elapsedMs);
      if (io.isTty) io.status(line);
      else if (j.status !== lastStatus) io.err(line);
      lastStatus = j.status;
    },
  });
  if (io.json) io.outJson({ ok: true, connection, job: done });
  else
    io.out(
      `Job ${done.jobId} of "${connection.name}" succeeded in ${formatDuration(isoDurationMs(done.duration) ?? 0)}: ` +
        `${formatCount(done.rowsSynced ?? 0)} rows synced (${formatBytes(done.bytesSynced ?? 0)}).`,
    );
  return 0;
}

function jobLine(j: PlatformJob, elapsedMs: number): string {
  return `job ${j.jobId} ${j.status}: ${formatCount(j.rowsSynced ?? 0)} rows (${formatBytes(j.bytesSynced ?? 0)}) ${formatDuration(elapsedMs)}`;
}

async function jobs(values: PlatformValues, positionals: string[], io: CliIo): Promise<number> {
  const { client, workspaceId } = clientFor(values, io);
  const connection = await connectionFor(values, positionals, io, client, workspaceId);
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new UsageError('--limit takes a number from 1 to 100.');
  const list = await listJobs(client, { connectionId: connection?.id, workspaceId, limit });
  if (io.json) {
    io.outJson({ ok: true, connection, jobs: list });
    return 0;
  }
  if (list.length === 0) {
    io.out(`No jobs${connection ? ` for "${connection.name}"` : ` in workspace ${workspaceId}`}.`);
    return 0;
  }
  const rows = list.map((j) => [
    String(j.jobId),
    j.status,
    j.jobType,
    j.startTime,
    formatDuration(isoDurationMs(j.duration) ?? 0),
    formatCount(j.rowsSynced ?? 0),
    formatBytes(j.bytesSynced ?? 0),
  ]);
  io.out(formatTable(['Job', 'Status', 'Type', 'Started', 'Duration', 'Rows', 'Bytes'], rows, (i) => i === 0 || i >= 4));
  return 0;
}
