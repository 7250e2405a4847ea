/**
 * Writing from the record cache: the cached records a destination has not confirmed are sent,
 * interleaved with the source states read with them, so each echoed STATE confirms a cache position.
 * Used by a write through the cache (after its read) and by a write of a ReadResult (`cache:N`).
 */
import type { PipelineConnector } from '../connectors/pipelineConnector';
import { AirbyteError } from '../errors';
import type { ConfiguredAirbyteCatalog } from '../protocol/messages';
import { message as build } from '../protocol/messages';
import { isCacheDamage } from '../store/cacheReader';
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
    // A full refresh (an overwrite, or --full-refresh) sends the whole cached read, whatever was confirmed.
    const whole = p.truncate || ctx.options.forceFullRefresh === true;
    from[p.key] = whole ? info.generationStart : Math.max(info.generationStart, confirmed ?? info.generationStart);
    to[p.key] = info.endPos;
  }
  return { from, to };
}

/**
 * The destination's input: cached record chunks up to each state's positions, the state, and so on
 * to the end. Each stream's segments are read once, front to back, by one reader that carries on
 * between checkpoints. A read that fails (a damaged cache) ends the input as INCOMPLETE and is kept
 * in `failure`: nothing after the damage is sent, and the run fails with it.
 */
async function* replayInput(
  ctx: RunContext,
  sourceId: string,
  plans: StreamPlan[],
  range: { from: Positions; to: Positions },
  pending: PendingStates<Positions>,
  failure: { error?: unknown },
): AsyncGenerator<Buffer | string> {
  const { cache, tracker } = ctx;
  const { from, to } = range;
  const readers = new Map(plans.map((p) => [p.key, cache.reader(sourceId, p.key, from[p.key], to[p.key], ctx.options.signal)]));
  async function* recordsUpTo(key: string, target: number): AsyncGenerator<Buffer> {
    const s = tracker.stream(key);
    for await (const chunk of readers.get(key)!.until(target)) {
      s.recordsSent += chunk.count;
      s.bytesSent += chunk.bytes.length;
      tracker.emit();
      yield chunk.bytes;
    }
  }
  try {
    for (const entry of ctx.store.cacheIndex.states(sourceId)) {
      for (const p of plans) if (entry.positions[p.key] !== undefined) yield* recordsUpTo(p.key, entry.positions[p.key]);
      const coversNew = plans.some((p) => (entry.positions[p.key] ?? -1) > from[p.key]);
      if (!coversNew) continue;
      // What the state covers (a STREAM state: its stream) is confirmed when it is echoed.
      const positions: Positions = {};
      for (const p of plans) if (entry.positions[p.key] !== undefined) positions[p.key] = readers.get(p.key)!.position;
      pending.push(entry.state, positions);
      yield `${JSON.stringify(build.state(entry.state))}\n`;
    }
    for (const p of plans) yield* recordsUpTo(p.key, to[p.key]);
  } catch (error) {
    failure.error = error;
  } finally {
    for (const r of readers.values()) await r.close();
  }
  yield statusLines(plans, failure.error === undefined ? 'COMPLETE' : 'INCOMPLETE');
}

/**
 * Replays cached records this destination has not confirmed; resolves with the run's error, if
 * any: the destination's, or a damaged cache's (then the source's cache is dropped, see below).
 */
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
  const failure: { error?: unknown } = {};
  let outcome: { error?: unknown };
  try {
    const stdin = replayInput(ctx, sourceId, plans, range, pending, failure);
    const run = await destination.start(
      { command: 'write', config: destination.config, catalog, stdin },
      { signal: ctx.options.signal, onLog: logTo(ctx.options, destination.name), idleTimeoutMs: idleTimeoutOf(ctx.options) },
    );
    outcome = await followDestination(ctx, destination, run, commits.onEcho);
  } catch (error) {
    // The destination did not start (a missing image, a config its spec rejects): the run fails with that.
    outcome = { error };
  }
  // A damaged cache is the cause even when the destination then failed on its INCOMPLETE input.
  const error = failure.error ?? outcome.error;
  if (!error) commits.endedCleanly(ctx, destination.name, plans);
  await commits.settled();
  if (isCacheDamage(error)) return { error: await dropDamagedCache(ctx, sourceId, destination.name, error) };
  return { error };
}

/**
 * The cache of a source turned out damaged: it is dropped (index, files and the cache's own state),
 * so that the next write of the source reads again from what each destination confirmed.
 */
async function dropDamagedCache(ctx: RunContext, sourceId: string, destination: string, damage: AirbyteError): Promise<AirbyteError> {
  await ctx.cache.drop(sourceId);
  return new AirbyteError('STORE_CORRUPT', {
    message: damage.message,
    guidance:
      `The cached records of this source were dropped; what ${destination} confirmed before the damage stays confirmed. ` +
      `Write the source itself again (airbyte-write write --source <source config> --destination <destination config>, not cache:N): ` +
      `it reads again from the source what ${destination} has not confirmed.`,
    context: damage.context,
    cause: damage,
  });
}
