/**
 * One run at a time per store: a lock file holding the owner's pid. A lock left by a process that
 * no longer exists is taken over; a live owner gets a clear "in use" error.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import { AirbyteError } from '../errors';
import { isProcessAlive } from '../isProcessAlive';

export interface LockOwner {
  pid: number;
  hostname: string;
  startedAt: string;
  purpose?: string;
}

export interface StoreLock {
  readonly file: string;
  release(): Promise<void>;
}

async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as LockOwner;
    return typeof parsed.pid === 'number' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock at `file` or throws `STORE_IN_USE` naming the process that holds it. */
export async function acquireStoreLock(file: string, storeFile: string, purpose?: string): Promise<StoreLock> {
  const owner: LockOwner = { pid: process.pid, hostname: os.hostname(), startedAt: new Date().toISOString(), purpose };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const handle = await fs.open(file, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(owner));
      await handle.close();
      let released = false;
      return {
        file,
        async release() {
          if (released) return;
          released = true;
          const current = await readOwner(file);
          if (current?.pid === process.pid) await fs.rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const holder = await readOwner(file);
    const sameHost = !holder || holder.hostname === os.hostname();
    if (holder && (!sameHost || isProcessAlive(holder.pid))) {
      throw new AirbyteError('STORE_IN_USE', {
        message: `The state store ${storeFile} is in use by another run (pid ${holder.pid}${sameHost ? '' : ` on ${holder.hostname}`}, since ${holder.startedAt}${holder.purpose ? `: ${holder.purpose}` : ''}).`,
        guidance: 'Wait for that run to finish, or cancel it. If no such process exists any more, delete the lock file.',
        context: { store: storeFile, lockFile: file, pid: holder.pid },
      });
    }
    // The holder is gone (or wrote nothing readable and is gone): take the lock over.
    if (!holder) {
      const stat = await fs.stat(file).catch(() => undefined);
      // A lock being written right now is empty for a moment: give its owner the benefit of the doubt.
      if (stat && Date.now() - stat.mtimeMs < 2000) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
    }
    await fs.rm(file, { force: true });
  }
  throw new AirbyteError('STORE_IN_USE', {
    message: `Could not take the lock on ${storeFile}.`,
    guidance: 'Another process keeps taking it; try again when it has finished.',
    context: { store: storeFile, lockFile: file },
  });
}
