/**
 * Exporting records as JSON lines (each record's data, as the source sent it) or CSV (one column per
 * field, nested values as compact JSON; csv-stringify quotes what needs quoting). A whole stream is
 * streamed from the cache to a temp file beside the target, renamed over it once complete: memory
 * stays flat and a cancelled export leaves no half file.
 */
import { createWriteStream } from 'node:fs';
import { promises as fs } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { abortedError } from '../errors';
import { fileSystemError } from '../fileSystemError';
import type { RecordCache } from '../store/recordCache';
import type { CachedStreamView } from './recordPages';
import { rowsOfChunk } from './recordPages';

export type ExportFormat = 'jsonl' | 'csv';

/** A value as one CSV cell: text as is, nested values as compact JSON, null and missing empty. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Records as export text: JSON lines, or CSV rows of `columns` (with the header when `header`). */
export function formatRecords(rows: Array<Record<string, unknown>>, format: ExportFormat, columns: string[], header = true): string {
  if (format === 'jsonl') return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
  return stringify(
    rows.map((r) => columns.map((c) => cellText(r[c]))),
    { header, columns, record_delimiter: 'unix' },
  );
}

/** The columns of an export: the schema's, then any field the given rows have that the schema lacks. */
export function exportColumns(schemaColumns: string[], rows: Array<Record<string, unknown>>): string[] {
  const out = [...schemaColumns];
  const seen = new Set(out);
  for (const r of rows)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        out.push(k);
      }
  return out;
}

/** Writes text parts to `file` through a temp file renamed over it at the end. */
async function writeThroughTemp(file: string, parts: AsyncIterable<string>, signal?: AbortSignal): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp-${process.pid}`);
  const out = createWriteStream(temp, { mode: 0o644 });
  try {
    for await (const text of parts) {
      if (signal?.aborted) throw abortedError('The export');
      if (!out.write(text)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    await fs.rename(temp, file);
  } catch (error) {
    out.destroy();
    await fs.rm(temp, { force: true });
    if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code !== 'ABORTED')
      throw fileSystemError(error, { action: 'write the export', path: file, guidance: 'Choose a folder you can write to.' });
    throw error;
  }
}

/** Writes the given rows to `file`. */
export async function exportRows(
  rows: Array<Record<string, unknown>>,
  columns: string[],
  format: ExportFormat,
  file: string,
): Promise<{ file: string; rows: number }> {
  const cols = exportColumns(columns, rows);
  await writeThroughTemp(
    file,
    (async function* () {
      yield formatRecords(rows, format, cols);
    })(),
  );
  return { file, rows: rows.length };
}

/**
 * Writes every record of a cached stream to `file`, chunk by chunk. CSV columns are the schema's,
 * plus the fields of the first chunk the schema lacks (JSON lines keep every field).
 */
export async function exportStream(
  cache: RecordCache,
  view: Pick<CachedStreamView, 'sourceId' | 'stream' | 'columns'>,
  format: ExportFormat,
  file: string,
  options: { signal?: AbortSignal; onProgress?: (written: number) => void } = {},
): Promise<{ file: string; rows: number }> {
  const info = cache.streamInfo(view.sourceId, view.stream);
  let written = 0;
  let columns: string[] | undefined;
  async function* parts(): AsyncGenerator<string> {
    for await (const chunk of cache.chunks(view.sourceId, view.stream, info?.generationStart ?? 0, undefined, options.signal)) {
      const data = rowsOfChunk(chunk.bytes, 0).map((r) => r.data);
      const header = columns === undefined;
      if (format === 'csv')
        columns ??= exportColumns(
          view.columns.map((c) => c.name),
          data,
        );
      yield formatRecords(data, format, columns ?? [], header);
      written += chunk.count;
      options.onProgress?.(written);
    }
    if (columns === undefined && format === 'csv')
      yield formatRecords(
        [],
        format,
        exportColumns(
          view.columns.map((c) => c.name),
          [],
        ),
      );
  }
  await writeThroughTemp(file, parts(), options.signal);
  return { file, rows: written };
}
