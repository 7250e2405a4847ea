// The Configs view: every `*.airbyte.jsonc` in the workspace with its validation state; a click
// opens the file. A FileSystemWatcher keeps the list current and re-validates changed files.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConfigFacts } from './coreServices';
import type { LanguageFeatures, ValidationSummary } from './languageFeatures';
import { CONFIG_GLOB } from './languageFeatures';
import { RefreshWhileVisible } from './refreshWhileVisible';

export interface ConfigNode {
  uri: vscode.Uri;
}

/** The last "Check Connection" of a config file: kept in the workspace state, shown in the view. */
export interface CheckRecord {
  ok: boolean;
  /** Epoch ms. */
  at: number;
  /** The connector's message (masked by the core), or the error's. */
  message?: string;
}

const CHECKS_KEY = 'airbyte.lastChecks';

export class ConfigsTree implements vscode.TreeDataProvider<ConfigNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ConfigNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private files: vscode.Uri[] | undefined;
  /** What each file says about its connector (the core parses it), by URI. */
  private readonly facts = new Map<string, ConfigFacts | undefined>();
  private readonly disposables: vscode.Disposable[] = [];
  readonly refresher = new RefreshWhileVisible(() => this.changed.fire(undefined));

  constructor(
    private readonly language: LanguageFeatures,
    private readonly memento?: vscode.Memento,
  ) {
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

  /** Keeps the result of a check of `uri` (it outlives its notification) and redraws. */
  async recordCheck(uri: vscode.Uri, check: CheckRecord): Promise<void> {
    const checks = { ...this.checks(), [uri.toString()]: check };
    await this.memento?.update(CHECKS_KEY, checks);
    this.sessionChecks.set(uri.toString(), check);
    this.refresher.refresh();
  }

  /** The last check of a config file, if one ran. */
  lastCheck(uri: vscode.Uri): CheckRecord | undefined {
    return this.sessionChecks.get(uri.toString()) ?? this.checks()[uri.toString()];
  }

  private readonly sessionChecks = new Map<string, CheckRecord>();

  private checks(): Record<string, CheckRecord> {
    return this.memento?.get<Record<string, CheckRecord>>(CHECKS_KEY) ?? {};
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
      for (const uri of this.files) if (!this.language.summary(uri)) void this.readFacts(uri).then(() => this.language.validateFile(uri));
    }
    return this.files;
  }

  /** Configs of one kind (for the Write quick picks); files whose kind is unknown are offered too. */
  async listOfKind(kind: 'source' | 'destination'): Promise<{ uri: vscode.Uri; connector?: string }[]> {
    const files = await this.list();
    const out: { uri: vscode.Uri; connector?: string }[] = [];
    for (const uri of files) {
      const facts = await this.readFacts(uri);
      if (facts?.type === kind || facts?.type === undefined) out.push({ uri, connector: facts?.connector });
    }
    return out;
  }

  /** Whether a config file names a source or a destination (undefined when unknown). */
  async kindOf(uri: vscode.Uri): Promise<'source' | 'destination' | undefined> {
    this.facts.delete(uri.toString());
    return (await this.readFacts(uri))?.type;
  }

  getTreeItem(node: ConfigNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.uri, vscode.TreeItemCollapsibleState.None);
    const folder = vscode.workspace.getWorkspaceFolder(node.uri);
    const rel = folder ? path.relative(folder.uri.fsPath, node.uri.fsPath) : node.uri.fsPath;
    item.label = path.basename(node.uri.fsPath);
    const summary = this.language.summary(node.uri);
    const facts = this.facts.get(node.uri.toString()) ?? summary?.facts;
    const connector = facts?.connector;
    const dir = path.dirname(rel);
    const check = this.lastCheck(node.uri);
    item.description = [connector, dir !== '.' ? dir : undefined, check && checkWords(check)].filter(Boolean).join(' · ');
    item.contextValue = `config.${facts?.type ?? 'unknown'}.${facts?.builtin ? 'builtin' : 'docker'}`;
    item.iconPath = validationIcon(summary, check);
    item.tooltip = [
      summary
        ? `${rel}\n${connector ?? 'no connector'} — ${summary.errors} error(s), ${summary.warnings} warning(s)`
        : `${rel}\nvalidating…`,
      check &&
        `Last check ${new Date(check.at).toLocaleString()}: ${check.ok ? 'the connection works' : 'failed'}${check.message ? ` — ${check.message}` : ''}`,
    ]
      .filter(Boolean)
      .join('\n');
    item.command = { command: 'vscode.open', title: 'Open', arguments: [node.uri] };
    return item;
  }

  async getChildren(node?: ConfigNode): Promise<ConfigNode[]> {
    if (node) return [];
    const files = await this.list();
    await Promise.all(files.map((uri) => this.readFacts(uri)));
    return files.map((uri) => ({ uri }));
  }

  private async readFacts(uri: vscode.Uri): Promise<ConfigFacts | undefined> {
    const key = uri.toString();
    if (this.facts.has(key)) return this.facts.get(key);
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
    let facts: ConfigFacts | undefined;
    try {
      const text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      facts = await this.language.factsOf(text);
    } catch {
      facts = undefined;
    }
    this.facts.set(key, facts);
    return facts;
  }

  private onFileEvent(uri: vscode.Uri, what: 'create' | 'delete' | 'change'): void {
    this.facts.delete(uri.toString());
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
    this.facts.set(summary.uri.toString(), summary.facts);
    this.refresher.refreshSoon(100);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
    this.refresher.dispose();
  }
}

/** "check failed 01:23" / "check ok 01:23": the last check's result and time. */
export function checkWords(check: CheckRecord): string {
  const at = new Date(check.at);
  const time = at.toDateString() === new Date().toDateString() ? at.toLocaleTimeString() : at.toLocaleString();
  return `check ${check.ok ? 'ok' : 'failed'} ${time}`;
}

function validationIcon(summary: ValidationSummary | undefined, check?: CheckRecord): vscode.ThemeIcon {
  if (!summary) return new vscode.ThemeIcon('loading~spin');
  if (summary.errors > 0) return new vscode.ThemeIcon('error', new vscode.ThemeColor('problemsErrorIcon.foreground'));
  // A valid file whose last check failed is not ✓: the connection does not work.
  if (check && !check.ok) return new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('problemsErrorIcon.foreground'));
  if (summary.warnings > 0) return new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'));
  return new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed'));
}
