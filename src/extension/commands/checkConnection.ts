// "Check Connection": runs the connector's `check` against its config, with progress and a
// Cancel button; connector logs stream into the Airbyte Connectors channel.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { abortSignalFrom } from '../cancellation';
import type { ExtensionHost } from '../host';
import { describeError, isCancellation } from '../showError';
import { pickConfig } from './pickConfig';

export interface CheckOutcome {
  ok: true;
  connector: string;
  message?: string;
}

export async function checkConnection(host: ExtensionHost, arg?: unknown): Promise<CheckOutcome | undefined> {
  const uri = await pickConfig(host, arg, 'Check Connection');
  if (!uri) return undefined;
  const services = await host.services();
  const name = path.basename(uri.fsPath);
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Checking ${name}`, cancellable: true },
    async (progress, token) => {
      const { signal, dispose } = abortSignalFrom(token);
      try {
        progress.report({ message: 'starting the connector…' });
        const connector = await services.connectorFromFile(uri.fsPath, {
          signal,
          installIfMissing: true,
          onInstallProgress: (p) =>
            progress.report({
              message: `pulling the image: ${p.status}${p.fraction !== undefined ? ` ${Math.round(p.fraction * 100)}%` : ''}`,
            }),
        });
        host.channels.connectorHeading(`check ${name} (${connector.name})`);
        progress.report({ message: `running check in ${connector.executor.displayName}…` });
        const result = await connector
          .check({ signal, onLog: (l) => host.channels.connectorLog(connector.name, l) })
          .catch(async (error: unknown) => {
            // The result outlives its notification: the Configs view shows it with its time.
            if (!isCancellation(error))
              await host.configsTree.recordCheck(uri, { ok: false, at: Date.now(), message: describeError(error) });
            throw error;
          });
        await host.configsTree.recordCheck(uri, { ok: true, at: Date.now(), message: result.message });
        host.channels.log.info(`Check of ${name}: succeeded${result.message ? ` (${result.message})` : ''}`);
        void vscode.window.showInformationMessage(`${name}: the connection works${result.message ? ` — ${result.message}` : '.'}`);
        return { ok: true as const, connector: connector.name, message: result.message };
      } finally {
        dispose();
      }
    },
  );
}
