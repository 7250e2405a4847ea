/** The file failures of built-in destinations, as the TRACE ERROR a user can act on. */
import { fileSystemError } from '../fileSystemError';
import { BuiltinFailure } from './inProcessExecutor';

/**
 * Runs a file operation of a built-in destination; its failure (a full disk, a read-only folder)
 * becomes a {@link BuiltinFailure} naming the file, the problem and what to do, instead of a bare
 * `ENOSPC` with a stack trace.
 */
export async function onOutputFile<T>(file: string, action: 'open' | 'write', fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof BuiltinFailure) throw error;
    const e = fileSystemError(error, { action: `${action} the output file`, path: file });
    throw new BuiltinFailure(`${e.message} ${e.guidance}`.trim(), 'system_error');
  }
}
