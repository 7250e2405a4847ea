// "New Connector Config…": pick a connector, then scaffold `<name>.airbyte.jsonc` from its spec
// with the required fields as snippet placeholders (secrets as `${env:NAME}` references).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { objectText } from '../../core/language/configSnippets';
import type { Schema } from '../../core/spec/schemaNavigation';
import type { ExtensionHost } from '../host';
import { primaryFolder } from '../config';
import { connectorRefFromArg } from './showSpec';

export interface NewConfigArgs {
  connector?: string;
  /** File name (or path relative to the workspace folder); asked when absent. */
  fileName?: string;
}

/** The snippet text of a new config file for `connector` with the required fields of `connectionSpecification`. */
export function scaffoldSnippet(connector: string, connectionSpecification: Schema, extra: { image?: string } = {}): string {
  const config = objectText({ root: connectionSpecification, connector, indentUnit: '  ', snippet: true, tabStop: 1 }, connectionSpecification, '  ', []);
  const envelope = [`  "connector": ${JSON.stringify(connector)}`];
  if (extra.image) envelope.push(`  "image": ${JSON.stringify(extra.image)}`);
  const intro = `// ${connector}: fill in the placeholders (Tab moves to the next). Completion (Ctrl+Space) offers every field of the spec;\n// secrets are best kept in environment variables: "\${env:NAME}".\n`;
  return `${intro.replace(/\$/g, '\\$')}{\n${envelope.join(',\n')},\n  "config": ${config}\n}\n`;
}

export function defaultFileName(connector: string): string {
  const base = connector.replace(/^builtin:/, '').replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${base}.airbyte.jsonc`;
}

export async function newConfig(host: ExtensionHost, arg?: unknown): Promise<vscode.Uri | undefined> {
  const args = (typeof arg === 'object' && arg !== null ? arg : {}) as NewConfigArgs;
  const ref = await connectorRefFromArg(host, typeof args.connector === 'string' ? { connector: args.connector } : arg);
  if (!ref) return undefined;
  const folder = primaryFolder();
  if (!folder) throw new Error('Open a folder first: connector configs and their sync state live in the workspace.');
  const services = await host.services();
  const resolved = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Reading the spec of ${ref.connector}…` }, () =>
    services.resolveSpec(ref, { allowRun: true }),
  );
  let fileName = args.fileName;
  if (!fileName) {
    const suggested = defaultFileName(ref.connector);
    fileName = await vscode.window.showInputBox({
      title: 'New Connector Config',
      prompt: 'File name (relative to the workspace folder)',
      value: suggested,
      valueSelection: [0, suggested.length - '.airbyte.jsonc'.length],
      validateInput: (v) => (!v.trim() ? 'Enter a file name.' : v.endsWith('.airbyte.jsonc') ? undefined : 'The name must end with .airbyte.jsonc'),
    });
    if (!fileName) return undefined;
  }
  const uri = vscode.Uri.file(path.isAbsolute(fileName) ? fileName : path.join(folder.uri.fsPath, fileName));
  try {
    await vscode.workspace.fs.stat(uri);
    throw new Error(`${vscode.workspace.asRelativePath(uri)} already exists: pick another name.`);
  } catch (error) {
    if (!(error instanceof vscode.FileSystemError)) throw error;
  }
  // An empty file first, so the editor is a real file the user saves, then the scaffold as a snippet.
  await vscode.workspace.fs.writeFile(uri, new Uint8Array());
  const editor = await vscode.window.showTextDocument(uri);
  await editor.insertSnippet(new vscode.SnippetString(scaffoldSnippet(ref.connector, resolved.spec.connectionSpecification as Schema, { image: ref.image })), new vscode.Position(0, 0));
  return uri;
}
