/**
 * A write through the cache, pipelined: the source is read into the cache and, at the same time,
 * the destination is fed what it has not confirmed: first what earlier reads cached, then this
 * read's records as they reach the cache. A run costs about the slower of the two sides, not their sum.
 *
 * The cache stays the durable buffer it was when the two ran one after the other:
 * - a confirmation never runs ahead of the cache: before an echoed STATE is stored, a checkpoint of
 *   the read makes the records and states it covers visible in the cache (synced first), so the
 *   confirmed position of a stream never lies beyond what the cache holds; streams the read
 *   replaces become visible only when the read commits, and so do their confirmations;
 * - a destination that fails (or is killed) stops being fed, while the source goes on into the
 *   cache: the next run sends what the destination did not confirm, from the cache;
 * - a source that fails ends the destination's input as INCOMPLETE; what the destination confirmed
 *   stays confirmed, and the read keeps what its last state covers, as before.
 */
import type { PipelineConnector, PipelineSource } from '../connectors/pipelineConnector';
import type { AirbyteStateMessage, ConfiguredAirbyteCatalog } from '../protocol/messages';
import { message as build } from '../protocol/messages';
import { isCacheDamage } from '../store/cacheReader';
import type { CacheIngest } from '../store/recordCache';
import type { StreamPlan } from './catalogBuilder';
import { endedEarly, statusLines } from './destinationOutput';
import type { CacheReadJob } from './ingestIntoCache';
import { beginReadIngest, finishRead, ingestSource, prepareRead, replacesStream } from './ingestIntoCache';
import { LiveFeed } from './liveFeed';
import type { Positions, ReplayPlan } from './replayFromCache';
import { ConfirmedPositions, dropDamagedCache, replayFromCache, replayInput, replayRange, writeFromInput } from './replayFromCache';
import type { RunContext } from './runContext';
import { recordsMayMove } from './recordsGate';
import { StateCommitter } from './stateCommitter';
import { PendingStates } from './stateManager';

/** What a state sent to the destination covers: cache positions, and (a state of this read) how many states the read had noted. */
interface Sent {
  positions: Positions;
  stateCount?: number;
}

/** A read into the cache and the write fed by it, once both runs are recorded and the catalog is built. */
export interface PipelinedJob {
  read: CacheReadJob;
  source: PipelineSource;
  destination: PipelineConnector;
  ids: { sourceId: string; destinationId: string };
  plans: StreamPlan[];
  /** The destination's catalog (its sync id is the write run's). */
  catalog: ConfiguredAirbyteCatalog;
  /** Told about streams whose confirmed state matches no cached checkpoint, even after this read (all of their cached records are sent). */
  onUnmatched: (streams: string[]) => void;
}

/**
 * Reads the source into the cache while the destination writes; resolves with each side's error,
 * if any (the read run is recorded here, the write run is the caller's to finish).
 */
export async function readWhileWriting(
  ctx: RunContext,
  job: PipelinedJob,
  confirmFromCommittedState: () => string[],
): Promise<{ sourceError?: unknown; destinationError?: unknown }> {
  const { offered } = await prepareRead(ctx, job.read);
  // The destination's state is not among the cached checkpoints (it was fed streamed, ahead of the
  // cache): where it lies is known only once this read's checkpoints are in, so the read goes first.
  if (confirmFromCommittedState().length) return readThenWrite(ctx, job, offered, confirmFromCommittedState);
  const replaced = new Set(job.plans.filter((p) => replacesStream(ctx, p)).map((p) => p.key));
  const range = earlierReads(ctx, job, replaced);
  const ingest = await beginReadIngest(ctx, job.read);
  const feed = new LiveFeed();
  // The source stops with the caller's signal, or when the cache turns out damaged (see below).
  const stopSource = new AbortController();
  const signal = ctx.options.signal ? AbortSignal.any([ctx.options.signal, stopSource.signal]) : stopSource.signal;
  const reading = ingestSource(ctx, job.source, job.read, ingest, offered, { tee: feed, signal }).then((error) => {
    feed.end(error);
    return error;
  });
  const writing = feedDestination(ctx, job, { range, feed, ingest, replaced });
  const destination = await writing.outcome;
  // Nobody takes what the source reads any more: it goes on into the cache alone.
  feed.close();
  if (isCacheDamage(destination.error)) stopSource.abort(destination.error);
  // The read run is recorded; its error (naming it) is the write's source error.
  const sourceError = await finishRead(ctx, job.read, await reading);
  // Confirmations of streams the read replaced wait for its commit; now the cache says what it holds.
  await writing.applyDeferred();
  if (!destination.error && !sourceError) writing.commits.endedCleanly(ctx, job.destination.name, job.plans);
  await writing.commits.settled();
  if (isCacheDamage(destination.error)) {
    return { destinationError: await dropDamagedCache(ctx, job.ids.sourceId, job.destination.name, destination.error) };
  }
  return { sourceError, destinationError: destination.error };
}

/** The two stages one after the other: the whole read into the cache, then the replay of what the destination has not confirmed. */
async function readThenWrite(
  ctx: RunContext,
  job: PipelinedJob,
  offered: AirbyteStateMessage[],
  confirmFromCommittedState: () => string[],
): Promise<{ sourceError?: unknown; destinationError?: unknown }> {
  const ingest = await beginReadIngest(ctx, job.read);
  const sourceError = await finishRead(ctx, job.read, await ingestSource(ctx, job.source, job.read, ingest, offered));
  if (sourceError) return { sourceError };
  const unmatched = confirmFromCommittedState();
  if (unmatched.length) job.onUnmatched(unmatched);
  const { error } = await replayFromCache(ctx, job.destination, job.ids, job.plans, job.catalog);
  return { destinationError: error };
}

/**
 * What earlier reads cached that the destination has not confirmed: their ranges and states, taken
 * before this read changes the cache. A stream this read replaces has none (its new generation is
 * sent as it is read).
 */
function earlierReads(ctx: RunContext, job: PipelinedJob, replaced: ReadonlySet<string>): ReplayPlan {
  const { sourceId, destinationId } = job.ids;
  const { from, to } = replayRange(ctx, sourceId, destinationId, job.plans);
  for (const key of replaced) from[key] = to[key];
  return { from, to, states: ctx.store.cacheIndex.states(sourceId) };
}

interface Feeding {
  range: ReplayPlan;
  feed: LiveFeed;
  ingest: CacheIngest;
  replaced: ReadonlySet<string>;
}

/** Starts the destination on its input; `outcome` resolves when it has exited. */
function feedDestination(ctx: RunContext, job: PipelinedJob, feeding: Feeding) {
  const { range, feed, ingest, replaced } = feeding;
  const pending = new PendingStates<Sent>();
  // Confirmed positions the cache does not hold yet (streams being replaced, states not checkpointed).
  const deferred: Positions = {};
  const ingestFinished = { done: false };
  const confirmed = new ConfirmedPositions(ctx, job.ids, job.plans, range.from);
  const confirm = (positions: Positions) => {
    const ready: Positions = {};
    for (const [key, pos] of Object.entries(positions)) {
      if (confirmed.has(key, pos)) continue;
      const visible = !replaced.has(key) || ingestFinished.done;
      if (visible && pos <= (ctx.cache.streamInfo(job.ids.sourceId, key)?.endPos ?? 0)) {
        ready[key] = pos;
        delete deferred[key];
      } else deferred[key] = pos;
    }
    confirmed.store(ready);
  };
  const commits = new StateCommitter<Sent>(
    ctx.store,
    job.ids.sourceId,
    job.ids.destinationId,
    pending,
    ({ positions }) => confirm(positions),
    async ({ stateCount }) => {
      if (stateCount !== undefined) await ingest.checkpoint(stateCount);
    },
  );
  const failure: { error?: unknown } = {};
  const input = { finished: false };
  const stdin = destinationInput(ctx, job, range, feed, pending, failure, input);
  const outcome = writeFromInput(ctx, job.destination, job.catalog, stdin, commits).then(({ error }) => {
    // A damaged cache is the cause even when the destination then failed on its INCOMPLETE input;
    // a destination that exits, even with 0, before it read all of its input did not write the rest.
    return { error: failure.error ?? error ?? (input.finished ? undefined : endedEarly(job.destination.name)) };
  });
  return {
    outcome,
    commits,
    /** The read has committed: confirmations that waited for it are stored as far as the cache holds them. */
    async applyDeferred(): Promise<void> {
      ingestFinished.done = true;
      if (Object.keys(deferred).length === 0) return;
      confirm({ ...deferred });
      await ctx.store.save();
    },
  };
}

/**
 * The destination's input: what earlier reads cached (see `replayInput`), then this read's records
 * and states as they reach the cache, then the status lines (INCOMPLETE when the source failed).
 */
async function* destinationInput(
  ctx: RunContext,
  job: PipelinedJob,
  range: ReplayPlan,
  feed: LiveFeed,
  pending: PendingStates<Sent>,
  failure: { error?: unknown },
  input: { finished: boolean },
): AsyncGenerator<Buffer | string> {
  try {
    const refused = await recordsMayMove(ctx);
    if (refused !== undefined) {
      // The destination failed its check (it is being stopped): it gets nothing, not even the status lines.
      failure.error = refused;
      return;
    }
    yield* replayInput(ctx, job.ids.sourceId, job.plans, range, pending, failure, false);
    // The cache is damaged: nothing more is sent (the source is stopped once the destination exits).
    if (failure.error !== undefined) feed.close();
    else {
      for await (const item of feed.items()) {
        if (item.kind === 'records') {
          const s = ctx.tracker.stream(item.streamKey);
          s.recordsSent += item.lines.count;
          s.bytesSent += item.lines.bytes;
          ctx.tracker.emit();
          yield* item.lines.chunks;
        } else {
          pending.push(item.state, { positions: item.positions, stateCount: item.count });
          yield `${JSON.stringify(build.state(item.state))}\n`;
        }
      }
    }
    const complete = failure.error === undefined && feed.sourceError === undefined;
    yield statusLines(ctx, job.plans, complete ? 'COMPLETE' : 'INCOMPLETE');
    input.finished = true;
  } finally {
    // Closed before its end (the destination exited or failed): nothing more is kept for it.
    if (!input.finished) feed.close();
  }
}
