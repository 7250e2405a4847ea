// Which config file a command acts on: its argument (a URI, a Configs tree item, a path), else
// the active editor, else a quick pick.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isCachedReadRef } from '../../core/write/cachedRead';
import type { ExtensionHost } from '../host';
import { LANGUAGE_ID } from '../languageFeatures';

export function uriFromArg(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string' && arg.length > 0 && !isCachedReadRef(arg)) return vscode.Uri.file(absolutePath(arg));
  if (typeof arg === 'object' && arg !== null) {
    const o = arg as { uri?: unknown; path?: unknown; resourceUri?: unknown };
    if (o.uri instanceof vscode.Uri) return o.uri;
    if (o.resourceUri instanceof vscode.Uri) return o.resourceUri;
    if (typeof o.path === 'string') return vscode.Uri.file(absolutePath(o.path));
  }
  return undefined;
}

/** Relative paths resolve against the first workspace folder. */
export function absolutePath(p: string): string {
  if (path.isAbsolute(p)) return p;
  const folder = vscode.workspace.workspaceFolders?.[0];
  return folder ? path.join(folder.uri.fsPath, p) : path.resolve(p);
}

export async function pickConfig(
  host: ExtensionHost,
  arg: unknown,
  title: string,
  kind?: 'source' | 'destination',
): Promise<vscode.Uri | undefined> {
  const fromArg = uriFromArg(arg);
  if (fromArg) return fromArg;
  const editor = vscode.window.activeTextEditor;
  if (editor?.document.languageId === LANGUAGE_ID && !kind) {
    if (editor.document.isDirty) await editor.document.save();
    return editor.document.uri;
  }
  const files = kind
    ? await host.configsTree.listOfKind(kind)
    : (await host.configsTree.list()).map((uri) => ({ uri, connector: undefined as string | undefined }));
  if (files.length === 0) {
    const create = 'New Connector Config…';
    const choice = await vscode.window.showWarningMessage(`No ${kind ?? 'connector'} configs (*.airbyte.jsonc) in this workspace.`, create);
    if (choice === create) await vscode.commands.executeCommand('airbyte.newConfig');
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    files.map((f) => ({
      label: path.basename(f.uri.fsPath),
      description: f.connector,
      detail: vscode.workspace.asRelativePath(f.uri),
      uri: f.uri,
    })),
    { title, placeHolder: `Pick a ${kind ?? 'connector'} config`, matchOnDescription: true },
  );
  return picked?.uri;
}
