/**
 * Filtering a whole cached stream: a text search over each record's data, or `field = value`. The
 * stream is read chunk by chunk from its segment files (memory stays flat), with progress and an
 * AbortSignal; only the positions of matching records are kept, so a page of matches is read
 * again on demand (`rowsAt`).
 */
import { abortedError } from '../errors';
import { linesOf } from '../store/cacheReader';
import type { RecordCache } from '../store/recordCache';
import type { CachedStreamView, PreviewRow } from './recordPages';
import { readRecordPage } from './recordPages';

/** A text search (case-insensitive, over the record's data as JSON) or one field compared with a value. */
export type RecordFilter = { kind: 'text'; text: string } | { kind: 'field'; field: string; value: string };

/** `field = value` (a name or dotted path, then `=`) is a field filter; anything else searches text. */
export function parseRecordFilter(query: string): RecordFilter {
  const m = /^\s*([A-Za-z_][\w$-]*(?:\.[A-Za-z_][\w$-]*)*)\s*==?\s*(.*?)\s*$/.exec(query);
  if (m) return { kind: 'field', field: m[1], value: m[2] };
  return { kind: 'text', text: query.trim() };
}

export interface FilterProgress {
  scanned: number;
  total: number;
  matched: number;
}

export interface FilterResult extends FilterProgress {
  /** Positions of the matching records, in order (at most `maxPositions`). */
  positions: number[];
  /** True when more records matched than `maxPositions` kept. */
  truncated: boolean;
}

function fieldValue(data: Record<string, unknown>, field: string): unknown {
  if (field in data) return data[field];
  let v: unknown = data;
  for (const part of field.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

/** A field matches when its text equals the value, or its JSON does (`tags = ["a"]`, `n = 1.0`). */
function fieldMatcher(field: string, value: string): (data: Record<string, unknown>) => boolean {
  let parsed: string | undefined;
  try {
    parsed = JSON.stringify(JSON.parse(value));
  } catch {
    parsed = undefined;
  }
  const unquoted = /^"(.*)"$/.exec(value)?.[1] ?? value;
  return (data) => {
    const v = fieldValue(data, field);
    if (v === undefined) return false;
    if (typeof v !== 'object' || v === null) {
      if (String(v) === unquoted) return true;
    }
    return parsed !== undefined && JSON.stringify(v) === parsed;
  };
}

/** Whether a record's data matches `filter` (the text search looks at its data as JSON). */
export function dataMatcher(filter: RecordFilter): (data: Record<string, unknown>) => boolean {
  if (filter.kind === 'field') return fieldMatcher(filter.field, filter.value);
  const text = filter.text.toLowerCase();
  if (text === '') return () => true;
  return (data) => JSON.stringify(data).toLowerCase().includes(text);
}

/** Whether a raw RECORD line matches; the text search first rejects lines that cannot hold the text. */
function lineMatcher(filter: RecordFilter): (line: string) => boolean {
  const dataOf = (line: string) => (JSON.parse(line) as { record?: { data?: Record<string, unknown> } }).record?.data ?? {};
  const matches = dataMatcher(filter);
  if (filter.kind === 'field') return (line) => matches(dataOf(line));
  const text = filter.text.toLowerCase();
  return (line) => line.toLowerCase().includes(text) && matches(dataOf(line));
}

/**
 * Scans a whole cached stream for records matching `filter`. `onProgress` is told after each chunk
 * (about 1 MB of records); an aborted `signal` stops the scan with an ABORTED AirbyteError.
 */
export async function filterStream(
  cache: RecordCache,
  view: Pick<CachedStreamView, 'sourceId' | 'stream'>,
  filter: RecordFilter,
  options: { signal?: AbortSignal; onProgress?: (p: FilterProgress) => void; maxPositions?: number } = {},
): Promise<FilterResult> {
  const info = cache.streamInfo(view.sourceId, view.stream);
  const start = info?.generationStart ?? 0;
  const total = info ? info.endPos - start : 0;
  const max = options.maxPositions ?? 100_000;
  const matches = lineMatcher(filter);
  const result: FilterResult = { scanned: 0, total, matched: 0, positions: [], truncated: false };
  for await (const chunk of cache.chunks(view.sourceId, view.stream, start, undefined, options.signal)) {
    for (const line of linesOf(chunk)) {
      if (matches(line)) {
        result.matched++;
        if (result.positions.length < max) result.positions.push(result.scanned);
        else result.truncated = true;
      }
      result.scanned++;
    }
    options.onProgress?.({ scanned: result.scanned, total, matched: result.matched });
    if (options.signal?.aborted) throw abortedError('Filtering the cached records');
  }
  return result;
}

/** Records at the given positions (as `filterStream` found them); positions close together share one read. */
export async function rowsAt(
  cache: RecordCache,
  view: Pick<CachedStreamView, 'sourceId' | 'stream'>,
  positions: number[],
  signal?: AbortSignal,
): Promise<PreviewRow[]> {
  const out: PreviewRow[] = [];
  let i = 0;
  while (i < positions.length) {
    // A run of positions within a few thousand records of each other is one read (one or two blocks).
    let j = i;
    while (j + 1 < positions.length && positions[j + 1] - positions[i] < 2000) j++;
    const page = await readRecordPage(cache, view, positions[i], positions[j] - positions[i] + 1, signal);
    const wanted = new Set(positions.slice(i, j + 1));
    out.push(...page.rows.filter((r) => wanted.has(r.position)));
    i = j + 1;
  }
  return out;
}
