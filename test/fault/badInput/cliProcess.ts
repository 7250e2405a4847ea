// The CLI as a real process for the fault tier: bundled once per test file (esbuild, the CLI only,
// as scripts/build.mjs does) so that each run starts in a second, not the three tsx needs.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { bundleCli } from '../../harness/cliBundle';

/** Path of a CLI bundle built from this checkout's sources (built on first use in this process). */
export function cliBundle(): Promise<string> {
  return bundleCli('cli');
}

export interface CliOutcome {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) after this long; default 120 s. */
  timeoutMs?: number;
}

/** Starts `airbyte-write <args>`; output is gathered on the returned process's `outcome`. */
export async function startCli(args: string[], options: CliRunOptions): Promise<ChildProcess & { outcome: Promise<CliOutcome> }> {
  const cli = await cliBundle();
  const started = Date.now();
  const child = spawn(process.execPath, [cli, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const outcome = new Promise<CliOutcome>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    }),
  );
  return Object.assign(child, { outcome });
}

/** Runs `airbyte-write <args>` to its end. */
export async function runCli(args: string[], options: CliRunOptions): Promise<CliOutcome> {
  return (await startCli(args, options)).outcome;
}

/** The JSON object a `--json` run printed, or undefined when stdout is not one JSON value. */
export function jsonOf(outcome: CliOutcome): Record<string, unknown> | undefined {
  try {
    return JSON.parse(outcome.stdout) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** Runs `fn` over `items`, at most `concurrency` at a time (CLI trials mostly wait on the engine or the disk). */
export async function inPool<T, R>(items: readonly T[], concurrency: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}
