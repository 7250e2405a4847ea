/**
 * Keeps the workspace store out of version control: `.airbyte/` holds sync state and the record
 * cache, i.e. copies of the user's data, which must not be committed by accident. Hosts call this
 * once, when they create the folder; an entry the user already has (in any usual spelling) is kept.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from './atomicFile';

/** The line added to `.gitignore`. */
export const STORE_GITIGNORE_ENTRY = '.airbyte/';

/** Whether a `.gitignore` text already ignores the top-level `.airbyte` folder. */
export function ignoresStore(gitignore: string): boolean {
  return gitignore.split(/\r?\n/).some((line) => /^\/?\.airbyte\/?(\*\*?)?\s*$/.test(line.trim()));
}

/**
 * Adds `.airbyte/` to `<folder>/.gitignore` (creating the file when there is none), unless it is
 * ignored there already. Returns whether the file changed. Line endings of an existing file are kept.
 */
export async function ensureStoreIgnored(folder: string): Promise<boolean> {
  const file = path.join(folder, '.gitignore');
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (ignoresStore(text)) return false;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const separator = text === '' || text.endsWith('\n') ? '' : eol;
  const block = [`# Airbyte Write: sync state and cached records (copies of your data), kept out of git`, STORE_GITIGNORE_ENTRY, ''].join(
    eol,
  );
  // A shared, committed file: keep its mode (readable by all when it is new).
  const mode = text === '' ? 0o644 : (await stat(file)).mode & 0o777;
  await writeFileAtomic(file, text + separator + (text === '' ? '' : eol) + block, mode);
  return true;
}
