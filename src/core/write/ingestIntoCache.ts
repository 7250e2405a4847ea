/**
 * Reading a source into the workspace record cache: records land on disk per stream (see
 * `store/recordCache.ts`) with the source's states, committed as one ingest. A read that fails keeps
 * what its last STATE covers, so the next read resumes there. Used by `Source.read()` and by the
 * first run of a write through the cache.
 */
import type { PipelineSource } from '../connectors/pipelineConnector';
import type { AirbyteError } from '../errors';
import { isAirbyteError } from '../errors';
import type { DecodedMessage, DecodedRecordLines } from '../protocol/lineCodec';
import { isDecodedRecordLines } from '../protocol/lineCodec';
import type { AirbyteCatalog, AirbyteStateMessage, ConfiguredAirbyteCatalog } from '../protocol/messages';
import { streamKey, streamKeyOf } from '../protocol/messages';
import { CACHE_DESTINATION_ID } from '../store/committedStates';
import type { CacheIngest, RecordChunks } from '../store/recordCache';
import type { WorkspaceStore } from '../store/workspaceStore';
import type { StreamPlan } from './catalogBuilder';
import { handleControl } from './connectorControl';
import type { RecordedRun } from './recordedRun';
import { recordsMayMove } from './recordsGate';
import type { RunContext } from './runContext';
import { idleTimeoutOf, logTo, notice } from './runContext';
import { readStats, runError } from './runOutcome';
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
  const { offered, readCatalog } = await prepareRead(ctx, job);
  const ingest = await beginReadIngest(ctx, job);
  const error = await ingestSource(ctx, source, job, ingest, offered);
  const failure = await finishRead(ctx, job, error);
  if (failure !== undefined) throw failure;
  return { readCatalog };
}

/**
 * What a read needs before its source starts: the read's catalog kept with its run, a cache with
 * missing files dropped, and the states to offer the source.
 */
export async function prepareRead(
  ctx: RunContext,
  job: CacheReadJob,
): Promise<{ offered: AirbyteStateMessage[]; readCatalog: AirbyteCatalog }> {
  const { store, cache } = ctx;
  const readCatalog = {
    streams: job.plans.map((p) => job.discovered.streams.find((s) => streamKey(s) === p.key)!).filter(Boolean),
  };
  // Kept so that the cached read can be written again later by its run id (`openCachedRead`).
  store.runs.putCatalog(job.run.id, readCatalog, job.plans);
  if (await cache.dropIfIncomplete(job.sourceId)) notice(ctx, job.droppedNotice);
  return { offered: ctx.options.forceFullRefresh ? [] : job.offer(), readCatalog };
}

/** Records the read run's outcome; returns the error to report (naming the run), if it failed. */
export async function finishRead(ctx: RunContext, job: CacheReadJob, error: unknown): Promise<AirbyteError | undefined> {
  // (A destination written at the same time owns the phase: its run goes on.)
  if (error !== undefined && ctx.tracker.runId === job.run.id) ctx.tracker.setPhase('finishing');
  await job.run.finish(error, readStats(ctx.tracker, job.plans, error === undefined));
  if (error === undefined) return undefined;
  // A file error (a full disk) says itself what was kept of this read: nothing was.
  const kept = isAirbyteError(error) && error.code === 'FILE_SYSTEM' ? '' : job.failureGuidance(error);
  return runError(error, job.run.id, kept, ctx.masker);
}

/**
 * Starts the cache ingest of a read. The cache's own state (what the source was read up to)
 * advances with every commit or checkpoint of it, in the same save.
 */
export async function beginReadIngest(ctx: RunContext, job: CacheReadJob): Promise<CacheIngest> {
  const { cache, store } = ctx;
  // Segment files of an ingest whose process was killed before committing: the lock says none runs now.
  await cache.removeOrphans();
  return cache.beginIngest(
    job.sourceId,
    job.plans.map((p) => ({ streamKey: p.key, replace: replacesStream(ctx, p) })),
    (states) => store.states.put(job.sourceId, CACHE_DESTINATION_ID, latestRows(states)),
  );
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

/** True when a read replaces the stream's cached records (a new generation) rather than adding to them. */
export function replacesStream(ctx: RunContext, p: StreamPlan): boolean {
  return p.syncMode === 'full_refresh' || ctx.options.forceFullRefresh === true;
}

/** Where a read's records and states go besides the cache: a destination fed while the source is read. */
export interface IngestTee {
  /** Record lines of one stream, just appended to the cache. */
  records(streamKey: string, lines: RecordChunks): Promise<void>;
  /** A source state, just noted by the ingest at the positions of what it covers (`count`: states noted so far). */
  state(state: AirbyteStateMessage, noted: { positions: Record<string, number>; count: number }): Promise<void>;
}

/**
 * Runs the source's `read` into the cache ingest (and into `feed.tee`, a destination written at the
 * same time, which then owns the run's phase); returns its error, if any, after committing what may be kept.
 */
export async function ingestSource(
  ctx: RunContext,
  source: PipelineSource,
  job: CacheReadJob,
  ingest: CacheIngest,
  offered: AirbyteStateMessage[],
  feed?: { tee: IngestTee; signal: AbortSignal },
): Promise<unknown> {
  if (!feed) ctx.tracker.setPhase('reading');
  const sink = new IngestSink(ctx, source, ingest, new Set(job.plans.map((p) => p.key)), feed?.tee);
  let error: unknown;
  try {
    const run = await source.start(
      { command: 'read', config: source.config, catalog: job.catalog, state: offered },
      { signal: feed?.signal ?? ctx.options.signal, onLog: logTo(ctx.options, source.name), idleTimeoutMs: idleTimeoutOf(ctx.options) },
    );
    const refused = await recordsMayMove(ctx);
    if (refused !== undefined) {
      // The destination failed its check: the source (being stopped) is not read. Its container is
      // gone before the run ends: a process that exits right after must not leave it running.
      await run.drain().catch(() => undefined);
      throw refused;
    }
    for await (const batch of run.routedBatches()) await sink.take(batch);
    warnSourceErrorLogs(ctx, source.name, await run.done);
  } catch (e) {
    error = e;
  }
  // A failed or cancelled read keeps what its last STATE covers, so the next read resumes there.
  try {
    await ingest.commit({ upToLastState: error !== undefined });
  } catch (commitError) {
    // Its segments could not be written whole (a full disk): nothing of it was kept, which that error says.
    return commitError;
  }
  return error;
}

/** Routes a source's output into the ingest: records grouped per stream, states at their place, counts kept. */
class IngestSink {
  private key: string | undefined;
  private group: Buffer[] = [];
  private groupCount = 0;
  private groupBytes = 0;

  constructor(
    private readonly ctx: RunContext,
    private readonly source: PipelineSource,
    private readonly ingest: CacheIngest,
    private readonly planKeys: ReadonlySet<string>,
    private readonly tee?: IngestTee,
  ) {}

  async take(batch: ReadonlyArray<DecodedMessage | DecodedRecordLines>): Promise<void> {
    const { tracker } = this.ctx;
    for (const item of batch) {
      // RECORD lines come routed but unparsed, in the source's own bytes: the cache keeps them as they are.
      const m = isDecodedRecordLines(item) ? undefined : item.message;
      if (!m || m.type === 'RECORD') {
        const route = m?.type === 'RECORD' ? m.record : (item as DecodedRecordLines).route;
        const k = streamKeyOf(route.stream, route.namespace);
        const lines = m ? Buffer.from(`${(item as DecodedMessage).raw}\n`, 'utf8') : (item as DecodedRecordLines).bytes;
        const count = m ? 1 : (item as DecodedRecordLines).count;
        if (!this.ingest.has(k)) {
          tracker.noteOutsideCatalog(k, count);
          continue;
        }
        if (k !== this.key) {
          await this.flush();
          this.key = k;
        }
        this.group.push(lines);
        this.groupCount += count;
        this.groupBytes += lines.length;
        const s = tracker.stream(k);
        s.recordsRead += count;
        s.bytesRead += lines.length;
      } else if (m.type === 'STATE') {
        await this.flush();
        if (!coversStreams(m.state, this.planKeys)) continue;
        const noted = this.ingest.addState(m.state);
        if (this.tee) await this.tee.state(m.state, noted);
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
    if (this.key !== undefined && this.groupCount > 0) {
      const lines: RecordChunks = { chunks: this.group, count: this.groupCount, bytes: this.groupBytes };
      await this.ingest.append(this.key, lines);
      if (this.tee) await this.tee.records(this.key, lines);
    }
    this.group = [];
    this.groupCount = 0;
    this.groupBytes = 0;
  }
}
