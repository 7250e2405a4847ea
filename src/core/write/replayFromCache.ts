/**
 * Writing from the record cache: the cached records a destination has not confirmed are sent,
 * interleaved with the source states read with them, so each echoed STATE confirms a cache position.
 * Used by a write through the cache (after its read) and by a write of a ReadResult (`cache:N`).
 */
import type { PipelineConnector } from '../connectors/pipelineConnector';
import type { ConfiguredAirbyteCatalog } from '../protocol/messages';
import { message as build } from '../protocol/messages';
import type { StreamPlan } from './catalogBuilder';
import { followDestination, statusLines } from './destinationOutput';
import type { RunContext } from './runContext';
import { idleTimeoutOf, logTo } from './runContext';
import { StateCommitter } from './stateCommitter';
import { PendingStates } from './stateManager';

type Positions = Record<string, number>;

/** Per stream, where the replay starts (what the destination confirmed, or the generation start) and ends. */
function replayRange(ctx: RunContext, sourceId: string, destinationId: string, plans: StreamPlan[]): { from: Positions; to: Positions } {
  const from: Positions = {};
  const to: Positions = {};
  for (const p of plans) {
    const info = ctx.cache.streamInfo(sourceId, p.key) ?? { generationStart: 0, endPos: 0 };
    const confirmed = ctx.store.cacheIndex.confirmed(sourceId, destinationId, p.key);
    from[p.key] = p.truncate ? info.generationStart : Math.max(info.generationStart, confirmed ?? info.generationStart);
    to[p.key] = info.endPos;
  }
  return { from, to };
}

/** The destination's input: cached record chunks up to each state's positions, the state, and so on to the end. */
async function* replayInput(
  ctx: RunContext,
  sourceId: string,
  plans: StreamPlan[],
  range: { from: Positions; to: Positions },
  pending: PendingStates<Positions>,
): AsyncGenerator<Buffer | string> {
  const { cache, tracker } = ctx;
  const { from, to } = range;
  const sent = { ...from };
  async function* recordsUpTo(key: string, target: number): AsyncGenerator<Buffer> {
    const end = Math.min(target, to[key]);
    if (end <= sent[key]) return;
    const s = tracker.stream(key);
    for await (const chunk of cache.chunks(sourceId, key, sent[key], end, ctx.options.signal)) {
      s.recordsSent += chunk.count;
      s.bytesSent += chunk.bytes.length;
      tracker.emit();
      yield chunk.bytes;
    }
    sent[key] = end;
  }
  for (const entry of ctx.store.cacheIndex.states(sourceId)) {
    for (const p of plans) if (entry.positions[p.key] !== undefined) yield* recordsUpTo(p.key, entry.positions[p.key]);
    const coversNew = plans.some((p) => (entry.positions[p.key] ?? -1) > from[p.key]);
    if (!coversNew) continue;
    const positions: Positions = {};
    for (const p of plans) positions[p.key] = Math.min(sent[p.key], to[p.key]);
    pending.push(entry.state, positions);
    yield `${JSON.stringify(build.state(entry.state))}\n`;
  }
  for (const p of plans) yield* recordsUpTo(p.key, to[p.key]);
  yield statusLines(plans, 'COMPLETE');
}

/** Replays cached records this destination has not confirmed; resolves with the destination's error, if any. */
export async function replayFromCache(
  ctx: RunContext,
  destination: PipelineConnector,
  ids: { sourceId: string; destinationId: string },
  plans: StreamPlan[],
  catalog: ConfiguredAirbyteCatalog,
): Promise<{ error?: unknown }> {
  const { store, tracker } = ctx;
  const { sourceId, destinationId } = ids;
  tracker.setPhase('writing');
  const range = replayRange(ctx, sourceId, destinationId, plans);
  const pending = new PendingStates<Positions>();
  const confirm = (positions: Positions) => {
    store.cacheIndex.setConfirmed(sourceId, destinationId, positions);
    for (const p of plans)
      if (positions[p.key] !== undefined) tracker.stream(p.key).recordsConfirmed = Math.max(0, positions[p.key] - range.from[p.key]);
  };
  const commits = new StateCommitter(store, sourceId, destinationId, pending, confirm);
  let outcome: { error?: unknown };
  try {
    const run = await destination.start(
      { command: 'write', config: destination.config, catalog, stdin: replayInput(ctx, sourceId, plans, range, pending) },
      { signal: ctx.options.signal, onLog: logTo(ctx.options, destination.name), idleTimeoutMs: idleTimeoutOf(ctx.options) },
    );
    outcome = await followDestination(ctx, destination, run, commits.onEcho);
  } catch (error) {
    // The destination did not start (a missing image, a config its spec rejects): the run fails with that.
    outcome = { error };
  }
  if (!outcome.error) commits.endedCleanly(ctx, destination.name, plans);
  await commits.settled();
  return outcome;
}
