// "New Connector Config…": pick a connector, then scaffold `<name>.airbyte.jsonc` from its spec
// with the required fields as snippet placeholders (secrets as `${env:NAME}` references).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { AirbyteError } from '../../core/errors';
import type { Schema } from '../../core/spec/schemaNavigation';
import type { ExtensionHost } from '../host';
import { primaryFolder } from '../config';
import { connectorRefFromArg } from './showSpec';
import { defaultFileName, scaffoldSnippet } from '../configScaffold';

export interface NewConfigArgs {
  connector?: string;
  /** File name (or path relative to the workspace folder); asked when absent. */
  fileName?: string;
}

export async function newConfig(host: ExtensionHost, arg?: unknown): Promise<vscode.Uri | undefined> {
  const args = (typeof arg === 'object' && arg !== null ? arg : {}) as NewConfigArgs;
  const ref = await connectorRefFromArg(host, typeof args.connector === 'string' ? { connector: args.connector } : arg);
  if (!ref) return undefined;
  const folder = primaryFolder();
  if (!folder)
    throw new AirbyteError('USAGE', { message: 'Open a folder first: connector configs and their sync state live in the workspace.' });
  const services = await host.services();
  const resolved = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Reading the spec of ${ref.connector}…` },
    () => services.resolveSpec(ref, { allowRun: true }),
  );
  let fileName = args.fileName;
  if (!fileName) {
    const suggested = defaultFileName(ref.connector);
    fileName = await vscode.window.showInputBox({
      title: 'New Connector Config',
      prompt: 'File name (relative to the workspace folder)',
      value: suggested,
      valueSelection: [0, suggested.length - '.airbyte.jsonc'.length],
      validateInput: (v) =>
        !v.trim() ? 'Enter a file name.' : v.endsWith('.airbyte.jsonc') ? undefined : 'The name must end with .airbyte.jsonc',
    });
    if (!fileName) return undefined;
  }
  const uri = vscode.Uri.file(path.isAbsolute(fileName) ? fileName : path.join(folder.uri.fsPath, fileName));
  try {
    await vscode.workspace.fs.stat(uri);
    throw new AirbyteError('CONFIG_FILE', {
      message: `${vscode.workspace.asRelativePath(uri)} already exists.`,
      guidance: 'Pick another name.',
      context: { file: uri.fsPath },
    });
  } catch (error) {
    if (!(error instanceof vscode.FileSystemError)) throw error;
  }
  // An empty file first, so the editor is a real file the user saves, then the scaffold as a snippet.
  await vscode.workspace.fs.writeFile(uri, new Uint8Array());
  const editor = await vscode.window.showTextDocument(uri);
  await editor.insertSnippet(
    new vscode.SnippetString(scaffoldSnippet(ref.connector, resolved.spec.connectionSpecification as Schema, { image: ref.image })),
    new vscode.Position(0, 0),
  );
  return uri;
}
