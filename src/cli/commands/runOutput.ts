/** Shared by `write`, `read` and `runs`: where the store is, live progress, numbers and tables. */
import path from 'node:path';
import { resolveStorePath } from '../../core/store/storePath';
import type { RunWarning } from '../../core/write/pipelineOptions';
import type { WriteProgress } from '../../core/write/progressTracker';
import type { StreamResult } from '../../core/write/writeResult';
import { formatBytes, formatCount, formatDuration } from '../../shared/format';
import type { CliIo } from '../cliIo';
import { UsageError } from '../cliIo';
import { isConfigFileRef } from '../resolveRef';

/**
 * The store used when `--state-file` is not given: `.airbyte/state.sqlite` in the workspace root,
 * which is the nearest folder (from the source config file's folder, else the current folder,
 * upward) that already has an `.airbyte/` folder; failing that, the source config file's folder,
 * else the current folder.
 */
export function defaultStorePath(sourceRef: string | undefined, cwd = process.cwd()): string {
  const from = sourceRef && isConfigFileRef(sourceRef) ? path.dirname(path.resolve(cwd, sourceRef)) : cwd;
  return resolveStorePath({ from, cwd });
}

export function parseStreams(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (list.length === 0) throw new UsageError('--streams takes a comma-separated list of stream names.');
  return list;
}

export { formatBytes };

const n = formatCount;

function progressLine(p: WriteProgress): string {
  const done = p.phase === 'reading' ? p.recordsRead : p.recordsSent;
  const of = p.expectedRecords && p.phase !== 'writing' ? ` of ~${n(p.expectedRecords)}` : '';
  const confirmed = p.phase === 'writing' ? `, ${n(p.recordsConfirmed)} confirmed` : '';
  return `run ${p.runId} ${p.phase}: ${n(done)}${of} records${confirmed} (${n(p.recordsPerSecond)} rec/s, ${formatBytes(p.bytesPerSecond)}/s) ${formatDuration(p.elapsedMs)}`;
}

/** A live status line on a terminal; a plain line at each phase change and every 5 s otherwise. */
export function progressPrinter(io: CliIo): (p: WriteProgress) => void {
  let last: WriteProgress | undefined;
  let lastPrint = Date.now();
  return (p) => {
    if (io.json) return;
    if (io.isTty) {
      io.status(progressLine(p));
      return;
    }
    const now = Date.now();
    // Not a terminal: one line when a phase ends (its final counts), and one every 5 s in between.
    if (last && last.phase !== p.phase && (last.phase === 'reading' || last.phase === 'writing')) {
      io.err(progressLine(last).replace(`${last.phase}:`, `${last.phase} done:`));
      lastPrint = now;
    } else if (now - lastPrint >= 5000 && (p.phase === 'reading' || p.phase === 'writing')) {
      io.err(progressLine(p));
      lastPrint = now;
    }
    last = p;
  };
}

/** The per-stream summary table. */
export function summaryTable(streams: StreamResult[], withDestination: boolean): string {
  const header = withDestination
    ? ['Stream', 'Read as', 'Written as', 'Read', 'Sent', 'Confirmed', 'Bytes', 'Status']
    : ['Stream', 'Read as', 'Read', 'Bytes', 'Status'];
  const rows = streams.map((s) =>
    withDestination
      ? [
          s.stream,
          s.syncMode,
          s.destinationSyncMode ?? '',
          n(s.recordsRead),
          n(s.recordsSent),
          n(s.recordsConfirmed),
          formatBytes(s.bytes),
          s.status,
        ]
      : [s.stream, s.syncMode, n(s.recordsRead), formatBytes(s.bytes), s.status],
  );
  return formatTable(header, rows, (i) => (withDestination ? i >= 3 && i <= 6 : i >= 2 && i <= 3));
}

/** A plain-text table: a header, a rule of dashes, then the rows; `numeric` columns are right-aligned. */
export function formatTable(header: string[], rows: string[][], numeric: (column: number) => boolean): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (numeric(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(header), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}

/** The warnings of a run (dropped records, a source's error logs) as the summary shows them; empty when none. */
export function warningLines(warnings: readonly RunWarning[]): string {
  if (warnings.length === 0) return '';
  return `\n${warnings.map((w) => `warning: ${w.message.replace(/\n/g, '\n  ')}`).join('\n')}`;
}

/** ", with N warnings" for the run's closing line. */
export function withWarnings(warnings: readonly RunWarning[]): string {
  return warnings.length === 0 ? '' : `, with ${warnings.length} warning${warnings.length === 1 ? '' : 's'} (above),`;
}
