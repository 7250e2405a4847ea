// The editor's platform commands: "Deploy to Airbyte…" (a source and destination config, picked or
// given by a Syncs row or an argument), "Run on Airbyte" (a deployed connection: a sync job followed
// to its end, cancellable), "Set Platform Credentials…" (into SecretStorage) and a job's details.
// Every call goes through the core's platform client (src/core/platform/).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunView } from '../shared/runDetailsProtocol';
import type { DeployResult } from '../core/platform/platformDeploy';
import type { PlatformJob } from '../core/platform/platformJobs';
import type { DeploymentRecord } from '../core/store/platformDeployments';
import type { WriteStrategy } from '../core/write/writeStrategy';
import { formatBytes, formatCount } from '../shared/format';
import { abortSignalFrom } from './cancellation';
import type { CommandFactory } from './commandTable';
import { lazyCommand } from './commandTable';
import { absolutePath, pickConfig } from './commands/pickConfig';
import type { ExtensionHost } from './host';
import { platformTreeOf } from './platformTree';
import type { SyncPair } from './syncHistory';

/** The platform commands of package.json, for the command table. */
export const PLATFORM_COMMAND_FACTORIES: Record<string, CommandFactory> = {
  'airbyte.platform.deploy': lazyCommand('Deploy to Airbyte', async () => deployToPlatform),
  'airbyte.platform.run': lazyCommand('Run on Airbyte', async () => runOnPlatform),
  'airbyte.platform.setCredentials': lazyCommand('Set Platform Credentials', async () => setCredentials),
  'airbyte.platform.refresh': { title: 'Refresh Airbyte Platform', create: (host) => () => platformTreeOf(host)?.reload() },
  'airbyte.platform.openJob': lazyCommand('Open Job Details', async () => openJob),
};

interface DeployArgs {
  source?: string;
  destination?: string;
  name?: string;
  streams?: string[];
  strategy?: WriteStrategy;
  schedule?: string;
}

/** Deploys a pair; returns what the platform made or updated (tests read it). */
export async function deployToPlatform(host: ExtensionHost, arg?: unknown): Promise<DeployResult | undefined> {
  const args = await deployArgsOf(host, arg);
  args.source ??= (await pickConfig(host, undefined, 'Deploy to Airbyte: source', 'source'))?.fsPath;
  if (!args.source) return undefined;
  args.destination ??= (await pickConfig(host, undefined, 'Deploy to Airbyte: destination', 'destination'))?.fsPath;
  if (!args.destination) return undefined;
  const [source, destination] = [absolutePath(args.source), absolutePath(args.destination)];
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(source)) ?? vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('Open the folder holding the config files first: deployed ids are kept in its workspace store.');
  const { loadConfigFile } = await import('../core/config/configFile.js');
  const { deployPair } = await import('../core/platform/platformDeploy.js');
  const { requireWorkspace } = await import('../core/platform/platformSettings.js');
  const { editorPlatformClient } = await import('./platformAccess.js');
  const services = await host.services();
  const title = `Deploying ${path.basename(source)} → ${path.basename(destination)} to Airbyte`;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const abort = abortSignalFrom(token);
      const client = await editorPlatformClient(host.context.secrets, abort.signal);
      const workspaceId = requireWorkspace(client.settings);
      const registry = await services.registry().catch(() => undefined);
      const files = await Promise.all([loadConfigFile(source), loadConfigFile(destination)]);
      const store = await services.openStore(folder, true);
      try {
        return await deployPair(client, store, {
          ...{ name: args.name, streams: args.streams, strategy: args.strategy, schedule: args.schedule },
          source: files[0],
          destination: files[1],
          workspaceId,
          registry,
          onStep: (text) => {
            host.channels.log.info(`Deploy: ${text}`);
            progress.report({ message: text });
          },
        });
      } finally {
        abort.dispose();
        await store.close();
      }
    },
  );
  platformTreeOf(host)?.reload();
  const run = 'Run on Airbyte';
  void vscode.window
    .showInformationMessage(`Connection "${result.connection.name}" ${result.connection.action} on ${result.apiUrl}.`, run)
    .then((choice) => choice === run && vscode.commands.executeCommand('airbyte.platform.run', { connectionId: result.connection.id }));
  return result;
}

/** What the argument names: paths (tests, keybindings), a Syncs row's pair, or a config file. */
async function deployArgsOf(host: ExtensionHost, arg: unknown): Promise<DeployArgs> {
  if (typeof arg !== 'object' || arg === null) return {};
  if (arg instanceof vscode.Uri) {
    return (await host.configsTree.kindOf(arg)) === 'destination' ? { destination: arg.fsPath } : { source: arg.fsPath };
  }
  if ('pair' in arg) {
    const again = await host.runner.argsOfPair((arg as { pair: SyncPair }).pair);
    return { source: again.source, destination: again.destination };
  }
  return { ...(arg as DeployArgs) };
}

/** Starts a sync of a deployed connection and follows it; returns the job as it ended (tests read it). */
export async function runOnPlatform(host: ExtensionHost, arg?: unknown): Promise<PlatformJob | undefined> {
  const connection = await connectionOf(host, arg);
  if (!connection) return undefined;
  const { editorPlatformClient, platformConfig } = await import('./platformAccess.js');
  const { startSync, waitForJob } = await import('../core/platform/platformJobs.js');
  const { pollSeconds } = platformConfig();
  const job = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Airbyte: ${connection.name}`, cancellable: true },
    async (progress, token) => {
      const abort = abortSignalFrom(token);
      try {
        const client = await editorPlatformClient(host.context.secrets, abort.signal);
        const started = await startSync(client, connection.id);
        platformTreeOf(host)?.reload();
        return await waitForJob(client, started, {
          pollMs: pollSeconds * 1000,
          onUpdate: (j) => progress.report({ message: `job ${j.jobId} ${j.status}: ${formatCount(j.rowsSynced ?? 0)} rows` }),
        });
      } finally {
        abort.dispose();
        platformTreeOf(host)?.reload();
      }
    },
  );
  void vscode.window.showInformationMessage(
    `Job ${job.jobId} of "${connection.name}" succeeded: ${formatCount(job.rowsSynced ?? 0)} rows (${formatBytes(job.bytesSynced ?? 0)}).`,
  );
  return job;
}

/** The connection an argument names (a view row, `{connectionId}`), else one picked from the deployed ones. */
async function connectionOf(host: ExtensionHost, arg: unknown): Promise<{ id: string; name: string } | undefined> {
  const o = (typeof arg === 'object' && arg !== null ? arg : {}) as { record?: DeploymentRecord; connectionId?: string; name?: string };
  if (o.record) return { id: o.record.remoteId, name: o.record.name };
  if (o.connectionId) return { id: o.connectionId, name: o.name ?? o.connectionId };
  const rows = (await platformTreeOf(host)?.rows()) ?? [];
  const connections = rows.flatMap((r) => (r.kind === 'connection' ? [r.record] : []));
  if (connections.length === 0) {
    const deploy = 'Deploy to Airbyte…';
    if ((await vscode.window.showWarningMessage('No connection of this workspace is deployed to the Airbyte platform.', deploy)) === deploy)
      await vscode.commands.executeCommand('airbyte.platform.deploy');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    connections.map((c) => ({ label: c.name, description: c.remoteId, record: c })),
    { title: 'Run on Airbyte', placeHolder: 'Pick a deployed connection' },
  );
  return picked && { id: picked.record.remoteId, name: picked.record.name };
}

/** Stores credentials in SecretStorage: given as an argument, else asked for (an empty answer removes one). */
async function setCredentials(host: ExtensionHost, arg?: unknown): Promise<void> {
  const { storePlatformCredentials } = await import('./platformAccess.js');
  if (typeof arg === 'object' && arg !== null) {
    await storePlatformCredentials(host.context.secrets, arg as Record<string, string>);
    platformTreeOf(host)?.reload();
    return;
  }
  const clientId = await vscode.window.showInputBox({
    title: 'Airbyte platform: client id',
    prompt: 'The application client id (Airbyte UI: Settings › Applications). Kept in VS Code SecretStorage, never in settings.',
    ignoreFocusOut: true,
  });
  if (clientId === undefined) return;
  const clientSecret = await vscode.window.showInputBox({ title: 'Airbyte platform: client secret', password: true, ignoreFocusOut: true });
  if (clientSecret === undefined) return;
  await storePlatformCredentials(host.context.secrets, { clientId, clientSecret });
  platformTreeOf(host)?.reload();
}

/** A job's run details: the panel local runs open, with what the public API tells and where its logs are. */
async function openJob(host: ExtensionHost, arg?: unknown): Promise<vscode.WebviewPanel | undefined> {
  const { record, job } = (arg ?? {}) as { record?: DeploymentRecord; job?: PlatformJob };
  if (!record || !job) return undefined;
  const { editorPlatformClient } = await import('./platformAccess.js');
  const { jobUrl, isoDurationMs } = await import('../core/platform/platformJobs.js');
  const url = jobUrl(await editorPlatformClient(host.context.secrets), job);
  return host.runner.showExternalRun(platformRunView(record, job, url, isoDurationMs(job.duration)));
}

const RUN_STATUS: Record<string, RunView['status']> = {
  succeeded: 'Succeeded',
  failed: 'Failed',
  incomplete: 'Failed',
  cancelled: 'Cancelled',
};

/** A platform job as run details show a run: its status, rows and bytes (the API gives no per-stream counts), its times. */
export function platformRunView(record: DeploymentRecord, job: PlatformJob, logsUrl: string, durationMs: number | undefined): RunView {
  const [source, destination] = record.name.includes(' → ') ? record.name.split(' → ', 2) : [record.name, 'Airbyte'];
  const startedAt = Date.parse(job.startTime);
  const status = RUN_STATUS[job.status] ?? 'Running';
  const duration = durationMs ?? Math.max(0, Date.parse(job.lastUpdatedAt ?? job.startTime) - startedAt);
  const rows = job.rowsSynced ?? 0;
  return {
    runId: `platform-${job.jobId}`,
    kind: 'write',
    source,
    destination,
    status,
    startedAt,
    endedAt: status === 'Running' ? undefined : startedAt + duration,
    durationMs: duration,
    runsOn: `Ran on: the Airbyte platform at ${record.apiUrl} (workspace ${record.workspaceId}), connection ${record.remoteId}`,
    streams: [
      {
        name: 'all streams (the platform reports totals)',
        read: rows,
        sent: rows,
        confirmed: rows,
        phase: status === 'Succeeded' ? 'complete' : status === 'Running' ? 'running' : 'incomplete',
      },
    ],
    throughput: [
      { t: 0, sent: 0, confirmed: 0 },
      { t: Math.max(duration, 1), sent: rows, confirmed: rows },
    ],
    error: status === 'Failed' ? { message: `Job ${job.jobId} ${job.status} on the platform: its logs are at ${logsUrl}` } : undefined,
    logTail: [
      `Job ${job.jobId} (${job.jobType}): ${formatCount(rows)} rows, ${formatBytes(job.bytesSynced ?? 0)}.`,
      `Logs (not served by the public API): ${logsUrl}`,
    ],
  };
}
