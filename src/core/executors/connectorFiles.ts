/**
 * The files a connector command reads (config, catalog, state) and the arguments that point at
 * them. Shared by the Docker and local executors so both pass exactly the same things.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ExecuteRequest } from './executor';

export interface ConnectorFiles {
  /** Folder on this machine holding the files. */
  hostDir: string;
  /** The connector's arguments: the command, then `--config`, `--catalog`, `--state` as the request needs. */
  args: string[];
  /** Removes the files. Safe to call twice. */
  cleanup(): Promise<void>;
}

/**
 * Writes the request's files to a new private folder.
 *
 * Layout: `<tmp>/airbyte-write-XXXX/` (mode 0700: no other user of this machine can reach the
 * config, which holds secrets) containing `io/` (0755) and its files (0644). Only `io/` is
 * bind-mounted into a container, where the 0700 parent is not on the path, so a connector image
 * that runs as uid 1000 (as Airbyte's do) can read the files while other host users cannot.
 *
 * @param argsDir The folder the connector will see the files in (`/airbyte/io` in a container);
 *   defaults to the host folder.
 */
export async function writeConnectorFiles(request: ExecuteRequest, argsDir?: string): Promise<ConnectorFiles> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'airbyte-write-'));
  const hostDir = path.join(parent, 'io');
  let removed = false;
  const cleanup = async () => {
    if (removed) return;
    removed = true;
    await rm(parent, { recursive: true, force: true });
  };
  try {
    await mkdir(hostDir, { mode: 0o755 });
    await chmod(hostDir, 0o755);
    const { args, files } = connectorFileContents(request, argsDir ?? hostDir);
    for (const f of files) {
      const file = path.join(hostDir, f.name);
      await writeFile(file, f.content, { mode: 0o644 });
      // The umask may have removed read bits that the container user needs.
      await chmod(file, 0o644);
    }
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
