/** `--idle-timeout SECONDS` of the commands that run a read or a write. */
import { UsageError } from './cliIo';

/** The option's help lines, its description starting at `column` as the command's other options do. */
export function idleTimeoutUsage(column: number): string {
  const pad = ' '.repeat(column);
  return [
    `${'--idle-timeout SECONDS'.padEnd(column - 3)} stop a connector the run has waited on this long with nothing`,
    `${pad}coming (no output, its input not read, no exit); default 600, 0: never`,
  ].join('\n');
}

/** The idle timeout in ms for the pipeline (undefined: its default); a usage error unless a number ≥ 0. */
export function parseIdleTimeout(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0)
    throw new UsageError(`--idle-timeout takes a number of seconds (0 turns it off), not "${value}".`);
  return Math.round(seconds * 1000);
}
