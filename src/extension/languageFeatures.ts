// Editor features for `*.airbyte.jsonc`: diagnostics as you type (debounced, stale requests
// cancelled), completion, hover, quick fixes and a status bar item naming the spec in use. All
// answers come from the core language service; this module only converts and schedules.
import * as vscode from 'vscode';
import type { ConfigLanguageService } from '../core/language/configLanguageService';
import type { ConfigFacts, CoreServices } from './coreServices';
import { AirbyteDiagnostic, toCodeAction, toCompletionItem, toDiagnostic, toHover } from './convert';
import { abortSignalFrom } from './cancellation';
import type { OutputChannels } from './outputChannels';
import { NewlyRequiredFields } from './newlyRequiredFields';

export const LANGUAGE_ID = 'airbyte-jsonc';
export const CONFIG_GLOB = '**/*.airbyte.jsonc';
const DEBOUNCE_MS = 200;
const SELECTOR: vscode.DocumentSelector = [{ language: LANGUAGE_ID }];

export interface ValidationSummary {
  uri: vscode.Uri;
  errors: number;
  warnings: number;
  /** What the file says about its connector (name, type), by the core's parse. */
  facts: ConfigFacts;
}

export class LanguageFeatures implements vscode.Disposable {
  readonly diagnostics = vscode.languages.createDiagnosticCollection('airbyte');
  private readonly pending = new Map<string, { timer: NodeJS.Timeout; controller: AbortController }>();
  private readonly summaries = new Map<string, ValidationSummary>();
  private readonly onDidValidateEmitter = new vscode.EventEmitter<ValidationSummary>();
  /** Fires after each validation of a config file (open or not). */
  readonly onDidValidate = this.onDidValidateEmitter.event;
  private readonly onDidChangeSpecStatusEmitter = new vscode.EventEmitter<string | undefined>();
  /** Fires when the spec status bar item changes (its text, or undefined when hidden). */
  readonly onDidChangeSpecStatus = this.onDidChangeSpecStatusEmitter.event;
  private readonly statusItem = vscode.window.createStatusBarItem('airbyte.spec', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [];
  private readonly newlyRequired = new NewlyRequiredFields();
  private statusRequest = 0;
  private statusShown = false;

  constructor(
    private readonly services: () => Promise<CoreServices>,
    private readonly channels: OutputChannels,
  ) {
    this.statusItem.name = 'Airbyte Connector Spec';
    this.statusItem.command = { command: 'airbyte.showSpec', title: 'Show Connector Spec' };
    this.disposables.push(
      this.diagnostics,
      this.statusItem,
      this.onDidValidateEmitter,
      this.onDidChangeSpecStatusEmitter,
      vscode.workspace.onDidOpenTextDocument((doc) => this.schedule(doc, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => e.contentChanges.length > 0 && this.schedule(e.document, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseTextDocument((doc) => {
        if (doc.languageId !== LANGUAGE_ID) return;
        this.cancel(doc.uri);
        // The closed text may differ from the file: show what is on disk.
        if (doc.uri.scheme === 'file') void this.validateFile(doc.uri);
        else this.diagnostics.delete(doc.uri);
      }),
      vscode.window.onDidChangeActiveTextEditor(() => void this.updateStatus()),
      vscode.languages.registerCompletionItemProvider(
        SELECTOR,
        { provideCompletionItems: (doc, pos, token) => this.complete(doc, pos, token) },
        '"',
        ':',
        ' ',
      ),
      vscode.languages.registerHoverProvider(SELECTOR, { provideHover: (doc, pos, token) => this.hover(doc, pos, token) }),
      vscode.languages.registerCodeActionsProvider(
        SELECTOR,
        { provideCodeActions: (doc, _range, context) => this.codeActions(doc, context) },
        { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
      ),
    );
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc, 0);
    void this.updateStatus();
  }

  /** The last validation result of every config file seen. */
  summary(uri: vscode.Uri): ValidationSummary | undefined {
    return this.summaries.get(uri.toString());
  }

  /** Validates `doc` now (tests and commands), returning its diagnostics. */
  async validateDocument(doc: vscode.TextDocument, signal?: AbortSignal): Promise<readonly vscode.Diagnostic[]> {
    const version = doc.version;
    const text = doc.getText();
    const service = await this.service();
    const found = await service.doValidation(text, { signal });
    const facts = await this.factsOf(text);
    // A newer edit has its own request queued: publishing this one would flash stale squiggles.
    if (signal?.aborted || doc.version !== version) return this.diagnostics.get(doc.uri) ?? [];
    const published = this.publish(doc.uri, found.map(toDiagnostic), facts);
    this.newlyRequired
      .observe(doc, service, published)
      .catch((error: unknown) =>
        this.channels.log.warn(`Offering new required fields: ${error instanceof Error ? error.message : String(error)}`),
      );
    return published;
  }

  /** Validates a config file from disk (files not open in an editor). */
  async validateFile(uri: vscode.Uri): Promise<void> {
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) return;
    try {
      const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      const service = await this.service();
      const found = await service.doValidation(text);
      this.publish(uri, found.map(toDiagnostic), await this.factsOf(text));
    } catch (error) {
      this.channels.log.warn(`Could not validate ${uri.fsPath}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** What a config text says about its connector (the core parses it: a commented-out line names nothing). */
  async factsOf(text: string): Promise<ConfigFacts> {
    return (await this.services()).configFacts(text);
  }

  private async service(): Promise<ConfigLanguageService> {
    return (await this.services()).languageService();
  }

  forget(uri: vscode.Uri): void {
    this.cancel(uri);
    this.newlyRequired.forget(uri);
    this.diagnostics.delete(uri);
    this.summaries.delete(uri.toString());
  }

  /** Re-validates everything (after the registry changed). */
  revalidateAll(): void {
    for (const doc of vscode.workspace.textDocuments) this.schedule(doc, 0);
    this.diagnostics.forEach((uri) => {
      if (!vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri.toString())) void this.validateFile(uri);
    });
    void this.updateStatus();
  }

  private publish(uri: vscode.Uri, found: vscode.Diagnostic[], facts: ConfigFacts): vscode.Diagnostic[] {
    this.diagnostics.set(uri, found);
    const summary: ValidationSummary = {
      uri,
      errors: found.filter((d) => d.severity === vscode.DiagnosticSeverity.Error).length,
      warnings: found.filter((d) => d.severity === vscode.DiagnosticSeverity.Warning).length,
      facts,
    };
    this.summaries.set(uri.toString(), summary);
    this.onDidValidateEmitter.fire(summary);
    return found;
  }

  private schedule(doc: vscode.TextDocument, delay: number): void {
    if (doc.languageId !== LANGUAGE_ID) return;
    this.cancel(doc.uri);
    const controller = new AbortController();
    const timer = setTimeout(() => {
      this.validateDocument(doc, controller.signal)
        .catch((error: unknown) => {
          if (!controller.signal.aborted)
            this.channels.log.warn(`Validation of ${doc.uri.fsPath} failed: ${error instanceof Error ? error.message : String(error)}`);
        })
        .finally(() => {
          if (this.pending.get(doc.uri.toString())?.controller === controller) this.pending.delete(doc.uri.toString());
        });
      if (vscode.window.activeTextEditor?.document === doc) void this.updateStatus();
    }, delay);
    this.pending.set(doc.uri.toString(), { timer, controller });
  }

  private cancel(uri: vscode.Uri): void {
    const p = this.pending.get(uri.toString());
    if (!p) return;
    clearTimeout(p.timer);
    p.controller.abort();
    this.pending.delete(uri.toString());
  }

  private async complete(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken): Promise<vscode.CompletionList> {
    const { signal, dispose } = abortSignalFrom(token);
    try {
      const service = await this.service();
      const list = await service.doComplete(doc.getText(), doc.offsetAt(pos), { signal });
      return new vscode.CompletionList(list.items.map(toCompletionItem), list.isIncomplete);
    } finally {
      dispose();
    }
  }

  private async hover(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken): Promise<vscode.Hover | undefined> {
    const { signal, dispose } = abortSignalFrom(token);
    try {
      const service = await this.service();
      const hover = await service.doHover(doc.getText(), doc.offsetAt(pos), { signal });
      return hover && toHover(hover);
    } finally {
      dispose();
    }
  }

  private async codeActions(doc: vscode.TextDocument, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    const ours = context.diagnostics.filter((d): d is AirbyteDiagnostic => d instanceof AirbyteDiagnostic);
    if (ours.length === 0) return [];
    const service = await this.service();
    const text = doc.getText();
    return ours.flatMap((d) => service.getCodeActions(text, d.core).map((a) => toCodeAction(a, doc.uri, d)));
  }

  private async updateStatus(): Promise<void> {
    const doc = vscode.window.activeTextEditor?.document;
    const request = ++this.statusRequest;
    if (!doc || doc.languageId !== LANGUAGE_ID) {
      this.statusItem.hide();
      this.statusShown = false;
      this.onDidChangeSpecStatusEmitter.fire(undefined);
      return;
    }
    try {
      const service = await this.service();
      const status = await service.getSpecStatus(doc.getText());
      if (request !== this.statusRequest) return;
      const resolved = status.resolved;
      if (resolved) {
        const version =
          resolved.image?.split(':').pop() ?? resolved.entry?.dockerImageTag ?? (resolved.origin === 'builtin' ? 'builtin' : '?');
        this.statusItem.text = `$(symbol-namespace) ${resolved.connector}@${version}`;
        this.statusItem.tooltip = new vscode.MarkdownString(
          `Validated against the spec of **${resolved.connector}** (${resolved.origin === 'registry' ? 'from the registry' : resolved.origin === 'builtin' ? 'built in' : `from the image ${resolved.image ?? ''}`}). Click to open it.`,
        );
        this.statusItem.backgroundColor = undefined;
      } else {
        this.statusItem.text = `$(symbol-namespace) ${status.connector ?? 'no connector'}@?`;
        this.statusItem.tooltip = status.problem ?? 'No spec applies to this file.';
        this.statusItem.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
      }
      this.statusItem.show();
      this.statusShown = true;
      this.onDidChangeSpecStatusEmitter.fire(this.statusItem.text);
    } catch (error) {
      this.channels.log.warn(`Spec status: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The status bar text, for tests. */
  get specStatusText(): string | undefined {
    return this.statusShown ? this.statusItem.text : undefined;
  }

  dispose(): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.controller.abort();
    }
    this.pending.clear();
    for (const d of this.disposables) d.dispose();
  }
}
