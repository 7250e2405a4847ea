// The Airbyte platform's rows of the Syncs view, after the local pairs: the connections this
// workspace deployed (from the workspace store) with their latest jobs on the platform. Jobs are read
// again every `airbyte.platform.pollSeconds` while the view is visible and a job is pending or
// running. A platform that cannot be reached is one row saying so above its connections: the rest of
// the extension does not depend on it. Loads the core's platform client on first use.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { PlatformJob } from '../core/platform/platformJobs';
import { isoDurationMs } from '../core/platform/platformJobs';
import type { DeploymentRecord } from '../core/store/platformDeployments';
import { formatBytes, formatCount, formatDuration } from '../shared/format';
import type { ExtensionHost } from './host';
import { RefreshWhileVisible } from './refreshWhileVisible';

export type PlatformNode =
  | { kind: 'message'; text: string; command?: vscode.Command }
  | { kind: 'connection'; record: DeploymentRecord; folder: vscode.WorkspaceFolder; jobs: PlatformJob[] }
  | { kind: 'job'; record: DeploymentRecord; job: PlatformJob };

const JOB_ICON: Record<string, [string, string | undefined]> = {
  succeeded: ['pass-filled', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  incomplete: ['warning', 'testing.iconFailed'],
  cancelled: ['circle-slash', 'disabledForeground'],
  running: ['sync~spin', undefined],
  pending: ['clock', undefined],
  queued: ['clock', undefined],
};

const trees = new WeakMap<ExtensionHost, PlatformTree>();

/** The platform's tree for a host (made by {@link registerPlatformTree}). */
export function platformTreeOf(host: ExtensionHost): PlatformTree | undefined {
  return trees.get(host);
}

/** Creates the tree and shows it in the Syncs view; disposed with the extension. */
export function registerPlatformTree(host: ExtensionHost): PlatformTree {
  const tree = new PlatformTree(host);
  host.context.subscriptions.push(
    tree,
    host.syncsTree.attachPlatform<PlatformNode>(tree),
    host.context.secrets.onDidChange(() => tree.reload()),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('airbyte.platform') && tree.reload()),
  );
  trees.set(host, tree);
  return tree;
}

export class PlatformTree implements vscode.TreeDataProvider<PlatformNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<PlatformNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly refresher = new RefreshWhileVisible(() => this.changed.fire(undefined));
  private nodes: Promise<PlatformNode[]> | undefined;
  private poll: NodeJS.Timeout | undefined;

  constructor(private readonly host: ExtensionHost) {}

  /** Reads the store and the platform again, and redraws. */
  reload(): void {
    this.nodes = undefined;
    this.refresher.refresh();
  }

  /** The top rows, as the view shows them (tests read them). */
  rows(): Promise<PlatformNode[]> {
    return (this.nodes ??= this.load());
  }

  getTreeItem(node: PlatformNode): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text);
      item.iconPath = new vscode.ThemeIcon('info');
      item.command = node.command;
      item.contextValue = 'platform.message';
      return item;
    }
    if (node.kind === 'connection') return connectionItem(node);
    return jobItem(node.record, node.job);
  }

  async getChildren(node?: PlatformNode): Promise<PlatformNode[]> {
    if (node?.kind === 'connection') return node.jobs.map((job) => ({ kind: 'job', record: node.record, job }));
    if (node) return [];
    return this.rows();
  }

  private async load(): Promise<PlatformNode[]> {
    clearTimeout(this.poll);
    const access = await import('./platformAccess.js');
    const settings = await access.editorPlatformSettings(this.host.context.secrets).catch((error: unknown) => error as Error);
    if (settings instanceof Error) return [{ kind: 'message', text: settings.message }];
    const records = await this.deployed(settings.apiUrl, settings.workspaceId).catch((error: unknown) => error as Error);
    if (records instanceof Error) return [{ kind: 'message', text: `Cannot read the workspace store: ${records.message}` }];
    if (!access.isConfigured(settings)) {
      const text = 'Set the workspace (airbyte.platform.workspaceId) and credentials to see platform jobs';
      return [{ kind: 'message', text, command: { command: 'airbyte.platform.setCredentials', title: 'Set Platform Credentials' } }];
    }
    if (records.length === 0) {
      const command = { command: 'airbyte.platform.deploy', title: 'Deploy to Airbyte…' };
      return [{ kind: 'message', text: `Nothing deployed to ${settings.apiUrl} yet: Deploy to Airbyte…`, command }];
    }
    const client = await access.editorPlatformClient(this.host.context.secrets, AbortSignal.timeout(30_000));
    const { listJobs, isJobFinished } = await import('../core/platform/platformJobs.js');
    const nodes: PlatformNode[] = [];
    try {
      for (const { record, folder } of records)
        nodes.push({ kind: 'connection', record, folder, jobs: await listJobs(client, { connectionId: record.remoteId, limit: 10 }) });
    } catch (error) {
      const text = `The Airbyte platform at ${settings.apiUrl} cannot be reached: ${error instanceof Error ? error.message : String(error)}`;
      this.host.channels.log.warn(`Airbyte Platform view: ${text}`);
      return [
        { kind: 'message', text },
        ...records.map(({ record, folder }): PlatformNode => ({ kind: 'connection', record, folder, jobs: [] })),
      ];
    }
    if (nodes.some((n) => n.kind === 'connection' && n.jobs.some((j) => !isJobFinished(j))))
      this.pollSoon(access.platformConfig().pollSeconds);
    return nodes;
  }

  /** A job runs: read again after the poll interval (done when the view is next visible if hidden). */
  private pollSoon(seconds: number): void {
    this.poll = setTimeout(() => this.reload(), seconds * 1000);
  }

  /** The connections recorded in each workspace folder's store for this platform and workspace. */
  private async deployed(apiUrl: string, workspaceId: string | undefined) {
    const services = await this.host.services();
    const out: Array<{ record: DeploymentRecord; folder: vscode.WorkspaceFolder }> = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (!existsSync(services.storePath(folder))) continue;
      const store = await services.openStore(folder, false);
      try {
        for (const record of store.platform.connections(apiUrl))
          if (!workspaceId || record.workspaceId === workspaceId) out.push({ record, folder });
      } finally {
        await store.close();
      }
    }
    return out;
  }

  dispose(): void {
    clearTimeout(this.poll);
    this.changed.dispose();
    this.refresher.dispose();
  }
}

function connectionItem(node: Extract<PlatformNode, { kind: 'connection' }>): vscode.TreeItem {
  const item = new vscode.TreeItem(node.record.name, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `platform:${node.record.remoteId}`;
  const last = node.jobs[0];
  // The same pair of configs may also have a local row above: this one says where it runs.
  item.description = `on Airbyte · ${last ? `${last.status} · job ${last.jobId}` : 'no jobs yet'}`;
  item.iconPath = new vscode.ThemeIcon('cloud');
  item.tooltip = `${node.record.name}\nConnection ${node.record.remoteId}\n${node.record.apiUrl}, workspace ${node.record.workspaceId}`;
  item.contextValue = 'platform.connection';
  return item;
}

function jobItem(record: DeploymentRecord, job: PlatformJob): vscode.TreeItem {
  const item = new vscode.TreeItem(`Job ${job.jobId} ${job.status}`, vscode.TreeItemCollapsibleState.None);
  item.id = `platform:${record.remoteId}:${job.jobId}`;
  item.description = [
    new Date(job.startTime).toLocaleString(),
    `${formatCount(job.rowsSynced ?? 0)} rows`,
    formatBytes(job.bytesSynced ?? 0),
    job.duration ? formatDuration(isoDurationMs(job.duration) ?? 0) : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  const [icon, color] = JOB_ICON[job.status] ?? ['circle-outline', undefined];
  item.iconPath = new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
  item.contextValue = `platform.job.${job.status}`;
  item.command = { command: 'airbyte.platform.openJob', title: 'Open Job Details', arguments: [{ record, job }] };
  return item;
}
