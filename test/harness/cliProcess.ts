// The real CLI (dist/cli.js, built when older than the sources) run as a child process, as users run it.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { JsonObject } from '../../src/core/protocol/messages';
import { repoRoot } from './paths';

export const cliPath = path.join(repoRoot, 'dist', 'cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p);
    newest = Math.max(newest, st.isDirectory() ? newestMtime(p) : st.mtimeMs);
  }
  return newest;
}

/** Builds dist/cli.js when it is missing or older than a source file: the cases run the real bundle. */
export function ensureCli(): void {
  if (existsSync(cliPath) && statSync(cliPath).mtimeMs >= newestMtime(path.join(repoRoot, 'src'))) return;
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs')], { cwd: repoRoot, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node scripts/build.mjs failed:\n${r.stdout}\n${r.stderr}`);
}

export interface CliOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `node dist/cli.js ARGS` in `cwd` (its output is collected in `outcome`). */
export function startCli(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): { child: ChildProcess; outcome: Promise<CliOutcome> } {
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const outcome = new Promise<CliOutcome>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, outcome };
}

/** Runs the CLI to its end (killed after `timeoutMs`, which fails the caller's assertions). */
export async function runCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<CliOutcome> {
  const { child, outcome } = startCli(args, options);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
  try {
    return await outcome;
  } finally {
    clearTimeout(timer);
  }
}

/** The JSON a `--json` run printed; throws with the run's output when there is none. */
export function jsonOf(out: CliOutcome): JsonObject {
  try {
    return JSON.parse(out.stdout) as JsonObject;
  } catch {
    throw new Error(`no JSON from the CLI (exit ${out.code}):\n${out.stdout}\n${out.stderr}`);
  }
}
