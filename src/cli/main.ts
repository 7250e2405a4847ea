/**
 * `airbyte-write`: the command-line host over src/core. Parses the verb, runs its command, and is
 * the one place that turns errors into words and exit codes (0 ok, 1 failure, 2 usage error).
 */
import path from 'node:path';
import { AirbyteError, isAirbyteError } from '../core/errors';
import { removeDeadProcessTempDirs } from '../core/executors/tempFolders';
import { useSqlWasm } from '../core/store/sqlJsLoader';
import type { CliCommand, CliIo } from './cliIo';
import { processIo, UsageError } from './cliIo';
import { cacheCommand } from './commands/cache';
import { checkCommand } from './commands/check';
import { platformCommand } from './commands/platform';
import { previewCommand } from './commands/preview';
import { readCommand } from './commands/read';
import { registryCommand } from './commands/registry';
import { runsCommand } from './commands/runs';
import { specCommand } from './commands/spec';
import { validateCommand } from './commands/validate';
import { writeCommand } from './commands/write';

const COMMANDS: Record<string, CliCommand> = {
  spec: specCommand,
  check: checkCommand,
  validate: validateCommand,
  registry: registryCommand,
  read: readCommand,
  write: writeCommand,
  runs: runsCommand,
  cache: cacheCommand,
  preview: previewCommand,
  platform: platformCommand,
};

const USAGE = `Usage: airbyte-write <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run "airbyte-write <command> --help" for a command's options.`;

/**
 * Runs one command line and returns its exit code (0 ok, 1 failure, 2 usage error). Never throws:
 * every error becomes words on stderr, and with `--json` also exactly one JSON document on stdout.
 */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [verb, ...rest] = argv;
  // Known before any parsing, so that a command line that does not parse still answers in JSON.
  io.json = wantsJson(argv);
  const output = oneJsonDocument(io);
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help' || verb === '--json') {
    const asked = verb !== undefined && verb !== '--json';
    if (output.json) output.outJson(asked ? { ok: true, usage: USAGE } : usageFailure('Name a command.'));
    else if (asked) output.out(USAGE);
    else output.err(USAGE);
    return asked ? 0 : 2;
  }
  const command = COMMANDS[verb];
  if (!command) {
    const message = `Unknown command "${verb}".`;
    if (output.json) output.outJson(usageFailure(message, `Commands: ${Object.keys(COMMANDS).join(', ')}.`));
    output.err(`${message}\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    if (output.json) output.outJson({ ok: true, command: verb, usage: command.usage });
    else output.out(command.usage);
    return 0;
  }
  // What killed runs left (connector configs with their secrets): every start removes it.
  removeDeadProcessTempDirs();
  try {
    return await command.run(rest, output);
  } catch (error) {
    return reportError(error, command, output);
  }
}

/** True when the command line asks for JSON: a `--json` (or `--json=…`) before any `--`. */
function wantsJson(argv: string[]): boolean {
  for (const arg of argv) {
    if (arg === '--') return false;
    if (arg === '--json' || arg.startsWith('--json=')) return true;
  }
  return false;
}

function usageFailure(message: string, guidance?: string): Record<string, unknown> {
  return { ok: false, error: { code: 'USAGE', message, guidance } };
}

/**
 * The command's io, printing at most one JSON document: an error after a command already printed
 * its result (a store that fails to close) is then told on stderr only.
 */
function oneJsonDocument(io: CliIo): CliIo & { jsonPrinted: boolean } {
  const wrapped = Object.create(io) as CliIo & { jsonPrinted: boolean };
  wrapped.jsonPrinted = false;
  wrapped.outJson = (value: unknown) => {
    if (wrapped.jsonPrinted) return;
    wrapped.jsonPrinted = true;
    io.outJson(value);
  };
  return wrapped;
}

function reportError(error: unknown, command: CliCommand, io: CliIo): number {
  if (error instanceof UsageError || isAirbyteError(error, 'USAGE')) {
    // A core USAGE error's guidance says what to give instead (e.g. the cached reads there are).
    const guidance = error instanceof AirbyteError ? error.guidance : undefined;
    if (io.json) io.outJson(usageFailure(error.message, guidance ?? 'See "airbyte-write <command> --help".'));
    io.err(`${error.message}${guidance ? ` ${guidance}` : ''}\n\n${command.usage}`);
    return 2;
  }
  if (error instanceof AirbyteError) {
    if (io.json) io.outJson({ ok: false, error: error.toJSON() });
    io.err(`error: ${error.describe()}`);
    if (error.logTail.length > 0 && !io.json) io.err(`\nLast connector log lines:\n${error.logTail.map((l) => `  ${l}`).join('\n')}`);
    return 1;
  }
  // Anything else is a bug: said plainly, with the stack trace only when asked for.
  const message = error instanceof Error ? error.message : String(error);
  const guidance = 'This is a bug in airbyte-write: please report it, with the output of the same command run with AIRBYTE_WRITE_DEBUG=1.';
  if (io.json) io.outJson({ ok: false, error: { code: 'INTERNAL', message, guidance } });
  io.err(`error: internal error: ${message}\n${guidance}`);
  if (process.env.AIRBYTE_WRITE_DEBUG && error instanceof Error && error.stack) io.err(error.stack);
  return 1;
}

/** After Ctrl-C or SIGTERM the run gets this long to stop cleanly (containers removed, run recorded). */
const STOP_GRACE_MS = 9000;

// The promise to whoever sent the signal: the process is gone within 10 s. A run that could not stop
// in time (an engine that does not answer) is left behind: the next run reaps its containers and
// marks its run record as interrupted.
function exitIfStillRunning(io: CliIo): void {
  setTimeout(() => {
    io.err(`Still stopping after ${STOP_GRACE_MS / 1000} s: exiting now. The next run removes what this one left.`);
    process.exit(130);
  }, STOP_GRACE_MS).unref();
}

if (require.main === module) {
  // The bundle is shipped with the SQLite engine beside it (scripts/build.mjs copies it there).
  useSqlWasm(path.join(__dirname, 'sql-wasm.wasm'));
  const io = processIo();
  io.signal.addEventListener('abort', () => exitIfStillRunning(io), { once: true });
  let settled = false;
  // Node exits quietly with code 0 when nothing is left to wait for, even with the command unfinished
  // (a connection dropped without a word): that must never pass for success.
  process.once('beforeExit', () => {
    if (settled) return;
    io.err(
      'internal error: the command stopped waiting for the Docker engine or a connector without finishing. Nothing more was confirmed; run it again.',
    );
    process.exitCode = 1;
  });
  main(process.argv.slice(2), io).then(
    (code) => {
      settled = true;
      process.exitCode = code;
    },
    (error: unknown) => {
      settled = true;
      io.err(String(error));
      process.exitCode = 1;
    },
  );
}
