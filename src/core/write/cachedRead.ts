/**
 * Cached reads as a write source: a read into the workspace cache (`Source.read()`, `airbyte-write
 * read`) can be reopened later by its run id, from a new process, and written to any destination
 * (`Destination.write(openCachedRead(store, runId))`, `airbyte-write write --source cache:<runId>`).
 *
 * A source's cache holds the current generation of each stream it read, whichever read brought
 * the records in: reopening an older read of a source gives the records of its later reads too
 * (`latestReadRunId` says which read is the newest). Only what the destination has not confirmed
 * yet is sent.
 */
import { AirbyteError } from '../errors';
import { RecordCache } from '../store/recordCache';
import { CACHE_DESTINATION_ID } from '../store/committedStates';
import type { RunRecord } from '../store/runHistory';
import type { WorkspaceStore } from '../store/workspaceStore';
import type { StreamPlan } from './catalogBuilder';
import type { StreamResult } from './writeResult';
import { ReadResult } from './writeResult';

/** The prefix of a cached-read reference: `cache:<runId>`. */
export const CACHE_REF_PREFIX = 'cache:';

export interface CachedReadStream {
  stream: string;
  /** Records the read itself brought in. */
  recordsRead: number;
  /** Records of the stream in the cache now (what a write can send). */
  cachedRecords: number;
}

/** A read whose records are in the workspace cache and can be written again. */
export interface CachedReadInfo {
  runId: number;
  /** The source connector's name (e.g. `source-faker`, `builtin:sample`). */
  source: string;
  /** The source identity the cache is keyed by (name + hash of the config without secrets). */
  sourceId: string;
  /** What people call the source: its config file's label (reads recorded before labels were kept: the connector name). */
  sourceLabel: string;
  /** The source's `*.airbyte.jsonc`, when the read recorded it. */
  sourceConfigPath?: string;
  startedAt: number;
  endedAt?: number;
  streams: CachedReadStream[];
  /** Sum of `cachedRecords`. */
  cachedRecords: number;
  /** The newest successful read of the same source config (this one when it is the newest). */
  latestReadRunId: number;
}

/** True when `ref` is meant as a cached read (`cache:…`), well formed or not: hosts tell a malformed one apart with {@link parseCachedReadRef}. */
export function isCachedReadRef(ref: string): boolean {
  return ref.startsWith(CACHE_REF_PREFIX);
}

/** `cache:12` (or `cache:#12`) → 12; undefined for anything else (a config path, a connector name, `cache:abc`). */
export function parseCachedReadRef(ref: string): number | undefined {
  if (!ref.startsWith(CACHE_REF_PREFIX)) return undefined;
  const text = ref.slice(CACHE_REF_PREFIX.length).replace(/^#/, '');
  const id = Number(text);
  return /^\d+$/.test(text) && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

function infoOf(store: WorkspaceStore, run: RunRecord, latest: Map<string, number>): CachedReadInfo | undefined {
  const kept = store.runs.catalog(run.id);
  if (!kept) return undefined;
  const plans = kept.plans as StreamPlan[];
  const cache = new RecordCache(store);
  const streams = plans.map((p) => ({
    stream: p.key,
    recordsRead: run.streamStats.find((s) => s.stream === p.key)?.recordsRead ?? 0,
    cachedRecords: cache.recordCount(run.sourceId, p.key),
  }));
  // Nothing of it is cached any more (the cache was cleared or dropped).
  if (!plans.some((p) => store.cacheIndex.stream(run.sourceId, p.key))) return undefined;
  return {
    runId: run.id,
    source: run.source,
    sourceId: run.sourceId,
    sourceLabel: run.sourceLabel ?? run.source,
    ...(run.sourceConfigPath ? { sourceConfigPath: run.sourceConfigPath } : {}),
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    streams,
    cachedRecords: streams.reduce((n, s) => n + s.cachedRecords, 0),
    latestReadRunId: latest.get(run.sourceId) ?? run.id,
  };
}

function succeededReads(store: WorkspaceStore, limit: number): RunRecord[] {
  return store.runs.list(limit, { kind: 'read', status: 'succeeded' });
}

/**
 * Cached reads that can be written, newest first: by default the newest read of each source
 * config (older reads of the same config open the same cache); `all` lists every one.
 */
export function listCachedReads(store: WorkspaceStore, options: { all?: boolean; limit?: number } = {}): CachedReadInfo[] {
  const runs = succeededReads(store, options.limit ?? 500);
  const latest = new Map<string, number>();
  for (const r of runs) if (!latest.has(r.sourceId) && store.runs.catalog(r.id)) latest.set(r.sourceId, r.id);
  const out: CachedReadInfo[] = [];
  for (const run of runs) {
    if (!options.all && latest.get(run.sourceId) !== run.id) continue;
    const info = infoOf(store, run, latest);
    if (info) out.push(info);
  }
  return out;
}

/** What {@link openCachedRead} would open, or an AirbyteError saying why the run cannot be written. */
export function describeCachedRead(store: WorkspaceStore, runId: number): CachedReadInfo {
  const run = store.runs.get(runId);
  const hint = (): string => {
    const reads = listCachedReads(store).map((r) => `cache:${r.runId} (${r.source})`);
    return reads.length
      ? `Cached reads in this store: ${reads.join(', ')}.`
      : 'This store has no cached read: read a source first ("airbyte-write read --source <ref>").';
  };
  const fail = (message: string, guidance: string) =>
    new AirbyteError('USAGE', { message, guidance, context: { runId, store: store.path } });
  if (!run) throw fail(`Run ${runId} is not in the run history of ${store.path}.`, hint());
  if (run.kind !== 'read') {
    throw fail(
      `Run ${runId} is a write (${run.source} → ${run.destination ?? '?'}), not a read into the cache.`,
      `Write the source config again instead, or pick a read. ${hint()}`,
    );
  }
  if (run.status !== 'succeeded') {
    throw fail(
      `Run ${runId} (a read of ${run.source}) ${run.status === 'running' ? 'has not finished' : `ended ${run.status}`}: it is not a complete cached read.`,
      `Read the source again. ${hint()}`,
    );
  }
  if (!store.runs.catalog(runId)) {
    throw fail(
      `Run ${runId} (a read of ${run.source}) was recorded by an older airbyte-write that did not keep the read's stream schemas.`,
      `Read the source again to write it from the cache. ${hint()}`,
    );
  }
  const latest = new Map<string, number>();
  const newest = succeededReads(store, 500).find((r) => r.sourceId === run.sourceId && store.runs.catalog(r.id));
  if (newest) latest.set(run.sourceId, newest.id);
  const info = infoOf(store, run, latest);
  if (!info)
    throw fail(
      `The cached records of run ${runId} (${run.source}) are gone: the cache of that source was cleared.`,
      `Read the source again. ${hint()}`,
    );
  return info;
}

/**
 * Reopens a read into the cache by its run id, as the ReadResult `Source.read()` returned: pass
 * it to `Destination.write()` (`writeToDestination`) to send the cached records that destination
 * has not confirmed. The result reads from `store`, which must stay open while it is used (or be
 * closed, then the write opens the same file again). Throws a `USAGE` AirbyteError naming the
 * cached reads there are when the run is not a complete read or its records are gone.
 */
export function openCachedRead(store: WorkspaceStore, runId: number): ReadResult {
  const info = describeCachedRead(store, runId);
  const run = store.runs.get(runId)!;
  const kept = store.runs.catalog(runId)!;
  const plans = kept.plans as StreamPlan[];
  const streams: StreamResult[] = plans.map((p) => {
    const stats = run.streamStats.find((s) => s.stream === p.key);
    return {
      stream: p.key,
      syncMode: p.syncMode,
      destinationSyncMode: p.destinationSyncMode,
      recordsRead: stats?.recordsRead ?? 0,
      recordsSent: 0,
      recordsConfirmed: stats?.recordsConfirmed ?? 0,
      bytes: stats?.bytes ?? 0,
      status: 'complete',
    };
  });
  return new ReadResult({
    runId: info.runId,
    source: info.source,
    sourceId: info.sourceId,
    sourceLabel: info.sourceLabel,
    sourceConfigPath: info.sourceConfigPath,
    catalog: kept.catalog,
    plans,
    streams,
    finalState: store.states.get(info.sourceId, CACHE_DESTINATION_ID).map((r) => r.state),
    startedAt: info.startedAt,
    durationMs: (info.endedAt ?? info.startedAt) - info.startedAt,
    cache: new RecordCache(store),
  });
}
