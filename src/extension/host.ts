// The parts of the running extension that commands use, created once by activate(). They live as
// long as the extension (each is disposed with it); what lives only as long as one sync is the
// sync runner's (see liveSync.ts).
import * as vscode from 'vscode';
import { CachedReadsTree } from './cachedReadsTree';
import { Config } from './config';
import { ConfigsTree } from './configsTree';
import { ConnectorsTree } from './connectorsTree';
import type { CoreServices } from './coreServices';
import { LanguageFeatures } from './languageFeatures';
import { OutputChannels } from './outputChannels';
import { RunDetailsPanels } from './runDetailsPanel';
import { SyncRunner } from './syncRunner';
import { SyncsTree } from './syncsTree';

export interface ExtensionHost {
  context: vscode.ExtensionContext;
  config: Config;
  channels: OutputChannels;
  /** The core, loaded on first use. */
  services(): Promise<CoreServices>;
  language: LanguageFeatures;
  connectorsTree: ConnectorsTree;
  configsTree: ConfigsTree;
  syncsTree: SyncsTree;
  cachedReadsTree: CachedReadsTree;
  panels: RunDetailsPanels;
  runner: SyncRunner;
}

/** Creates the extension-scoped parts and their views; each is disposed with `context`. */
export function createExtensionHost(context: vscode.ExtensionContext): ExtensionHost {
  const config = new Config();
  const channels = new OutputChannels(config);
  const services = lazyCoreServices(context, config, channels);
  const language = new LanguageFeatures(services, channels);
  const connectorsTree = new ConnectorsTree(services, channels);
  const configsTree = new ConfigsTree(language, context.workspaceState);
  const syncsTree = new SyncsTree(services, channels);
  // The panels and the runner refer to each other; the closures run only after both exist.
  const panels = new RunDetailsPanels(context.extensionUri, {
    runView: (runId) => runner.runView(runId),
    cancel: (runId) => runner.cancel(runId),
    rerun: async (runId) => {
      // A job on the Airbyte platform runs there again.
      if (runId.startsWith('platform-')) return void (await vscode.commands.executeCommand('airbyte.platform.run'));
      const args = await runner.argsOfRun(runId);
      // Without both config files (moved, or from another machine) the quick picks ask again.
      await vscode.commands.executeCommand('airbyte.writeToDestination', args?.source && args.destination ? args : undefined);
    },
    showLogs: () => channels.showConnectors(),
    previewDestination: async (runId) => {
      const destination = (await runner.argsOfRun(runId))?.destination;
      await vscode.commands.executeCommand('airbyte.previewDestination', destination ? vscode.Uri.file(destination) : undefined);
    },
  });
  const cachedReadsTree = new CachedReadsTree(services, channels);
  const runner: SyncRunner = new SyncRunner({ config, channels, services, panels, syncsTree, cachedReadsTree });
  syncsTree.live = runner;
  context.subscriptions.push(channels, language, connectorsTree, configsTree, syncsTree, panels, runner);
  context.subscriptions.push(...createTreeViews({ connectorsTree, configsTree, syncsTree }));
  const cachedReadsView = vscode.window.createTreeView('airbyte.cachedReads', { treeDataProvider: cachedReadsTree, showCollapseAll: true });
  cachedReadsTree.refresher.attach(cachedReadsView as vscode.TreeView<unknown>);
  context.subscriptions.push(cachedReadsTree, cachedReadsView);
  return { context, config, channels, services, language, connectorsTree, configsTree, syncsTree, cachedReadsTree, panels, runner };
}

/**
 * The core, loaded with `import()` on first use: sql.js, ajv, the registry and dockerode stay off
 * the activation path.
 */
function lazyCoreServices(context: vscode.ExtensionContext, config: Config, channels: OutputChannels): () => Promise<CoreServices> {
  let loaded: Promise<CoreServices> | undefined;
  return () =>
    (loaded ??= import('./coreServices.js').then(
      (m) =>
        new m.CoreServices({
          config,
          channels,
          extensionPath: context.extensionUri.fsPath,
          globalStoragePath: context.globalStorageUri.fsPath,
          isTrusted: () => vscode.workspace.isTrusted,
        }),
    ));
}

function createTreeViews(trees: Pick<ExtensionHost, 'connectorsTree' | 'configsTree' | 'syncsTree'>): vscode.Disposable[] {
  const views: [string, ConnectorsTree | ConfigsTree | SyncsTree][] = [
    ['airbyte.connectors', trees.connectorsTree],
    ['airbyte.configs', trees.configsTree],
    ['airbyte.syncs', trees.syncsTree],
  ];
  return views.map(([id, tree]) => {
    const view = vscode.window.createTreeView<unknown>(id, {
      treeDataProvider: tree as vscode.TreeDataProvider<unknown>,
      showCollapseAll: id !== 'airbyte.configs',
    });
    tree.refresher.attach(view);
    return view;
  });
}
