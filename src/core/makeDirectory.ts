/** Creating a folder and its missing parents without Node's recursive mkdir. */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Creates `dir` and its missing parents, like `mkdir -p`; nothing happens when it exists. Not
 * `fs.mkdir(dir, { recursive: true })`: on procfs (`/proc/self/x/y`) that loops forever at full CPU,
 * because each level answers ENOENT, and cannot be interrupted. Here each missing level is created
 * once, from the top down, and the first refusal is thrown (with its `code` and `path`).
 */
export async function makeDirectory(dir: string, mode?: number): Promise<void> {
  const missing: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    const info = await fs.stat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
      return undefined;
    });
    if (info) {
      if (!info.isDirectory()) throw notADirectory(current);
      break;
    }
    const parent = path.dirname(current);
    missing.push(current);
    if (parent === current) break;
    current = parent;
  }
  for (const level of missing.reverse()) {
    try {
      await fs.mkdir(level, mode);
    } catch (error) {
      // Made in between by another process: fine when it is a folder.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || !(await fs.stat(level)).isDirectory()) throw error;
    }
  }
}

function notADirectory(p: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${p}'`), { code: 'ENOTDIR', path: p, syscall: 'mkdir' });
}
