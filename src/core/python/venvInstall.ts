/**
 * Python connectors in their own virtual environments, as PyAirbyte installs them: one venv per
 * connector, version, interpreter and package source under an install root, made with `uv` when it
 * is on PATH, else `python -m venv` and pip. A venv counts as installed only once its marker file
 * is written (after pip succeeded and the venv's metadata showed the console script and version);
 * anything else under its folder is a half-made venv and is removed. Installs of one venv are
 * serialised across processes by a lock file beside it.
 */
import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { AirbyteError, isAirbyteError } from '../errors';
import type { InstallProgress } from '../executors/executor';
import { makeDirectory } from '../makeDirectory';
import { runProgram } from '../process/runProgram';
import { acquireStoreLock } from '../store/storeLock';
import type { StoreLock } from '../store/storeLock';
import type { PythonChoice, PythonInterpreter } from './pythonInterpreter';
import { findOnPath, findPython } from './pythonInterpreter';

/** What to install: the connector (its console script), the pip requirement, the version it must report. */
export interface VenvSpec {
  /** The console script the package provides, which is also the connector's name: `source-faker`. */
  connector: string;
  /** Anything pip accepts: `airbyte-source-faker==7.2.1`, an absolute folder or wheel path, a `git+…` URL. */
  requirement: string;
  /** The version the installed distribution must have; any version when absent. */
  version?: string;
  python: PythonChoice;
  /** The folder holding every venv (`<root>/<connector>/<version>-py<minor>-<hash>`). */
  installRoot: string;
}

/** A ready venv. */
export interface InstalledVenv {
  folder: string;
  /** The connector's console script in the venv. */
  script: string;
  /** The installed distribution and its version, read from the venv's metadata. */
  distribution: string;
  version: string;
  interpreter: PythonInterpreter;
}

export interface EnsureVenvOptions {
  /** Create the venv and install when it is missing or stale; NOT_INSTALLED otherwise. */
  installIfMissing?: boolean;
  onProgress?: (p: InstallProgress) => void;
  signal?: AbortSignal;
  /** pip's environment: pip reads PIP_INDEX_URL, PIP_NO_INDEX, PIP_FIND_LINKS… itself (uv: UV_…). Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Remove an installed venv and install again. */
  reinstall?: boolean;
  baseDir?: string;
}

/** The marker of a complete venv, in its folder. */
export const VENV_MARKER = 'airbyte-write-venv.json';

/** What a marker holds (also what the Connectors view lists). */
export interface VenvMarker {
  connector: string;
  requirement: string;
  distribution: string;
  version: string;
  python: string;
  installedAt: string;
}

const IS_WINDOWS = process.platform === 'win32';

/** `scheme://user:password@host` → `scheme://****@host`: pip URLs may carry tokens. */
export function redactUrlCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1****@');
}

/**
 * A `pipUrl` that names a local folder or file (`./connector`, `dist/x-1.0-py3-none-any.whl`)
 * made absolute against `baseDir` (a config file's folder); package specs and URLs unchanged.
 */
export function resolvePipUrl(pipUrl: string, baseDir: string): string {
  const text = pipUrl.trim();
  if (text.includes('://') || /\s/.test(text)) return text;
  const looksLocal = text === '.' || /^(\.{1,2}[\\/]|[\\/]|[A-Za-z]:[\\/])/.test(text) || /\.(whl|tar\.gz|zip)$/i.test(text);
  return looksLocal ? path.resolve(baseDir, text) : text;
}

/** The venv folder of a spec for an interpreter. */
export function venvFolder(spec: VenvSpec, interpreter: PythonInterpreter): string {
  const hash = createHash('sha256').update(`${spec.requirement}\n${interpreter.executable}`).digest('hex').slice(0, 8);
  const safe = (s: string) => s.replace(/[^\w.-]/g, '_');
  return path.join(spec.installRoot, safe(spec.connector), `${safe(spec.version ?? 'any')}-py${interpreter.minor}-${hash}`);
}

function binDir(folder: string): string {
  return path.join(folder, IS_WINDOWS ? 'Scripts' : 'bin');
}

function venvPython(folder: string): string {
  return path.join(binDir(folder), IS_WINDOWS ? 'python.exe' : 'python');
}

/**
 * The ready venv for `spec`: the installed one when its marker and metadata match, else (with
 * `installIfMissing`) a fresh install under the lock. INSTALL_FAILED (pip's lines), NOT_INSTALLED,
 * PYTHON_UNAVAILABLE or ABORTED otherwise.
 */
export async function ensureVenv(spec: VenvSpec, options: EnsureVenvOptions = {}): Promise<InstalledVenv> {
  const env = options.env ?? process.env;
  const interpreter = await findPython(spec.python, { env, baseDir: options.baseDir, signal: options.signal });
  const folder = venvFolder(spec, interpreter);
  if (!options.reinstall) {
    const ready = await readyVenv(spec, folder, interpreter, env);
    if (ready) return ready;
  }
  if (!options.installIfMissing) throw notInstalled(spec, folder);
  const lock = await waitForLock(`${folder}.lock`, spec, options);
  try {
    // Another process may have installed it while this one waited.
    const ready = options.reinstall ? undefined : await readyVenv(spec, folder, interpreter, env);
    if (ready) return ready;
    return await install(spec, folder, interpreter, options, env);
  } finally {
    await lock.release();
  }
}

async function readyVenv(
  spec: VenvSpec,
  folder: string,
  interpreter: PythonInterpreter,
  env: NodeJS.ProcessEnv,
): Promise<InstalledVenv | undefined> {
  if (!existsSync(path.join(folder, VENV_MARKER))) return undefined;
  const installed = await installedDistribution(folder, spec.connector, env);
  if (!installed || (spec.version && !sameVersion(installed.version, spec.version))) return undefined;
  return { folder, script: scriptPath(folder, spec.connector), ...installed, interpreter };
}

function scriptPath(folder: string, connector: string): string {
  return path.join(binDir(folder), IS_WINDOWS ? `${connector}.exe` : connector);
}

/** "1.2" and "1.2.0" are one version (PEP 440 pads the release with zeros). */
function sameVersion(a: string, b: string): boolean {
  const norm = (v: string) =>
    v
      .trim()
      .toLowerCase()
      .replace(/^v/, '')
      .replace(/(\.0+)+$/, '');
  return norm(a) === norm(b);
}

const METADATA_PROBE = [
  'import json, sys',
  'from importlib import metadata',
  'for d in metadata.distributions():',
  '    if any(e.group == "console_scripts" and e.name == sys.argv[1] for e in d.entry_points):',
  '        print(json.dumps({"distribution": d.metadata["Name"], "version": d.version})); sys.exit(0)',
  'print("null")',
].join('\n');

/** The distribution in the venv that provides the console script, read from the venv's own metadata. */
export async function installedDistribution(
  folder: string,
  connector: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ distribution: string; version: string } | undefined> {
  const r = await runProgram(venvPython(folder), ['-c', METADATA_PROBE, connector], { env: { ...env, PYTHONNOUSERSITE: '1' } });
  if (r.exitCode !== 0) return undefined;
  try {
    return (JSON.parse(r.stdout.trim()) as { distribution: string; version: string } | null) ?? undefined;
  } catch {
    return undefined;
  }
}

/** The install lock, waited for while another process (or another run of this one) installs. */
async function waitForLock(file: string, spec: VenvSpec, options: EnsureVenvOptions): Promise<StoreLock> {
  await makeDirectory(path.dirname(file));
  let told = false;
  for (;;) {
    try {
      return await acquireStoreLock(file, `the venv of ${spec.connector}`, `installing ${spec.connector}`);
    } catch (error) {
      if (!isAirbyteError(error, 'STORE_IN_USE')) throw error;
      if (!told) options.onProgress?.({ status: `Waiting for another install of ${spec.connector} to finish` });
      told = true;
    }
    if (options.signal?.aborted) throw aborted(spec);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function install(
  spec: VenvSpec,
  folder: string,
  interpreter: PythonInterpreter,
  options: EnsureVenvOptions,
  env: NodeJS.ProcessEnv,
): Promise<InstalledVenv> {
  await fs.rm(folder, { recursive: true, force: true });
  try {
    const steps = await installSteps(folder, interpreter, spec.requirement, env);
    for (const step of steps) {
      options.onProgress?.({ status: step.status, detail: redactUrlCredentials(step.argv.join(' ')) });
      const r = await runProgram(step.argv[0], step.argv.slice(1), {
        env: { ...env, PIP_DISABLE_PIP_VERSION_CHECK: '1', PYTHONNOUSERSITE: '1' },
        signal: options.signal,
        onLine: (line) => line.trim() && options.onProgress?.({ status: step.status, detail: redactUrlCredentials(line) }),
      });
      if (r.aborted) throw aborted(spec);
      if (r.exitCode !== 0) throw installFailed(spec, step.status, r.spawnError ? `${r.spawnError.message}\n` : `${r.stdout}\n${r.stderr}`);
    }
    const installed = await installedDistribution(folder, spec.connector, env);
    if (!installed)
      throw installFailed(spec, 'checking the install', '', `the package installs no console script named "${spec.connector}"`);
    if (spec.version && !sameVersion(installed.version, spec.version))
      throw installFailed(
        spec,
        'checking the install',
        '',
        `it installed ${installed.distribution} ${installed.version}, not version ${spec.version}`,
      );
    const marker: VenvMarker = {
      connector: spec.connector,
      requirement: redactUrlCredentials(spec.requirement),
      ...installed,
      python: interpreter.version,
      installedAt: new Date().toISOString(),
    };
    await fs.writeFile(path.join(folder, VENV_MARKER), JSON.stringify(marker, null, 2));
    options.onProgress?.({ status: `Installed ${installed.distribution} ${installed.version}`, fraction: 1 });
    return { folder, script: scriptPath(folder, spec.connector), ...installed, interpreter };
  } catch (error) {
    // A half-made venv is never left to look installed.
    await fs.rm(folder, { recursive: true, force: true });
    throw error;
  }
}

interface InstallStep {
  status: string;
  argv: string[];
}

/**
 * uv when on PATH; else `python -m venv` and pip. With a pip ≥ 22.3 beside the interpreter the
 * venv is made without pip (seconds faster) and that pip installs into it (`pip --python`).
 */
async function installSteps(
  folder: string,
  interpreter: PythonInterpreter,
  requirement: string,
  env: NodeJS.ProcessEnv,
): Promise<InstallStep[]> {
  const uv = await findOnPath('uv', env);
  if (uv) {
    return [
      { status: 'Creating the venv (uv)', argv: [uv, 'venv', '--python', interpreter.executable, folder] },
      { status: 'Installing (uv pip)', argv: [uv, 'pip', 'install', '--python', venvPython(folder), requirement] },
    ];
  }
  const [major = 0, minor = 0] = (interpreter.pipVersion ?? '0').split('.').map(Number);
  if (major > 22 || (major === 22 && minor >= 3)) {
    return [
      { status: 'Creating the venv', argv: [interpreter.executable, '-m', 'venv', '--without-pip', folder] },
      { status: 'Installing (pip)', argv: [interpreter.executable, '-m', 'pip', '--python', venvPython(folder), 'install', requirement] },
    ];
  }
  return [
    { status: 'Creating the venv', argv: [interpreter.executable, '-m', 'venv', folder] },
    { status: 'Installing (pip)', argv: [venvPython(folder), '-m', 'pip', 'install', requirement] },
  ];
}

/** pip's own error lines (`ERROR: …` and what follows them), else the last lines it printed. */
export function pipErrorLines(output: string): string[] {
  const lines = redactUrlCredentials(output)
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter(Boolean);
  const first = lines.findIndex((l) => /^(ERROR|error)[:\s]/.test(l.trim()));
  return (first >= 0 ? lines.slice(first) : lines.slice(-15)).slice(0, 30);
}

function installFailed(spec: VenvSpec, step: string, output: string, reason?: string): AirbyteError {
  const lines = output ? pipErrorLines(output) : [];
  const what = reason ?? lines.find((l) => /^ERROR/i.test(l.trim())) ?? lines[lines.length - 1] ?? 'it exited with an error';
  const offline = lines.some((l) =>
    /No matching distribution|Could not find a version|Failed to establish|Network is unreachable|No route to host/i.test(l),
  );
  return new AirbyteError('INSTALL_FAILED', {
    message: `Installing ${spec.connector} (${redactUrlCredentials(spec.requirement)}) failed while ${step.toLowerCase()}: ${what}`,
    guidance: offline
      ? 'pip could not get the package: check its name and version, and that this machine reaches the package index (pip reads PIP_INDEX_URL, or PIP_NO_INDEX=1 with PIP_FIND_LINKS=<folder of wheels> offline). Or give "pipUrl" a local path or wheel.'
      : 'Read pip\'s lines above; fix "pipUrl"/"version" (or the package), then install again. Nothing was left installed.',
    context: { connector: spec.connector },
    logTail: lines,
  });
}

function notInstalled(spec: VenvSpec, folder: string): AirbyteError {
  return new AirbyteError('NOT_INSTALLED', {
    message: `${spec.connector} ${spec.version ?? ''} is not installed in a venv (${folder}).`.replace('  ', ' '),
    guidance: 'Install it: the CLI\'s --install flag, or "Airbyte: Install Connector" in the editor.',
    context: { connector: spec.connector, folder },
  });
}

function aborted(spec: VenvSpec): AirbyteError {
  return new AirbyteError('ABORTED', { message: `Installing ${spec.connector} was cancelled; nothing was left installed.` });
}

/** A complete venv as listed: its marker and folder. */
export type ListedVenv = VenvMarker & { folder: string };

/** Every complete venv under an install root, with its marker (for the Connectors view). */
export async function listInstalledVenvs(installRoot: string): Promise<ListedVenv[]> {
  const out: ListedVenv[] = [];
  for (const connector of await fs.readdir(installRoot).catch(() => [] as string[])) {
    const dir = path.join(installRoot, connector);
    for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
      const folder = path.join(dir, name);
      const text = await fs.readFile(path.join(folder, VENV_MARKER), 'utf8').catch(() => undefined);
      if (!text) continue;
      try {
        out.push({ ...(JSON.parse(text) as VenvMarker), folder });
      } catch {
        // A marker that is not JSON was not written by this project.
      }
    }
  }
  return out;
}
