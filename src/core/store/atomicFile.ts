/** Crash-safe file replacement: a reader sees the old file or the new one, never a mix. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '../isProcessAlive';

let counter = 0;

/**
 * Writes `data` to a temp file beside `target`, fsyncs it, renames it over `target`, then fsyncs
 * the folder so that the rename itself survives a power loss.
 */
export async function writeFileAtomic(target: string, data: Uint8Array | string, mode = 0o600): Promise<void> {
  const dir = path.dirname(target);
  const temp = path.join(dir, `.${path.basename(target)}.tmp-${process.pid}-${counter++}`);
  const handle = await fs.open(temp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fs.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.rename(temp, target);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
  await fsyncDir(dir);
}

/** fsync a folder; a no-op where folders cannot be opened (Windows). */
export async function fsyncDir(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows cannot fsync a folder; NTFS renames are journaled.
  } finally {
    await handle?.close();
  }
}

/**
 * Removes the temp files {@link writeFileAtomic} left beside `target` when its process was killed
 * mid-save (`.<name>.tmp-<pid>-<n>`, possibly as large as the file). Only those of processes that
 * no longer exist: a live process may be saving right now. Returns the names removed.
 */
export async function removeDeadSaveTemps(target: string): Promise<string[]> {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}.tmp-`;
  const removed: string[] = [];
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-\d+$/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isInteger(pid) || pid <= 0 || isProcessAlive(pid)) continue;
    await fs.rm(path.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}
