// Shared by the "hangs and leftovers" fault cases: the CLI as a real process (bundled once per test
// file with esbuild, as scripts/build.mjs does, so that a run starts in a second), config files of
// the test connectors, and the Docker engine's view of containers.
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { TEST_DESTINATION_IMAGE, TEST_SOURCE_IMAGE } from '../../../scripts/buildTestImages';
import { bundleCli } from '../../harness/cliBundle';
import { testConnectorsDir } from '../../harness/paths';

/** Path of a CLI bundle built from this checkout's sources (built on first use in this process). */
export function cliBundle(): Promise<string> {
  // Another build (e.g. one made from an older commit, for "before" figures) when named.
  if (process.env.AIRBYTE_WRITE_FAULT_CLI) return Promise.resolve(process.env.AIRBYTE_WRITE_FAULT_CLI);
  return bundleCli('cli-hangs');
}

export interface CliOutcome {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From spawn to the process's exit. */
  ms: number;
  /** True when the harness had to kill it (SIGKILL after `timeoutMs`). */
  killed: boolean;
}

export interface CliRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Killed (SIGKILL) after this long; default 90 s. */
  timeoutMs?: number;
}

export type CliProcess = ChildProcess & { outcome: Promise<CliOutcome>; started: number };

/** Starts `airbyte-write <args>`; its output and end are gathered in `outcome`. */
export async function startCli(args: string[], options: CliRunOptions): Promise<CliProcess> {
  const cli = await cliBundle();
  const started = Date.now();
  const child = spawn(process.execPath, [cli, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  let killed = false;
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, options.timeoutMs ?? 90_000);
  const outcome = new Promise<CliOutcome>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started, killed });
    }),
  );
  return Object.assign(child, { outcome, started });
}

/** Runs `airbyte-write <args>` to its end. */
export async function runCli(args: string[], options: CliRunOptions): Promise<CliOutcome> {
  return (await startCli(args, options)).outcome;
}

/** Resolves once `text` appears in the process's stderr (or rejects when it ends first). */
export function stderrShows(child: CliProcess, text: string | RegExp, timeoutMs = 60_000): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`stderr did not show ${String(text)} within ${timeoutMs} ms: ${seen.slice(-500)}`)),
      timeoutMs,
    );
    const onData = (c: Buffer) => {
      seen += c.toString();
      if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) {
        clearTimeout(timer);
        child.stderr?.off('data', onData);
        resolve(Date.now());
      }
    };
    child.stderr?.on('data', onData);
    child.once('close', () => {
      clearTimeout(timer);
      reject(new Error(`the process ended before stderr showed ${String(text)}: ${seen.slice(-500)}`));
    });
  });
}

/** Writes `<dir>/<name>.airbyte.jsonc` and returns its path. */
export function writeConfig(dir: string, name: string, envelope: Record<string, unknown>): string {
  const file = path.join(dir, `${name}.airbyte.jsonc`);
  writeFileSync(file, JSON.stringify(envelope, null, 2));
  return file;
}

/**
 * Writes a registry naming the test connectors' images with their specs (asked of the scripts
 * themselves), so that runs need no `spec` container: point AIRBYTE_LOCAL_REGISTRY at it.
 */
export function writeTestRegistry(dir: string): string {
  const entry = (script: string, image: string) => {
    const line = execFileSync(process.execPath, [path.join(testConnectorsDir, script), 'spec'], { encoding: 'utf8' }).split('\n')[0];
    const [repository, tag] = image.split(':');
    return {
      dockerRepository: repository,
      dockerImageTag: tag,
      name: path.basename(repository),
      spec: (JSON.parse(line) as { spec: unknown }).spec,
    };
  };
  const file = path.join(dir, 'registry.json');
  writeFileSync(
    file,
    JSON.stringify({ sources: [entry('source.mjs', TEST_SOURCE_IMAGE)], destinations: [entry('destination.mjs', TEST_DESTINATION_IMAGE)] }),
  );
  return file;
}

/** The test source in Docker (`test/connectors/source.mjs`), by its registry name (see {@link writeTestRegistry}). */
export function dockerSource(config: Record<string, unknown>): Record<string, unknown> {
  return { connector: 'source-test', config: { state_every: 1000, ...config } };
}

/** The test destination in Docker (`test/connectors/destination.mjs`), writing under `./out`. */
export function dockerDestination(config: Record<string, unknown>): Record<string, unknown> {
  return { connector: 'destination-test', localDir: './out', config };
}

/**
 * Follows the engine's `die` events of write containers (label `io.airbyte-write.command=write`):
 * `last()` is when the latest one ended, in ms since the epoch.
 */
export async function followDestinationDeaths(docker: Docker): Promise<{ last(): number | undefined; stop(): void }> {
  const stream = (await docker.getEvents({
    filters: { type: ['container'], event: ['die'], label: ['io.airbyte-write.command=write'] },
  })) as NodeJS.ReadableStream & { destroy(): void };
  let last: number | undefined;
  let rest = '';
  stream.on('data', (chunk: Buffer) => {
    rest += chunk.toString();
    const lines = rest.split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      const event = JSON.parse(line) as { timeNano?: number; time?: number };
      last = event.timeNano ? Math.round(event.timeNano / 1e6) : (event.time ?? 0) * 1000;
    }
  });
  stream.on('error', () => undefined);
  return { last: () => last, stop: () => stream.destroy() };
}

/** Seconds with one decimal, for figures. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `text` on one line of at most `max` characters, for the figures table. */
export function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
