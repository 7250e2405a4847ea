// The Configs view: every `*.airbyte.jsonc` in the workspace with its validation state; a click
// opens the file. A FileSystemWatcher keeps the list current and re-validates changed files.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LanguageFeatures, ValidationSummary } from './languageFeatures';
import { CONFIG_GLOB, connectorOf } from './languageFeatures';
import { RefreshWhileVisible } from './refreshWhileVisible';

export interface ConfigNode {
  uri: vscode.Uri;
}

/** `source`, `destination` or undefined, from the connector name alone. */
export function connectorKind(
  connector: string | undefined,
  builtinKinds: ReadonlyMap<string, 'source' | 'destination'>,
): 'source' | 'destination' | undefined {
  if (!connector) return undefined;
  const builtin = builtinKinds.get(connector);
  if (builtin) return builtin;
  const base = connector.split('/').pop() ?? connector;
  if (base.startsWith('source-')) return 'source';
  if (base.startsWith('destination-')) return 'destination';
  return undefined;
}

export class ConfigsTree implements vscode.TreeDataProvider<ConfigNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ConfigNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private files: vscode.Uri[] | undefined;
  private readonly connectors = new Map<string, string | undefined>();
  private readonly disposables: vscode.Disposable[] = [];
  readonly refresher = new RefreshWhileVisible(() => this.changed.fire(undefined));
  /** Built-in connector kinds, filled once the core is loaded (until then names decide). */
  builtinKinds: ReadonlyMap<string, 'source' | 'destination'> = new Map([
    ['builtin:sample', 'source'],
    ['builtin:sqlite', 'destination'],
    ['builtin:jsonl', 'destination'],
    ['builtin:dev-null', 'destination'],
  ]);

  constructor(private readonly language: LanguageFeatures) {
    const watcher = vscode.workspace.createFileSystemWatcher(CONFIG_GLOB);
    this.disposables.push(
      watcher,
      watcher.onDidCreate((uri) => this.onFileEvent(uri, 'create')),
      watcher.onDidDelete((uri) => this.onFileEvent(uri, 'delete')),
      watcher.onDidChange((uri) => this.onFileEvent(uri, 'change')),
      language.onDidValidate((s) => this.onValidated(s)),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.reload()),
    );
  }

  /** Finds the files again (the refresh command). */
  reload(): void {
    this.files = undefined;
    this.refresher.refresh();
  }

  /** The config files, sorted by path (finds them on first use). */
  async list(): Promise<vscode.Uri[]> {
    if (!this.files) {
      const found = await vscode.workspace.findFiles(CONFIG_GLOB, '**/{node_modules,.git,.airbyte}/**');
      this.files = found.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
      void vscode.commands.executeCommand('setContext', 'airbyte.hasConfigs', this.files.length > 0);
      // Files not open in an editor are validated from disk, so their icons mean something.
      for (const uri of this.files)
        if (!this.language.summary(uri)) void this.readConnector(uri).then(() => this.language.validateFile(uri));
    }
    return this.files;
  }

  /** Configs of one kind (for the Write quick picks). */
  async listOfKind(kind: 'source' | 'destination'): Promise<{ uri: vscode.Uri; connector?: string }[]> {
    const files = await this.list();
    const out: { uri: vscode.Uri; connector?: string }[] = [];
    for (const uri of files) {
      const connector = await this.readConnector(uri);
      const k = connectorKind(connector, this.builtinKinds);
      if (k === kind || k === undefined) out.push({ uri, connector });
    }
    return out;
  }

  /** Whether a config file names a source or a destination (undefined when unknown). */
  async kindOf(uri: vscode.Uri): Promise<'source' | 'destination' | undefined> {
    this.connectors.delete(uri.toString());
    return connectorKind(await this.readConnector(uri), this.builtinKinds);
  }

  getTreeItem(node: ConfigNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.uri, vscode.TreeItemCollapsibleState.None);
    const folder = vscode.workspace.getWorkspaceFolder(node.uri);
    const rel = folder ? path.relative(folder.uri.fsPath, node.uri.fsPath) : node.uri.fsPath;
    item.label = path.basename(node.uri.fsPath);
    const connector = this.connectors.get(node.uri.toString()) ?? this.language.summary(node.uri)?.connector;
    const summary = this.language.summary(node.uri);
    const dir = path.dirname(rel);
    item.description = [connector, dir !== '.' ? dir : undefined].filter(Boolean).join(' · ');
    const kind = connectorKind(connector, this.builtinKinds) ?? 'unknown';
    item.contextValue = `config.${kind}.${connector?.startsWith('builtin:') ? 'builtin' : 'docker'}`;
    if (!summary) {
      item.iconPath = new vscode.ThemeIcon('loading~spin');
    } else if (summary.errors > 0) {
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
    } else if (summary.warnings > 0) {
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
    } else {
      item.iconPath = new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
    }
    item.tooltip = summary
      ? `${rel}\n${connector ?? 'no connector'} — ${summary.errors} error(s), ${summary.warnings} warning(s)`
      : `${rel}\nvalidating…`;
    item.command = { command: 'vscode.open', title: 'Open', arguments: [node.uri] };
    return item;
  }

  async getChildren(node?: ConfigNode): Promise<ConfigNode[]> {
    if (node) return [];
    const files = await this.list();
    await Promise.all(files.map((uri) => this.readConnector(uri)));
    return files.map((uri) => ({ uri }));
  }

  private async readConnector(uri: vscode.Uri): Promise<string | undefined> {
    const key = uri.toString();
    if (this.connectors.has(key)) return this.connectors.get(key);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    let text: string | undefined;
    try {
      text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      text = undefined;
    }
    const connector = text === undefined ? undefined : connectorOf(text);
    this.connectors.set(key, connector);
    return connector;
  }

  private onFileEvent(uri: vscode.Uri, what: 'create' | 'delete' | 'change'): void {
    this.connectors.delete(uri.toString());
    if (what === 'delete') {
      this.language.forget(uri);
      this.files = this.files?.filter((f) => f.toString() !== uri.toString());
    } else {
      if (what === 'create' && this.files && !this.files.some((f) => f.toString() === uri.toString())) {
        this.files = [...this.files, uri].sort((a, b) => a.fsPath.localeCompare(b.fsPath));
      }
      void this.language.validateFile(uri);
    }
    void vscode.commands.executeCommand('setContext', 'airbyte.hasConfigs', (this.files?.length ?? 1) > 0);
    this.refresher.refreshSoon(100);
  }

  private onValidated(summary: ValidationSummary): void {
    if (summary.connector !== undefined) this.connectors.set(summary.uri.toString(), summary.connector);
    this.refresher.refreshSoon(100);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
    this.refresher.dispose();
  }
}
