/**
 * Peeking at a source (PyAirbyte's `get_samples`): the first records of each stream straight from
 * the source, without the cache and without touching any state. Every stream is asked for in
 * full-refresh mode where it allows it (incremental ones without a state, so from the start), and the
 * source is stopped (its container removed) as soon as the stream has given enough.
 */
import type { ConnectorLogLine } from '../connectors/connectorProcess';
import type { PipelineSource } from '../connectors/pipelineConnector';
import { isAirbyteError } from '../errors';
import type { AirbyteCatalog, ConfiguredAirbyteCatalog } from '../protocol/messages';
import { streamKey, streamKeyOf } from '../protocol/messages';
import { buildConfiguredCatalog } from '../write/catalogBuilder';
import type { PreviewColumn } from './recordPages';
import { columnsOf } from './recordPages';

/** The first records of one stream of a peek. */
export interface PeekedStream {
  stream: string;
  columns: PreviewColumn[];
  records: Array<Record<string, unknown>>;
}

export interface PeekResult {
  streams: PeekedStream[];
  /** True when the source was stopped because a stream had given enough (false: every stream ended by itself first). */
  stoppedEarly: boolean;
}

export interface PeekOptions {
  /** Stream names or keys (default: all). */
  streams?: string[];
  /** Records per stream (default 100). */
  limit?: number;
  signal?: AbortSignal;
  onLog?: (line: ConnectorLogLine) => void;
  /** The source's catalog, when already discovered. */
  discovered?: AirbyteCatalog;
  /** Told as each stream's records are in. */
  onStream?: (stream: PeekedStream) => void;
}

/**
 * Reads the first `limit` records of each stream from the source and stops it. Each stream is read
 * by a run of its own, stopped once it has given enough: sources emit their streams one after the
 * other, so one run for all would wait through the whole of every stream but the last. Nothing is
 * written: no cache, no state, no run history. A source failing is an AirbyteError as in a read.
 */
export async function peekSource(source: PipelineSource, options: PeekOptions = {}): Promise<PeekResult> {
  const limit = options.limit ?? 100;
  const discovered = options.discovered ?? (await source.discover({ signal: options.signal, onLog: options.onLog }));
  const { catalog, plans } = buildConfiguredCatalog({
    discovered,
    streams: options.streams,
    strategy: 'append',
    destination: { name: 'preview' },
    forceFullRefresh: true,
    syncId: 0,
    currentGeneration: () => 0,
  });
  const result: PeekResult = { streams: [], stoppedEarly: false };
  for (const [i, plan] of plans.entries()) {
    const peeked: PeekedStream = {
      stream: plan.key,
      columns: columnsOf(
        discovered.streams.find((s) => streamKey(s) === plan.key),
        plan,
      ),
      records: [],
    };
    const stopped = await peekStream(source, { streams: [catalog.streams[i]] }, peeked, limit, options);
    result.stoppedEarly ||= stopped;
    result.streams.push(peeked);
    options.onStream?.(peeked);
  }
  return result;
}

/** One stream's run: records collected into `into` until `limit`, then the source is stopped. True when it was. */
async function peekStream(
  source: PipelineSource,
  catalog: ConfiguredAirbyteCatalog,
  into: PeekedStream,
  limit: number,
  options: PeekOptions,
): Promise<boolean> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let stoppedEarly = false;
  try {
    const run = await source.start(
      { command: 'read', config: source.config, catalog, state: [] },
      { signal: stop.signal, onLog: options.onLog },
    );
    try {
      for await (const { message } of run.messages()) {
        if (message.type !== 'RECORD' || streamKeyOf(message.record.stream, message.record.namespace) !== into.stream) continue;
        into.records.push(message.record.data);
        if (into.records.length >= limit) break;
      }
      if (into.records.length >= limit && !options.signal?.aborted) {
        stoppedEarly = true;
        stop.abort();
      }
      await run.done;
    } catch (error) {
      // Stopped by us once the stream had enough: that is how a peek ends, not a failure.
      if (!(stoppedEarly && isAirbyteError(error, 'ABORTED'))) throw error;
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return stoppedEarly;
}
