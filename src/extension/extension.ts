// Activation: create the views, language features, status bar and commands, and nothing else.
// The core (sql.js, ajv, the registry, dockerode) loads on first use through `import()`, so
// activation stays well under 100 ms; its duration is logged and returned in the API.
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { CommandSpec } from './commandTable';
import { registerCommandTable } from './commandTable';
import { Config } from './config';
import { ConfigsTree } from './configsTree';
import { ConnectorsTree } from './connectorsTree';
import type { CoreServices } from './coreServices';
import type { ExtensionHost } from './host';
import { LanguageFeatures } from './languageFeatures';
import { OutputChannels } from './outputChannels';
import { RunDetailsPanels } from './runDetailsPanel';
import type { WriteArgs } from './syncRunner';
import { SyncRunner } from './syncRunner';
import { SyncsTree } from './syncsTree';

/** What `vscode.extensions.getExtension('airbyte-write.airbyte-write').exports` gives (tests, other extensions). */
export interface AirbyteExtensionApi {
  /** Time spent in activate(), in ms. */
  readonly activationMs: number;
  /** The tree data providers, to read what the views show. */
  readonly trees: { connectors: ConnectorsTree; configs: ConfigsTree; syncs: SyncsTree };
  readonly language: LanguageFeatures;
  readonly runner: SyncRunner;
  readonly panels: RunDetailsPanels;
  /** The last error a command showed (tests check what the user saw). */
  readonly lastCommandError: { command: string; message: string } | undefined;
  /** The core, loading it when needed. */
  services(): Promise<CoreServices>;
  /** This extension's log folder (the output channels are persisted beside it). */
  readonly logDir: string;
}

let host: ExtensionHost | undefined;

export function activate(context: vscode.ExtensionContext): AirbyteExtensionApi {
  const started = performance.now();
  const config = new Config();
  const channels = new OutputChannels(config);
  context.subscriptions.push(channels);

  let servicesPromise: Promise<CoreServices> | undefined;
  const services = (): Promise<CoreServices> => {
    servicesPromise ??= import('./coreServices.js').then(
      (m) =>
        new m.CoreServices({
          config,
          channels,
          extensionPath: context.extensionUri.fsPath,
          globalStoragePath: context.globalStorageUri.fsPath,
          isTrusted: () => vscode.workspace.isTrusted,
        }),
    );
    return servicesPromise;
  };
  const languageService = () => services().then((s) => s.languageService());

  const language = new LanguageFeatures(languageService, channels);
  const connectorsTree = new ConnectorsTree(services, channels);
  const configsTree = new ConfigsTree(language);
  const syncsTree = new SyncsTree(services, channels, context.workspaceState);
  // The panels and the runner refer to each other; the closures run only after both exist.
  const panels = new RunDetailsPanels(context.extensionUri, {
    runView: (runId) => runner.runView(runId),
    cancel: (runId) => runner.cancel(runId),
    rerun: async (runId) => {
      const args = await runner.argsOfRun(runId);
      // Without both config files (moved, or from another machine) the quick picks ask again.
      await vscode.commands.executeCommand('airbyte.writeToDestination', args?.source && args.destination ? args : undefined);
    },
    showLogs: () => channels.showConnectors(),
  });
  const runner: SyncRunner = new SyncRunner({ config, channels, services, panels, syncsTree });
  syncsTree.live = runner;
  context.subscriptions.push(language, connectorsTree, configsTree, syncsTree, panels, runner);

  for (const [id, tree] of [
    ['airbyte.connectors', connectorsTree],
    ['airbyte.configs', configsTree],
    ['airbyte.syncs', syncsTree],
  ] as const) {
    const view = vscode.window.createTreeView<unknown>(id, {
      treeDataProvider: tree as vscode.TreeDataProvider<unknown>,
      showCollapseAll: id !== 'airbyte.configs',
    });
    tree.refresher.attach(view);
    context.subscriptions.push(view);
  }

  host = { context, config, channels, services, language, connectorsTree, configsTree, syncsTree, panels, runner };
  const h = host;
  let lastCommandError: AirbyteExtensionApi['lastCommandError'];
  // Each command's module is loaded when the command first runs.
  const lazy = (title: string, load: () => Promise<(h: ExtensionHost, ...args: unknown[]) => unknown>): CommandSpec => ({
    title,
    run: async (...args: unknown[]) => (await load())(h, ...args),
  });
  const table: Record<string, CommandSpec> = {
    'airbyte.writeToDestination': {
      title: 'Write to Destination',
      run: (args?: WriteArgs | vscode.Uri | object) => import('./commands/writeCommand.js').then((m) => m.writeToDestination(h, args)),
    },
    'airbyte.checkConnection': lazy('Check Connection', () => import('./commands/checkConnection.js').then((m) => m.checkConnection)),
    'airbyte.newConfig': lazy('New Connector Config', () => import('./commands/newConfig.js').then((m) => m.newConfig)),
    'airbyte.showSpec': lazy('Show Connector Spec', () => import('./commands/showSpec.js').then((m) => m.showSpec)),
    'airbyte.pullImage': lazy('Pull Connector Image', () => import('./commands/pullImage.js').then((m) => m.pullImageCommand)),
    'airbyte.cancelSync': { title: 'Cancel Sync', run: () => runner.cancel() },
    'airbyte.resetState': lazy('Reset State', () => import('./commands/resetState.js').then((m) => m.resetState)),
    'airbyte.refreshRegistry': {
      title: 'Refresh Registry',
      run: async () => {
        await vscode.window.withProgress({ location: { viewId: 'airbyte.connectors' }, title: 'Refreshing the connector registry' }, () =>
          connectorsTree.reload(true),
        );
        const s = await services();
        await s.refreshLanguageService();
        language.revalidateAll();
      },
    },
    'airbyte.openRunDetails': { title: 'Open Run Details', run: (arg?: unknown) => runner.openDetails(arg) },
    'airbyte.showLogs': { title: 'Show Connector Logs', run: () => channels.showConnectors() },
    'airbyte.filterConnectors': {
      title: 'Filter Connectors',
      run: async (arg?: unknown) => {
        const value =
          typeof arg === 'string'
            ? arg
            : await vscode.window.showInputBox({
                title: 'Filter Connectors',
                prompt: 'Words to match in connector names (empty: show all)',
                value: connectorsTree.filter,
              });
        if (value !== undefined) connectorsTree.setFilter(value);
      },
    },
    'airbyte.refreshConfigs': { title: 'Refresh Configs', run: () => configsTree.reload() },
    'airbyte.refreshSyncs': { title: 'Refresh Syncs', run: () => syncsTree.reload() },
  };
  context.subscriptions.push(
    ...registerCommandTable(table, channels, (command, error) => {
      lastCommandError = { command, message: error instanceof Error ? error.message : String(error) };
    }),
  );

  context.subscriptions.push(
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      // Specs read from images were refused before: read them now.
      void services()
        .then(async (s) => {
          await s.refreshLanguageService();
          language.revalidateAll();
          connectorsTree.refresher.refresh();
        })
        .catch(logFailure('Workspace trust'));
    }),
    config.onDidChange((changed) => {
      channels.log.info(`Settings changed: ${changed.join(', ')}`);
      if (changed.includes('registryUrl')) {
        void services()
          .then(async (s) => {
            s.resetRegistry();
            await s.refreshLanguageService();
            language.revalidateAll();
            await connectorsTree.reload(false);
          })
          .catch(logFailure('Registry setting'));
      }
      if (changed.includes('stateFile')) syncsTree.reload();
      if (changed.includes('dockerHost'))
        void services()
          .then((s) => s.localImages(true))
          .then(() => connectorsTree.refresher.refresh())
          .catch(logFailure('Docker setting'));
    }),
  );

  const activationMs = performance.now() - started;
  function logFailure(what: string): (error: unknown) => void {
    return (error) => channels.log.warn(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
  channels.log.info(
    `Activated in ${activationMs.toFixed(1)} ms (VS Code ${vscode.version}, ${vscode.env.appName}, ${vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop'})`,
  );
  return {
    activationMs,
    trees: { connectors: connectorsTree, configs: configsTree, syncs: syncsTree },
    language,
    runner,
    panels,
    get lastCommandError() {
      return lastCommandError;
    },
    services,
    logDir: context.logUri.fsPath,
  };
}

export async function deactivate(): Promise<void> {
  // A run in progress is cancelled so that its containers are removed before the host exits.
  await host?.runner.cancelAndWait();
  host = undefined;
}
