import path from 'node:path';
import type { Destination, Source } from '../../core/connectors/connector';
import { WorkspaceStore } from '../../core/store/workspaceStore';
import { isCachedReadRef, openCachedRead, parseCachedReadRef } from '../../core/write/cachedRead';
import type { ReadResult, WriteResult } from '../../core/write/writeResult';
import type { WriteStrategy } from '../../core/write/writeStrategy';
import { WRITE_STRATEGIES, isWriteStrategy } from '../../core/write/writeStrategy';
import { DEFAULT_SCHEMA_REFRESH_MINUTES } from '../../core/write/pipelineOptions';
import type { CliCommand, CliIo } from '../cliIo';
import { parseCommandArgs, UsageError } from '../cliIo';
import { idleTimeoutUsage, parseIdleTimeout } from '../idleTimeout';
import { resolveRef } from '../resolveRef';
import { installProgressPrinter } from './installProgress';
import { formatCount, formatDuration } from '../../shared/format';
import { defaultStorePath, formatBytes, parseStreams, progressPrinter, summaryTable, warningLines, withWarnings } from './runOutput';

const WRITE_OPTIONS = {
  source: { type: 'string' },
  destination: { type: 'string' },
  'source-config': { type: 'string' },
  'destination-config': { type: 'string' },
  streams: { type: 'string' },
  strategy: { type: 'string' },
  'no-cache': { type: 'boolean' },
  'full-refresh': { type: 'boolean' },
  'refresh-schema': { type: 'boolean' },
  'state-file': { type: 'string' },
  'idle-timeout': { type: 'string' },
  install: { type: 'boolean' },
  registry: { type: 'string' },
  'docker-host': { type: 'string' },
  'allow-local-dir-outside-workspace': { type: 'boolean' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

export const writeCommand: CliCommand = {
  summary: 'Write data from a source to a destination (incremental, state kept in the workspace)',
  usage: `Usage: airbyte-write write --source <ref> --destination <ref> [options]

Reads the source and writes its records to the destination. By default records go through the
workspace cache (.airbyte/), and only what the destination has not confirmed yet is sent; the next
run reads only what is new. Exit code 0 on success, 1 on failure, 2 on a usage error.

  --source <ref>             a source: *.airbyte.jsonc file, registry name or builtin:sample;
                             or cache:<runId>, a read into the cache ("airbyte-write read" prints
                             its run id; "airbyte-write runs --cached" lists them)
  --destination <ref>        a destination: *.airbyte.jsonc file, registry name or builtin:sqlite|jsonl|dev-null
  --source-config FILE       config for a source given by name
  --destination-config FILE  config for a destination given by name
  --streams a,b              only these streams (default: all)
  --strategy S               ${WRITE_STRATEGIES.join(' | ')} (default auto: merge with a primary key,
                             append with a cursor, else replace)
  --no-cache                 stream the source straight into the destination
  --full-refresh             ignore stored state: read everything again
  --refresh-schema           run the source's discover now (by default a write plans with the
                             streams discovered in the last ${DEFAULT_SCHEMA_REFRESH_MINUTES} min by the same image, as the
                             Airbyte platform does)
  --state-file PATH          the workspace store (default .airbyte/state.sqlite in the workspace:
                             the nearest folder up from the source config file, else from here,
                             that has .airbyte/; else the config file's folder or this folder)
  ${idleTimeoutUsage(29)}
  --install                  pull missing images, install missing Python connectors into their venvs
  --allow-local-dir-outside-workspace
                             use a config file's "localDir" even outside its workspace (never chowned)
  --json                     print the result as JSON
  -v, --verbose              print the connectors' log lines (secrets masked)`,
  async run(args, io) {
    const { values } = parseCommandArgs({ args, allowPositionals: false, options: WRITE_OPTIONS });
    io.json = values.json === true;
    const { strategy, streams, cachedRunId } = checkWriteArgs(values);
    const idleTimeoutMs = parseIdleTimeout(values['idle-timeout']);
    const { source, destination } = await resolveSides(values, cachedRunId, io);
    // A cached read has no config file to find the workspace from: the destination's is used.
    const storePath = path.resolve(values['state-file'] ?? defaultStorePath(source ? values.source : values.destination));
    const store = await WorkspaceStore.open({
      path: storePath,
      purpose: `airbyte-write write ${source?.name ?? values.source} → ${destination.name}`,
      onWarning: (w) => io.err(`warning: ${w}`),
    });
    let result: WriteResult;
    try {
      // A wrong run id is a USAGE error (exit 2) whose guidance names the cached reads there are.
      const input: Source | ReadResult = source ?? openCachedRead(store, cachedRunId!);
      result = await destination.write(input, {
        store,
        streams,
        cache: values['no-cache'] ? false : true,
        writeStrategy: strategy,
        forceFullRefresh: values['full-refresh'] === true,
        schemaRefreshMinutes: values['refresh-schema'] === true ? 0 : undefined,
        signal: io.signal,
        idleTimeoutMs,
        onProgress: progressPrinter(io),
        onLog: values.verbose ? (name, line) => io.err(`[${name}] ${line.level} ${line.text}`) : undefined,
        onNotice: (text) => {
          if (!io.json) io.err(`note: ${text}`);
        },
        // Warnings are part of the summary (and of the JSON result), not said as they come.
        onWarning: () => undefined,
      });
    } finally {
      await store.close();
    }
    // Printed once the store is closed: a store that fails to close fails the command instead.
    const runsOn = { source: source?.runsOn() ?? 'the cache', destination: destination.runsOn() };
    printWriteResult(io, result, storePath, destination.name, runsOn);
    return 0;
  },
};

type WriteValues = ReturnType<typeof parseCommandArgs<{ options: typeof WRITE_OPTIONS }>>['values'];

/** The usage errors a write can be told of before anything starts, and what it was asked. */
function checkWriteArgs(values: WriteValues): { strategy: WriteStrategy; streams?: string[]; cachedRunId?: number } {
  if (!values.source) throw new UsageError('Name the source: --source <file.airbyte.jsonc | name>.');
  if (!values.destination) throw new UsageError('Name the destination: --destination <file.airbyte.jsonc | name>.');
  const strategy = values.strategy ?? 'auto';
  if (!isWriteStrategy(strategy)) throw new UsageError(`--strategy must be one of ${WRITE_STRATEGIES.join(', ')}, not "${strategy}".`);
  const streams = parseStreams(values.streams);
  const cachedRunId = parseCachedReadRef(values.source);
  if (isCachedReadRef(values.source) && cachedRunId === undefined)
    throw new UsageError(`"${values.source}" is not a cached read: use cache:<runId> with the run id "airbyte-write read" printed.`);
  if (cachedRunId !== undefined && values['no-cache'])
    throw new UsageError('--no-cache streams a source straight through; a cached read is already in the cache.');
  if (cachedRunId !== undefined && values['source-config'])
    throw new UsageError('--source-config configures a source given by name; a cached read has no config.');
  return { strategy, streams, cachedRunId };
}

/** The source (none for a cached read: its records are in the store) and the destination, ready to run. */
async function resolveSides(
  values: WriteValues,
  cachedRunId: number | undefined,
  io: CliIo,
): Promise<{ source?: Source; destination: Destination }> {
  const common = {
    install: values.install,
    registry: values.registry,
    'docker-host': values['docker-host'],
    'allow-local-dir-outside-workspace': values['allow-local-dir-outside-workspace'],
  };
  const onInstallProgress = installProgressPrinter(io);
  const source =
    cachedRunId === undefined
      ? ((await resolveRef(
          values.source!,
          { ...common, config: values['source-config'] },
          { type: 'source', signal: io.signal, onInstallProgress, onNotice: (m: string) => io.err(m) },
        )) as Source)
      : undefined;
  const destination = (await resolveRef(
    values.destination!,
    { ...common, config: values['destination-config'] },
    { type: 'destination', signal: io.signal, onInstallProgress, onNotice: (m: string) => io.err(m) },
  )) as Destination;
  return { source, destination };
}

function printWriteResult(
  io: CliIo,
  result: WriteResult,
  storePath: string,
  destinationName: string,
  runsOn: { source: string; destination: string },
): void {
  if (io.json) {
    io.outJson({ ok: true, stateFile: storePath, ...result, runsOn });
    return;
  }
  io.out(summaryTable(result.streams, true) + warningLines(result.warnings));
  const t = result.totals;
  const how = result.mode === 'cache' ? 'through the cache' : result.mode === 'stream' ? 'streamed' : 'replayed';
  io.out(
    `\nRun ${result.runId} (${how}) succeeded${withWarnings(result.warnings)} in ${formatDuration(result.durationMs)}: ` +
      `${formatCount(t.recordsRead)} read, ${formatCount(t.recordsSent)} sent, ${formatCount(t.recordsConfirmed)} confirmed by ${destinationName} (${formatBytes(t.bytes)}).` +
      `\nRan on: source ${runsOn.source}, destination ${runsOn.destination}.` +
      `\nState: ${storePath}`,
  );
}
