import type { BuiltinConnector } from '../../core/builtin/builtinConnector';
import { findBuiltin, isBuiltinName, listBuiltins } from '../../core/builtin/builtinRegistry';
import { defaultCacheDir } from '../../core/connectors/getConnector';
import { AirbyteError } from '../../core/errors';
import { entryImage } from '../../core/registry/entryImage';
import type { Registry } from '../../core/registry/registry';
import { loadRegistry, registryLocation } from '../../core/registry/registry';
import type { ConnectorType, RegistryEntry } from '../../core/registry/registryTypes';
import type { CliCommand, CliIo } from '../cliIo';
import { parseCommandArgs, UsageError } from '../cliIo';

export const REGISTRY_OPTION_USAGE = `  --registry PATH|URL  registry file or URL (default: $AIRBYTE_LOCAL_REGISTRY, else the Airbyte OSS registry)
  --offline            use the cached registry copy, never the network
  --refresh            revalidate the cached copy now (it is otherwise revalidated at most once a day)`;

export const REGISTRY_OPTIONS = {
  registry: { type: 'string' },
  offline: { type: 'boolean' },
  refresh: { type: 'boolean' },
} as const;

/** Loads the registry for a CLI command; prints its offline notice on stderr. */
export async function loadRegistryForCli(
  values: { registry?: string; offline?: boolean; refresh?: boolean },
  io: CliIo,
): Promise<Registry> {
  const registry = await loadRegistry({
    cacheDir: defaultCacheDir(),
    ...registryLocation(values.registry),
    offline: values.offline === true,
    refresh: values.refresh === true,
    signal: io.signal,
  });
  if (registry.notice) io.err(`warning: ${registry.notice}`);
  return registry;
}

export const registryCommand: CliCommand = {
  summary: 'List the connectors of the Airbyte registry, or show one',
  usage: `Usage: airbyte-write registry list [--type source|destination] [--json] [options]
       airbyte-write registry show <name> [--json] [options]

The registry is downloaded once and cached (revalidated at most once a day); offline, the cached
copy is used and a warning says so.

  --type source|destination   list only one type
  --json                      print JSON (list: the entries; show: the entry with its spec)
${REGISTRY_OPTION_USAGE}`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      allowPositionals: true,
      options: { ...REGISTRY_OPTIONS, type: { type: 'string' }, json: { type: 'boolean' } },
    });
    io.json = values.json === true;
    const [action, ...rest] = positionals;
    if (action === 'list') {
      if (rest.length > 0) throw new UsageError(`"registry list" takes no names; got: ${rest.join(' ')}`);
      return listConnectors(values, io);
    }
    if (action === 'show') {
      if (rest.length !== 1) throw new UsageError('"registry show" takes one connector name, e.g. destination-postgres');
      return showConnector(rest[0], values, io);
    }
    throw new UsageError(action ? `Unknown registry action "${action}": use "list" or "show".` : 'Missing action: "list" or "show".');
  },
};

type RegistryValues = Parameters<typeof loadRegistryForCli>[0] & { type?: string };

async function listConnectors(values: RegistryValues, io: CliIo): Promise<number> {
  const type = values.type;
  if (type !== undefined && type !== 'source' && type !== 'destination')
    throw new UsageError(`--type must be "source" or "destination", not "${type}"`);
  const registry = await loadRegistryForCli(values, io);
  const entries = registry.list(type as ConnectorType | undefined);
  const builtins = listBuiltins().filter((b) => !type || b.type === type);
  if (io.json) {
    io.outJson({
      source: registry.source,
      location: registry.location,
      stale: registry.stale,
      connectors: entries.map(summary),
      builtins: builtins.map(builtinSummary),
    });
    return 0;
  }
  io.out(renderList(entries));
  if (builtins.length > 0) {
    const width = Math.max(...builtins.map((b) => b.name.length));
    io.out(
      [
        '',
        'Built-in (in-process, no Docker):',
        ...builtins.map((b) => `  ${b.name.padEnd(width)}  ${b.type.padEnd(11)}  ${b.displayName}`),
      ].join('\n'),
    );
  }
  return 0;
}

async function showConnector(name: string, values: RegistryValues, io: CliIo): Promise<number> {
  const builtin = isBuiltinName(name) ? findBuiltin(name) : undefined;
  if (builtin) {
    if (io.json) io.outJson({ ...builtinSummary(builtin), spec: builtin.spec });
    else io.out(renderBuiltin(builtin));
    return 0;
  }
  const registry = await loadRegistryForCli(values, io);
  const entry = registry.find(name);
  if (!entry) {
    const near = registry
      .list()
      .map((e) => e.name)
      .filter((n) => n.includes(name.replace(/^(source|destination)-/, '')))
      .slice(0, 5);
    throw new AirbyteError('CONNECTOR_UNKNOWN', {
      message: `"${name}" is not in the connector registry (${registry.location}).`,
      guidance: near.length ? `Did you mean ${near.join(', ')}?` : 'Run "airbyte-write registry list" to see the names.',
      context: { connector: name },
    });
  }
  if (io.json) io.outJson({ ...summary(entry), spec: entry.spec });
  else io.out(renderEntry(entry));
  return 0;
}

function summary(entry: RegistryEntry): Record<string, unknown> {
  return {
    name: entry.name,
    type: entry.type,
    displayName: entry.displayName,
    image: entryImage(entry),
    dockerRepository: entry.dockerRepository,
    dockerImageTag: entry.dockerImageTag,
    supportLevel: entry.supportLevel,
    releaseStage: entry.releaseStage,
    supportsRefreshes: entry.supportsRefreshes,
    documentationUrl: entry.documentationUrl,
    iconUrl: entry.iconUrl,
    definitionId: entry.definitionId,
  };
}

function builtinSummary(b: BuiltinConnector): Record<string, unknown> {
  return {
    name: b.name,
    type: b.type,
    displayName: b.displayName,
    description: b.description,
    builtin: true,
    supportsRefreshes: b.supportsRefreshes === true,
  };
}

function renderBuiltin(b: BuiltinConnector): string {
  return [
    `${b.displayName} (${b.name}), built-in ${b.type}: runs in-process, no Docker`,
    b.description,
    ...fieldLines(b.spec.connectionSpecification),
  ].join('\n');
}

function renderList(entries: readonly RegistryEntry[]): string {
  if (entries.length === 0) return '(no connectors)';
  const nameWidth = Math.max(4, ...entries.map((e) => e.name.length));
  const versionWidth = Math.max(7, ...entries.map((e) => e.dockerImageTag.length));
  const supportWidth = Math.max(7, ...entries.map((e) => (e.supportLevel ?? '').length));
  const lines = [`${'NAME'.padEnd(nameWidth)}  ${'VERSION'.padEnd(versionWidth)}  ${'SUPPORT'.padEnd(supportWidth)}  DISPLAY NAME`];
  for (const e of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
    lines.push(
      `${e.name.padEnd(nameWidth)}  ${e.dockerImageTag.padEnd(versionWidth)}  ${(e.supportLevel ?? '').padEnd(supportWidth)}  ${e.displayName}`,
    );
  }
  lines.push(`${entries.length} connector${entries.length === 1 ? '' : 's'}`);
  return lines.join('\n');
}

function renderEntry(entry: RegistryEntry): string {
  const lines = [`${entry.displayName} (${entry.name}), ${entry.type}`, `Image:          ${entryImage(entry)}`];
  if (entry.supportLevel) lines.push(`Support level:  ${entry.supportLevel}`);
  if (entry.releaseStage) lines.push(`Release stage:  ${entry.releaseStage}`);
  if (entry.supportsRefreshes !== undefined) lines.push(`Refreshes:      ${entry.supportsRefreshes ? 'supported' : 'not supported'}`);
  if (entry.documentationUrl) lines.push(`Documentation:  ${entry.documentationUrl}`);
  if (entry.iconUrl) lines.push(`Icon:           ${entry.iconUrl}`);
  lines.push(...fieldLines(entry.spec?.connectionSpecification));
  return lines.join('\n');
}

function fieldLines(connectionSpecification: unknown): string[] {
  const schema = connectionSpecification as { properties?: Record<string, Record<string, unknown>>; required?: string[] } | undefined;
  if (!schema?.properties) return [];
  const required = new Set(schema.required ?? []);
  const lines = ['', 'Config fields (* required):'];
  const props = Object.entries(schema.properties).sort(
    ([a, pa], [b, pb]) => Number(!required.has(a)) - Number(!required.has(b)) || Number(pa.order ?? 1e9) - Number(pb.order ?? 1e9),
  );
  for (const [key, p] of props) {
    const secret = p.airbyte_secret === true || p.airbyte_secret === 'true' ? ' (secret)' : '';
    lines.push(`  ${required.has(key) ? '*' : ' '} ${key.padEnd(26)} ${typeof p.title === 'string' ? p.title : ''}${secret}`);
  }
  return lines;
}
