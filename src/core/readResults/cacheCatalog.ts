/**
 * What the record cache holds, per source config (the cache is keyed by source identity: every
 * read of one config shares it), with its size on disk and whether destinations have confirmed all
 * of it; and the two ways to make room, pruning by size and age limits and clearing. Nothing a
 * destination has not confirmed is deleted unless the caller forces it, and every source kept says why.
 *
 * A source's cache is removed with its cache state (`RecordCache.drop`): its next read starts again
 * from what each destination confirmed, so a destination never misses records that were deleted.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { RecordCache } from '../store/recordCache';
import type { RunRecord } from '../store/runHistory';
import type { WorkspaceStore } from '../store/workspaceStore';
import { listCachedReads } from '../write/cachedRead';

/** One stream of a source's cache. */
export interface CacheEntryStream {
  stream: string;
  /** Records of the current generation. */
  records: number;
  /** Bytes of its segment files. */
  bytes: number;
  /** The most any destination has confirmed of it (records of the current generation). */
  confirmedRecords: number;
  /** Labels of the destinations that confirmed every record of it. */
  confirmedBy: string[];
}

/** A source config's cached records. */
export interface CacheEntry {
  sourceId: string;
  /** The source connector's name. */
  source: string;
  /** What people call the source (its config file's label), else the connector name. */
  sourceLabel: string;
  sourceConfigPath?: string;
  /** The newest complete read of the source (`cache:<runId>`), when there is one. */
  runId?: number;
  /** When the newest read of the source ended (or started); the segment files' time when no read is recorded. */
  readAt: number;
  streams: CacheEntryStream[];
  records: number;
  bytes: number;
  /** Records no destination has confirmed, summed over streams. */
  unconfirmedRecords: number;
  /** True when every record of every stream has been confirmed by some destination. */
  confirmed: boolean;
}

/** Lists the record cache per source config, newest read first. */
export async function listCacheEntries(store: WorkspaceStore): Promise<CacheEntry[]> {
  const reads = store.runs.list(5000, { kind: 'read' });
  const destinations = destinationLabels(store);
  const refs = new Map(listCachedReads(store).map((r) => [r.sourceId, r.runId]));
  const out: CacheEntry[] = [];
  for (const sourceId of store.cacheIndex.sourceIds()) {
    const newest = reads.find((r) => r.sourceId === sourceId);
    const streams = entryStreams(store, sourceId, destinations);
    const unconfirmed = streams.reduce((n, s) => n + (s.records - s.confirmedRecords), 0);
    out.push({
      sourceId,
      source: newest?.source ?? sourceId.split(':')[0],
      sourceLabel: newest?.sourceLabel ?? newest?.source ?? sourceId,
      ...(newest?.sourceConfigPath ? { sourceConfigPath: newest.sourceConfigPath } : {}),
      ...(refs.has(sourceId) ? { runId: refs.get(sourceId) } : {}),
      readAt: newest ? (newest.endedAt ?? newest.startedAt) : await newestFileTime(store, sourceId),
      streams,
      records: streams.reduce((n, s) => n + s.records, 0),
      bytes: streams.reduce((n, s) => n + s.bytes, 0),
      unconfirmedRecords: unconfirmed,
      confirmed: unconfirmed === 0,
    });
  }
  return out.sort((a, b) => b.readAt - a.readAt);
}

function entryStreams(store: WorkspaceStore, sourceId: string, destinations: Map<string, string>): CacheEntryStream[] {
  const confirmed = store.cacheIndex.confirmedPositions(sourceId);
  const segments = store.cacheIndex.segments(sourceId);
  return store.cacheIndex.streams(sourceId).map((info) => {
    const mine = confirmed.filter((c) => c.streamKey === info.streamKey);
    const best = Math.max(info.generationStart, ...mine.map((c) => c.position));
    const records = info.endPos - info.generationStart;
    return {
      stream: info.streamKey,
      records,
      bytes: segments.filter((s) => s.streamKey === info.streamKey).reduce((n, s) => n + s.bytes, 0),
      confirmedRecords: Math.min(records, best - info.generationStart),
      confirmedBy: mine.filter((c) => c.position >= info.endPos).map((c) => destinations.get(c.destinationId) ?? c.destinationId),
    };
  });
}

/** Destination identity → what people call it, from the writes in run history. */
function destinationLabels(store: WorkspaceStore): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of store.runs.list(5000, { kind: 'write' }) as RunRecord[]) {
    if (w.destinationId && !out.has(w.destinationId)) out.set(w.destinationId, w.destinationLabel ?? w.destination ?? w.destinationId);
  }
  return out;
}

async function newestFileTime(store: WorkspaceStore, sourceId: string): Promise<number> {
  let newest = 0;
  for (const seg of store.cacheIndex.segments(sourceId)) {
    const stat = await fs.stat(path.join(store.cacheDir, seg.file)).catch(() => undefined);
    if (stat) newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

/** Limits a cache is pruned to; either may be left out. */
export interface CacheLimits {
  /** The cache's total size on disk, in bytes. */
  maxBytes?: number;
  /** Sources whose newest read is older than this (ms) are removed. */
  maxAgeMs?: number;
  /** The time the age is measured from (default now). */
  now?: number;
}

/** What a prune or clear did: what it removed, what it kept and why, the size before and after. */
export interface CacheCleanup {
  removed: CacheEntry[];
  kept: Array<{ entry: CacheEntry; reason: string }>;
  bytesBefore: number;
  bytesAfter: number;
  /** True when a size limit was given and the cache is still above it (unconfirmed data was kept). */
  overLimit: boolean;
}

/** Why an entry that a limit or a clear would remove is kept: the records no destination confirmed. */
export function unconfirmedReason(entry: CacheEntry): string {
  const parts = entry.streams.filter((s) => s.records > s.confirmedRecords).map((s) => `${s.stream} ${s.records - s.confirmedRecords}`);
  return `${entry.unconfirmedRecords} record(s) no destination has confirmed (${parts.join(', ')}): write them first, or force`;
}

/**
 * Removes whole sources' caches, oldest read first, until the cache is within `limits`: first every
 * source older than `maxAgeMs`, then as many more as it takes to fit `maxBytes`. A source with
 * records no destination confirmed is kept (and said so) unless `force`.
 */
export async function pruneCache(store: WorkspaceStore, limits: CacheLimits, options: { force?: boolean } = {}): Promise<CacheCleanup> {
  const entries = (await listCacheEntries(store)).sort((a, b) => a.readAt - b.readAt);
  const bytesBefore = entries.reduce((n, e) => n + e.bytes, 0);
  const now = limits.now ?? Date.now();
  let total = bytesBefore;
  const result: CacheCleanup = { removed: [], kept: [], bytesBefore, bytesAfter: bytesBefore, overLimit: false };
  for (const entry of entries) {
    const tooOld = limits.maxAgeMs !== undefined && now - entry.readAt > limits.maxAgeMs;
    const tooBig = limits.maxBytes !== undefined && total > limits.maxBytes;
    if (!tooOld && !tooBig) {
      result.kept.push({ entry, reason: 'within the limits' });
    } else if (entry.confirmed || options.force) {
      await new RecordCache(store).drop(entry.sourceId);
      result.removed.push(entry);
      total -= entry.bytes;
    } else {
      result.kept.push({ entry, reason: unconfirmedReason(entry) });
    }
  }
  result.bytesAfter = total;
  result.overLimit = limits.maxBytes !== undefined && total > limits.maxBytes;
  return result;
}

/**
 * Removes the cache of every source (or of the sources named, by source identity or by the run id
 * of one of their reads). A source with records no destination confirmed is kept unless `force`.
 */
export async function clearCache(
  store: WorkspaceStore,
  options: { force?: boolean; sourceIds?: string[]; runIds?: number[] } = {},
): Promise<CacheCleanup> {
  const entries = await listCacheEntries(store);
  const wanted = new Set(options.sourceIds ?? []);
  for (const id of options.runIds ?? []) {
    const run = store.runs.get(id);
    if (run) wanted.add(run.sourceId);
  }
  const all = options.sourceIds === undefined && options.runIds === undefined;
  const bytesBefore = entries.reduce((n, e) => n + e.bytes, 0);
  const result: CacheCleanup = { removed: [], kept: [], bytesBefore, bytesAfter: bytesBefore, overLimit: false };
  for (const entry of entries) {
    if (!all && !wanted.has(entry.sourceId)) continue;
    if (entry.confirmed || options.force) {
      await new RecordCache(store).drop(entry.sourceId);
      result.removed.push(entry);
      result.bytesAfter -= entry.bytes;
    } else result.kept.push({ entry, reason: unconfirmedReason(entry) });
  }
  return result;
}
