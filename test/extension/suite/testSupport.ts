// Shared helpers of the extension-host tests: the extension's API, the workspace, and waiting on
// VS Code events (never on sleeps).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AirbyteExtensionApi } from '../../../src/extension/extension';

export const EXTENSION_ID = 'airbyte-write.airbyte-write';

export async function extensionApi(): Promise<AirbyteExtensionApi> {
  const ext = vscode.extensions.getExtension<AirbyteExtensionApi>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed in this host`);
  return ext.isActive ? ext.exports : ext.activate();
}

export function workspaceDir(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the tests need the fixture workspace open');
  return folder.uri.fsPath;
}

export function workspaceUri(...segments: string[]): vscode.Uri {
  return vscode.Uri.file(path.join(workspaceDir(), ...segments));
}

/** Resolves when `predicate` holds for the diagnostics of `uri`, checking now and on each change. */
export function waitForDiagnostics(
  uri: vscode.Uri,
  predicate: (d: readonly vscode.Diagnostic[]) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<readonly vscode.Diagnostic[]> {
  return waitForEvent(
    vscode.languages.onDidChangeDiagnostics,
    () => {
      const found = vscode.languages.getDiagnostics(uri);
      return predicate(found) ? found : undefined;
    },
    `diagnostics of ${path.basename(uri.fsPath)}: ${what}`,
    timeoutMs,
  );
}

/** Checks `probe` now and after each `event`; resolves with its first defined answer. */
export function waitForEvent<E, T>(event: vscode.Event<E>, probe: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const first = probe();
    if (first !== undefined) {
      resolve(first);
      return;
    }
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const sub = event(() => {
      const value = probe();
      if (value !== undefined) {
        clearTimeout(timer);
        sub.dispose();
        resolve(value);
      }
    });
  });
}

/** The text of a tree item's label. */
export function labelOf(item: vscode.TreeItem): string {
  const l = item.label;
  return typeof l === 'string' ? l : (l?.label ?? '');
}

export async function closeAllEditors(): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}
