// One typed view of every `airbyte.*` setting. Read on use (never cached), so a change applies
// without a reload; `onDidChange` tells the parts that hold derived resources (the registry,
// the connector log filter) which settings moved.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { resolveStorePath } from '../core/store/storePath';
import type { WriteStrategy } from '../core/write/writeStrategy';
import { isWriteStrategy } from '../core/write/writeStrategy';
import type { LogLevel } from './logLevels';
import { LOG_LEVELS } from './logLevels';

export type { LogLevel } from './logLevels';

export type SettingName =
  'dockerHost' | 'registryUrl' | 'stateFile' | 'defaultWriteStrategy' | 'logLevel' | 'cacheMaxSizeMB' | 'cacheMaxAgeDays';
const SETTINGS: readonly SettingName[] = [
  'dockerHost',
  'registryUrl',
  'stateFile',
  'defaultWriteStrategy',
  'logLevel',
  'cacheMaxSizeMB',
  'cacheMaxAgeDays',
];

export class Config {
  private section(scope?: vscode.ConfigurationScope): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('airbyte', scope);
  }

  /** The Docker engine to use, or undefined for `DOCKER_HOST` / the default socket. */
  get dockerHost(): string | undefined {
    return this.section().get<string>('dockerHost')?.trim() || undefined;
  }

  /**
   * Where the `airbyte.dockerHost` in effect was set, in the Settings editor's words. Its scope is
   * `window`, so a User value applies in remote windows too (code-server, Remote-SSH, WSL, dev
   * containers), where a `machine-overridable` one was silently ignored.
   */
  get dockerHostOrigin(): string | undefined {
    const inspected = this.section().inspect<string>('dockerHost');
    const set = (v: string | undefined) => typeof v === 'string' && v.trim() !== '';
    if (set(inspected?.workspaceFolderValue)) return `the airbyte.dockerHost setting (${DOCKER_HOST_WORKSPACE_FOLDER})`;
    if (set(inspected?.workspaceValue)) return `the airbyte.dockerHost setting (${DOCKER_HOST_WORKSPACE})`;
    if (set(inspected?.globalValue)) return 'the airbyte.dockerHost setting (User settings)';
    return this.dockerHost ? 'the airbyte.dockerHost setting' : undefined;
  }

  /** Registry location as a URL or an absolute file path, or undefined for the official registry. */
  registryLocation(folder = primaryFolder()): { url?: string; file?: string } {
    const value = this.section(folder?.uri).get<string>('registryUrl')?.trim();
    if (!value) return {};
    if (/^https?:\/\//i.test(value)) return { url: value };
    if (/^file:\/\//i.test(value)) return { file: vscode.Uri.parse(value).fsPath };
    return { file: folder && !path.isAbsolute(value) ? path.join(folder.uri.fsPath, value) : value };
  }

  /** Absolute path of the workspace store for `folder` (the setting is relative to the folder). */
  stateFile(folder: vscode.WorkspaceFolder): string {
    return resolveStorePath({ explicit: this.section(folder.uri).get<string>('stateFile'), workspaceFolder: folder.uri.fsPath });
  }

  /** Whether `.airbyte/` is added to the folder's `.gitignore` when the extension creates it (default true). */
  gitignoreStore(folder: vscode.WorkspaceFolder): boolean {
    return this.section(folder.uri).get<boolean>('gitignoreStore') !== false;
  }

  get defaultWriteStrategy(): WriteStrategy {
    const value = this.section().get<string>('defaultWriteStrategy');
    return value !== undefined && isWriteStrategy(value) ? value : 'auto';
  }

  /** `airbyte.idleTimeoutSeconds` in ms (0: none); the core's default when unset or not a number ≥ 0. */
  get idleTimeoutMs(): number | undefined {
    const value = this.section().get<number>('idleTimeoutSeconds');
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : undefined;
  }

  /** `airbyte.schemaRefreshMinutes` (0: discover before every write); the core's default when unset or not a number ≥ 0. */
  get schemaRefreshMinutes(): number | undefined {
    const value = this.section().get<number>('schemaRefreshMinutes');
    return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
  }

  /** The user's consent to a config's `localDir` outside the workspace (user settings only: a workspace cannot grant it). */
  get allowLocalDirOutsideWorkspace(): boolean {
    return this.section().get<boolean>('allowLocalDirOutsideWorkspace') === true;
  }

  /** The workspace folder holding `file`, if one does (a config's workspace: see the core's workspaceRootOf). */
  workspaceFolderOf(file: string): string | undefined {
    return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath;
  }

  get logLevel(): LogLevel {
    const value = this.section().get<string>('logLevel');
    return LOG_LEVELS.includes(value as LogLevel) ? (value as LogLevel) : 'info';
  }

  /**
   * The record cache's limits (`airbyte.cacheMaxSizeMB`, `airbyte.cacheMaxAgeDays`; 0 or unset: no
   * limit), applied after each read and by "Prune Cache": only sources whose records destinations confirmed are removed.
   */
  cacheLimits(folder?: vscode.WorkspaceFolder): { maxBytes?: number; maxAgeMs?: number } {
    const size = this.section(folder?.uri).get<number>('cacheMaxSizeMB');
    const age = this.section(folder?.uri).get<number>('cacheMaxAgeDays');
    return {
      ...(typeof size === 'number' && size > 0 ? { maxBytes: Math.round(size * 1024 * 1024) } : {}),
      ...(typeof age === 'number' && age > 0 ? { maxAgeMs: Math.round(age * 86_400_000) } : {}),
    };
  }

  /** Calls `listener` with the settings that changed (any scope). */
  onDidChange(listener: (changed: SettingName[]) => void): vscode.Disposable {
    return vscode.workspace.onDidChangeConfiguration((event) => {
      const changed = SETTINGS.filter((s) => event.affectsConfiguration(`airbyte.${s}`));
      if (changed.length > 0) listener(changed);
    });
  }
}

/** How {@link Config.dockerHostOrigin} names the workspace levels (showError opens the matching tab). */
export const DOCKER_HOST_WORKSPACE = 'Workspace settings';
export const DOCKER_HOST_WORKSPACE_FOLDER = 'Folder settings';

/** The workspace folder that holds `uri`, else the first one. */
export function primaryFolder(uri?: vscode.Uri): vscode.WorkspaceFolder | undefined {
  return (uri && vscode.workspace.getWorkspaceFolder(uri)) || vscode.workspace.workspaceFolders?.[0];
}
