// Enter (or a click) on a connector in the Connectors view: what a newcomer wants next is a config
// for it, so that comes first; the raw spec and the documentation stay one step away.
import * as vscode from 'vscode';
import type { ExtensionHost } from '../host';

export interface OpenConnectorArgs {
  connector: string;
  documentationUrl?: string;
}

export async function openConnector(_host: ExtensionHost, arg?: unknown): Promise<void> {
  const args = arg as OpenConnectorArgs | undefined;
  if (!args || typeof args.connector !== 'string') return;
  type Choice = vscode.QuickPickItem & { run: () => Thenable<unknown> };
  const choices: Choice[] = [
    {
      label: `$(new-file) New Config for ${args.connector}…`,
      detail: 'A *.airbyte.jsonc file with its required fields, validated against its spec as you type',
      run: () => vscode.commands.executeCommand('airbyte.newConfig', { connector: args.connector }),
    },
    {
      label: '$(symbol-namespace) Show Connector Spec',
      detail: 'The JSON schema its config follows',
      run: () => vscode.commands.executeCommand('airbyte.showSpec', { connector: args.connector }),
    },
  ];
  if (args.documentationUrl)
    choices.push({
      label: '$(book) Open Documentation',
      detail: args.documentationUrl,
      run: () => vscode.env.openExternal(vscode.Uri.parse(args.documentationUrl!)),
    });
  const picked = await vscode.window.showQuickPick(choices, { title: args.connector, placeHolder: `What to do with ${args.connector}` });
  await picked?.run();
}
