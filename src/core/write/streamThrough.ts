/**
 * Writing a source straight into a destination (`cache: false`): the source's stdout lines are
 * forwarded untouched to the destination's stdin, with backpressure end to end. Each source STATE
 * is held until the destination echoes it, then committed with the counts it covers.
 */
import type { ConnectorRun } from '../connectors/connectorProcess';
import type { PipelineConnector, PipelineSource } from '../connectors/pipelineConnector';
import type { DecodedMessage, DecodedRecordLines } from '../protocol/lineCodec';
import { isDecodedRecordLines } from '../protocol/lineCodec';
import type { AirbyteStateMessage, ConfiguredAirbyteCatalog } from '../protocol/messages';
import { streamKeyOf } from '../protocol/messages';
import type { StreamPlan } from './catalogBuilder';
import { handleControl } from './connectorControl';
import { endedEarly, followDestination, statusLines } from './destinationOutput';
import type { StreamProgress } from './progressTracker';
import type { RunContext } from './runContext';
import { idleTimeoutOf, logTo } from './runContext';
import { warnSourceErrorLogs } from './runWarnings';
import { recordsMayMove } from './recordsGate';
import { StateCommitter } from './stateCommitter';
import { PendingStates, coversStreams } from './stateManager';

type Counts = Record<string, number>;

/**
 * How long the forwarder runs before it lets the event loop turn. In-process connectors (the
 * built-ins) pass data from source to destination through promises alone, which never reach the
 * loop's I/O phase: the store's save after an echo then waited for the pipeline to stall, over a
 * second, and a kill in between left rows written but not confirmed.
 */
const LOOP_TURN_MS = 10;
/** Messages per chunk handed to the destination: an in-process destination handles a chunk without a break. */
const SLICE_ITEMS = 512;

/** The source's output as the destination's input: record and state lines forwarded, counted, states held as pending. */
class SourceForwarder {
  private readonly keys: ReadonlySet<string>;
  readonly pending = new PendingStates<Counts>();
  /** Streams with records sent since the last state. */
  private readonly moved = new Set<string>();
  /** Set once the destination has started reading. */
  started = false;
  /** Set once the destination has read all of it (the source ended and its status lines were taken). */
  finished = false;
  /** Why the source ended early, if it did. */
  error: unknown;

  constructor(
    private readonly ctx: RunContext,
    private readonly source: PipelineSource,
    private readonly run: ConnectorRun,
    private readonly plans: StreamPlan[],
  ) {
    this.keys = new Set(plans.map((p) => p.key));
  }

  /**
   * What an echoed state sent now would confirm: the records sent so far of each stream that moved
   * since the last state. The states' payloads are applied in order (an echo settles every state
   * before it), so a stream that did not move keeps what the state before said: with 1,000 streams,
   * every state carried 1,000 counts, and every echo set 1,000 of them.
   */
  sentCounts(): Counts {
    const counts: Counts = {};
    for (const key of this.moved) counts[key] = this.ctx.tracker.stream(key).recordsSent;
    this.moved.clear();
    return counts;
  }

  /** `onCut` is called when the destination stops taking input before its end (it exited or failed). */
  async *input(onCut: () => void): AsyncGenerator<Buffer | string> {
    this.started = true;
    const refused = await recordsMayMove(this.ctx);
    if (refused !== undefined) {
      // The destination failed its check: both sides are being stopped, and neither gets a byte.
      this.error = refused;
      this.finished = true;
      void this.run.drain().catch(() => undefined);
      return;
    }
    try {
      try {
        // RECORD lines come routed but unparsed, as runs of one stream's lines in the source's own
        // bytes: counted and forwarded as they are, never turned into strings.
        let turn = Date.now();
        for await (const batch of this.run.routedBatches()) {
          for (let i = 0; i < batch.length; i += SLICE_ITEMS) {
            for (const part of await this.forward(i === 0 && batch.length <= SLICE_ITEMS ? batch : batch.slice(i, i + SLICE_ITEMS)))
              yield part;
            if (Date.now() - turn >= LOOP_TURN_MS) {
              await new Promise((resolve) => setImmediate(resolve));
              turn = Date.now();
            }
          }
        }
        warnSourceErrorLogs(this.ctx, this.source.name, await this.run.done);
      } catch (error) {
        this.error = error;
      }
      yield statusLines(this.ctx, this.plans, this.error ? 'INCOMPLETE' : 'COMPLETE');
      this.finished = true;
    } finally {
      // Closed before its end: the source has nobody to write to any more.
      if (!this.finished) onCut();
    }
  }

  /** What of `batch` goes to the destination, in order: runs of record lines as they came, other lines as text. */
  private async forward(batch: Array<DecodedMessage | DecodedRecordLines>): Promise<Array<Buffer | string>> {
    const parts: Array<Buffer | string> = [];
    let lastKey: string | undefined;
    let counts: StreamProgress | undefined;
    for (const item of batch) {
      let k: string;
      let lines: number;
      let bytes: number;
      if (isDecodedRecordLines(item)) {
        k = streamKeyOf(item.route.stream, item.route.namespace);
        lines = item.count;
        bytes = item.bytes.length;
      } else if (item.message.type === 'RECORD') {
        k = streamKeyOf(item.message.record.stream, item.message.record.namespace);
        lines = 1;
        bytes = Buffer.byteLength(item.raw) + 1;
      } else {
        if (await this.forwardsOther(item.message)) parts.push(`${item.raw}\n`);
        continue;
      }
      if (k !== lastKey) {
        lastKey = k;
        counts = this.keys.has(k) ? this.ctx.tracker.stream(k) : undefined;
      }
      if (!counts) {
        this.ctx.tracker.noteOutsideCatalog(k, lines);
        continue;
      }
      parts.push(isDecodedRecordLines(item) ? item.bytes : `${item.raw}\n`);
      this.moved.add(k);
      counts.recordsRead += lines;
      counts.recordsSent += lines;
      counts.bytesRead += bytes;
      counts.bytesSent += bytes;
    }
    return parts;
  }

  /** A message other than a record; true when its line goes to the destination. */
  private async forwardsOther(m: DecodedMessage['message']): Promise<boolean> {
    if (m.type === 'STATE') {
      if (!coversStreams(m.state, this.keys)) return false;
      this.pending.push(m.state, this.sentCounts());
      return true;
    }
    if (m.type === 'CONTROL') await handleControl(this.ctx, this.source, m);
    else this.ctx.tracker.noteEstimate(m);
    return false;
  }
}

/**
 * Streams the source's stdout into the destination's stdin. Resolves with the error of each side,
 * if any; the source is stopped when the destination fails, or when the caller's signal aborts.
 */
export async function streamThrough(
  ctx: RunContext,
  source: PipelineSource,
  destination: PipelineConnector,
  ids: { sourceId: string; destinationId: string },
  plans: StreamPlan[],
  catalog: ConfiguredAirbyteCatalog,
  offered: AirbyteStateMessage[],
): Promise<{ sourceError?: unknown; destinationError?: unknown }> {
  const { store, tracker } = ctx;
  tracker.setPhase('writing');
  const userSignal = ctx.options.signal;
  // The source stops with the caller's signal, or on its own when the destination fails.
  const stopSource = new AbortController();
  const sourceSignal = userSignal ? AbortSignal.any([userSignal, stopSource.signal]) : stopSource.signal;
  let sourceRun: ConnectorRun;
  try {
    sourceRun = await source.start(
      { command: 'read', config: source.config, catalog, state: offered },
      { signal: sourceSignal, onLog: logTo(ctx.options, source.name), idleTimeoutMs: idleTimeoutOf(ctx.options) },
    );
  } catch (error) {
    // The source did not start (a missing image, a config its spec rejects): the run fails with that.
    return { sourceError: error };
  }
  const forwarder = new SourceForwarder(ctx, source, sourceRun, plans);
  // The moment the destination stops reading, the source is stopped: it would write into the void.
  const stdin = forwarder.input(() => stopSource.abort(endedEarly(destination.name)));
  // In order, state by state: each names the streams that moved since the one before (see sentCounts).
  const confirm = (counts: Counts) => {
    for (const [key, sent] of Object.entries(counts)) tracker.stream(key).recordsConfirmed = sent;
  };
  const commits = new StateCommitter(store, ids.sourceId, ids.destinationId, forwarder.pending, confirm);
  let destinationError = await writeInto(ctx, destination, catalog, stdin, commits.onEcho);
  // A destination that exits, even with 0, before it read all of its input did not write the rest.
  if (!destinationError && !forwarder.finished) destinationError = endedEarly(destination.name);
  if (destinationError) {
    // The destination is gone: stop the source (its container is removed) and let its output end.
    if (!stopSource.signal.aborted) stopSource.abort(destinationError);
    void stdin.return(undefined).catch(() => undefined);
    if (!forwarder.started) await sourceRun.drain().catch(() => undefined);
    else await sourceRun.done.catch(() => undefined);
  } else if (!forwarder.error) {
    commits.endedCleanly(ctx, destination.name, plans);
  }
  await commits.settled();
  return { sourceError: forwarder.error, destinationError };
}

/** Runs the destination's `write` on `stdin` until it exits; returns its error, if any. */
async function writeInto(
  ctx: RunContext,
  destination: PipelineConnector,
  catalog: ConfiguredAirbyteCatalog,
  stdin: AsyncIterable<Buffer | string>,
  onEcho: (state: AirbyteStateMessage) => void,
): Promise<unknown> {
  try {
    const run = await destination.start(
      { command: 'write', config: destination.config, catalog, stdin },
      { signal: ctx.options.signal, onLog: logTo(ctx.options, destination.name), idleTimeoutMs: idleTimeoutOf(ctx.options) },
    );
    return (await followDestination(ctx, destination, run, onEcho)).error;
  } catch (error) {
    return error;
  }
}
