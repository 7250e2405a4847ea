/** A failed file operation in plain words: which file or folder, what went wrong, what to do. */
import { AirbyteError } from './errors';

export interface FileOperation {
  /** What was being done, as a sentence fragment: "save the state store", "create the folder of the state store". */
  action: string;
  /** The file or folder it was done to. */
  path: string;
  /** Added to the guidance: what was kept, or another way out ("or point --state-file at another file"). */
  guidance?: string;
}

/** The error's errno code (`ENOSPC`, `EACCES`…), if it is a system error. */
export function errnoCode(error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

const WORDS: Record<string, (p: string) => { problem: string; fix: string }> = {
  ENOSPC: (p) => ({ problem: `the disk holding ${p} is full`, fix: `Free space on that disk (df -h "${p}" shows it), then run again.` }),
  EDQUOT: (p) => ({ problem: `the disk quota for ${p} is used up`, fix: 'Free space within your quota, then run again.' }),
  EROFS: (p) => ({ problem: `${p} is on a read-only file system`, fix: 'Use a folder on a writable disk.' }),
  EACCES: (p) => ({ problem: `permission to write ${p} is denied`, fix: `Make ${p} writable for this user, or use another folder.` }),
  EPERM: (p) => ({
    problem: `the operating system does not permit writing ${p}`,
    fix: `Make ${p} writable for this user, or use another folder.`,
  }),
  EISDIR: (p) => ({
    problem: `${p} is a folder, not a file`,
    fix: `Move that folder away (or point at a file path that is free), then run again.`,
  }),
  ENOTDIR: (p) => ({ problem: `a part of ${p} is a file, not a folder`, fix: 'Point at a path whose folders are folders.' }),
  ENOENT: (p) => ({
    problem: `${p} cannot be created there (this file system does not hold files, e.g. /proc)`,
    fix: 'Use a folder on a regular disk.',
  }),
  EMFILE: () => ({
    problem: 'too many files are open',
    fix: 'Close other programs, or raise the open-file limit (ulimit -n), then run again.',
  }),
};

/**
 * The AirbyteError (`FILE_SYSTEM`) for a failed file operation: it names the path, the problem and
 * what to do. An AirbyteError passes through unchanged; an error without a known errno code is
 * described with its own message.
 */
export function fileSystemError(error: unknown, op: FileOperation): AirbyteError {
  if (error instanceof AirbyteError) return error;
  const code = errnoCode(error);
  const where = (error as NodeJS.ErrnoException | undefined)?.path ?? op.path;
  const words = code ? WORDS[code]?.(where) : undefined;
  const problem = words?.problem ?? (error instanceof Error ? error.message : String(error));
  return new AirbyteError('FILE_SYSTEM', {
    message: `Could not ${op.action} (${op.path}): ${problem}${code ? ` (${code})` : ''}.`,
    guidance: [words?.fix, op.guidance].filter(Boolean).join(' '),
    context: { path: op.path, errno: code },
    cause: error,
  });
}
