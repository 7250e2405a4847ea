// The CLI as a child process, for the sample of fuzzed runs that must hold for the real program too
// (exit code, stdout holding exactly one JSON document, no stack trace). Bundled once per test
// process with esbuild, as scripts/build.mjs bundles the CLI, so that each run starts quickly.
import { spawn } from 'node:child_process';
import { bundleCli } from '../../harness/cliBundle';

function cliBundle(): Promise<string> {
  return bundleCli('fuzz-cli');
}

export interface ChildOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `airbyte-write <args>` as a process to its end (killed after `timeoutMs`). */
export async function runChildCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<ChildOutcome> {
  const cli = await cliBundle();
  const started = Date.now();
  const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, ...env }, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    }),
  );
}
