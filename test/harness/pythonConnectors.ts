// The project's Python test connectors (test/connectors/python: source-pysample and
// destination-pyjsonl) built into wheels during the run, with no network and no setuptools/wheel:
// the in-tree build backend writes the wheel (a zip) itself. Tests install them with pip from a
// local folder (PIP_NO_INDEX + PIP_FIND_LINKS, which pip reads itself).
import { spawnSync } from 'node:child_process';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import { testConnectorsDir } from './paths';

/** The project folder (pyproject.toml with its in-tree PEP 517 backend). */
export const pythonConnectorsDir = path.join(testConnectorsDir, 'python');

/** The console scripts a build of the test package provides unless told otherwise. */
const SCRIPTS = { 'source-pysample': 'pysample.source:main', 'destination-pyjsonl': 'pysample.destination:main' };

/**
 * Fails (never skips) when this machine has no `python3` with the venv module and pip: the
 * Python-connector tests need them, as users running connectors without Docker do.
 */
export function requirePython3(): void {
  const r = spawnSync('python3', ['-c', 'import venv, pip, sys; print(sys.version.split()[0])'], { encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(
      `These tests need python3 with its venv module and pip (${r.error ? r.error.message : r.stderr.trim()}). ` +
        'Install them (Debian: apt-get install python3 python3-venv python3-pip; scripts/provision.sh does).',
    );
  }
}

/**
 * Writes a wheel of the test package into `outDir` and returns its path: distribution `name`
 * (default `airbyte-source-pysample`) at `version`, with `requires` as its Requires-Dist and
 * `scripts` as its console scripts (default source-pysample and destination-pyjsonl).
 */
export function buildTestWheel(
  outDir: string,
  version: string,
  options: { name?: string; requires?: string[]; scripts?: Record<string, string> } = {},
): string {
  const script = [
    'import json, sys',
    `sys.path.insert(0, ${JSON.stringify(pythonConnectorsDir)})`,
    'import build_backend',
    'a = json.loads(sys.argv[1])',
    'print(build_backend.build(a["out"], a["name"], a["version"], a["scripts"], a["requires"]))',
  ].join('\n');
  const args = {
    out: outDir,
    name: options.name ?? 'airbyte-source-pysample',
    version,
    scripts: options.scripts ?? SCRIPTS,
    requires: options.requires ?? [],
  };
  const r = spawnSync('python3', ['-B', '-c', script, JSON.stringify(args)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building the test wheel failed: ${r.error?.message ?? r.stderr}`);
  return path.join(outDir, r.stdout.trim());
}

/** A copy of the project folder (pip may write into a folder it builds; the repository stays clean). */
export async function copyTestProject(toDir: string): Promise<string> {
  await cp(pythonConnectorsDir, toDir, { recursive: true, filter: (p) => !p.includes('__pycache__') });
  return toDir;
}

/** pip's own environment variables for installing from `wheelsDir` only (this machine reaches no index). */
export function offlinePipEnv(wheelsDir: string): Record<string, string> {
  return { PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheelsDir };
}
