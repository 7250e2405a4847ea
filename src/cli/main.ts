/**
 * `airbyte-write`: the command-line host over src/core. Parses the verb, runs its command, and is
 * the one place that turns errors into words and exit codes (0 ok, 1 failure, 2 usage error).
 */
import path from 'node:path';
import { AirbyteError, isAirbyteError } from '../core/errors';
import { useSqlWasm } from '../core/store/sqlJsLoader';
import type { CliCommand, CliIo } from './cliIo';
import { processIo, UsageError } from './cliIo';
import { checkCommand } from './commands/check';
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
};

const USAGE = `Usage: airbyte-write <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`)
  .join('\n')}

Run "airbyte-write <command> --help" for a command's options.`;

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    io.out(USAGE);
    return verb ? 0 : 2;
  }
  const command = COMMANDS[verb];
  if (!command) {
    io.err(`Unknown command "${verb}".\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    return reportError(error, command, io);
  }
}

function reportError(error: unknown, command: CliCommand, io: CliIo): number {
  if (error instanceof UsageError || isAirbyteError(error, 'USAGE')) {
    // A core USAGE error's guidance says what to give instead (e.g. the cached reads there are).
    const guidance = error instanceof AirbyteError ? error.guidance : undefined;
    io.err(`${error.message}${guidance ? ` ${guidance}` : ''}\n\n${command.usage}`);
    return 2;
  }
  if (error instanceof AirbyteError) {
    if (io.json) io.outJson({ ok: false, error: error.toJSON() });
    io.err(`error: ${error.describe()}`);
    if (error.logTail.length > 0 && !io.json) io.err(`\nLast connector log lines:\n${error.logTail.map((l) => `  ${l}`).join('\n')}`);
    return 1;
  }
  io.err(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
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
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      io.err(String(error));
      process.exitCode = 1;
    },
  );
}
