/**
 * One run at a time per store: a lock file holding the owner's pid. A lock left by a process that
 * no longer exists is taken over; a live owner gets a clear "in use" error.
 *
 * Both steps are atomic, so that any number of processes started together end with one owner:
 * - the lock appears whole or not at all: the owner's record is written to a private temp file and
 *   hard-linked to the lock path (`link` fails with EEXIST when a lock exists), so nobody ever reads a
 *   half-written lock;
 * - a stale lock is removed by exactly one process: each lock is a unique generation (pid, host, start
 *   time), and removing it first needs the takeover marker named after that generation, created with
 *   O_EXCL. Whoever loses the marker race waits and looks again; nobody can remove a newer lock by
 *   mistake, because a marker names the one generation its holder saw.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AirbyteError } from '../errors';
import { isProcessAlive } from '../isProcessAlive';

export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
  purpose?: string;
  /** Makes two locks of one pid (a process that opened the store twice) different generations. */
  nonce?: string;
}

export interface StoreLock {
  readonly file: string;
  release(): Promise<void>;
}

/** Takeover markers of lock generations older than this are removed (a marker is a few bytes). */
const MARKER_MAX_AGE_MS = 24 * 3600 * 1000;

async function readOwner(file: string): Promise<{ owner?: LockOwner; raw: string } | undefined> {
  let raw: string;
  try {
    raw = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(raw) as LockOwner;
    return { owner: typeof parsed.pid === 'number' ? parsed : undefined, raw };
  } catch {
    return { raw };
  }
}

/** Creates the lock whole, or answers false when one exists. */
async function createLock(file: string, owner: LockOwner): Promise<boolean> {
  const temp = `${file}.${process.pid}.${owner.nonce}.tmp`;
  await fs.writeFile(temp, JSON.stringify(owner), { mode: 0o600 });
  try {
    await fs.link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await fs.rm(temp, { force: true });
  }
}

/** Removes the stale lock whose content is `raw`, unless another process is already doing so. */
async function takeOver(file: string, raw: string): Promise<void> {
  const generation = createHash('sha256').update(raw).digest('hex').slice(0, 16);
  const marker = `${file}.takeover-${generation}`;
  try {
    await fs.writeFile(marker, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return; // another process removes it
    throw error;
  }
  // Only the holder of this generation's marker removes it; its owner is gone, so it cannot change
  // under us: the file is either still that generation or already replaced by a newer lock.
  const now = await readOwner(file);
  if (now?.raw === raw) await fs.rm(file, { force: true });
}

async function removeOldMarkers(file: string): Promise<void> {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.takeover-`;
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const stat = await fs.stat(path.join(dir, name)).catch(() => undefined);
    if (stat && Date.now() - stat.mtimeMs > MARKER_MAX_AGE_MS) await fs.rm(path.join(dir, name), { force: true });
  }
}

function inUse(storeFile: string, file: string, holder: LockOwner, sameHost: boolean): AirbyteError {
  return new AirbyteError('STORE_IN_USE', {
    message: `The state store ${storeFile} is in use by another run (pid ${holder.pid}${sameHost ? '' : ` on ${holder.hostname}`}, since ${holder.startedAt}${holder.purpose ? `: ${holder.purpose}` : ''}).`,
    guidance: 'Wait for that run to finish, or cancel it. If no such process exists any more, delete the lock file.',
    context: { store: storeFile, lockFile: file, pid: holder.pid },
  });
}

/** Takes the lock at `file` or throws `STORE_IN_USE` naming the process that holds it. */
export async function acquireStoreLock(file: string, storeFile: string, purpose?: string): Promise<StoreLock> {
  const owner: LockOwner = {
    pid: process.pid,
    hostname: os.hostname(),
    startedAt: new Date().toISOString(),
    purpose,
    nonce: randomBytes(6).toString('hex'),
  };
  const mine = JSON.stringify(owner);
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await createLock(file, owner)) {
      void removeOldMarkers(file);
      let released = false;
      return {
        file,
        async release() {
          if (released) return;
          released = true;
          if ((await readOwner(file))?.raw === mine) await fs.rm(file, { force: true });
        },
      };
    }
    const seen = await readOwner(file);
    if (!seen) continue; // released in between: try again at once
    const holder = seen.owner;
    const sameHost = !holder || holder.hostname === os.hostname();
    if (holder && (!sameHost || isProcessAlive(holder.pid))) throw inUse(storeFile, file, holder, sameHost);
    // The holder is gone, or the lock is unreadable (it is never half-written): take it over.
    await takeOver(file, seen.raw);
    await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
  }
  throw new AirbyteError('STORE_IN_USE', {
    message: `Could not take the lock on ${storeFile}.`,
    guidance: 'Another process keeps taking it; try again when it has finished.',
    context: { store: storeFile, lockFile: file },
  });
}
