// "Install Connector": prepares a Python connector's venv (pip or uv) with progress, pip's output
// in the Airbyte output channel, cancellable. For a config file (its python/pipUrl, else python3
// and the registry's package) or a connector of the Connectors view.
import * as vscode from 'vscode';
import type { Destination, Source } from '../../core/connectors/connector';
import { AirbyteError } from '../../core/errors';
import type { VenvExecutor } from '../../core/executors/venvExecutor';
import { abortSignalFrom } from '../cancellation';
import type { ExtensionHost } from '../host';
import { pickConfig } from './pickConfig';

/** Installs (or, when asked, reinstalls) the venv; resolves to the venv folder, or undefined when the user gave up. */
export async function installConnector(host: ExtensionHost, arg?: unknown): Promise<string | undefined> {
  const services = await host.services();
  const info =
    typeof arg === 'object' && arg !== null && 'info' in arg
      ? (arg as { info: { name: string; type: 'source' | 'destination' } }).info
      : undefined;
  let connector: Source | Destination;
  if (info) connector = await services.venvConnector({ name: info.name, type: info.type });
  else {
    const uri = await pickConfig(host, arg, 'Install Connector');
    if (!uri) return undefined;
    connector = await services.venvConnector({ file: uri.fsPath });
  }
  const executor = connector.executor as VenvExecutor;
  if (executor.kind !== 'venv')
    throw new AirbyteError('CONFIG_INVALID', {
      message: `${connector.name} does not run from a Python venv here.`,
      guidance: 'Give its config "python": true.',
    });
  const already = await executor.ensureReady({ installIfMissing: false }).then(
    () => executor.installed,
    () => undefined,
  );
  let folder = already?.folder;
  if (!already) {
    folder = await prepare(host, connector.name, executor, false);
    void vscode.window.showInformationMessage(
      `Installed ${connector.name}: ${executor.installed?.distribution} ${executor.installed?.version}.`,
    );
  } else {
    const choice = await vscode.window.showInformationMessage(
      `${connector.name}: ${already.distribution} ${already.version} is installed (Python ${already.interpreter.version}).`,
      'Reinstall',
    );
    if (choice === 'Reinstall') folder = await prepare(host, connector.name, executor, true);
  }
  host.connectorsTree.refresher.refresh();
  return folder;
}

async function prepare(host: ExtensionHost, name: string, executor: VenvExecutor, reinstall: boolean): Promise<string | undefined> {
  const log = host.channels.log;
  log.info(`Install Connector: ${name} from ${executor.requirement}${reinstall ? ' (reinstall)' : ''}`);
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Installing ${name}`, cancellable: true },
    async (progress, token) => {
      const { signal, dispose } = abortSignalFrom(token);
      try {
        await executor.ensureReady({
          installIfMissing: true,
          reinstall,
          signal,
          onProgress: (p) => {
            // pip's own lines go to the output channel; the notification shows the step.
            if (p.detail) log.info(`[pip] ${p.detail}`);
            progress.report({ message: p.status });
          },
        });
      } finally {
        dispose();
      }
    },
  );
  log.info(`Install Connector: ${name} ready in ${executor.installed?.folder}`);
  return executor.installed?.folder;
}
