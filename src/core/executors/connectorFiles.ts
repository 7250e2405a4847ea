/**
 * The files a connector command reads (config, catalog, state) and the arguments that point at
 * them. Shared by the Docker and local executors so both pass exactly the same things.
 */
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExecuteRequest } from './executor';
import { makeProcessTempDir } from './tempFolders';

export interface ConnectorFiles {
  /** Folder on this machine holding the files. */
  hostDir: string;
  /** The connector's arguments: the command, then `--config`, `--catalog`, `--state` as the request needs. */
  args: string[];
  /** Removes the files. Safe to call twice. */
  cleanup(): Promise<void>;
}

/**
 * Who reads the files: this user (the default: local programs, containers running as this uid or
 * as root), another uid that this process (root) can hand the files to, or a container user whose
 * uid is not known here (`shared`).
 */
export interface FileAccess {
  /** Files readable by any user (0644, folder 0755): for a container user that cannot be named. */
  shared?: boolean;
  /** Give the folder and files to this uid (only when this process is root): they stay 0600. */
  owner?: number;
}

/**
 * Writes the request's files to a new private folder.
 *
 * Layout: `<project temp root>/<pid>-XXXXXX/io/` (see tempFolders.ts: the root and the per-process
 * folder are 0700, and the next start removes the folder when this process was killed). The files
 * are 0600 in a 0700 `io/`, owned by whoever reads them: this user, or the container's uid when this
 * process is root. Only when the container's user cannot be named (a named USER in the image) are
 * they 0644 in a 0755 `io/`: only `io/` is bind-mounted, so the container can read them while other
 * users of this machine still cannot pass the 0700 folders above.
 *
 * @param argsDir The folder the connector will see the files in (`/airbyte/io` in a container);
 *   defaults to the host folder.
 */
export async function writeConnectorFiles(request: ExecuteRequest, argsDir?: string, access: FileAccess = {}): Promise<ConnectorFiles> {
  const parent = await makeProcessTempDir();
  const hostDir = path.join(parent, 'io');
  let removed = false;
  const cleanup = async () => {
    if (removed) return;
    removed = true;
    await rm(parent, { recursive: true, force: true });
  };
  const [dirMode, fileMode] = access.shared ? [0o755, 0o644] : [0o700, 0o600];
  try {
    await mkdir(hostDir, { mode: dirMode });
    // The umask may have removed bits that the reader needs.
    await chmod(hostDir, dirMode);
    const { args, files } = connectorFileContents(request, argsDir ?? hostDir);
    for (const f of files) {
      const file = path.join(hostDir, f.name);
      await writeFile(file, f.content, { mode: fileMode, flag: 'wx' });
      await chmod(file, fileMode);
      if (access.owner !== undefined) await chown(file, access.owner, 0);
    }
    if (access.owner !== undefined) await chown(hostDir, access.owner, 0);
    return { hostDir, args, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** A file a connector command reads: its name in the files folder and its bytes. */
export interface ConnectorFileContent {
  name: 'config.json' | 'catalog.json' | 'state.json';
  content: Buffer;
}

/**
 * The request's files in memory and the arguments that name them under `dir` (the folder the
 * connector will see them in). For engines that cannot see this machine's folders, the Docker
 * executor copies these into the container instead of mounting a folder.
 */
export function connectorFileContents(request: ExecuteRequest, dir: string): { args: string[]; files: ConnectorFileContent[] } {
  const args: string[] = [request.command];
  const files: ConnectorFileContent[] = [];
  const put = (name: ConnectorFileContent['name'], value: unknown, flag: string) => {
    files.push({ name, content: Buffer.from(JSON.stringify(value), 'utf8') });
    args.push(flag, path.posix.isAbsolute(dir) && !dir.includes('\\') ? path.posix.join(dir, name) : path.join(dir, name));
  };
  if (request.config !== undefined) put('config.json', request.config, '--config');
  if (request.catalog !== undefined) put('catalog.json', request.catalog, '--catalog');
  if (request.state !== undefined) put('state.json', request.state, '--state');
  return { args, files };
}
