// What changes outside a command: workspace trust granted and `airbyte.*` settings changed. Each
// rebuilds only what depends on it (the registry, the language service, the views), without a reload.
import * as vscode from 'vscode';
import type { ExtensionHost } from './host';

export function watchSettingsAndTrust(host: ExtensionHost): vscode.Disposable[] {
  const { channels, config, connectorsTree, language, syncsTree } = host;
  const inBackground = (what: string, work: () => Promise<unknown>) =>
    void work().catch((error: unknown) => channels.log.warn(`${what}: ${error instanceof Error ? error.message : String(error)}`));
  const revalidate = async () => {
    await (await host.services()).refreshLanguageService();
    language.revalidateAll();
  };
  return [
    vscode.workspace.onDidGrantWorkspaceTrust(() =>
      // Specs read from images were refused before: read them now.
      inBackground('Workspace trust', async () => {
        await revalidate();
        connectorsTree.refresher.refresh();
      }),
    ),
    config.onDidChange((changed) => {
      channels.log.info(`Settings changed: ${changed.join(', ')}`);
      if (changed.includes('registryUrl'))
        inBackground('Registry setting', async () => {
          (await host.services()).resetRegistry();
          await revalidate();
          await connectorsTree.reload(false);
        });
      if (changed.includes('stateFile')) syncsTree.reload();
      if (changed.includes('dockerHost'))
        inBackground('Docker setting', async () => {
          await (await host.services()).localImages(true);
          connectorsTree.refresher.refresh();
        });
    }),
  ];
}
