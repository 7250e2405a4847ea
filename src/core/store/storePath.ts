/**
 * Where the workspace store lives: the one rule every host follows. A path the user gave wins;
 * otherwise `.airbyte/state.sqlite` in the workspace folder when the host knows it (the extension),
 * else in the nearest folder upward that already has an `.airbyte/` folder (the CLI, from the
 * config file it was given or the current folder), else in the current folder.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The store's path relative to its workspace folder. */
export const DEFAULT_STORE_RELATIVE_PATH = path.join('.airbyte', 'state.sqlite');

export interface StorePathOptions {
  /** A path the user gave (`--state-file`, the `airbyte.stateFile` setting); relative ones resolve against `workspaceFolder`, else `cwd`. */
  explicit?: string;
  /** The workspace folder, when the host knows it: the store is `<folder>/.airbyte/state.sqlite`. */
  workspaceFolder?: string;
  /** No workspace folder known: search from this folder upward for the nearest one holding `.airbyte/`. */
  from?: string;
  /** Default `process.cwd()`. */
  cwd?: string;
}

/** The absolute path of the workspace store (see the module doc for the order of the rules). */
export function resolveStorePath(options: StorePathOptions = {}): string {
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.explicit?.trim();
  if (explicit) return path.resolve(options.workspaceFolder ?? cwd, explicit);
  if (options.workspaceFolder) return path.resolve(options.workspaceFolder, DEFAULT_STORE_RELATIVE_PATH);
  if (options.from === undefined) return path.resolve(cwd, DEFAULT_STORE_RELATIVE_PATH);
  const start = path.resolve(cwd, options.from);
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, '.airbyte'))) return path.join(dir, DEFAULT_STORE_RELATIVE_PATH);
    if (path.dirname(dir) === dir) break;
  }
  return path.join(start, DEFAULT_STORE_RELATIVE_PATH);
}
