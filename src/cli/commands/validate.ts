import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE_SUFFIX } from '../../core/config/configFileTypes';
import { defaultCacheDir, getDestination, getSource, nameFromImage, typeFromName } from '../../core/connectors/getConnector';
import { isAirbyteError } from '../../core/errors';
import { getConfigLanguageService } from '../../core/language/configLanguageService';
import type { ConfigDiagnostic } from '../../core/language/languageTypes';
import type { Registry } from '../../core/registry/registry';
import { SpecResolver } from '../../core/spec/specResolver';
import type { RunSpec } from '../../core/spec/specTypes';
import type { CliCommand, CliIo } from '../cliIo';
import { parseCommandArgs, UsageError } from '../cliIo';
import { installProgressPrinter } from './installProgress';
import { loadRegistryForCli, REGISTRY_OPTION_USAGE, REGISTRY_OPTIONS } from './registry';

export const validateCommand: CliCommand = {
  summary: 'Check *.airbyte.jsonc config files against their connector specs',
  usage: `Usage: airbyte-write validate <file.airbyte.jsonc | folder>… [--json] [options]

A folder stands for every *.airbyte.jsonc file under it (node_modules and dot-folders skipped).
Prints one line per problem, FILE:LINE:COL: error|warning: MESSAGE (lines and columns from 1),
and exits 1 when any file has an error (0 otherwise). A config pinned to a version the registry
does not know has its spec read from the connector image (Docker) once and cached.

  --json               print the diagnostics (with 0-based ranges and offsets) as JSON
  --strict             count warnings as errors for the exit code
  --no-docker          never run a connector image to read its spec
${REGISTRY_OPTION_USAGE}`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      allowPositionals: true,
      options: { ...REGISTRY_OPTIONS, json: { type: 'boolean' }, strict: { type: 'boolean' }, 'no-docker': { type: 'boolean' } },
    });
    io.json = values.json === true;
    if (positionals.length === 0)
      throw new UsageError('Name at least one config file or folder, e.g. airbyte-write validate destination.airbyte.jsonc');
    const files: string[] = [];
    for (const arg of positionals) files.push(...(await expandArgument(arg)));
    if (files.length === 0) throw new UsageError(`No ${CONFIG_FILE_SUFFIX} files under ${positionals.join(', ')}`);

    let registry: Registry | undefined;
    let registryProblem: string | undefined;
    try {
      registry = await loadRegistryForCli(values, io);
    } catch (error) {
      if (!isAirbyteError(error, 'REGISTRY_UNAVAILABLE')) throw error;
      // Built-ins and explicit images still validate; registry names are reported as not checkable.
      registryProblem = error.describe();
      io.err(`warning: ${registryProblem.replace(/\n/g, ' ')}`);
    }
    const specProvider = new SpecResolver({
      registry,
      runSpec: values['no-docker'] ? undefined : cliRunSpec(io, registry),
      cacheDir: path.join(defaultCacheDir(), 'specs'),
    });
    const service = getConfigLanguageService({ registry, specProvider });

    const results: { file: string; diagnostics: ConfigDiagnostic[]; error?: string }[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (error) {
        results.push({
          file,
          diagnostics: [],
          error: `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        });
        continue;
      }
      results.push({ file, diagnostics: await service.doValidation(text, { signal: io.signal }) });
    }

    const counts = { errors: 0, warnings: 0 };
    for (const r of results) {
      if (r.error) counts.errors++;
      for (const d of r.diagnostics) {
        if (d.severity === 'error') counts.errors++;
        else if (d.severity === 'warning') counts.warnings++;
      }
    }
    const failed = counts.errors > 0 || (values.strict === true && counts.warnings > 0);
    if (io.json) {
      io.outJson({
        ok: !failed,
        errors: counts.errors,
        warnings: counts.warnings,
        registry: registry
          ? { source: registry.source, location: registry.location, stale: registry.stale, notice: registry.notice }
          : { problem: registryProblem },
        files: results.map((r) => ({ file: r.file, ...(r.error ? { error: r.error } : {}), diagnostics: r.diagnostics })),
      });
      return failed ? 1 : 0;
    }
    for (const r of results) {
      if (r.error) io.out(`${r.file}:1:1: error: ${r.error}`);
      for (const d of r.diagnostics)
        io.out(`${r.file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message}`);
    }
    const fileWord = `${files.length} file${files.length === 1 ? '' : 's'}`;
    io.err(
      counts.errors + counts.warnings === 0
        ? `${fileWord} checked: no problems.`
        : `${fileWord} checked: ${plural(counts.errors, 'error')}, ${plural(counts.warnings, 'warning')}.`,
    );
    return failed ? 1 : 0;
  },
};

/** A folder becomes the sorted config files under it; anything else is taken as a file. */
async function expandArgument(arg: string): Promise<string[]> {
  let isDir = false;
  try {
    isDir = (await fs.stat(arg)).isDirectory();
  } catch {
    return [arg];
  }
  if (!isDir) return [arg];
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.name.endsWith(CONFIG_FILE_SUFFIX)) out.push(full);
    }
  };
  await walk(arg);
  return out.sort();
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Reads a spec from an image through the runtime's connector (pulling the image when missing). */
function cliRunSpec(io: CliIo, registry: Registry | undefined): RunSpec {
  return async (image, signal) => {
    const name = nameFromImage(image);
    const type = registry?.find(name)?.type ?? typeFromName(name) ?? 'destination';
    const options = { image, registry, installIfMissing: true, onInstallProgress: installProgressPrinter(io), signal };
    const connector = type === 'source' ? await getSource(name, options) : await getDestination(name, options);
    io.err(`Reading the spec of ${image}…`);
    return connector.spec({ signal });
  };
}
