/**
 * The workspace a config file belongs to, and the rule for folders outside it. A connector may do
 * anything in its `localDir` (it is mounted read-write at /local; built-ins write there), and a
 * config file may come from someone else's repository, so a `localDir` outside the workspace needs
 * the user's explicit consent: the `airbyte.allowLocalDirOutsideWorkspace` setting in VS Code, the
 * `--allow-local-dir-outside-workspace` flag on the CLI.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AirbyteError } from '../errors';
import { resolveStorePath } from '../store/storePath';

/**
 * The workspace of the config file at `configPath`: the workspace folder the host names (VS Code's
 * folder holding the file), else the folder that holds the store for it (the nearest folder from the
 * file's folder upward that has `.airbyte/`, the rule of {@link resolveStorePath}), else the file's
 * own folder.
 */
export function workspaceRootOf(configPath: string, workspaceFolder?: string): string {
  if (workspaceFolder) return path.resolve(workspaceFolder);
  const store = resolveStorePath({ from: path.dirname(path.resolve(configPath)) });
  // The store is <workspace>/.airbyte/state.sqlite.
  return path.dirname(path.dirname(store));
}

/** True when `p` is `dir` or below it, comparing the paths as written (both absolute). */
export function isInsideFolder(dir: string, p: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(p));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** `p` with the symlinks of its longest existing prefix resolved; the missing rest is appended as is. */
export async function realpathOfExisting(p: string): Promise<string> {
  const missing: string[] = [];
  for (let current = path.resolve(p); ;) {
    try {
      return path.join(await fs.realpath(current), ...missing.reverse());
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const parent = path.dirname(current);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || parent === current) return path.resolve(p);
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

/** True when `p` is inside `dir` both as written and where symlinks really lead. */
export async function isReallyInside(dir: string, p: string): Promise<boolean> {
  if (!isInsideFolder(dir, p)) return false;
  const [realDir, realP] = await Promise.all([realpathOfExisting(dir), realpathOfExisting(p)]);
  return isInsideFolder(realDir, realP);
}

/** Where the consent for a localDir outside the workspace comes from, named in the error. */
export const LOCAL_DIR_CONSENT = {
  setting: 'airbyte.allowLocalDirOutsideWorkspace',
  flag: '--allow-local-dir-outside-workspace',
} as const;

/**
 * Checks the `localDir` of the config file at `configPath`. Returns whether it lies outside the
 * workspace (allowed only with `allowOutside`, and then never chowned); throws a CONFIG_FILE error
 * naming the folder and how to allow it when it lies outside without consent.
 */
export async function checkLocalDir(
  configPath: string,
  localDir: string,
  options: { workspaceFolder?: string; allowOutside?: boolean } = {},
): Promise<{ outsideWorkspace: boolean }> {
  const workspace = workspaceRootOf(configPath, options.workspaceFolder);
  if (await isReallyInside(workspace, localDir)) return { outsideWorkspace: false };
  if (options.allowOutside) return { outsideWorkspace: true };
  const real = await realpathOfExisting(localDir);
  throw new AirbyteError('CONFIG_FILE', {
    message: `${configPath}: "localDir" is ${localDir}${real !== path.resolve(localDir) ? ` (really ${real})` : ''}, outside the workspace ${workspace}. A connector can change anything in its localDir, so a folder outside the workspace is used only with your consent.`,
    guidance: `If you trust this config with ${real}, allow folders outside the workspace: the setting "${LOCAL_DIR_CONSENT.setting}" in VS Code, or ${LOCAL_DIR_CONSENT.flag} on the command line. Otherwise use a folder inside ${workspace}.`,
    context: { file: configPath, localDir, workspace },
  });
}
