// Registers the extension's commands from one table of factories and wraps each in the one error
// handler: a failing command shows its error (message, guidance, a helpful action) and resolves
// to undefined, instead of VS Code's generic "command failed" notification.
import * as vscode from 'vscode';
import type { ExtensionHost } from './host';
import { showError } from './showError';

// Commands receive whatever VS Code passes (tree items, URIs, argument objects): each checks it.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandHandler = (...args: any[]) => unknown;

/** One command: its title (in error messages: "Check Connection failed: …") and how to make its handler. */
export interface CommandFactory {
  title: string;
  create(host: ExtensionHost): CommandHandler;
}

/** A command whose module is loaded the first time it runs. */
export function lazyCommand(title: string, load: () => Promise<(host: ExtensionHost, ...args: unknown[]) => unknown>): CommandFactory {
  return {
    title,
    create:
      (host) =>
      async (...args: unknown[]) =>
        (await load())(host, ...args),
  };
}

export function registerCommandTable(
  table: Record<string, CommandFactory>,
  host: ExtensionHost,
  onError?: (id: string, error: unknown) => void,
): vscode.Disposable[] {
  return Object.entries(table).map(([id, factory]) => {
    const run = factory.create(host);
    return vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await run(...args);
      } catch (error) {
        onError?.(id, error);
        // Not awaited: the notification stays until the user dismisses it, the command must not.
        void showError(error, host.channels, factory.title);
        return undefined;
      }
    });
  });
}
