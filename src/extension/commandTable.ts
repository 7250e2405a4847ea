// Registers the extension's commands from one table and wraps each in the one error handler:
// a failing command shows its error (message, guidance, a helpful action) and resolves to
// undefined, instead of VS Code's generic "command failed" notification.
import * as vscode from 'vscode';
import type { OutputChannels } from './outputChannels';
import { showError } from './showError';

// Commands receive whatever VS Code passes (tree items, URIs, argument objects): each checks it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandHandler = (...args: any[]) => unknown;

export interface CommandSpec {
  /** Shown in error messages: "Check Connection failed: …". */
  title: string;
  run: CommandHandler;
}

export function registerCommandTable(
  table: Record<string, CommandSpec>,
  channels: OutputChannels,
  onError?: (id: string, error: unknown) => void,
): vscode.Disposable[] {
  return Object.entries(table).map(([id, spec]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await spec.run(...args);
      } catch (error) {
        onError?.(id, error);
        // Not awaited: the notification stays until the user dismisses it, the command must not.
        void showError(error, channels, spec.title);
        return undefined;
      }
    }),
  );
}
