// Activation: create the extension-scoped parts (views, language features, status bar, the sync
// runner), register the command table, watch settings, and nothing else. The core (sql.js, ajv,
// the registry, dockerode) loads on first use through `import()`, so activation stays well under
// 100 ms; its duration is logged and returned in the API.
import { performance } from 'node:perf_hooks';
import * as vscode from 'vscode';
import { COMMAND_FACTORIES } from './commandFactories';
import { registerCommandTable } from './commandTable';
import type { CachedReadsTree } from './cachedReadsTree';
import type { ConfigsTree } from './configsTree';
import type { ConnectorsTree } from './connectorsTree';
import type { CoreServices } from './coreServices';
import type { ExtensionHost } from './host';
import { createExtensionHost } from './host';
import type { LanguageFeatures } from './languageFeatures';
import type { RunDetailsPanels } from './runDetailsPanel';
import type { PlatformTree } from './platformTree';
import { registerPlatformTree } from './platformTree';
import { watchSettingsAndTrust } from './settingsWatcher';
import type { SyncRunner } from './syncRunner';
import type { SyncsTree } from './syncsTree';

/** What `vscode.extensions.getExtension('airbyte-write.airbyte-write').exports` gives (tests, other extensions). */
export interface AirbyteExtensionApi {
  /** Time spent in activate(), in ms. */
  readonly activationMs: number;
  /** The tree data providers, to read what the views show. */
  readonly trees: { connectors: ConnectorsTree; configs: ConfigsTree; syncs: SyncsTree; cachedReads: CachedReadsTree };
  /** The Airbyte platform's rows of the Syncs view (deployed connections and their jobs). */
  readonly platformTree: PlatformTree;
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
  const h = createExtensionHost(context);
  host = h;
  const platformTree = registerPlatformTree(h);
  let lastCommandError: AirbyteExtensionApi['lastCommandError'];
  context.subscriptions.push(
    ...registerCommandTable(COMMAND_FACTORIES, h, (command, error) => {
      lastCommandError = { command, message: error instanceof Error ? error.message : String(error) };
    }),
    ...watchSettingsAndTrust(h),
  );
  const activationMs = performance.now() - started;
  const ui = vscode.env.uiKind === vscode.UIKind.Web ? 'web' : 'desktop';
  h.channels.log.info(`Activated in ${activationMs.toFixed(1)} ms (VS Code ${vscode.version}, ${vscode.env.appName}, ${ui})`);
  return {
    activationMs,
    trees: { connectors: h.connectorsTree, configs: h.configsTree, syncs: h.syncsTree, cachedReads: h.cachedReadsTree },
    platformTree,
    language: h.language,
    runner: h.runner,
    panels: h.panels,
    get lastCommandError() {
      return lastCommandError;
    },
    services: h.services,
    logDir: context.logUri.fsPath,
  };
}

export async function deactivate(): Promise<void> {
  // A run in progress is cancelled so that its containers are removed before the host exits.
  await host?.runner.cancelAndWait();
  host = undefined;
}
