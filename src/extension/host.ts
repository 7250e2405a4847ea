// The parts of the running extension that commands use, created once in activate().
import type * as vscode from 'vscode';
import type { Config } from './config';
import type { ConfigsTree } from './configsTree';
import type { ConnectorsTree } from './connectorsTree';
import type { CoreServices } from './coreServices';
import type { LanguageFeatures } from './languageFeatures';
import type { OutputChannels } from './outputChannels';
import type { RunDetailsPanels } from './runDetailsPanel';
import type { SyncRunner } from './syncRunner';
import type { SyncsTree } from './syncsTree';

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
  panels: RunDetailsPanels;
  runner: SyncRunner;
}
