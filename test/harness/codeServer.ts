// Starts and stops a real code-server (VS Code 1.100.3) for the extension and UI tiers: a free
// 127.0.0.1 port, every folder it writes to (XDG dirs, TMPDIR, user data, extensions) inside one
// per-run temp folder, no gallery, ready when /healthz answers 200.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { codeServerEntry, logsDir } from './paths';

/** Options for {@link startCodeServer}. */
export interface CodeServerOptions {
  /** Extra environment for code-server and hence its extension host (DOCKER_HOST is inherited). */
  env?: Record<string, string>;
  /** VSIX files installed with `--install-extension` into the fresh extensions dir before start. */
  installVsix?: string[];
  /** User settings written to the fresh user data dir (merged over calm test defaults). */
  userSettings?: Record<string, unknown>;
  /** How long to wait for /healthz (default 60 s). */
  startTimeoutMs?: number;
}

/** A running code-server. */
export interface CodeServer {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** `127.0.0.1:PORT`: the authority `vscode-remote://` URIs must use. */
  readonly authority: string;
  /** The per-run temp folder holding everything code-server writes. */
  readonly runDir: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** code-server's own stdout and stderr. */
  readonly logFile: string;
  /** Milliseconds from spawn to the first 200 from /healthz. */
  readonly startMs: number;
  /** The workbench URL opening `folder`, with an optional `payload` of workbench arguments. */
  workbenchUrl(folder: string, payload?: [string, string][]): string;
  /** A `vscode-remote://` URI for an absolute path on this machine. */
  remoteUri(absPath: string): string;
  /** Copies code-server's log and the extension host logs into .test-artifacts/logs/<label>/. */
  saveLogs(label: string): Promise<string>;
  /** `code-server --list-extensions --show-versions` for this run's extensions dir. */
  listExtensions(): string[];
  /** The ids of code-server and every process it started (extension hosts, pty host…). */
  pids(): number[];
  /** Stops code-server and every process it started, then removes the run folder. */
  stop(): Promise<void>;
}

const calmSettings: Record<string, unknown> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'git.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** A TCP port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function requireInstalled(): void {
  if (!existsSync(codeServerEntry)) {
    throw new Error(`code-server is not installed (${codeServerEntry} missing): run bash scripts/provision-code-server.sh`);
  }
}

/** Runs `code-server --install-extension` for each VSIX into the given dirs. */
function installExtensions(vsixFiles: string[], userDataDir: string, extensionsDir: string, env: NodeJS.ProcessEnv): void {
  for (const vsix of vsixFiles) {
    const r = spawnSync(
      process.execPath,
      [codeServerEntry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix],
      { env, encoding: 'utf8', timeout: 120_000 },
    );
    if (r.status !== 0) {
      throw new Error(`code-server --install-extension ${vsix} failed (exit ${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    }
  }
}

async function waitForHealthz(origin: string, child: ChildProcess, timeoutMs: number, logFile: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  const onExit = (code: number | null, signal: string | null) => (exited = `exited with ${code ?? signal}`);
  child.once('exit', onExit);
  try {
    while (Date.now() < deadline) {
      if (exited) break;
      try {
        const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    child.off('exit', onExit);
  }
  const log = await fs.readFile(logFile, 'utf8').catch(() => '');
  throw new Error(`code-server ${exited ?? `did not answer ${origin}/healthz within ${timeoutMs} ms`}; its log:\n${log.slice(-4000)}`);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

const running = new Set<ChildProcess>();
// If the test process dies without stop(), take code-server and its extension hosts with it.
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) killGroup(child, 'SIGKILL');
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

interface RunDirs {
  userDataDir: string;
  extensionsDir: string;
}

function spawnCodeServer(port: number, dirs: RunDirs, env: NodeJS.ProcessEnv, log: NodeJS.WritableStream): ChildProcess {
  const child = spawn(
    process.execPath,
    [
      codeServerEntry,
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      '--user-data-dir',
      dirs.userDataDir,
      '--extensions-dir',
      dirs.extensionsDir,
    ],
    // Its own process group, so stop() reaches the extension hosts and pty host it forks.
    { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (!running.delete(child)) return;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  // Children that ignored SIGTERM (extension hosts busy in a test) go now.
  killGroup(child, 'SIGKILL');
}

/** The processes whose process group is `groupId` (from /proc). */
function processGroupMembers(groupId: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Fields after the parenthesised command: state ppid pgrp …
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === groupId) pids.push(Number(name));
    } catch {
      // The process ended meanwhile.
    }
  }
  return pids;
}

/** Starts code-server on a free port with fresh, private folders; resolves once /healthz is 200. */
export async function startCodeServer(options: CodeServerOptions = {}): Promise<CodeServer> {
  requireInstalled();
  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'airbyte-write-code-server-'));
  const dirs = {
    userDataDir: path.join(runDir, 'user-data'),
    extensionsDir: path.join(runDir, 'extensions'),
    xdgConfig: path.join(runDir, 'xdg-config'),
    xdgData: path.join(runDir, 'xdg-data'),
    xdgCache: path.join(runDir, 'xdg-cache'),
    tmp: path.join(runDir, 'tmp'),
  };
  for (const dir of Object.values(dirs)) await fs.mkdir(dir, { recursive: true });
  await fs.mkdir(path.join(dirs.userDataDir, 'User'), { recursive: true });
  await fs.writeFile(
    path.join(dirs.userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...calmSettings, ...options.userSettings }, null, 2),
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    XDG_CACHE_HOME: dirs.xdgCache,
    TMPDIR: dirs.tmp,
    // The marketplace is unreachable here; an empty gallery keeps the workbench from trying.
    EXTENSIONS_GALLERY: '{}',
    ...options.env,
  };
  // Variables meant for the test runner's own Node must not leak into code-server's.
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;

  if (options.installVsix?.length) installExtensions(options.installVsix, dirs.userDataDir, dirs.extensionsDir, env);

  const logFile = path.join(runDir, 'code-server.log');
  const log = createWriteStream(logFile);
  let child: ChildProcess | undefined;
  const stop = async (): Promise<void> => {
    if (child) await stopChild(child);
    log.end();
    await fs.rm(runDir, { recursive: true, force: true, maxRetries: 3 });
  };

  let port = 0;
  let started = 0;
  // The free port may be taken between the probe and code-server's bind: then try another one.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const logOffset = (await fs.readFile(logFile, 'utf8').catch(() => '')).length;
    started = performance.now();
    child = spawnCodeServer(port, dirs, env, log);
    try {
      await waitForHealthz(`http://127.0.0.1:${port}`, child, options.startTimeoutMs ?? 60_000, logFile);
      break;
    } catch (err) {
      const addressInUse = /EADDRINUSE/.test((await fs.readFile(logFile, 'utf8').catch(() => '')).slice(logOffset));
      await stopChild(child);
      if (addressInUse && attempt < 3) continue;
      await saveLogsTo(runDir, logFile, 'code-server-start').catch(() => undefined);
      child = undefined;
      await stop();
      throw err;
    }
  }
  const origin = `http://127.0.0.1:${port}`;
  const authority = `127.0.0.1:${port}`;
  const groupId = child.pid!;
  const startMs = Math.round(performance.now() - started);

  return {
    port,
    origin,
    authority,
    runDir,
    userDataDir: dirs.userDataDir,
    extensionsDir: dirs.extensionsDir,
    logFile,
    startMs,
    workbenchUrl(folder, payload) {
      const query = new URLSearchParams({ folder });
      if (payload) query.set('payload', JSON.stringify(payload));
      return `${origin}/?${query.toString()}`;
    },
    remoteUri(absPath) {
      return `vscode-remote://${authority}${absPath.split(path.sep).map(encodeURIComponent).join('/')}`;
    },
    saveLogs: (label) => saveLogsTo(runDir, logFile, label),
    pids: () => processGroupMembers(groupId),
    listExtensions() {
      const r = spawnSync(
        process.execPath,
        [
          codeServerEntry,
          '--user-data-dir',
          dirs.userDataDir,
          '--extensions-dir',
          dirs.extensionsDir,
          '--list-extensions',
          '--show-versions',
        ],
        { env, encoding: 'utf8', timeout: 60_000 },
      );
      if (r.status !== 0) throw new Error(`code-server --list-extensions failed (exit ${r.status ?? r.signal}): ${r.stderr}`);
      return r.stdout
        .split('\n')
        .map((l) => l.trim())
        .filter(Boolean);
    },
    stop,
  };
}

/** Copies code-server's log and every *.log under the user data dir (exthost, renderer…). */
async function saveLogsTo(runDir: string, logFile: string, label: string): Promise<string> {
  const dest = path.join(logsDir, label);
  await fs.rm(dest, { recursive: true, force: true });
  await fs.mkdir(dest, { recursive: true });
  if (existsSync(logFile)) await fs.copyFile(logFile, path.join(dest, 'code-server.log'));
  const userLogs = path.join(runDir, 'user-data', 'logs');
  if (existsSync(userLogs)) await fs.cp(userLogs, path.join(dest, 'user-data-logs'), { recursive: true });
  return dest;
}
