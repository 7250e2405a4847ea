/**
 * Runs a Python connector from its own venv (see python/venvInstall.ts), as PyAirbyte does: the
 * venv's console script with config, catalog and state in a private temp folder, as for Docker.
 * `localDir` stands in for the container's `/local`: config values under `/local/` are mapped to it.
 */
import path from 'node:path';
import { isInsideFolder } from '../config/workspaceRoot';
import { AirbyteError } from '../errors';
import type { JsonObject } from '../protocol/messages';
import { pythonLabel } from '../python/pythonInterpreter';
import type { InstalledVenv, VenvSpec } from '../python/venvInstall';
import { ensureVenv, redactUrlCredentials } from '../python/venvInstall';
import { CONTAINER_LOCAL_DIR } from './dockerExecutor';
import type { ExecuteRequest, Executor, InstallProgress, RunningConnector } from './executor';
import { LocalExecutor } from './localExecutor';

export interface VenvExecutorOptions extends VenvSpec {
  /** Host folder standing in for `/local` (also `AIRBYTE_LOCAL_DIR` and the working folder). */
  localDir?: string;
  /** Where relative `python`/`pipUrl` paths resolve, and the working folder without `localDir`. */
  baseDir?: string;
  /** Extra environment for the connector (and for pip: proxies, PIP_INDEX_URL…). */
  env?: Record<string, string>;
  /** The environment pip and the interpreter probe start from. Default process.env. */
  installEnv?: NodeJS.ProcessEnv;
  killGraceMs?: number;
}

export class VenvExecutor implements Executor {
  readonly kind = 'venv' as const;
  readonly displayName: string;
  private venv?: InstalledVenv;

  constructor(private readonly options: VenvExecutorOptions) {
    this.displayName = `${options.connector} (${redactUrlCredentials(options.requirement)})`;
  }

  /** The pip requirement this executor installs (credentials in URLs hidden). */
  get requirement(): string {
    return redactUrlCredentials(this.options.requirement);
  }

  /** `venv python3.11` once the interpreter is known, else the choice (`venv python3`). */
  runsOn(): string {
    return `venv ${this.venv ? `python${this.venv.interpreter.minor}` : pythonLabel(this.options.python)}`;
  }

  /** The installed venv, once ready. */
  get installed(): InstalledVenv | undefined {
    return this.venv;
  }

  async ensureReady(
    options: { installIfMissing?: boolean; onProgress?: (p: InstallProgress) => void; signal?: AbortSignal; reinstall?: boolean } = {},
  ): Promise<void> {
    if (this.venv && !options.reinstall) return;
    this.venv = await ensureVenv(this.options, {
      installIfMissing: options.installIfMissing,
      reinstall: options.reinstall,
      onProgress: options.onProgress && ((p) => options.onProgress!({ ...p, phase: 'venv' })),
      signal: options.signal,
      env: { ...(this.options.installEnv ?? process.env), ...this.options.env },
      baseDir: this.options.baseDir,
    });
  }

  async execute(request: ExecuteRequest): Promise<RunningConnector> {
    await this.ensureReady({ signal: request.signal });
    const local = new LocalExecutor({
      command: this.venv!.script,
      localDir: this.options.localDir,
      cwd: this.options.localDir ?? this.options.baseDir,
      env: this.options.env,
      killGraceMs: this.options.killGraceMs,
    });
    const config = request.config === undefined ? undefined : mapLocalPaths(request.config, this.options.localDir, this.options.connector);
    return local.execute({ ...request, config });
  }
}

/**
 * The config with every string value that is `/local` or starts with `/local/` mapped into
 * `localDir`, as a container would see that folder at `/local`. A path leaving the folder
 * (`/local/../x`), or `/local` without a `localDir`, is CONFIG_INVALID: on this machine `/local`
 * would be a real folder outside the user's choice.
 */
export function mapLocalPaths(config: JsonObject, localDir: string | undefined, connector: string): JsonObject {
  const map = (value: unknown, pointer: string): unknown => {
    if (typeof value === 'string') return mapOne(value, pointer);
    if (Array.isArray(value)) return value.map((v, i) => map(v, `${pointer}/${i}`));
    if (value && typeof value === 'object') {
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value as JsonObject)) out[k] = map(v, `${pointer}/${k}`);
      return out;
    }
    return value;
  };
  const mapOne = (value: string, pointer: string): string => {
    if (value !== CONTAINER_LOCAL_DIR && !value.startsWith(`${CONTAINER_LOCAL_DIR}/`)) return value;
    const field = pointer || '/';
    if (!localDir) {
      throw new AirbyteError('CONFIG_INVALID', {
        message: `${connector}: the config field ${field} names a path under /local, but no "localDir" is set; a connector run from a venv sees this machine's folders.`,
        guidance: 'Set "localDir" to the folder that stands for /local (or give the field a path on this machine).',
        context: { connector, field },
      });
    }
    const root = path.resolve(localDir);
    const mapped = path.resolve(root, `.${value.slice(CONTAINER_LOCAL_DIR.length)}`);
    if (!isInsideFolder(root, mapped)) {
      throw new AirbyteError('CONFIG_INVALID', {
        message: `${connector}: the config field ${field} leaves /local (the "localDir" folder ${root}).`,
        guidance: 'Give a path inside /local.',
        context: { connector, field },
      });
    }
    return mapped;
  };
  return map(config, '') as JsonObject;
}
