/**
 * Finding the Python interpreter a connector's venv is made with: the `python` choice of a config
 * (`true`, a version such as "3.11", a program name or a path) turned into a probed interpreter.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { AirbyteError } from '../errors';
import { runProgram } from '../process/runProgram';

/** `true`: the first `python3` on PATH; "3.11": that version (on PATH, or from uv); else a program name or path. */
export type PythonChoice = true | string;

/** An interpreter that answered the probe. */
export interface PythonInterpreter {
  /** Absolute path of the interpreter (`sys.executable`). */
  executable: string;
  /** "3.11.7". */
  version: string;
  /** "3.11": what venv folders and `runsOn` name. */
  minor: string;
  /** Its pip's version, when it has pip (pip ≥ 22.3 can install into a venv made without pip). */
  pipVersion?: string;
  /** Whether it can make a venv with pip in it (`ensurepip`; Debian's python3 needs python3-venv for that). */
  ensurepip: boolean;
}

const PROBE = [
  'import json, sys',
  'def has(m):',
  '    try:',
  '        __import__(m); return True',
  '    except Exception: return False',
  'try:',
  '    from importlib.metadata import version; pip = version("pip")',
  'except Exception: pip = None',
  'print(json.dumps({"executable": sys.executable, "version": "%d.%d.%d" % sys.version_info[:3], "venv": has("venv"), "ensurepip": has("ensurepip"), "pip": pip}))',
].join('\n');

const VERSION_CHOICE = /^\d+(\.\d+)?$/;

/** A `python` value with an interpreter path made absolute against `baseDir`; booleans, versions and program names unchanged. */
export function absolutePythonChoice(value: boolean | string, baseDir: string): boolean | string {
  if (typeof value === 'boolean') return value;
  const text = value.trim();
  return text.includes('/') || text.includes('\\') ? path.resolve(baseDir, text) : text;
}

/** How a choice is written in `runsOn` before the interpreter is probed: `python3`, `python3.11`, or the program's name. */
export function pythonLabel(choice: PythonChoice): string {
  if (choice === true) return 'python3';
  return VERSION_CHOICE.test(choice) ? `python${choice}` : path.basename(choice);
}

/** The first file named `name` on PATH that this user can run. */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const exts = process.platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (
        await access(candidate, constants.X_OK).then(
          () => true,
          () => false,
        )
      )
        return candidate;
    }
  }
  return undefined;
}

/**
 * The interpreter for `choice`, probed; PYTHON_UNAVAILABLE naming what was tried otherwise.
 * `baseDir` resolves a relative path (a config file's folder).
 */
export async function findPython(
  choice: PythonChoice,
  options: { env?: NodeJS.ProcessEnv; baseDir?: string; signal?: AbortSignal } = {},
): Promise<PythonInterpreter> {
  // A probe can cost most of a second (pyenv's shims run a shell): one per choice and PATH a minute.
  const key = JSON.stringify([choice, options.baseDir, (options.env ?? process.env).PATH]);
  const kept = probed.get(key);
  if (kept && Date.now() - kept.at < PROBE_TTL_MS) return kept.found;
  const found = probeChoice(choice, options);
  probed.set(key, { at: Date.now(), found });
  found.catch(() => probed.delete(key));
  return found;
}

const probed = new Map<string, { at: number; found: Promise<PythonInterpreter> }>();
const PROBE_TTL_MS = 60_000;

async function probeChoice(
  choice: PythonChoice,
  options: { env?: NodeJS.ProcessEnv; baseDir?: string; signal?: AbortSignal },
): Promise<PythonInterpreter> {
  const env = options.env ?? process.env;
  const tried: string[] = [];
  for (const candidate of await candidates(choice, env, options.baseDir)) {
    tried.push(candidate);
    const found = await probe(candidate, env, options.signal);
    if (!found) continue;
    if (typeof choice === 'string' && VERSION_CHOICE.test(choice) && !`${found.version}.`.startsWith(`${choice}.`)) continue;
    return found;
  }
  throw new AirbyteError('PYTHON_UNAVAILABLE', {
    message: `No Python interpreter for "python": ${JSON.stringify(choice)} (tried ${tried.join(', ') || 'nothing'}).`,
    guidance:
      choice === true
        ? 'Install Python 3 (with its venv module: python3-venv on Debian/Ubuntu), or give "python" the path of an interpreter.'
        : 'Install that Python (or install uv, which can provide versions), or give "python" the path of an interpreter.',
    context: { python: String(choice) },
  });
}

async function candidates(choice: PythonChoice, env: NodeJS.ProcessEnv, baseDir?: string): Promise<string[]> {
  if (choice === true) return process.platform === 'win32' ? ['python', 'python3'] : ['python3', 'python'];
  if (VERSION_CHOICE.test(choice)) {
    const list = [`python${choice}`];
    const uv = await findOnPath('uv', env);
    // uv finds (and may download) interpreters it manages; its answer is a path.
    if (uv) {
      let r = await runProgram(uv, ['python', 'find', choice], { env });
      // Not installed yet: uv provides it (a download), as `uv venv --python` would.
      if (r.exitCode !== 0 && (await runProgram(uv, ['python', 'install', choice], { env })).exitCode === 0)
        r = await runProgram(uv, ['python', 'find', choice], { env });
      if (r.exitCode === 0 && r.stdout.trim()) list.push(r.stdout.trim());
    }
    return list;
  }
  if (choice.includes('/') || choice.includes('\\')) return [path.resolve(baseDir ?? process.cwd(), choice)];
  return [choice];
}

async function probe(program: string, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<PythonInterpreter | undefined> {
  const r = await runProgram(program, ['-c', PROBE], { env, signal });
  if (r.exitCode !== 0) return undefined;
  try {
    const facts = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as {
      executable: string;
      version: string;
      venv: boolean;
      ensurepip: boolean;
      pip: string | null;
    };
    if (!facts.venv || !/^3\./.test(facts.version)) return undefined;
    return {
      executable: facts.executable,
      version: facts.version,
      minor: facts.version.split('.').slice(0, 2).join('.'),
      pipVersion: facts.pip ?? undefined,
      ensurepip: facts.ensurepip,
    };
  } catch {
    return undefined;
  }
}
