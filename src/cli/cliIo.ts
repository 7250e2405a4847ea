import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';

/** What a CLI command may touch of the outside: output, the terminal, cancellation. */

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Prints one JSON document on stdout. */
  outJson(value: unknown): void;
  /** True when stdout is a terminal (live progress bars), false when piped. */
  readonly isTty: boolean;
  /** Set by commands that parsed `--json`, so that errors are printed as JSON too. */
  json: boolean;
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM. */
  readonly signal: AbortSignal;
  /** Rewrites the current terminal line (progress); a no-op when not a TTY. */
  status(line: string): void;
}

export interface CliCommand {
  summary: string;
  usage: string;
  run(args: string[], io: CliIo): Promise<number>;
}

/** A usage error: exit code 2 and the command's usage text. */
export class UsageError extends Error {}

export function processIo(): CliIo {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (name: NodeJS.Signals) => {
    interrupts += 1;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(
      `\n${name === 'SIGINT' ? 'Interrupted' : 'Terminated'}: cancelling (containers are being removed; press Ctrl-C again to force)…\n`,
    );
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const isTty = Boolean(process.stdout.isTTY);
  let statusShown = false;
  const clearStatus = () => {
    if (statusShown) {
      process.stderr.write('\r\x1b[2K');
      statusShown = false;
    }
  };
  return {
    isTty,
    json: false,
    signal: controller.signal,
    out(text) {
      clearStatus();
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    err(text) {
      clearStatus();
      process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
    },
    outJson(value) {
      clearStatus();
      process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    status(line) {
      if (!process.stderr.isTTY) return;
      process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns ?? 100) - 1)}`);
      statusShown = true;
    },
  };
}

/**
 * `util.parseArgs` for a command: an unknown option, a missing value or an unexpected positional
 * is a {@link UsageError} (exit 2 with the command's usage) instead of a crash.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}
