/**
 * Peeking at a source (PyAirbyte's `get_samples`): the first records of each stream straight from
 * the source, without the cache and without touching any state. Every stream is asked for in
 * full-refresh mode where it allows it (incremental ones without a state, so from the start), and the
 * source is stopped (its container removed) as soon as each stream has given enough.
 */
import type { ConnectorLogLine } from '../connectors/connectorProcess';
import type { PipelineSource } from '../connectors/pipelineConnector';
import { isAirbyteError } from '../errors';
import type { AirbyteCatalog } from '../protocol/messages';
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
  /** True when the source was stopped because every stream had given enough (false: it ended by itself first). */
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
}

/**
 * Reads the first `limit` records of each stream from the source and stops it. Nothing is written:
 * no cache, no state, no run history. A source failing before that is an AirbyteError as in a read.
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
  const out = new Map<string, PeekedStream>(
    plans.map((p) => [
      p.key,
      {
        stream: p.key,
        columns: columnsOf(
          discovered.streams.find((s) => streamKey(s) === p.key),
          p,
        ),
        records: [],
      },
    ]),
  );
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const full = () => [...out.values()].every((s) => s.records.length >= limit);
  let stoppedEarly = false;
  try {
    const run = await source.start(
      { command: 'read', config: source.config, catalog, state: [] },
      { signal: stop.signal, onLog: options.onLog },
    );
    try {
      for await (const message of run.messages()) {
        if (message.message.type !== 'RECORD') continue;
        const r = message.message.record;
        const s = out.get(streamKeyOf(r.stream, r.namespace));
        if (s && s.records.length < limit) s.records.push(r.data);
        if (full()) break;
      }
      if (full() && !options.signal?.aborted) {
        stoppedEarly = true;
        stop.abort();
      }
      await run.done;
    } catch (error) {
      // Stopped by us once every stream had enough: that is how a peek ends, not a failure.
      if (!(stoppedEarly && isAirbyteError(error, 'ABORTED'))) throw error;
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return { streams: [...out.values()], stoppedEarly };
}
