/**
 * The project's temp folders, all under one known root so that what a killed process left behind
 * can be found and removed: `<system temp>/airbyte-write-<uid>/<pid>-XXXXXX/`. The root is private
 * to this user (0700, checked to be a real folder of ours, not a symlink or another user's folder
 * planted in a shared /tmp); each folder is named after the process that owns it, and every start
 * (CLI command, extension's core, first temp folder of a process) removes the folders of processes
 * that no longer exist. They hold connector configs with their secrets resolved.
 */
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AirbyteError } from '../errors';
import { isProcessAlive } from '../isProcessAlive';

/** `<system temp>/airbyte-write-<uid>` (the user name where there are no uids). */
export function projectTempRoot(): string {
  const who = typeof process.getuid === 'function' ? String(process.getuid()) : os.userInfo().username.replace(/[^\w.-]/g, '_');
  return path.join(os.tmpdir(), `airbyte-write-${who}`);
}

let swept = false;

/** A new private folder (0700) for this process under the project's temp root; removed by its owner, or by the next start after a crash. */
export async function makeProcessTempDir(): Promise<string> {
  const root = await ensureRoot();
  if (!swept) {
    swept = true;
    removeDeadProcessTempDirs();
  }
  return mkdtemp(path.join(root, `${process.pid}-`));
}

/**
 * Removes the temp folders of processes that no longer exist (killed with kill -9, crashed, power
 * lost mid-run). Never throws; returns the folders removed. Synchronous, as it runs at start-up
 * before anything else and lists one small folder.
 */
export function removeDeadProcessTempDirs(): string[] {
  const root = projectTempRoot();
  const removed: string[] = [];
  try {
    const info = lstatSync(root);
    if (!info.isDirectory() || !ownedByMe(info.uid)) return removed;
    for (const name of readdirSync(root)) {
      const pid = Number(/^(\d+)-/.exec(name)?.[1]);
      if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isProcessAlive(pid)) continue;
      rmSync(path.join(root, name), { recursive: true, force: true });
      removed.push(path.join(root, name));
    }
  } catch {
    // No root yet, or unreadable: nothing of ours to remove.
  }
  return removed;
}

/** The root, created 0700 when missing; refused when it is not a private folder of this user. */
async function ensureRoot(): Promise<string> {
  const root = projectTempRoot();
  await mkdir(root, { recursive: true, mode: 0o700 });
  const info = await lstat(root);
  if (!info.isDirectory() || !ownedByMe(info.uid)) {
    throw new AirbyteError('CONNECTOR_FAILED', {
      message: `The temp folder ${root} is not a folder of this user (${info.isSymbolicLink() ? 'a symlink' : `owner uid ${info.uid}`}); connector configs hold secrets and are not written there.`,
      guidance: `Remove ${root} (someone else created it), or set TMPDIR to a private folder.`,
      context: { folder: root },
    });
  }
  if ((info.mode & 0o077) !== 0) await chmod(root, 0o700);
  return root;
}

function ownedByMe(uid: number): boolean {
  return typeof process.getuid !== 'function' || uid === process.getuid();
}
