import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Source } from '../../core/connectors/connector';
import type { PreviewColumn, PreviewRow } from '../../core/readResults/recordPages';
import { openCachedStream, readRecordPage } from '../../core/readResults/recordPages';
import { exportColumns } from '../../core/readResults/recordExport';
import { peekSource } from '../../core/readResults/sourcePeek';
import { RecordCache } from '../../core/store/recordCache';
import { WorkspaceStore } from '../../core/store/workspaceStore';
import { isCachedReadRef, parseCachedReadRef } from '../../core/write/cachedRead';
import { formatCount } from '../../shared/format';
import type { CliCommand, CliIo } from '../cliIo';
import { parseCommandArgs, UsageError } from '../cliIo';
import { REF_OPTIONS, REF_USAGE, resolveRef } from '../resolveRef';
import { installProgressPrinter } from './installProgress';
import { defaultStorePath, formatTable } from './runOutput';

const PREVIEW_OPTIONS = {
  ...REF_OPTIONS,
  stream: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  'state-file': { type: 'string' },
  json: { type: 'boolean' },
  jsonl: { type: 'boolean' },
} as const;

/** Widest a table cell gets; longer values end in "…" (--json and --jsonl print them whole). */
const CELL_WIDTH = 40;

function wholeNumber(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  const v = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(v) || v < min)
    throw new UsageError(`--${name} takes a whole number ≥ ${min}, not "${text}".`);
  return v;
}

function cell(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value);
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  return flat.length > CELL_WIDTH ? `${flat.slice(0, CELL_WIDTH - 1)}…` : flat;
}

interface Shown {
  stream: string;
  offset: number;
  /** Records of the stream (a cached read); undefined for a peek at a source. */
  total?: number;
  columns: PreviewColumn[];
  rows: PreviewRow[];
}

function print(io: CliIo, shown: Shown, jsonl: boolean): void {
  if (jsonl) {
    for (const r of shown.rows) io.out(JSON.stringify({ position: r.position, data: r.data }));
    return;
  }
  if (io.json) {
    const { rows, ...rest } = shown;
    io.outJson({ ok: true, ...rest, records: rows });
    return;
  }
  const names = exportColumns(
    shown.columns.map((c) => c.name),
    shown.rows.map((r) => r.data),
  );
  const mark = (n: string) => {
    const c = shown.columns.find((x) => x.name === n);
    return `${n}${c?.primaryKey ? ' (pk)' : ''}${c?.cursor ? ' (cursor)' : ''}`;
  };
  const rows = shown.rows.map((r) => [String(r.position), ...names.map((n) => cell(r.data[n]))]);
  io.out(formatTable(['#', ...names.map(mark)], rows, (i) => i === 0));
  const end = shown.offset + shown.rows.length;
  const of = shown.total === undefined ? ' (straight from the source)' : ` of ${formatCount(shown.total)}`;
  io.out(`\n${shown.stream}: records ${formatCount(shown.rows.length ? shown.offset : 0)}–${formatCount(Math.max(0, end - 1))}${of}`);
}

async function fromCache(runId: number, stream: string, offset: number, limit: number, storeFile: string, io: CliIo): Promise<Shown> {
  if (!existsSync(storeFile))
    throw new UsageError(`${storeFile} does not exist: there is no cached read there (pass --state-file, or read a source first).`);
  // Read-only, without the lock: a preview works while a run holds the store.
  const store = await WorkspaceStore.open({ path: storeFile, lock: false });
  try {
    const view = openCachedStream(store, runId, stream);
    const page = await readRecordPage(new RecordCache(store), view, offset, limit, io.signal);
    return { stream: view.stream, offset, total: page.total, columns: view.columns, rows: page.rows };
  } finally {
    await store.close();
  }
}

async function fromSource(ref: string, values: Record<string, unknown>, stream: string, offset: number, limit: number, io: CliIo) {
  const source = (await resolveRef(ref, values, {
    type: 'source',
    signal: io.signal,
    onInstallProgress: installProgressPrinter(io),
  })) as Source;
  const peek = await peekSource(source, { streams: [stream], limit: offset + limit, signal: io.signal });
  const s = peek.streams[0];
  const rows = s.records.slice(offset).map((data, i) => ({ position: offset + i, data }));
  return { stream: s.stream, offset, columns: s.columns, rows };
}

export const previewCommand: CliCommand = {
  summary: 'Show records of a cached read, or the first records straight from a source',
  usage: `Usage: airbyte-write preview <cache:N | source ref> --stream S [options]

With cache:N, shows records of stream S of that cached read ("airbyte-write cache list"), read from
the cache's segment files: any page opens without reading the records before it. With a source ref,
shows the first records of S straight from the source, which is stopped once it has given enough;
no state, cache or run history is touched.

  --stream S           the stream (name or namespace.name)
  --limit N            records to show (default 20)
  --offset N           first record to show, from 0 (default 0)
  --state-file PATH    the workspace store holding the read (default: see "airbyte-write write --help")
  --json               print one JSON document: stream, total, columns (with primaryKey and cursor), records
  --jsonl              print JSON lines, one {"position", "data"} per record

${REF_USAGE}`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({ args, allowPositionals: true, options: PREVIEW_OPTIONS });
    io.json = values.json === true;
    if (io.json && values.jsonl) throw new UsageError('--json prints one JSON document, --jsonl JSON lines: give one of them.');
    if (positionals.length !== 1) throw new UsageError('Name one read (cache:N) or one source ref.');
    const ref = positionals[0];
    if (!values.stream) throw new UsageError('Name the stream: --stream S.');
    const limit = wholeNumber('limit', values.limit, 20, 1);
    const offset = wholeNumber('offset', values.offset, 0, 0);
    let shown: Shown;
    if (isCachedReadRef(ref)) {
      const runId = parseCachedReadRef(ref);
      if (runId === undefined)
        throw new UsageError(`"${ref}" is not a cached read: name one as cache:<runId> ("airbyte-write cache list").`);
      const storeFile = path.resolve(values['state-file'] ?? defaultStorePath(undefined));
      shown = await fromCache(runId, values.stream, offset, limit, storeFile, io);
    } else shown = await fromSource(ref, values, values.stream, offset, limit, io);
    print(io, shown, values.jsonl === true);
    return 0;
  },
};
