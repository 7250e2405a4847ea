/**
 * Reading a source into the workspace record cache: records land on disk per stream (see
 * `store/recordCache.ts`) with the source's states, committed as one ingest. A read that fails keeps
 * what its last STATE covers, so the next read resumes there. Used by `Source.read()` and by the
 * first run of a write through the cache.
 */
import type { PipelineSource } from '../connectors/pipelineConnector';
import { isAirbyteError } from '../errors';
import type { DecodedMessage, DecodedRecordLine } from '../protocol/lineCodec';
import { isDecodedRecordLine } from '../protocol/lineCodec';
import type { AirbyteCatalog, AirbyteStateMessage, ConfiguredAirbyteCatalog } from '../protocol/messages';
import { streamKey, streamKeyOf } from '../protocol/messages';
import { CACHE_DESTINATION_ID } from '../store/committedStates';
import type { CacheIngest } from '../store/recordCache';
import type { WorkspaceStore } from '../store/workspaceStore';
import type { StreamPlan } from './catalogBuilder';
import { handleControl } from './connectorControl';
import type { RecordedRun } from './recordedRun';
import type { RunContext } from './runContext';
import { idleTimeoutOf, logTo, notice } from './runContext';
import { runError, streamStats } from './runOutcome';
import { warnSourceErrorLogs } from './runWarnings';
import { coversStreams, latestRows, statesToOffer } from './stateManager';

/** A read run into the cache, once its catalog is built. */
export interface CacheReadJob {
  run: RecordedRun;
  sourceId: string;
  /** The discovered catalog (the read keeps the schemas of the streams it read, to be written again by run id). */
  discovered: AirbyteCatalog;
  plans: StreamPlan[];
  catalog: ConfiguredAirbyteCatalog;
  /** The states to offer the source (asked after a cache with missing files was dropped). */
  offer: () => AirbyteStateMessage[];
  /** Told when the cache's files were missing and it was dropped. */
  droppedNotice: string;
  /** Added to the error's guidance when the read fails. */
  failureGuidance: (error: unknown) => string;
}

/**
 * Reads the source into the cache under `job.run`, commits what was read and records the run's
 * outcome; returns the catalog of the streams read. Throws an AirbyteError naming the run when the
 * source failed or the read was cancelled.
 */
export async function readIntoCache(ctx: RunContext, source: PipelineSource, job: CacheReadJob): Promise<{ readCatalog: AirbyteCatalog }> {
  const { store, cache, tracker } = ctx;
  const readCatalog = {
    streams: job.plans.map((p) => job.discovered.streams.find((s) => streamKey(s) === p.key)!).filter(Boolean),
  };
  // Kept so that the cached read can be written again later by its run id (`openCachedRead`).
  store.runs.putCatalog(job.run.id, readCatalog, job.plans);
  if (await cache.dropIfIncomplete(job.sourceId)) notice(ctx, job.droppedNotice);
  const offered = ctx.options.forceFullRefresh ? [] : job.offer();
  const error = await ingestSource(ctx, source, job, offered);
  if (error !== undefined) tracker.setPhase('finishing');
  await job.run.finish(error, streamStats(tracker, job.plans, error === undefined));
  // A file error (a full disk) says itself what was kept of this read: nothing was.
  const kept = isAirbyteError(error) && error.code === 'FILE_SYSTEM' ? '' : job.failureGuidance(error);
  if (error !== undefined) throw runError(error, job.run.id, kept, ctx.masker);
  return { readCatalog };
}

/** The states a plain read starts from: the cache's own. */
export function offerFromCache(store: WorkspaceStore, sourceId: string, plans: StreamPlan[]): AirbyteStateMessage[] {
  return statesToOffer(store.states.get(sourceId, CACHE_DESTINATION_ID), incrementalKeys(plans));
}

/**
 * The states a read for a destination starts from: the cache's own committed state (it holds the
 * records), falling back to the destination's when the cache knows nothing of a stream the
 * destination was fed directly; then the destination is marked as having everything cached so far
 * for that stream.
 */
export function offerForDestination(
  store: WorkspaceStore,
  sourceId: string,
  destinationId: string,
  plans: StreamPlan[],
): AirbyteStateMessage[] {
  const keys = incrementalKeys(plans);
  const cacheRows = store.states.get(sourceId, CACHE_DESTINATION_ID);
  const destRows = store.states.get(sourceId, destinationId);
  const wholeCache = cacheRows.find((r) => r.type !== 'STREAM');
  const wholeDest = destRows.find((r) => r.type !== 'STREAM');
  if (wholeCache) return [wholeCache.state];
  if (wholeDest) {
    markFedDirectly(store, sourceId, destinationId, keys);
    return [wholeDest.state];
  }
  const out: AirbyteStateMessage[] = [];
  const fallback: string[] = [];
  for (const k of keys) {
    const fromCache = statesToOffer(cacheRows, [k]);
    const fromDest = fromCache.length ? [] : statesToOffer(destRows, [k]);
    out.push(...fromCache, ...fromDest);
    if (fromDest.length) fallback.push(k);
  }
  if (fallback.length) markFedDirectly(store, sourceId, destinationId, fallback);
  return out;
}

function incrementalKeys(plans: StreamPlan[]): string[] {
  return plans.filter((p) => p.syncMode === 'incremental').map((p) => p.key);
}

// The destination already has these streams' records (it was fed without the cache): what the cache
// holds of them now counts as confirmed, so that only records read from here on are replayed.
function markFedDirectly(store: WorkspaceStore, sourceId: string, destinationId: string, streams: string[]): void {
  const positions: Record<string, number> = {};
  for (const k of streams) {
    if (store.cacheIndex.confirmed(sourceId, destinationId, k) === undefined)
      positions[k] = store.cacheIndex.stream(sourceId, k)?.endPos ?? 0;
  }
  store.cacheIndex.setConfirmed(sourceId, destinationId, positions);
}

/** Runs the source's `read` into a cache ingest; returns its error, if any, after committing what may be kept. */
async function ingestSource(ctx: RunContext, source: PipelineSource, job: CacheReadJob, offered: AirbyteStateMessage[]): Promise<unknown> {
  const { tracker, cache } = ctx;
  tracker.setPhase('reading');
  // Segment files of an ingest whose process was killed before committing: the lock says none runs now.
  await cache.removeOrphans();
  const replace = (p: StreamPlan) => p.syncMode === 'full_refresh' || ctx.options.forceFullRefresh === true;
  const ingest = cache.beginIngest(
    job.sourceId,
    job.plans.map((p) => ({ streamKey: p.key, replace: replace(p) })),
  );
  const sink = new IngestSink(ctx, source, ingest, new Set(job.plans.map((p) => p.key)));
  let error: unknown;
  try {
    const run = await source.start(
      { command: 'read', config: source.config, catalog: job.catalog, state: offered },
      { signal: ctx.options.signal, onLog: logTo(ctx.options, source.name), idleTimeoutMs: idleTimeoutOf(ctx.options) },
    );
    for await (const batch of run.routedBatches()) await sink.take(batch);
    warnSourceErrorLogs(ctx, source.name, await run.done);
  } catch (e) {
    error = e;
  }
  // A failed or cancelled read keeps what its last STATE covers, so the next read resumes there.
  let committed: AirbyteStateMessage[];
  try {
    committed = (await ingest.commit({ upToLastState: error !== undefined })).committedStates;
  } catch (commitError) {
    // Its segments could not be written whole (a full disk): nothing of it was kept, which that error says.
    return commitError;
  }
  ctx.store.states.put(job.sourceId, CACHE_DESTINATION_ID, latestRows(committed));
  await ctx.store.save();
  return error;
}

/** Routes a source's output into the ingest: records grouped per stream, states at their place, counts kept. */
class IngestSink {
  private key: string | undefined;
  private group: string[] = [];

  constructor(
    private readonly ctx: RunContext,
    private readonly source: PipelineSource,
    private readonly ingest: CacheIngest,
    private readonly planKeys: ReadonlySet<string>,
  ) {}

  async take(batch: ReadonlyArray<DecodedMessage | DecodedRecordLine>): Promise<void> {
    const { tracker } = this.ctx;
    for (const item of batch) {
      const { raw } = item;
      // RECORD lines come routed but unparsed (the cache keeps the raw line; only its stream is needed).
      const m = isDecodedRecordLine(item) ? undefined : item.message;
      if (!m || m.type === 'RECORD') {
        const route = m?.type === 'RECORD' ? m.record : (item as DecodedRecordLine).route;
        const k = streamKeyOf(route.stream, route.namespace);
        if (!this.ingest.has(k)) {
          tracker.noteOutsideCatalog(k);
          continue;
        }
        if (k !== this.key) {
          await this.flush();
          this.key = k;
        }
        this.group.push(raw);
        const s = tracker.stream(k);
        s.recordsRead++;
        s.bytesRead += raw.length + 1;
      } else if (m.type === 'STATE') {
        await this.flush();
        if (coversStreams(m.state, this.planKeys)) this.ingest.addState(m.state);
      } else if (m.type === 'CONTROL') {
        await handleControl(this.ctx, this.source, m);
      } else {
        tracker.noteEstimate(m);
      }
    }
    await this.flush();
    tracker.emit();
  }

  private async flush(): Promise<void> {
    if (this.key !== undefined && this.group.length) await this.ingest.append(this.key, this.group);
    this.group = [];
  }
}
