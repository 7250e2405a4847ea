// The one place where errors become words for people: message + guidance, with an action that
// helps (the connector's logs, the Docker setting, pulling the image). Every string here was
// secret-masked by the core before it was thrown.
import * as vscode from 'vscode';
import type { AirbyteError } from '../core/errors';
import type { OutputChannels } from './outputChannels';

const SHOW_LOGS = 'Show Logs';
const OPEN_SETTINGS = 'Open Settings';
const PULL_IMAGE = 'Pull Image';
const INSTALL_CONNECTOR = 'Install Connector';

/** Duck-typed so that this module does not load the core on the activation path. */
export function asAirbyteError(error: unknown): AirbyteError | undefined {
  return error instanceof Error && error.name === 'AirbyteError' && typeof (error as Partial<AirbyteError>).code === 'string'
    ? (error as AirbyteError)
    : undefined;
}

export function isCancellation(error: unknown): boolean {
  const ae = asAirbyteError(error);
  return ae?.code === 'ABORTED' || (error instanceof Error && (error.name === 'AbortError' || error.name === 'Canceled'));
}

/** The sentence a notification shows for `error`. */
export function describeError(error: unknown): string {
  const ae = asAirbyteError(error);
  if (ae) {
    const parts = [ae.message];
    if (ae.traceMessage && !ae.message.includes(ae.traceMessage)) parts.push(ae.traceMessage);
    if (ae.guidance) parts.push(ae.guidance);
    return parts.join(' ');
  }
  return error instanceof Error ? error.message : String(error);
}

export async function showError(error: unknown, channels: OutputChannels, what: string): Promise<void> {
  const ae = asAirbyteError(error);
  if (isCancellation(error)) {
    channels.log.info(`${what}: cancelled`);
    void vscode.window.showInformationMessage(`${what} was cancelled.`);
    return;
  }
  channels.log.error(`${what} failed: ${describeError(error)}${ae ? ` [${ae.code}] ${JSON.stringify(ae.context)}` : ''}`);
  if (!ae && error instanceof Error && error.stack) channels.log.debug(error.stack);
  if (ae?.logTail.length) {
    channels.connectorHeading(`last log lines of ${String(ae.context.connector ?? 'the connector')}`);
    for (const line of ae.logTail) channels.connectors.appendLine(line);
  }
  const actions: string[] = [];
  if (ae && (ae.logTail.length > 0 || ['CONNECTOR_FAILED', 'CHECK_FAILED', 'SPEC_FAILED'].includes(ae.code))) actions.push(SHOW_LOGS);
  if (ae?.code === 'DOCKER_UNREACHABLE') actions.push(OPEN_SETTINGS);
  if (ae?.code === 'IMAGE_MISSING') actions.push(PULL_IMAGE);
  if (ae?.code === 'NOT_INSTALLED') actions.push(INSTALL_CONNECTOR);
  const choice = await vscode.window.showErrorMessage(describeError(error), ...actions);
  if (choice === SHOW_LOGS) channels.showConnectors();
  else if (choice === OPEN_SETTINGS) await openDockerSettings(String(ae?.context.origin ?? ''));
  else if (choice === INSTALL_CONNECTOR) await vscode.commands.executeCommand('airbyte.installConnector');
  else if (choice === PULL_IMAGE)
    await vscode.commands.executeCommand(
      'airbyte.pullImage',
      typeof ae?.context.image === 'string' ? { image: ae.context.image } : undefined,
    );
}

/**
 * "Open Settings" of an unreachable engine opens where its address came from: the Workspace or
 * Folder tab when set there, the config file that names it, else the User tab (where the setting
 * applies in local and remote windows alike), filtered to `airbyte.dockerHost`.
 */
async function openDockerSettings(origin: string): Promise<void> {
  const query = 'airbyte.dockerHost';
  const file = /^"dockerHost" in (.+)$/.exec(origin)?.[1];
  if (file) await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(file));
  else if (origin.includes('(Workspace settings)') || origin.includes('(Folder settings)'))
    await vscode.commands.executeCommand('workbench.action.openWorkspaceSettings', { query });
  else await vscode.commands.executeCommand('workbench.action.openGlobalSettings', { query });
}
