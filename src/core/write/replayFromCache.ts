/**
 * Writing from the record cache: the cached records a destination has not confirmed are sent,
 * interleaved with the source states read with them, so each echoed STATE confirms a cache position.
 * Used by a write through the cache (after its read) and by a write of a ReadResult (`cache:N`).
 */
import type { PipelineConnector } from '../connectors/pipelineConnector';
import { AirbyteError } from '../errors';
import type { AirbyteStateMessage, ConfiguredAirbyteCatalog } from '../protocol/messages';
import { message as build } from '../protocol/messages';
import { BlockBuffers, isCacheDamage } from '../store/cacheReader';
import type { StreamPlan } from './catalogBuilder';
import { followDestination, statusLines } from './destinationOutput';
import type { RunContext } from './runContext';
import { idleTimeoutOf, logTo } from './runContext';
import { recordsMayMove } from './recordsGate';
import { StateCommitter } from './stateCommitter';
import { PendingStates } from './stateManager';

export type Positions = Record<string, number>;

/** Per stream, where the replay starts (what the destination confirmed, or the generation start) and ends. */
export function replayRange(
  ctx: RunContext,
  sourceId: string,
  destinationId: string,
  plans: StreamPlan[],
): { from: Positions; to: Positions } {
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

/** What a replay sends: each stream's range, and the cached states (taken before anything else is cached). */
export interface ReplayPlan {
  from: Positions;
  to: Positions;
  states: ReadonlyArray<{ state: AirbyteStateMessage; positions: Positions }>;
}

/**
 * The destination's input: cached record chunks up to each state's positions, the state, and so on
 * to the end; then, with `end`, the status lines that end it. Each stream's segments are read once,
 * front to back, by one reader that carries on between checkpoints. A read that fails (a damaged
 * cache) is kept in `failure` and ends the input (as INCOMPLETE with `end`): nothing after the
 * damage is sent, and the run fails with it.
 */
export async function* replayInput(
  ctx: RunContext,
  sourceId: string,
  plans: StreamPlan[],
  range: ReplayPlan,
  pending: PendingStates<{ positions: Positions }>,
  failure: { error?: unknown },
  end = true,
): AsyncGenerator<Buffer | string> {
  const refused = await recordsMayMove(ctx);
  if (refused !== undefined) {
    // The destination failed its check (it is being stopped): it gets nothing, not even the status lines.
    failure.error = refused;
    return;
  }
  const { cache, tracker } = ctx;
  const { from, to } = range;
  // One set of block buffers for every stream, used again as the destination takes what was sent.
  const reading = { signal: ctx.options.signal, buffers: new BlockBuffers() };
  const readers = new Map(plans.map((p) => [p.key, cache.reader(sourceId, p.key, from[p.key], to[p.key], reading)]));
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
    for (const entry of range.states) {
      for (const p of plans) if (entry.positions[p.key] !== undefined) yield* recordsUpTo(p.key, entry.positions[p.key]);
      const coversNew = plans.some((p) => (entry.positions[p.key] ?? -1) > from[p.key]);
      if (!coversNew) continue;
      // What the state covers (a STREAM state: its stream) is confirmed when it is echoed.
      const positions: Positions = {};
      for (const p of plans) if (entry.positions[p.key] !== undefined) positions[p.key] = readers.get(p.key)!.position;
      pending.push(entry.state, { positions });
      yield `${JSON.stringify(build.state(entry.state))}\n`;
    }
    for (const p of plans) yield* recordsUpTo(p.key, to[p.key]);
  } catch (error) {
    failure.error = error;
  } finally {
    for (const r of readers.values()) await r.close();
  }
  if (end) yield statusLines(ctx, plans, failure.error === undefined ? 'COMPLETE' : 'INCOMPLETE');
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
  ctx.tracker.setPhase('writing');
  const range = { ...replayRange(ctx, ids.sourceId, ids.destinationId, plans), states: ctx.store.cacheIndex.states(ids.sourceId) };
  const pending = new PendingStates<{ positions: Positions }>();
  const confirmed = new ConfirmedPositions(ctx, ids, plans, range.from);
  const commits = new StateCommitter(ctx.store, ids.sourceId, ids.destinationId, pending, ({ positions }) => confirmed.store(positions));
  const failure: { error?: unknown } = {};
  const outcome = await writeFromInput(ctx, destination, catalog, replayInput(ctx, ids.sourceId, plans, range, pending, failure), commits);
  // A damaged cache is the cause even when the destination then failed on its INCOMPLETE input.
  const error = failure.error ?? outcome.error;
  if (!error) commits.endedCleanly(ctx, destination.name, plans);
  await commits.settled();
  if (isCacheDamage(error)) return { error: await dropDamagedCache(ctx, ids.sourceId, destination.name, error) };
  return { error };
}

/**
 * The cache positions a destination has confirmed in this run: each is stored, with the count it
 * means for the run, when it moves: a GLOBAL state names every stream's position (1,000 streams,
 * 1,000 positions at each), and only those that moved are written.
 */
export class ConfirmedPositions {
  private readonly stored = new Map<string, number>();
  private readonly planned: ReadonlySet<string>;

  constructor(
    private readonly ctx: RunContext,
    private readonly ids: { sourceId: string; destinationId: string },
    plans: StreamPlan[],
    /** Where this run started in each stream's cache. */
    private readonly from: Positions,
  ) {
    this.planned = new Set(plans.map((p) => p.key));
  }

  /** True when `position` is what this run has stored for `key` already. */
  has(key: string, position: number): boolean {
    return this.stored.get(key) === position;
  }

  store(positions: Positions): void {
    const moved: Positions = {};
    for (const [key, pos] of Object.entries(positions)) {
      if (this.stored.get(key) === pos) continue;
      this.stored.set(key, pos);
      moved[key] = pos;
      if (this.planned.has(key)) this.ctx.tracker.stream(key).recordsConfirmed = Math.max(0, pos - this.from[key]);
    }
    this.ctx.store.cacheIndex.setConfirmed(this.ids.sourceId, this.ids.destinationId, moved);
  }
}

/** Runs the destination's `write` on `stdin`, following what it echoes, until it exits; resolves with its error, if any. */
export async function writeFromInput<P>(
  ctx: RunContext,
  destination: PipelineConnector,
  catalog: ConfiguredAirbyteCatalog,
  stdin: AsyncIterable<Buffer | string>,
  commits: StateCommitter<P>,
): Promise<{ error?: unknown }> {
  try {
    const run = await destination.start(
      { command: 'write', config: destination.config, catalog, stdin },
      { signal: ctx.options.signal, onLog: logTo(ctx.options, destination.name), idleTimeoutMs: idleTimeoutOf(ctx.options) },
    );
    return await followDestination(ctx, destination, run, commits.onEcho);
  } catch (error) {
    // The destination did not start (a missing image, a config its spec rejects): the run fails with that.
    return { error };
  }
}

/**
 * The cache of a source turned out damaged: it is dropped (index, files and the cache's own state),
 * so that the next write of the source reads again from what each destination confirmed.
 */
export async function dropDamagedCache(
  ctx: RunContext,
  sourceId: string,
  destination: string,
  damage: AirbyteError,
): Promise<AirbyteError> {
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
