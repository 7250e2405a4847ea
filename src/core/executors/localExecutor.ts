/**
 * Runs a connector as a program on this machine (a PyAirbyte-style venv entry point, a script):
 * the same files and arguments as in Docker, with host paths, and the same stop-on-abort.
 */
import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { PassThrough } from 'node:stream';
import { AirbyteError } from '../errors';
import { makeDirectory } from '../makeDirectory';
import { writeConnectorFiles } from './connectorFiles';
import type { ExitInfo } from '../process/exitInfo';
import { connectorOutputStream } from '../process/outputStream';
import { pumpStdin } from '../process/pumpStdin';
import type { ExecuteRequest, Executor, RunningConnector } from './executor';

export interface LocalExecutorOptions {
  /** The program, and arguments that come before the connector command (e.g. `['node', 'source.mjs']`). */
  command: string | readonly string[];
  cwd?: string;
  /** Extra environment; the connector inherits this process's environment too. */
  env?: Record<string, string>;
  /**
   * Host folder standing in for the container's `/local`. Passed as `AIRBYTE_LOCAL_DIR`; a local
   * program cannot see `/local`, so it must honour that variable to write there.
   */
  localDir?: string;
  /** How long a stopped connector gets between SIGTERM and SIGKILL. Default 5 s. */
  killGraceMs?: number;
}

export class LocalExecutor implements Executor {
  readonly kind = 'local' as const;

  runsOn(): string {
    return 'this machine';
  }
  readonly displayName: string;
  private readonly argv: string[];

  constructor(private readonly options: LocalExecutorOptions) {
    this.argv = typeof options.command === 'string' ? [options.command] : [...options.command];
    if (this.argv.length === 0) throw new AirbyteError('USAGE', { message: 'The local connector command is empty.' });
    this.displayName = this.argv.join(' ');
  }

  async ensureReady(): Promise<void> {
    const program = this.argv[0];
    if (!program.includes('/') && !program.includes('\\')) return; // found through PATH when spawned
    const full = path.resolve(this.options.cwd ?? process.cwd(), program);
    try {
      await access(full, constants.X_OK);
    } catch {
      throw new AirbyteError('CONNECTOR_UNKNOWN', {
        message: `The local connector program ${full} does not exist or is not executable.`,
        guidance:
          'Check the "localExecutable" path (install the connector into a virtualenv, e.g. "pip install airbyte-source-faker", and point at its bin/ entry point).',
        context: { program: full },
      });
    }
  }

  async execute(request: ExecuteRequest): Promise<RunningConnector> {
    const signal = request.signal;
    if (signal?.aborted)
      throw new AirbyteError('ABORTED', { message: `${this.displayName} ${request.command} was cancelled before it started.` });
    const files = await writeConnectorFiles(request);
    if (this.options.localDir) await makeDirectory(this.options.localDir);
    const env: NodeJS.ProcessEnv = { ...process.env, ...this.options.env };
    if (this.options.localDir) env.AIRBYTE_LOCAL_DIR = path.resolve(this.options.localDir);
    const [program, ...pre] = this.argv;
    const child = spawn(program, [...pre, ...files.args], {
      cwd: this.options.cwd,
      env,
      stdio: [request.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });

    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      aborted = true;
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), this.options.killGraceMs ?? 5000);
      killTimer.unref();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const exit = new Promise<ExitInfo>((resolve) => {
      let spawnError: Error | undefined;
      child.once('error', (error) => {
        spawnError = error;
      });
      child.once('close', (code) => {
        // A program that left a child holding its stdin would keep a blocked write waiting forever.
        child.stdin?.destroy();
        signal?.removeEventListener('abort', onAbort);
        if (killTimer) clearTimeout(killTimer);
        const finish = () => resolve({ exitCode: spawnError ? 127 : code, aborted });
        files.cleanup().then(finish, finish);
      });
    });

    // Report a program that cannot be started the way a shell would, on stderr and as exit 127.
    const stderr = new PassThrough();
    child.once('error', (error) => {
      if (!stderr.writableEnded) stderr.write(`cannot start ${program}: ${error.message}\n`);
    });
    (child.stderr as Readable).pipe(stderr);
    // Taken at once into a stream of our own: when a child exits, Node pulls through and drops what
    // its untouched stdout still holds ("flushStdio"), and a run's output may be read only later
    // (records wait for the destination's check while a short source has already finished: it
    // then "succeeded" with 0 records). Handed on chunk by chunk, with backpressure to the child.
    const stdout = connectorOutputStream();
    (child.stdout as Readable).pipe(stdout);
    if (request.stdin && child.stdin) void pumpStdin(request.stdin, child.stdin, signal);
    return { stdout, stderr, exit };
  }
}
