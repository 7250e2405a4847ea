// The Cached Reads view: each source config's cached records (its newest read, when, its streams
// with record counts and size on disk, whether destinations confirmed all of it), a read being
// written shown live, and the cache's total size in the view's description. Items carry what the
// context menu commands need (Preview Records, Write to Destination…, Delete).
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { CacheEntry, CacheEntryStream } from '../core/readResults/cacheCatalog';
import { formatBytes as formatSize, formatCount } from '../shared/format';
import type { CoreServices } from './coreServices';
import type { OutputChannels } from './outputChannels';
import { RefreshWhileVisible } from './refreshWhileVisible';
import { relativeTime } from './syncHistory';

/** A source's cache in a workspace folder. */
export interface CachedReadNode {
  kind: 'read';
  folder: vscode.WorkspaceFolder;
  entry: CacheEntry;
}

/** One stream of a cached read: clicking it previews its records. */
export interface CachedStreamNode {
  kind: 'stream';
  folder: vscode.WorkspaceFolder;
  entry: CacheEntry;
  stream: CacheEntryStream;
}

/** A read into the cache in progress (not yet committed: its records are not readable yet). */
export interface LiveReadNode {
  kind: 'live';
  label: string;
  streams: Array<{ stream: string; records: number }>;
}

export type CachedReadsNode = CachedReadNode | CachedStreamNode | LiveReadNode;

export class CachedReadsTree implements vscode.TreeDataProvider<CachedReadsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<CachedReadsNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly refresher = new RefreshWhileVisible(() => this.changed.fire(undefined));
  private entries: CachedReadNode[] | undefined;
  /** The read in progress, set by "Read Source into Cache…". */
  live: LiveReadNode | undefined;

  constructor(
    private readonly services: () => Promise<CoreServices>,
    private readonly channels: OutputChannels,
  ) {}

  /** Reads the cache index again and redraws. */
  reload(): void {
    this.entries = undefined;
    this.refresher.refresh();
    // Loaded now even while the view is hidden: the total size and `airbyte.hasCachedReads` stay current.
    void this.loadEntries().catch(() => undefined);
  }

  /** Every folder's cached reads (cached until `reload`). */
  async loadEntries(): Promise<CachedReadNode[]> {
    if (this.entries) return this.entries;
    const services = await this.services();
    const out: CachedReadNode[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (!existsSync(services.storePath(folder))) continue;
      try {
        for (const entry of await services.cacheEntries(folder)) out.push({ kind: 'read', folder, entry });
      } catch (error) {
        this.channels.log.warn(`Cached reads of ${folder.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.entries = out;
    const total = out.reduce((n, e) => n + e.entry.bytes, 0);
    if (this.refresher.view) this.refresher.view.description = out.length ? `${formatSize(total)} on disk` : undefined;
    void vscode.commands.executeCommand('setContext', 'airbyte.hasCachedReads', out.length > 0);
    return out;
  }

  async getChildren(node?: CachedReadsNode): Promise<CachedReadsNode[]> {
    if (!node) return [...(this.live ? [this.live] : []), ...(await this.loadEntries())];
    if (node.kind === 'read')
      return node.entry.streams.map((stream) => ({ kind: 'stream', folder: node.folder, entry: node.entry, stream }));
    return [];
  }

  getTreeItem(node: CachedReadsNode): vscode.TreeItem {
    if (node.kind === 'live') return liveItem(node);
    if (node.kind === 'stream') return streamItem(node);
    return readItem(node);
  }

  dispose(): void {
    this.refresher.dispose();
    this.changed.dispose();
  }
}

function readItem(node: CachedReadNode): vscode.TreeItem {
  const { entry } = node;
  const item = new vscode.TreeItem(entry.runId ? `${entry.sourceLabel} (read #${entry.runId})` : entry.sourceLabel);
  item.collapsibleState = vscode.TreeItemCollapsibleState.Collapsed;
  item.id = `cachedRead:${node.folder.uri.toString()}:${entry.sourceId}`;
  item.description = [`${formatCount(entry.records)} records`, formatSize(entry.bytes), relativeTime(entry.readAt)].join(' · ');
  item.iconPath = new vscode.ThemeIcon(entry.confirmed ? 'database' : 'warning');
  // `cachedRead.confirmed` / `cachedRead.unconfirmed`; `.noRun` when no complete read names it (a failed read's records).
  item.contextValue = `cachedRead.${entry.confirmed ? 'confirmed' : 'unconfirmed'}${entry.runId ? '' : '.noRun'}`;
  item.tooltip = [
    `${entry.source} · read ${new Date(entry.readAt).toLocaleString()}`,
    entry.confirmed
      ? 'Every record has been confirmed by a destination.'
      : `${formatCount(entry.unconfirmedRecords)} records no destination has confirmed yet.`,
    ...entry.streams.map((s) => `${s.stream}: ${formatCount(s.records)} records, ${formatSize(s.bytes)}`),
  ].join('\n');
  return item;
}

function streamItem(node: CachedStreamNode): vscode.TreeItem {
  const { stream, entry } = node;
  const item = new vscode.TreeItem(stream.stream, vscode.TreeItemCollapsibleState.None);
  item.id = `cachedStream:${node.folder.uri.toString()}:${entry.sourceId}:${stream.stream}`;
  item.description = `${formatCount(stream.records)} records · ${formatSize(stream.bytes)}`;
  item.iconPath = new vscode.ThemeIcon('table');
  item.contextValue = entry.runId ? 'cachedStream' : 'cachedStream.noRun';
  item.tooltip = stream.confirmedBy.length
    ? `Confirmed by ${stream.confirmedBy.join(', ')}`
    : `${formatCount(stream.records - stream.confirmedRecords)} records not confirmed by any destination`;
  if (entry.runId)
    item.command = {
      command: 'airbyte.previewRecords',
      title: 'Preview Records',
      arguments: [{ runId: entry.runId, stream: stream.stream, folder: node.folder.uri.toString() }],
    };
  return item;
}

function liveItem(node: LiveReadNode): vscode.TreeItem {
  const total = node.streams.reduce((n, s) => n + s.records, 0);
  const item = new vscode.TreeItem(`${node.label} (reading…)`, vscode.TreeItemCollapsibleState.None);
  item.id = 'cachedRead:live';
  item.description = `${formatCount(total)} records · ${node.streams.map((s) => `${s.stream} ${formatCount(s.records)}`).join(', ')}`;
  item.iconPath = new vscode.ThemeIcon('sync~spin');
  item.contextValue = 'cachedRead.live';
  return item;
}
