/**
 * The project's temp folders, all under one known root so that what a killed process left behind
 * can be found and removed: `<system temp>/airbyte-write-<uid>/<pid>-<host>-XXXXXX/`. The root is
 * private to this user (0700, checked to be a real folder of ours, not a symlink or another user's
 * folder planted in a shared /tmp); each folder is named after the process that owns it and its
 * machine (a container sharing /tmp has other pids), and every start (CLI command, extension's core,
 * first temp folder of a process) removes the folders of processes of this machine that no longer
 * exist. They hold connector configs with their secrets resolved.
 */
import { lstatSync, readdirSync, rmSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { AirbyteError } from '../errors';
import { isProcessAlive } from '../isProcessAlive';

/** `<system temp>/airbyte-write-<uid>` (the user name where there are no uids). */
export function projectTempRoot(): string {
  const who = typeof process.getuid === 'function' ? String(process.getuid()) : os.userInfo().username.replace(/[^\w.-]/g, '_');
  return path.join(os.tmpdir(), `airbyte-write-${who}`);
}

/** Eight hex characters naming this machine in folder names. */
function hostTag(): string {
  return createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);
}

let swept = false;

/** A new private folder (0700) for this process under the project's temp root; removed by its owner, or by the next start after a crash. */
export async function makeProcessTempDir(): Promise<string> {
  const root = await ensureRoot();
  if (!swept) {
    swept = true;
    removeDeadProcessTempDirs();
  }
  return mkdtemp(path.join(root, `${process.pid}-${hostTag()}-`));
}

/**
 * Removes the temp folders of processes of this machine that no longer exist (killed with kill -9,
 * crashed, power lost mid-run), and those earlier versions left. Never throws; returns the folders
 * removed. Synchronous, as it runs at start-up before anything else and lists two folders.
 */
export function removeDeadProcessTempDirs(): string[] {
  return [...removeDeadInRoot(), ...removeLegacyTempDirs()];
}

function removeDeadInRoot(): string[] {
  const root = projectTempRoot();
  const removed: string[] = [];
  try {
    const info = lstatSync(root);
    if (!info.isDirectory() || !ownedByMe(info.uid)) return removed;
    const host = hostTag();
    for (const name of readdirSync(root)) {
      const [, pidText, tag] = /^(\d+)-([0-9a-f]{8})-/.exec(name) ?? [];
      const pid = Number(pidText);
      if (tag !== host || !Number.isInteger(pid) || pid <= 0 || pid === process.pid || isProcessAlive(pid)) continue;
      rmSync(path.join(root, name), { recursive: true, force: true });
      removed.push(path.join(root, name));
    }
  } catch {
    // No root yet, or unreadable: nothing of ours to remove.
  }
  return removed;
}

// Earlier versions wrote `<system temp>/airbyte-write-XXXXXX/io/config.json` (mkdtemp, no pid), and a
// killed run left it for good. Such a folder of this user, holding nothing but `io/`, a day old, is
// removed: no run of those versions lasts that long.
const LEGACY_MAX_AGE_MS = 24 * 3600 * 1000;

function removeLegacyTempDirs(): string[] {
  const removed: string[] = [];
  const tmp = os.tmpdir();
  let names: string[] = [];
  try {
    names = readdirSync(tmp);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!/^airbyte-write-[A-Za-z0-9]{6}$/.test(name)) continue;
    const dir = path.join(tmp, name);
    try {
      const info = lstatSync(dir);
      if (!info.isDirectory() || !ownedByMe(info.uid) || Date.now() - info.mtimeMs < LEGACY_MAX_AGE_MS) continue;
      const entries = readdirSync(dir);
      if (entries.length !== 1 || entries[0] !== 'io') continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // Gone meanwhile, or not ours to read.
    }
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
