// Temp folders for tests: made under the system temp folder, removed with all they hold.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** A new, empty folder under the system temp folder, named `prefix` and six random characters. */
export function makeTempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Removes `dir` and everything in it; nothing happens when it is gone already. */
export function removeTempDir(dir: string): Promise<void> {
  return rm(dir, { recursive: true, force: true });
}
