// Where the Records Preview gets its records: a cached read (pages read from the cache's segment
// files on demand, the filter run over the whole stream, exports streamed), the records of a source
// peek (held in memory), or the tables of a local destination file (pages read on demand). Loaded
// with the preview commands, never on activation.
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { abortedError } from '../core/errors';
import { describeLocalFile, readLocalTable } from '../core/readResults/localOutputs';
import type { LocalOutputFile } from '../core/readResults/localOutputs';
import type { ExportFormat } from '../core/readResults/recordExport';
import { exportStream } from '../core/readResults/recordExport';
import type { FilterProgress, FilterResult } from '../core/readResults/recordFilter';
import { dataMatcher, filterStream, parseRecordFilter, rowsAt } from '../core/readResults/recordFilter';
import type { PreviewColumn, PreviewRow } from '../core/readResults/recordPages';
import { openCachedStream, readRecordPage } from '../core/readResults/recordPages';
import type { PeekResult } from '../core/readResults/sourcePeek';
import { RecordCache } from '../core/store/recordCache';
import type { WorkspaceStore } from '../core/store/workspaceStore';
import type { CoreServices } from './coreServices';

/** A source of records for the preview: its streams (or tables), their columns, pages, and what else it can do. */
export interface PreviewSource {
  /** Identifies the preview: the same key reveals the panel already open. */
  readonly key: string;
  readonly title: string;
  readonly streams: string[];
  columns(stream: string): Promise<PreviewColumn[]>;
  total(stream: string): Promise<number | undefined>;
  page(stream: string, offset: number, limit: number, signal?: AbortSignal): Promise<PreviewRow[]>;
  /** Filters the whole stream. */
  filter(stream: string, query: string, signal: AbortSignal, onProgress: (p: FilterProgress) => void): Promise<FilterResult>;
  /** Records at filtered positions. */
  rowsAt(stream: string, positions: number[], signal?: AbortSignal): Promise<PreviewRow[]>;
  /** Writes the whole stream to `file`; undefined when this source cannot. */
  exportStream?(stream: string, format: ExportFormat, file: string, signal?: AbortSignal): Promise<{ rows: number }>;
  /** Where an export is offered to be saved. */
  readonly exportFolder?: string;
}

/** A cached read of `folder`'s store: the store is opened (read-only, without the lock) for each request. */
export async function cachedReadSource(services: CoreServices, folder: vscode.WorkspaceFolder, runId: number): Promise<PreviewSource> {
  const withStore = async <T>(fn: (store: WorkspaceStore) => Promise<T>): Promise<T> => {
    const store = await services.openStore(folder, false);
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };
  const { streams, label } = await withStore(async (store) => {
    const kept = store.runs.catalog(runId);
    const first = openCachedStream(store, runId, (kept?.plans as Array<{ key: string }> | undefined)?.[0]?.key ?? '');
    return { streams: (kept?.plans as Array<{ key: string }>).map((p) => p.key), label: first.sourceLabel };
  });
  const view = (store: WorkspaceStore, stream: string) => openCachedStream(store, runId, stream);
  return {
    key: `cache:${folder.uri.toString()}:${runId}`,
    title: `${label} (read #${runId})`,
    streams,
    exportFolder: folder.uri.fsPath,
    columns: (stream) => withStore(async (store) => view(store, stream).columns),
    total: (stream) => withStore(async (store) => view(store, stream).total),
    page: (stream, offset, limit, signal) =>
      withStore(async (store) => (await readRecordPage(new RecordCache(store), view(store, stream), offset, limit, signal)).rows),
    filter: (stream, query, signal, onProgress) =>
      withStore((store) => filterStream(new RecordCache(store), view(store, stream), parseRecordFilter(query), { signal, onProgress })),
    rowsAt: (stream, positions, signal) => withStore((store) => rowsAt(new RecordCache(store), view(store, stream), positions, signal)),
    exportStream: (stream, format, file, signal) =>
      withStore((store) => exportStream(new RecordCache(store), view(store, stream), format, file, { signal })),
  };
}

/** In-memory records (a peek): pages, filter and positions over the arrays. */
function memorySource(
  key: string,
  title: string,
  streams: Array<{ stream: string; columns: PreviewColumn[]; records: Array<Record<string, unknown>> }>,
): PreviewSource {
  const of = (stream: string) => streams.find((s) => s.stream === stream) ?? { stream, columns: [], records: [] };
  return {
    key,
    title,
    streams: streams.map((s) => s.stream),
    columns: async (stream) => of(stream).columns,
    total: async (stream) => of(stream).records.length,
    page: async (stream, offset, limit) =>
      of(stream)
        .records.slice(offset, offset + limit)
        .map((data, i) => ({ position: offset + i, data })),
    filter: async (stream, query, _signal, onProgress) => {
      const matches = dataMatcher(parseRecordFilter(query));
      const records = of(stream).records;
      const positions = records.flatMap((r, i) => (matches(r) ? [i] : []));
      onProgress({ scanned: records.length, total: records.length, matched: positions.length });
      return { scanned: records.length, total: records.length, matched: positions.length, positions, truncated: false };
    },
    rowsAt: async (stream, positions) => positions.map((p) => ({ position: p, data: of(stream).records[p] })),
  };
}

/** The records a peek at a source gave. */
export function peekSource(label: string, peek: PeekResult): PreviewSource {
  return memorySource(`peek:${label}:${Date.now()}`, `${label} (first records, straight from the source)`, peek.streams);
}

/** A local destination file: each table (a SQLite table, or the file itself for JSON lines and CSV) paged on demand. */
export async function localFileSource(file: string): Promise<PreviewSource> {
  const described: LocalOutputFile = await describeLocalFile(file);
  const rows = new Map(described.tables.map((t) => [t.name, t.rows]));
  const page = async (table: string, offset: number, limit: number): Promise<PreviewRow[]> =>
    (await readLocalTable(file, table, offset, limit)).rows.map((data, i) => ({ position: offset + i, data }));
  const source: PreviewSource = {
    key: `file:${file}`,
    title: path.basename(file),
    streams: described.tables.map((t) => t.name),
    exportFolder: path.dirname(file),
    columns: async (table) => {
      const first = await readLocalTable(file, table, 0, 1);
      return first.columns.map((name) => ({ name, type: '', primaryKey: false, cursor: false }));
    },
    total: async (table) => rows.get(table),
    page,
    filter: async (table, query, signal, onProgress) => {
      const matches = dataMatcher(parseRecordFilter(query));
      const total = rows.get(table) ?? 0;
      const positions: number[] = [];
      for (let offset = 0; offset < total; offset += 5000) {
        if (signal.aborted) throw abortedError('Filtering the table');
        for (const r of await page(table, offset, 5000)) if (matches(r.data)) positions.push(r.position);
        onProgress({ scanned: Math.min(total, offset + 5000), total, matched: positions.length });
      }
      return { scanned: total, total, matched: positions.length, positions, truncated: false };
    },
    rowsAt: async (table, positions) => {
      const out: PreviewRow[] = [];
      for (const p of positions) out.push(...(await page(table, p, 1)));
      return out;
    },
  };
  return source;
}
