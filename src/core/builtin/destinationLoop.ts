/**
 * The shared body of the built-in destinations: read RECORD / STATE / TRACE messages from stdin,
 * hand records to a writer, and echo each STATE only after the writer has made every record before
 * it durable (the protocol's one proof of commit).
 */
import type { DecodedMessage } from '../protocol/lineCodec';
import type { AirbyteRecordMessage, ConfiguredAirbyteStream } from '../protocol/messages';
import { streamKey } from '../protocol/messages';
import type { ProgramContext } from './inProcessExecutor';
import { BuiltinFailure } from './inProcessExecutor';

export interface DestinationWriter {
  /** Records of one stream, in order. */
  write(stream: ConfiguredAirbyteStream, records: AirbyteRecordMessage[]): Promise<void> | void;
  /** Makes everything written so far durable. */
  commit(): Promise<void>;
  /** The stream's input ended (COMPLETE status or end of input); overwrite swaps happen here. */
  streamComplete?(stream: ConfiguredAirbyteStream): Promise<void> | void;
  close?(): Promise<void>;
}

export interface LoopOptions {
  /** Commit after this many records since the last commit, even without a STATE. */
  commitEveryRecords?: number;
  /** A STATE arriving this long after the last commit triggers one (a function: asked each time). */
  commitEveryMs?: number | (() => number);
}

/** Whether the stream's existing rows must go: overwrite, or an append that starts a new generation. */
export function truncates(stream: ConfiguredAirbyteStream): boolean {
  if (stream.destination_sync_mode === 'overwrite') return true;
  const gen = stream.generation_id ?? 0;
  const min = stream.minimum_generation_id ?? 0;
  return min > 0 && min === gen;
}

export async function runDestinationLoop(ctx: ProgramContext, writer: DestinationWriter, options: LoopOptions = {}): Promise<void> {
  const catalog = ctx.catalog;
  if (!catalog) throw new BuiltinFailure('write needs a configured catalog.', 'config_error');
  const streams = new Map(catalog.streams.map((s) => [streamKey({ name: s.stream.name, namespace: s.stream.namespace }), s]));
  const commitEveryRecords = options.commitEveryRecords ?? 200_000;
  const everyMs = options.commitEveryMs ?? 1000;
  const commitEveryMs = () => (typeof everyMs === 'function' ? everyMs() : everyMs);
  const completed = new Set<string>();
  const incomplete = new Set<string>();
  let pendingStates: string[] = [];
  let sinceCommit = 0;
  let sinceState = 0;
  let lastCommit = Date.now();
  const stateCounts: number[] = [];

  const commit = async () => {
    await writer.commit();
    sinceCommit = 0;
    lastCommit = Date.now();
    const states = pendingStates;
    pendingStates = [];
    const counts = stateCounts.splice(0);
    for (let i = 0; i < states.length; i++) {
      const parsed = JSON.parse(states[i]) as { state: Record<string, unknown> };
      parsed.state.destinationStats = { recordCount: counts[i] };
      await ctx.emit(JSON.stringify(parsed));
    }
    await ctx.flush();
  };

  let run: { stream: ConfiguredAirbyteStream; records: AirbyteRecordMessage[] } | undefined;
  const flushRun = async () => {
    if (run && run.records.length > 0) await writer.write(run.stream, run.records);
    run = undefined;
  };

  const handle = async (batch: DecodedMessage[]) => {
    for (const { message, raw } of batch) {
      if (message.type === 'RECORD') {
        const key = streamKey({ name: message.record.stream, namespace: message.record.namespace });
        const stream = streams.get(key);
        if (!stream)
          throw new BuiltinFailure(`Received a record for stream "${key}", which is not in the configured catalog.`, 'system_error');
        if (run && run.stream !== stream) await flushRun();
        run ??= { stream, records: [] };
        run.records.push(message.record);
        sinceCommit++;
        sinceState++;
      } else if (message.type === 'STATE') {
        await flushRun();
        pendingStates.push(raw);
        stateCounts.push(sinceState);
        sinceState = 0;
        if (Date.now() - lastCommit >= commitEveryMs() || sinceCommit >= commitEveryRecords) await commit();
      } else if (message.type === 'TRACE' && message.trace.type === 'STREAM_STATUS' && message.trace.stream_status) {
        await flushRun();
        const key = streamKey(message.trace.stream_status.stream_descriptor);
        const stream = streams.get(key);
        if (!stream) continue;
        if (message.trace.stream_status.status === 'COMPLETE' && !completed.has(key)) {
          completed.add(key);
          await writer.streamComplete?.(stream);
        } else if (message.trace.stream_status.status === 'INCOMPLETE') {
          incomplete.add(key);
        }
      }
    }
    await flushRun();
    if (sinceCommit >= commitEveryRecords) await commit();
  };

  try {
    for await (const batch of ctx.input()) await handle(batch);
    // End of input ends the sync: streams without a status (older orchestrators) count as complete.
    for (const [key, stream] of streams) {
      if (!completed.has(key) && !incomplete.has(key)) await writer.streamComplete?.(stream);
    }
    await commit();
  } finally {
    await writer.close?.();
  }
}
