// The Connectors view: registry destinations and sources plus the built-ins, filterable, with
// the support level in the description and a mark on connectors whose image is present locally
// (Docker is asked lazily and may be down), and on those installed in a Python venv.
import * as vscode from 'vscode';
import type { ConnectorInfo } from './connectorFilter';
import { connectorInfoFromEntry, matchesFilter } from './connectorFilter';
import type { CoreServices } from './coreServices';
import type { ListedVenv } from '../core/python/venvInstall';
import type { OutputChannels } from './outputChannels';
import { RefreshWhileVisible } from './refreshWhileVisible';

export type ConnectorGroup = 'destination' | 'source' | 'builtin';

export type ConnectorNode =
  | { kind: 'group'; group: ConnectorGroup; count: number }
  | { kind: 'connector'; info: ConnectorInfo; local: boolean; venvs?: ListedVenv[] }
  | { kind: 'message'; text: string; icon: string };

const GROUP_LABEL: Record<ConnectorGroup, string> = { destination: 'Destinations', source: 'Sources', builtin: 'Built-in (no Docker)' };

export class ConnectorsTree implements vscode.TreeDataProvider<ConnectorNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ConnectorNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private filterText = '';
  private localImages = new Set<string>();
  private venvs = new Map<string, ListedVenv[]>();
  private imagesAsked = false;
  readonly refresher: RefreshWhileVisible;

  constructor(
    private readonly services: () => Promise<CoreServices>,
    private readonly channels: OutputChannels,
  ) {
    this.refresher = new RefreshWhileVisible(() => this.changed.fire(undefined));
  }

  get filter(): string {
    return this.filterText;
  }

  setFilter(text: string): void {
    this.filterText = text.trim();
    void vscode.commands.executeCommand('setContext', 'airbyte.connectorsFiltered', this.filterText.length > 0);
    if (this.refresher.view) this.refresher.view.message = this.filterText ? `Filtered by “${this.filterText}”` : undefined;
    this.refresher.refresh();
  }

  /** Re-reads the registry (and the local images) and redraws. */
  async reload(refreshRegistry: boolean): Promise<void> {
    const services = await this.services();
    await services.registry(refreshRegistry);
    this.imagesAsked = false;
    this.refresher.refresh();
  }

  getTreeItem(node: ConnectorNode): vscode.TreeItem {
    if (node.kind === 'group') {
      const item = new vscode.TreeItem(GROUP_LABEL[node.group], vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `group:${node.group}`;
      item.description = String(node.count);
      item.contextValue = `connectorGroup.${node.group}`;
      item.iconPath = new vscode.ThemeIcon(node.group === 'destination' ? 'database' : node.group === 'source' ? 'export' : 'beaker');
      if (this.filterText) item.collapsibleState = vscode.TreeItemCollapsibleState.Expanded;
      return item;
    }
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon(node.icon);
      item.contextValue = 'message';
      return item;
    }
    const { info, local } = node;
    const venv = node.venvs?.[node.venvs.length - 1];
    const item = new vscode.TreeItem(info.displayName, vscode.TreeItemCollapsibleState.None);
    item.id = `connector:${info.name}`;
    const bits = [info.name];
    if (info.supportLevel) bits.push(info.supportLevel);
    if (info.version) bits.push(`v${info.version}`);
    if (local) bits.push('● local');
    if (venv) bits.push(`● venv ${venv.version}`);
    item.description = bits.join(' · ');
    item.contextValue = `connector.${info.builtin ? 'builtin' : 'docker'}.${info.type}${local ? '.local' : ''}${info.pypiPackage ? '.pypi' : ''}${venv ? '.venv' : ''}`;
    item.iconPath = new vscode.ThemeIcon(
      info.builtin ? 'beaker' : info.type === 'destination' ? 'database' : 'export',
      local || venv || info.builtin ? new vscode.ThemeColor('charts.green') : undefined,
    );
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escapeMd(info.displayName)}** — \`${info.name}\`\n\n`);
    if (info.description) md.appendMarkdown(`${escapeMd(info.description)}\n\n`);
    if (info.image) md.appendMarkdown(`Image: \`${info.image}\`${local ? ' (present locally)' : ' (not pulled yet)'}\n\n`);
    if (info.pypiPackage) md.appendMarkdown(`PyPI: \`${info.pypiPackage}\` (runs without Docker from a venv: "Install Connector")\n\n`);
    for (const v of node.venvs ?? [])
      md.appendMarkdown(`Installed in a venv: ${escapeMd(`${v.distribution} ${v.version}, Python ${v.python}`)} (\`${v.folder}\`)\n\n`);
    if (info.supportLevel || info.releaseStage)
      md.appendMarkdown(`Support: ${[info.supportLevel, info.releaseStage].filter(Boolean).join(', ')}\n\n`);
    if (info.documentationUrl) md.appendMarkdown(`[Documentation](${info.documentationUrl})`);
    item.tooltip = md;
    item.command = {
      command: 'airbyte.openConnector',
      title: 'Open Connector',
      arguments: [{ connector: info.name, documentationUrl: info.documentationUrl }],
    };
    return item;
  }

  async getChildren(node?: ConnectorNode): Promise<ConnectorNode[]> {
    if (node?.kind === 'connector' || node?.kind === 'message') return [];
    const services = await this.services();
    let all: ConnectorInfo[];
    try {
      const registry = await services.registry();
      await vscode.commands.executeCommand('setContext', 'airbyte.registryFailed', false);
      await vscode.commands.executeCommand('setContext', 'airbyte.registryLoaded', true);
      if (this.refresher.view && registry.notice) this.refresher.view.message = registry.notice;
      all = [...registry.list('destination'), ...registry.list('source')].map(connectorInfoFromEntry);
    } catch (error) {
      this.channels.log.warn(`Connectors view: ${error instanceof Error ? error.message : String(error)}`);
      await vscode.commands.executeCommand('setContext', 'airbyte.registryFailed', true);
      all = [];
      if (!node)
        return [
          { kind: 'group', group: 'builtin', count: this.builtinInfos(services).length },
          { kind: 'message', text: 'Registry unavailable — see the Airbyte log', icon: 'warning' },
        ];
    }
    const builtins = this.builtinInfos(services);
    const visible = (list: ConnectorInfo[]) => (this.filterText ? list.filter((c) => matchesFilter(c, this.filterText)) : list);
    if (!node) {
      this.askLocalImages(services, all);
      const groups: ConnectorNode[] = (['destination', 'source', 'builtin'] as const).map((group) => ({
        kind: 'group',
        group,
        count: visible(group === 'builtin' ? builtins : all.filter((c) => c.type === group)).length,
      }));
      return this.filterText ? groups.filter((g) => g.kind === 'group' && g.count > 0) : groups;
    }
    // The venvs are files of the extension's storage: read at each redraw (Install Connector redraws).
    if (node.group !== 'builtin') this.venvs = await services.installedVenvs().catch(() => new Map<string, ListedVenv[]>());
    const list = visible(node.group === 'builtin' ? builtins : all.filter((c) => c.type === node.group));
    list.sort((a, b) => a.displayName.localeCompare(b.displayName));
    return list.map((info) => ({
      kind: 'connector',
      info,
      local: info.image !== undefined && this.localImages.has(info.image),
      venvs: this.venvs.get(info.name),
    }));
  }

  /**
   * Asks Docker for its images once per reload, when the groups are first shown; the ● local marks
   * appear when it answers. The tree redraws only when a listed connector's image is present:
   * a redraw replaces the rows' commands, and a click landing during one does nothing.
   */
  private askLocalImages(services: CoreServices, all: ConnectorInfo[]): void {
    if (this.imagesAsked) return;
    this.imagesAsked = true;
    void services.localImages(true).then((refs) => {
      this.localImages = refs;
      if (all.some((c) => c.image !== undefined && refs.has(c.image))) this.changed.fire(undefined);
    });
  }

  private builtinInfos(services: CoreServices): ConnectorInfo[] {
    return services
      .builtins()
      .map((b) => ({ name: b.name, type: b.type, displayName: b.displayName, builtin: true, description: b.description }));
  }

  dispose(): void {
    this.changed.dispose();
    this.refresher.dispose();
  }
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
