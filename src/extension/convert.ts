// Core results (plain data, 0-based positions) → VS Code types, in one place.
import * as vscode from 'vscode';
import type {
  CodeAction,
  CompletionItem,
  CompletionItemKind,
  ConfigDiagnostic,
  DiagnosticSeverity,
  Hover,
  Range,
  TextEdit,
} from '../core/language/languageTypes';

export const DIAGNOSTIC_SOURCE = 'airbyte';

export function toRange(range: Range): vscode.Range {
  return new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
}

const SEVERITY: Record<DiagnosticSeverity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/** A VS Code diagnostic that remembers the core diagnostic it came from (for quick fixes). */
export class AirbyteDiagnostic extends vscode.Diagnostic {
  constructor(readonly core: ConfigDiagnostic) {
    super(toRange(core.range), core.message, SEVERITY[core.severity]);
    this.source = DIAGNOSTIC_SOURCE;
    this.code = core.code;
    if (core.code === 'field-deprecated') this.tags = [vscode.DiagnosticTag.Deprecated];
  }
}

export function toDiagnostic(d: ConfigDiagnostic): AirbyteDiagnostic {
  return new AirbyteDiagnostic(d);
}

const KIND: Record<CompletionItemKind, vscode.CompletionItemKind> = {
  property: vscode.CompletionItemKind.Property,
  value: vscode.CompletionItemKind.Value,
  enum: vscode.CompletionItemKind.EnumMember,
  snippet: vscode.CompletionItemKind.Snippet,
  connector: vscode.CompletionItemKind.Module,
  keyword: vscode.CompletionItemKind.Keyword,
};

export function toCompletionItem(item: CompletionItem): vscode.CompletionItem {
  const out = new vscode.CompletionItem(item.label, KIND[item.kind]);
  out.detail = item.detail;
  if (item.documentation) out.documentation = new vscode.MarkdownString(item.documentation);
  out.insertText = item.insertTextFormat === 'snippet' ? new vscode.SnippetString(item.insertText) : item.insertText;
  out.range = toRange(item.range);
  out.sortText = item.sortText;
  out.filterText = item.filterText;
  out.preselect = item.preselect;
  if (item.deprecated) out.tags = [vscode.CompletionItemTag.Deprecated];
  if (item.retrigger) out.command = { command: 'editor.action.triggerSuggest', title: 'Suggest' };
  return out;
}

export function toHover(hover: Hover): vscode.Hover {
  const md = new vscode.MarkdownString(hover.contents);
  // Spec text comes from connector authors: render it, never run command links from it.
  md.isTrusted = false;
  return new vscode.Hover(md, toRange(hover.range));
}

export function toTextEdit(edit: TextEdit): vscode.TextEdit {
  return new vscode.TextEdit(toRange(edit.range), edit.newText);
}

export function toCodeAction(action: CodeAction, uri: vscode.Uri, diagnostic: vscode.Diagnostic): vscode.CodeAction {
  const out = new vscode.CodeAction(action.title, vscode.CodeActionKind.QuickFix);
  out.diagnostics = [diagnostic];
  out.isPreferred = action.isPreferred;
  const edit = new vscode.WorkspaceEdit();
  for (const e of action.edits) edit.replace(uri, toRange(e.range), e.newText);
  out.edit = edit;
  return out;
}
