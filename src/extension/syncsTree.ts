// The Syncs view: every source → destination pair written before (from the store's run history),
// with the last status, records confirmed, duration and time; the run in progress live at the top;
// past runs beneath each pair. Read without taking the store's lock, so the CLI can run meanwhile.
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { RunView } from '../shared/runDetailsProtocol';
import { formatCount, formatDuration } from '../shared/format';
import type { CoreServices } from './coreServices';
import type { OutputChannels } from './outputChannels';
import { RefreshWhileVisible } from './refreshWhileVisible';
import type { SyncPair } from './syncHistory';
import { groupRuns, identityChanged, relativeTime, statusLabel } from './syncHistory';
import type { RunRecord } from '../core/store/runHistory';
import type { LiveRun } from './liveSync';
import { runsOnText } from './runViewModel';

export type { SyncPair } from './syncHistory';

export type SyncNode =
  | { kind: 'pair'; pair: SyncPair; live?: RunView }
  | { kind: 'live'; run: RunView }
  | { kind: 'run'; pair: SyncPair; run: RunRecord; older?: RunRecord }
  | { kind: 'message'; text: string }
  /** A row of the Airbyte platform's: a deployed connection, one of its jobs, or what keeps them from showing. */
  | { kind: 'platform'; node: PlatformRow };

/** A row of the Airbyte platform's (platformTree.ts): a deployed connection (`kind: 'connection'`), a job, a message. */
export interface PlatformRow {
  kind: string;
}

/** What the Syncs view needs of the platform's rows (platformTree.ts provides them). */
export interface PlatformRowSource<R extends PlatformRow = PlatformRow> {
  rows(): Promise<R[]>;
  getTreeItem(row: R): vscode.TreeItem;
  getChildren(row: R): Promise<R[]>;
  reload(): void;
  readonly onDidChangeTreeData: vscode.Event<unknown>;
}

/** What the tree needs from the sync runner: the run in progress, once the core started it. */
export interface LiveRunSource {
  readonly liveRun: LiveRun | undefined;
}

const STATUS_ICON: Record<string, [string, string | undefined]> = {
  succeeded: ['pass-filled', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  cancelled: ['circle-slash', 'disabledForeground'],
  running: ['sync~spin', undefined],
};

export class SyncsTree implements vscode.TreeDataProvider<SyncNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<SyncNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly refresher = new RefreshWhileVisible(() => this.changed.fire(undefined));
  private pairs: SyncPair[] | undefined;
  private platform: PlatformRowSource | undefined;
  live: LiveRunSource | undefined;

  constructor(
    private readonly services: () => Promise<CoreServices>,
    private readonly channels: OutputChannels,
  ) {}

  /** Reads the run history (and the platform's jobs) again and redraws. */
  reload(): void {
    this.pairs = undefined;
    this.platform?.reload();
    this.refresher.refresh();
  }

  /**
   * Shows the connections deployed to the Airbyte platform after the local pairs, their jobs
   * beneath; redrawn when the platform's rows change (a job polled while it runs).
   */
  attachPlatform<R extends PlatformRow>(platform: PlatformRowSource<R>): vscode.Disposable {
    // Every row given back to the platform is one it made.
    this.platform = {
      rows: () => platform.rows(),
      getTreeItem: (row) => platform.getTreeItem(row as R),
      getChildren: (row) => platform.getChildren(row as R),
      reload: () => platform.reload(),
      onDidChangeTreeData: platform.onDidChangeTreeData,
    };
    return platform.onDidChangeTreeData(() => this.refresher.refresh());
  }

  /** The platform's rows, once something was deployed (a workspace that never deployed sees none). */
  private async platformRows(): Promise<SyncNode[]> {
    if (!this.platform) return [];
    try {
      const rows = await this.platform.rows();
      return rows.some((r) => r.kind === 'connection') ? rows.map((node): SyncNode => ({ kind: 'platform', node })) : [];
    } catch (error) {
      this.channels.log.warn(`Syncs view: platform connections: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }

  /** Pairs from every workspace folder's store. */
  async loadPairs(): Promise<SyncPair[]> {
    if (this.pairs) return this.pairs;
    const services = await this.services();
    const pairs: SyncPair[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (!existsSync(services.storePath(folder))) continue;
      try {
        const store = await services.openStore(folder, false);
        try {
          pairs.push(...groupRuns(store.runs.list(500), folder));
        } finally {
          await store.close();
        }
      } catch (error) {
        this.channels.log.warn(
          `Syncs view: cannot read ${services.storePath(folder)}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    this.pairs = pairs;
    void vscode.commands.executeCommand('setContext', 'airbyte.hasRuns', pairs.length > 0);
    return pairs;
  }

  getTreeItem(node: SyncNode): vscode.TreeItem {
    switch (node.kind) {
      case 'message': {
        const item = new vscode.TreeItem(node.text);
        item.contextValue = 'message';
        return item;
      }
      case 'live':
        return liveItem(node.run);
      case 'pair':
        return pairItem(node.pair, node.live);
      case 'run':
        return runItem(node.pair, node.run, node.older);
      case 'platform':
        return this.platform!.getTreeItem(node.node);
    }
  }

  async getChildren(node?: SyncNode): Promise<SyncNode[]> {
    if (node?.kind === 'pair') return node.pair.runs.map((run, i) => ({ kind: 'run', pair: node.pair, run, older: node.pair.runs[i + 1] }));
    if (node?.kind === 'platform')
      return (await this.platform!.getChildren(node.node)).map((child): SyncNode => ({ kind: 'platform', node: child }));
    if (node) return [];
    const pairs = await this.loadPairs();
    const live = this.live?.liveRun;
    const isLive = (pair: SyncPair) =>
      live !== undefined &&
      (live.view.pairKey === pair.key || (live.sourceId === pair.sourceId && (live.destinationId ?? '') === pair.destinationId));
    const nodes = pairs.map((pair): SyncNode => ({ kind: 'pair', pair, live: isLive(pair) ? live?.view : undefined }));
    // A first run of a pair has no history yet: show it on its own at the top.
    if (live && !pairs.some(isLive)) nodes.unshift({ kind: 'live', run: live.view });
    return [...nodes, ...(await this.platformRows())];
  }

  dispose(): void {
    this.changed.dispose();
    this.refresher.dispose();
  }
}

function statusIcon(status: string): vscode.ThemeIcon {
  const [icon, color] = STATUS_ICON[status] ?? ['circle-outline', undefined];
  return new vscode.ThemeIcon(icon, color ? new vscode.ThemeColor(color) : undefined);
}

/** The first run of a pair, before run history has the pair. */
function liveItem(run: RunView): vscode.TreeItem {
  const item = new vscode.TreeItem(`${run.source} → ${run.destination}`, vscode.TreeItemCollapsibleState.None);
  item.id = `live:${run.runId}`;
  item.description = liveDescription(run);
  item.iconPath = new vscode.ThemeIcon('sync~spin');
  item.contextValue = 'sync.running';
  item.command = { command: 'airbyte.openRunDetails', title: 'Open Run Details', arguments: [{ runId: run.runId }] };
  item.accessibilityInformation = { label: `${run.source} → ${run.destination}, run #${run.runId} running, ${item.description}` };
  return item;
}

function pairItem(pair: SyncPair, live: RunView | undefined): vscode.TreeItem {
  const last = pair.runs[0];
  const item = new vscode.TreeItem(`${pair.source} → ${pair.destination}`, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `pair:${pair.folder.uri.toString()}:${pair.key}`;
  item.description = live ? liveDescription(live) : runDescription(last);
  item.iconPath = live ? new vscode.ThemeIcon('sync~spin') : statusIcon(last.status);
  item.contextValue = live ? 'sync.running' : `sync.${last.status}`;
  item.tooltip = pairTooltip(pair);
  // A screen reader hears which run the row is about and how it went, not only the pair's name.
  const about = live ? `run #${live.runId} running, ${item.description}` : `last run #${last.id} ${runDescription(last)}`;
  item.accessibilityInformation = { label: `${pair.source} → ${pair.destination}, ${about}` };
  return item;
}

function runItem(pair: SyncPair, r: RunRecord, older: RunRecord | undefined): vscode.TreeItem {
  const changed = identityChanged(r, older);
  const item = new vscode.TreeItem(
    `#${r.id} ${statusLabel(r.status)}${r.kind === 'read' ? ' (read into cache)' : ''}`,
    vscode.TreeItemCollapsibleState.None,
  );
  item.id = `run:${pair.folder.uri.toString()}:${r.id}`;
  item.description = [
    new Date(r.startedAt).toLocaleString(),
    `${formatCount(r.recordsConfirmed)} confirmed`,
    r.endedAt ? formatDuration(r.endedAt - r.startedAt) : undefined,
    // A write fed by a read (through the cache, or a cached read written): the read it came from.
    r.kind === 'write' && r.parentRunId !== undefined ? `from read #${r.parentRunId}` : undefined,
    // The config was edited since the run before: a new identity, so its state started afresh.
    changed ? `${changed === 'both' ? 'both configs' : `${changed} config`} changed` : undefined,
  ]
    .filter(Boolean)
    .join(' · ');
  item.iconPath = statusIcon(r.status);
  item.contextValue = `run.${r.status}`;
  const summary = r.error
    ? `${statusLabel(r.status)}: ${r.error}`
    : `${r.streams.join(', ')} — ${formatCount(r.recordsRead)} read, ${formatCount(r.recordsSent)} sent, ${formatCount(r.recordsConfirmed)} confirmed`;
  const identityNote = changed
    ? `The ${changed === 'both' ? 'source and destination configs' : `${changed} config`} changed before this run: a new config identity, so its state and confirmed positions started afresh.`
    : undefined;
  item.tooltip = [summary, runsOnText(r), identityNote].filter(Boolean).join('\n');
  item.accessibilityInformation = { label: `Run #${r.id}, ${statusLabel(r.status)}, ${item.description}` };
  item.command = {
    command: 'airbyte.openRunDetails',
    title: 'Open Run Details',
    arguments: [{ runId: String(r.id), folder: pair.folder.uri.toString() }],
  };
  return item;
}

function runDescription(r: RunRecord): string {
  return [
    statusLabel(r.status),
    `${formatCount(r.recordsConfirmed)} records`,
    r.endedAt ? formatDuration(r.endedAt - r.startedAt) : undefined,
    relativeTime(r.endedAt ?? r.startedAt),
  ]
    .filter(Boolean)
    .join(' · ');
}

function liveDescription(v: RunView): string {
  const total = (k: 'read' | 'sent' | 'confirmed') => formatCount(v.streams.reduce((n, s) => n + s[k], 0));
  // Through the cache a run first reads (nothing is sent yet), then writes.
  const counts =
    v.phase === 'reading' || v.phase === 'preparing' || v.phase === undefined
      ? `${v.phase ?? 'starting'} · ${total('read')} read`
      : `${total('sent')} sent · ${total('confirmed')} confirmed`;
  return `Running · ${counts} · ${formatDuration(v.durationMs)}`;
}

function pairTooltip(pair: SyncPair): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  const last = pair.runs[0];
  md.appendMarkdown(`**${pair.source} → ${pair.destination}**\n\n`);
  md.appendMarkdown(
    `${pair.runs.length} run(s); last: ${statusLabel(last.status)}, ${formatCount(last.recordsConfirmed)} records confirmed`,
  );
  if (last.streams.length) md.appendMarkdown(`, streams ${last.streams.join(', ')}`);
  const ranOn = runsOnText(last);
  if (ranOn) md.appendMarkdown(`\n\n${ranOn}`);
  if (last.error) md.appendMarkdown(`\n\nError: ${last.error}`);
  return md;
}
