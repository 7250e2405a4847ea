// The Getting Started walkthrough's actions. Its first steps need no Docker: two config files of
// built-in connectors (sample data into a SQLite file), a write, and a look at the result. Then the
// Docker engine, and a connector from the registry.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AirbyteError } from '../../core/errors';
import { primaryFolder } from '../config';
import type { ExtensionHost } from '../host';

export const SAMPLE_SOURCE_FILE = 'sample.airbyte.jsonc';
export const SAMPLE_DESTINATION_FILE = 'warehouse.airbyte.jsonc';

const SAMPLE_SOURCE = `// Sample data (users, products, purchases) from a connector built into the extension: no Docker needed.
// Write it twice: the second run is incremental and finds nothing new.
{
  "connector": "builtin:sample",
  "config": {
    "count": 1000, // records per stream
    "seed": 42,
  },
}
`;

const SAMPLE_DESTINATION = `// A SQLite file beside this config, one table per stream (built in: no Docker needed).
{
  "connector": "builtin:sqlite",
  "config": {
    "destination_path": "out/warehouse.sqlite",
  },
}
`;

function sampleFolder(): vscode.WorkspaceFolder {
  const folder = primaryFolder();
  if (!folder)
    throw new AirbyteError('USAGE', {
      message: 'Open a folder first: the sample configs, their sync state and the SQLite file live in the workspace.',
      guidance: 'File > Open Folder…, then run this again.',
    });
  return folder;
}

function samplePaths(folder: vscode.WorkspaceFolder): { source: vscode.Uri; destination: vscode.Uri } {
  return {
    source: vscode.Uri.joinPath(folder.uri, SAMPLE_SOURCE_FILE),
    destination: vscode.Uri.joinPath(folder.uri, SAMPLE_DESTINATION_FILE),
  };
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** Writes the two sample configs (a file that exists is kept as it is) and opens the source. */
export async function createSampleConfigs(host: ExtensionHost): Promise<vscode.Uri[]> {
  const folder = sampleFolder();
  const { source, destination } = samplePaths(folder);
  const kept: string[] = [];
  for (const [uri, text] of [
    [source, SAMPLE_SOURCE],
    [destination, SAMPLE_DESTINATION],
  ] as const) {
    if (await exists(uri)) kept.push(path.basename(uri.fsPath));
    else await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  }
  await vscode.window.showTextDocument(source, { preview: false });
  host.channels.log.info(
    `Sample configs: ${SAMPLE_SOURCE_FILE} → ${SAMPLE_DESTINATION_FILE}${kept.length ? ` (kept the existing ${kept.join(', ')})` : ''}`,
  );
  host.configsTree.reload();
  return [source, destination];
}

/** Writes the sample source into the sample destination (creating the configs when they are missing). */
export async function writeSample(host: ExtensionHost): Promise<unknown> {
  const { source, destination } = samplePaths(sampleFolder());
  if (!(await exists(source)) || !(await exists(destination))) await createSampleConfigs(host);
  return vscode.commands.executeCommand('airbyte.writeToDestination', { source: source.fsPath, destination: destination.fsPath });
}

/** Opens the records the sample write put in the SQLite file. */
export async function openSampleResult(): Promise<unknown> {
  const { destination } = samplePaths(sampleFolder());
  return vscode.commands.executeCommand('airbyte.previewDestination', destination);
}

/** Connects to the Docker engine the extension would use and says which one answered, and where its address came from. */
export async function checkDocker(host: ExtensionHost): Promise<string> {
  const services = await host.services();
  const engine = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Connecting to the Docker engine…' },
    () => services.engine(),
  );
  const message = `${engine.product === 'podman' ? 'Podman' : 'Docker'} engine reachable at ${engine.endpoint.host} (from ${engine.endpoint.origin}), Engine API ${engine.apiVersion}. Connectors from the registry can run.`;
  host.channels.log.info(message);
  void vscode.window.showInformationMessage(message);
  return message;
}
