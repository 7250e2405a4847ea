/**
 * Pages of one cached stream, read from its segment files on demand. A page anywhere in the stream
 * costs one block read: the index keeps, per segment, each block's byte size and line count (about
 * 1 MB of whole lines, written as one and checked by its CRC-32, see `store/cacheReader.ts`), which
 * is a sparse offset index persisted with the cache. Opening record N walks that list to the block
 * holding N, reads and checks that block, and counts newlines inside it only: nothing before it is read,
 * and memory holds one block (and its read-ahead) whatever the stream's size.
 */
import { AirbyteError } from '../errors';
import type { AirbyteStream } from '../protocol/messages';
import { streamKey } from '../protocol/messages';
import { RecordCache } from '../store/recordCache';
import type { WorkspaceStore } from '../store/workspaceStore';
import type { StreamPlan } from '../write/catalogBuilder';
import { describeCachedRead } from '../write/cachedRead';

/** A column of the preview grid, from the stream's JSON schema. */
export interface PreviewColumn {
  name: string;
  /** The schema's type (without `null`), e.g. `integer`, `object`; empty when the schema says none. */
  type: string;
  primaryKey: boolean;
  cursor: boolean;
}

/** One cached stream of a read, as the preview opens it. */
export interface CachedStreamView {
  runId: number;
  sourceId: string;
  sourceLabel: string;
  /** The stream's key (`namespace.name` or `name`). */
  stream: string;
  /** Records of the stream in the cache now (its current generation). */
  total: number;
  columns: PreviewColumn[];
}

/** A record of a page: its position in the stream (0 = first record) and its data. */
export interface PreviewRow {
  position: number;
  data: Record<string, unknown>;
}

export interface RecordPage {
  stream: string;
  offset: number;
  total: number;
  rows: PreviewRow[];
}

/** Columns of a stream: its schema's properties in order, primary key and cursor marked. */
export function columnsOf(stream: AirbyteStream | undefined, plan?: Pick<StreamPlan, 'primaryKey' | 'cursorField'>): PreviewColumn[] {
  const schema = (stream?.json_schema ?? {}) as { properties?: Record<string, { type?: string | string[] }> };
  const pk = new Set((plan?.primaryKey ?? stream?.source_defined_primary_key ?? []).map((p) => p[0]));
  const cursor = (plan?.cursorField ?? stream?.default_cursor_field ?? [])[0];
  return Object.entries(schema.properties ?? {}).map(([name, prop]) => {
    const types = Array.isArray(prop?.type) ? prop.type : prop?.type ? [prop.type] : [];
    return { name, type: types.filter((t) => t !== 'null').join('|'), primaryKey: pk.has(name), cursor: name === cursor };
  });
}

/**
 * Opens a stream of a cached read (`cache:<runId>`) for preview: `stream` is its name or key.
 * Throws a USAGE AirbyteError naming the read's streams when the read has no such stream.
 */
export function openCachedStream(store: WorkspaceStore, runId: number, stream: string): CachedStreamView {
  const info = describeCachedRead(store, runId);
  const kept = store.runs.catalog(runId)!;
  const plans = kept.plans as StreamPlan[];
  const plan = plans.find((p) => p.key === stream) ?? plans.find((p) => p.name === stream);
  if (!plan) {
    throw new AirbyteError('USAGE', {
      message: `The read cache:${runId} (${info.sourceLabel}) has no stream "${stream}".`,
      guidance: `Its streams: ${plans.map((p) => p.key).join(', ')}.`,
      context: { runId, stream },
    });
  }
  const schema = kept.catalog.streams.find((s) => streamKey(s) === plan.key);
  return {
    runId,
    sourceId: info.sourceId,
    sourceLabel: info.sourceLabel,
    stream: plan.key,
    total: new RecordCache(store).recordCount(info.sourceId, plan.key),
    columns: columnsOf(schema, plan),
  };
}

/** Parses raw RECORD lines (a cache chunk) into rows numbered from `firstPosition`. */
export function rowsOfChunk(bytes: Buffer, firstPosition: number): PreviewRow[] {
  const rows: PreviewRow[] = [];
  const text = bytes.toString('utf8');
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const line = text.slice(at, nl < 0 ? text.length : nl);
    at = nl < 0 ? text.length : nl + 1;
    if (line.length === 0) continue;
    const msg = JSON.parse(line) as { record?: { data?: Record<string, unknown> } };
    rows.push({ position: firstPosition + rows.length, data: msg.record?.data ?? {} });
  }
  return rows;
}

/**
 * The records `offset` to `offset + limit - 1` (positions from 0, the stream's first record) of a
 * cached stream. Reads only the blocks holding them; each block is checked against its CRC first.
 */
export async function readRecordPage(
  cache: RecordCache,
  view: Pick<CachedStreamView, 'sourceId' | 'stream'>,
  offset: number,
  limit: number,
  signal?: AbortSignal,
): Promise<RecordPage> {
  if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(limit) || limit < 1) {
    throw new AirbyteError('USAGE', {
      message: `A page starts at a record number from 0 and holds at least one record (offset ${offset}, limit ${limit}).`,
      guidance: 'Give a whole offset ≥ 0 and a limit ≥ 1.',
    });
  }
  const info = cache.streamInfo(view.sourceId, view.stream);
  const start = info?.generationStart ?? 0;
  const total = info ? info.endPos - start : 0;
  const rows: PreviewRow[] = [];
  if (offset < total) {
    const reader = cache.reader(view.sourceId, view.stream, start + offset, start + Math.min(total, offset + limit), { signal });
    try {
      for await (const chunk of reader.until(Number.MAX_SAFE_INTEGER)) rows.push(...rowsOfChunk(chunk.bytes, offset + rows.length));
    } finally {
      await reader.close();
    }
  }
  return { stream: view.stream, offset, total, rows };
}
