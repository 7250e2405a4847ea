// Every `airbyte.*` command of package.json: its title and how to make its handler. Most load
// their module (`commands/*.ts`) the first time they run.
import * as vscode from 'vscode';
import type { CommandFactory } from './commandTable';
import { lazyCommand } from './commandTable';
import type { ExtensionHost } from './host';
import { PLATFORM_COMMAND_FACTORIES } from './platformCommands';

export const COMMAND_FACTORIES: Record<string, CommandFactory> = {
  'airbyte.writeToDestination': lazyCommand('Write to Destination', () =>
    import('./commands/writeCommand.js').then((m) => m.writeToDestination),
  ),
  'airbyte.checkConnection': lazyCommand('Check Connection', () => import('./commands/checkConnection.js').then((m) => m.checkConnection)),
  'airbyte.newConfig': lazyCommand('New Connector Config', () => import('./commands/newConfig.js').then((m) => m.newConfig)),
  'airbyte.openConnector': lazyCommand('Open Connector', () => import('./commands/openConnector.js').then((m) => m.openConnector)),
  'airbyte.showSpec': lazyCommand('Show Connector Spec', () => import('./commands/showSpec.js').then((m) => m.showSpec)),
  'airbyte.pullImage': lazyCommand('Pull Connector Image', () => import('./commands/pullImage.js').then((m) => m.pullImageCommand)),
  'airbyte.installConnector': lazyCommand('Install Connector', () =>
    import('./commands/installConnector.js').then((m) => m.installConnector),
  ),
  'airbyte.cancelSync': { title: 'Cancel Sync', create: (host) => () => host.runner.cancel() },
  'airbyte.resetState': lazyCommand('Reset State', () => import('./commands/resetState.js').then((m) => m.resetState)),
  'airbyte.refreshRegistry': { title: 'Refresh Registry', create: (host) => () => refreshRegistry(host) },
  'airbyte.openRunDetails': { title: 'Open Run Details', create: (host) => (arg?: unknown) => host.runner.openDetails(arg) },
  'airbyte.showLogs': { title: 'Show Connector Logs', create: (host) => () => host.channels.showConnectors() },
  'airbyte.filterConnectors': { title: 'Filter Connectors', create: (host) => (arg?: unknown) => filterConnectors(host, arg) },
  'airbyte.refreshConfigs': { title: 'Refresh Configs', create: (host) => () => host.configsTree.reload() },
  'airbyte.refreshSyncs': { title: 'Refresh Syncs', create: (host) => () => host.syncsTree.reload() },
  'airbyte.readSource': lazyCommand('Read Source into Cache', () => import('./commands/readSource.js').then((m) => m.readSource)),
  'airbyte.previewRecords': lazyCommand('Preview Records', () => cacheCommand((m) => m.previewRecords)),
  'airbyte.deleteCachedRead': lazyCommand('Delete Cached Read', () => cacheCommand((m) => m.deleteCachedRead)),
  'airbyte.clearCache': lazyCommand('Clear Cache', () => cacheCommand((m) => m.clearCache)),
  'airbyte.pruneCache': lazyCommand('Prune Cache', () => cacheCommand((m) => m.pruneCacheCommand)),
  'airbyte.previewSource': lazyCommand('Preview Source', () => cacheCommand((m) => m.previewSource)),
  'airbyte.previewDestination': lazyCommand('Preview Destination', () => cacheCommand((m) => m.previewDestination)),
  'airbyte.createSampleConfigs': lazyCommand('Create Sample Configs', () => gettingStarted((m) => m.createSampleConfigs)),
  'airbyte.writeSample': lazyCommand('Write the Sample', () => gettingStarted((m) => m.writeSample)),
  'airbyte.openSampleResult': lazyCommand('Open the Sample Result', () => gettingStarted((m) => m.openSampleResult)),
  'airbyte.checkDocker': lazyCommand('Check Docker Engine', () => gettingStarted((m) => m.checkDocker)),
  'airbyte.refreshCachedReads': { title: 'Refresh Cached Reads', create: (host) => () => host.cachedReadsTree.reload() },
  ...PLATFORM_COMMAND_FACTORIES,
};

type GettingStartedCommands = typeof import('./commands/gettingStarted.js');

function gettingStarted<T>(pick: (m: GettingStartedCommands) => T): Promise<T> {
  return import('./commands/gettingStarted.js').then(pick);
}

type CacheCommands = typeof import('./commands/cacheCommands.js');

function cacheCommand<T>(pick: (m: CacheCommands) => T): Promise<T> {
  return import('./commands/cacheCommands.js').then(pick);
}

async function refreshRegistry(host: ExtensionHost): Promise<void> {
  await vscode.window.withProgress({ location: { viewId: 'airbyte.connectors' }, title: 'Refreshing the connector registry' }, () =>
    host.connectorsTree.reload(true),
  );
  const services = await host.services();
  await services.refreshLanguageService();
  host.language.revalidateAll();
}

/** The filter as an argument (tests, keybindings), else asked for. */
async function filterConnectors(host: ExtensionHost, arg?: unknown): Promise<void> {
  const value =
    typeof arg === 'string'
      ? arg
      : await vscode.window.showInputBox({
          title: 'Filter Connectors',
          prompt: 'Words to match in connector names (empty: show all)',
          value: host.connectorsTree.filter,
        });
  if (value !== undefined) host.connectorsTree.setFilter(value);
}
