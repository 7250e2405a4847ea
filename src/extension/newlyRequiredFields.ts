// When an edit to `image`, `version` or `connector` changes the spec a config is checked against,
// fields the new spec requires may be missing: offer to add them all at once, rather than leaving
// the user to find each error and its quick fix.
import * as vscode from 'vscode';
import type { ConfigLanguageService } from '../core/language/configLanguageService';
import type { ResolvedSpec } from '../core/spec/specTypes';
import { AirbyteDiagnostic, toRange } from './convert';

/** What a resolved spec is, for telling that it changed: the connector and the image or registry version. */
export function specIdentity(resolved: ResolvedSpec | undefined): string | undefined {
  if (!resolved) return undefined;
  return `${resolved.connector}@${resolved.image ?? resolved.entry?.dockerImageTag ?? resolved.origin}`;
}

export class NewlyRequiredFields {
  /** The spec identity each open config was last validated against. */
  private readonly seen = new Map<string, string>();

  /**
   * Records the spec `doc` was just validated against and, when it differs from the last one and
   * required fields are missing, offers to add them. Never called for the first validation of a file.
   */
  async observe(doc: vscode.TextDocument, service: ConfigLanguageService, diagnostics: readonly vscode.Diagnostic[]): Promise<void> {
    const version = doc.version;
    const status = await service.getSpecStatus(doc.getText(), { allowRun: false });
    const identity = specIdentity(status.resolved);
    const key = doc.uri.toString();
    const before = this.seen.get(key);
    if (identity) this.seen.set(key, identity);
    if (!before || !identity || before === identity) return;
    const missing = diagnostics.filter(
      (d): d is AirbyteDiagnostic => d instanceof AirbyteDiagnostic && d.core.data?.kind === 'missing-required',
    );
    if (missing.length === 0 || !vscode.window.visibleTextEditors.some((e) => e.document === doc)) return;
    const names = missing.flatMap((d) => (d.core.data?.kind === 'missing-required' ? d.core.data.properties : []));
    const add = names.length === 1 ? 'Add It' : 'Add Them';
    const choice = await vscode.window.showInformationMessage(
      `${identity} requires ${names.length === 1 ? 'a field' : `${names.length} fields`} that ${vscode.workspace.asRelativePath(doc.uri)} lacks: ${names.join(', ')}.`,
      add,
    );
    if (choice !== add) return;
    if (doc.version !== version) {
      void vscode.window.showInformationMessage('The file changed meanwhile: use the quick fix on each missing field (Ctrl+.).');
      return;
    }
    const edit = new vscode.WorkspaceEdit();
    for (const d of missing)
      for (const action of service.getCodeActions(doc.getText(), d.core).slice(0, 1))
        for (const e of action.edits) edit.replace(doc.uri, toRange(e.range), e.newText);
    await vscode.workspace.applyEdit(edit);
  }

  forget(uri: vscode.Uri): void {
    this.seen.delete(uri.toString());
  }
}
