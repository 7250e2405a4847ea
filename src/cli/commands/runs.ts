import { existsSync } from 'node:fs';
import path from 'node:path';
import type { RunRecord } from '../../core/store/runHistory';
import { WorkspaceStore } from '../../core/store/workspaceStore';
import type { CachedReadInfo } from '../../core/write/cachedRead';
import { listCachedReads } from '../../core/write/cachedRead';
import type { CliCommand } from '../cliIo';
import { parseCommandArgs, UsageError } from '../cliIo';
import { formatCount } from '../../shared/format';
import { defaultStorePath, formatTable } from './runOutput';

const n = formatCount;

/** `2026-11-26 19:04:05` in UTC: sortable and the same on every machine. */
export function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

function runsTable(runs: RunRecord[], cached: Set<number>): string {
  const rows = runs.map((r) => [
    String(r.id),
    r.kind === 'read' ? 'read' : `write (${r.mode ?? '?'})`,
    r.status,
    `${r.source} → ${r.kind === 'read' ? 'cache' : (r.destination ?? '?')}`,
    n(r.recordsRead),
    // A read sends nothing to a destination.
    r.kind === 'read' ? '-' : n(r.recordsSent),
    r.kind === 'read' ? '-' : n(r.recordsConfirmed),
    when(r.startedAt),
    cached.has(r.id) ? `cache:${r.id}` : '',
  ]);
  return formatTable(
    ['Run', 'Kind', 'Status', 'Source → Destination', 'Read', 'Sent', 'Confirmed', 'Started (UTC)', 'Write again with'],
    rows,
    (i) => i >= 4 && i <= 6,
  );
}

function cachedTable(reads: CachedReadInfo[]): string {
  const rows = reads.map((r) => [
    `cache:${r.runId}`,
    r.source,
    r.streams.map((s) => `${s.stream} ${n(s.cachedRecords)}`).join(', '),
    n(r.cachedRecords),
    when(r.startedAt),
    r.latestReadRunId !== r.runId ? `cache:${r.latestReadRunId}` : '',
  ]);
  return formatTable(['Source ref', 'Source', 'Streams (cached records)', 'Records', 'Read at (UTC)', 'Newer read'], rows, (i) => i === 3);
}

export const runsCommand: CliCommand = {
  summary: 'List the run history and the cached reads of the workspace store',
  usage: `Usage: airbyte-write runs [--cached [--all]] [options]

Lists runs (newest first) from the workspace store. Reads into the cache can be written again to
any destination with "airbyte-write write --source cache:<runId> --destination <ref>".

  --cached             only the cached reads that can be written (the newest read of each source
                       config; older reads of the same config open the same cache)
  --all                with --cached: every read, not only the newest per source config
  --limit N            at most N runs (default 20)
  --state-file PATH    the workspace store (default: .airbyte/state.sqlite in the nearest folder
                       up from here that has .airbyte/)
  --json               print JSON`,
  async run(args, io) {
    const { values } = parseCommandArgs({
      args,
      allowPositionals: false,
      options: {
        cached: { type: 'boolean' },
        all: { type: 'boolean' },
        limit: { type: 'string' },
        'state-file': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    io.json = values.json === true;
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`--limit takes a positive whole number, not "${values.limit}".`);
    if (values.all && !values.cached) throw new UsageError('--all goes with --cached.');
    const storePath = path.resolve(values['state-file'] ?? defaultStorePath(undefined));
    if (!existsSync(storePath)) {
      if (io.json) io.outJson(values.cached ? { stateFile: storePath, cachedReads: [] } : { stateFile: storePath, runs: [] });
      else io.out(`No run history: ${storePath} does not exist yet (run "airbyte-write read" or "write" first, or pass --state-file).`);
      return 0;
    }
    // Read-only, without the lock: listing works while a run holds the store.
    const store = await WorkspaceStore.open({ path: storePath, lock: false });
    try {
      if (values.cached) {
        const reads = listCachedReads(store, { all: values.all === true }).slice(0, limit);
        if (io.json) io.outJson({ stateFile: storePath, cachedReads: reads });
        else if (reads.length === 0) io.out(`No cached read in ${storePath}: read a source first ("airbyte-write read --source <ref>").`);
        else io.out(`${cachedTable(reads)}\n\nWrite one with: airbyte-write write --source cache:<runId> --destination <ref>`);
        return 0;
      }
      const runs = store.runs.list(limit);
      const cached = new Set(listCachedReads(store, { all: true }).map((r) => r.runId));
      if (io.json) io.outJson({ stateFile: storePath, runs: runs.map((r) => ({ ...r, cachedRead: cached.has(r.id) })) });
      else if (runs.length === 0) io.out(`No runs recorded in ${storePath} yet.`);
      else io.out(runsTable(runs, cached));
      return 0;
    } finally {
      await store.close();
    }
  },
};
