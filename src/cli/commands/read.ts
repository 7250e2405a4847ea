import path from 'node:path';
import type { Source } from '../../core/connectors/connector';
import { WorkspaceStore } from '../../core/store/workspaceStore';
import type { ReadResult } from '../../core/write/writeResult';
import type { CliCommand, CliIo } from '../cliIo';
import { parseCommandArgs, UsageError } from '../cliIo';
import { idleTimeoutUsage, parseIdleTimeout } from '../idleTimeout';
import { REF_OPTIONS, REF_USAGE, resolveRef } from '../resolveRef';
import { installProgressPrinter } from './installProgress';
import { formatCount, formatDuration } from '../../shared/format';
import { defaultStorePath, formatBytes, parseStreams, progressPrinter, summaryTable, warningLines, withWarnings } from './runOutput';

const READ_OPTIONS = {
  ...REF_OPTIONS,
  source: { type: 'string' },
  streams: { type: 'string' },
  'full-refresh': { type: 'boolean' },
  'state-file': { type: 'string' },
  'idle-timeout': { type: 'string' },
  records: { type: 'boolean' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
} as const;

export const readCommand: CliCommand = {
  summary: 'Read a source into the workspace cache (incremental)',
  usage: `Usage: airbyte-write read --source <ref> [options]    (or: airbyte-write read <ref> …)

Reads the source into the workspace record cache (.airbyte/cache), keeping its state so that the
next read is incremental. It prints the read's run id: "write --source cache:<runId>" then sends
the cached records to any destination (only what that destination has not confirmed yet).

  --source <ref>       the source (same forms as below)
  --streams a,b        only these streams (default: all)
  --full-refresh       ignore stored state: read everything again
  --state-file PATH    the workspace store (default: see "airbyte-write write --help")
  ${idleTimeoutUsage(23)}
  --records            print the cached records of the streams read as JSON lines on stdout
  --json               print the result as JSON
  -v, --verbose        print the source's log lines (secrets masked)

${REF_USAGE}`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({ args, allowPositionals: true, options: READ_OPTIONS });
    io.json = values.json === true;
    if (io.json && values.records) throw new UsageError('--records prints JSON lines, --json one JSON document: give one of them.');
    if (positionals.length > 1 || (positionals.length === 1 && values.source))
      throw new UsageError('Name one source: --source <ref> or a single <ref>.');
    const ref = values.source ?? positionals[0];
    const idleTimeoutMs = parseIdleTimeout(values['idle-timeout']);
    if (!ref) throw new UsageError('Name the source: --source <file.airbyte.jsonc | name>.');
    const source = (await resolveRef(ref, values, {
      type: 'source',
      signal: io.signal,
      onInstallProgress: installProgressPrinter(io),
      onNotice: (m) => io.err(m),
    })) as Source;
    const storePath = path.resolve(values['state-file'] ?? defaultStorePath(ref));
    const store = await WorkspaceStore.open({
      path: storePath,
      purpose: `airbyte-write read ${source.name}`,
      onWarning: (w) => io.err(`warning: ${w}`),
    });
    let result: ReadResult;
    try {
      result = await source.read({
        store,
        streams: parseStreams(values.streams),
        forceFullRefresh: values['full-refresh'] === true,
        signal: io.signal,
        idleTimeoutMs,
        onProgress: progressPrinter(io),
        onLog: values.verbose ? (name, line) => io.err(`[${name}] ${line.level} ${line.text}`) : undefined,
        onNotice: (text) => io.err(`note: ${text}`),
        // Warnings are part of the summary (and of the JSON result), not said as they come.
        onWarning: () => undefined,
      });
    } finally {
      await store.close();
    }
    // Printed once the store is closed (a closed read result reopens it to stream its records).
    await printReadResult(io, result, storePath, { records: values.records === true, stateFileGiven: Boolean(values['state-file']) });
    return 0;
  },
};

/** The cached records (`--records`), the result as JSON, or a table and how to write the read. */
async function printReadResult(
  io: CliIo,
  result: ReadResult,
  storePath: string,
  options: { records: boolean; stateFileGiven: boolean },
): Promise<void> {
  if (options.records) {
    for (const stream of result.streamNames) {
      for await (const data of result.records(stream, io.signal)) io.out(JSON.stringify({ stream, data }));
    }
    // stdout holds the records only: the warnings go to stderr.
    for (const w of result.warnings) io.err(`warning: ${w.message}`);
    return;
  }
  if (io.json) {
    io.outJson({ ok: true, stateFile: storePath, ...result.toJSON() });
    return;
  }
  io.out(summaryTable(result.streams, false) + warningLines(result.warnings));
  const total = result.streams.reduce((n, s) => n + s.recordsRead, 0);
  const bytes = result.streams.reduce((n, s) => n + s.bytes, 0);
  io.out(
    `\nRun ${result.runId}${withWarnings(result.warnings)} read ${formatCount(total)} new records (${formatBytes(bytes)}) in ${formatDuration(result.durationMs)} into the cache.\nState: ${storePath}`,
  );
  io.out(
    `Write it to a destination with: airbyte-write write --source cache:${result.runId} --destination <ref>${options.stateFileGiven ? ` --state-file ${storePath}` : ''}`,
  );
}
