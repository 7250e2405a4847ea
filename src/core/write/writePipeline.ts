/**
 * The write pipeline: PyAirbyte's `Source.read()` / `Destination.write()` done right.
 *
 * Three ways in:
 * - a source through the cache (default): records land in the workspace record cache (durable,
 *   positions per stream), then only what this destination has not confirmed is replayed;
 * - a source streamed straight into the destination (`cache: false`): the source's stdout lines are
 *   forwarded untouched to the destination's stdin, with backpressure end to end;
 * - a ReadResult replayed from the cache.
 *
 * Only a STATE echoed by the destination is committed (state and cache position, per source and
 * destination identity); a failed run is recorded with what was confirmed before it failed.
 */
import path from 'node:path';
import type { ConnectorLogLine, ConnectorRun } from '../connectors/connectorProcess';
import type { Connector, Destination, Source } from '../connectors/connector';
import { AirbyteError, abortedError, isAirbyteError } from '../errors';
import { isDecodedRecordLine } from '../protocol/lineCodec';
import type { AirbyteMessage, AirbyteStateMessage, ConnectorSpecification, JsonObject } from '../protocol/messages';
import { message as build, streamKey } from '../protocol/messages';
import type { SecretMasker } from '../secrets';
import { validateConfig } from '../spec/specValidator';
import { RecordCache } from '../store/recordCache';
import type { RunStreamStats } from '../store/stateStore';
import { CACHE_DESTINATION_ID, DEFAULT_STORE_RELATIVE_PATH, StateStore } from '../store/stateStore';
import type { StreamPlan } from './catalogBuilder';
import { buildConfiguredCatalog } from './catalogBuilder';
import { writeBackConnectorConfig } from './configWriteBack';
import { connectorIdentity } from './connectorIdentity';
import type { StreamProgress, WriteProgress } from './progressTracker';
import { ProgressTracker } from './progressTracker';
import { PendingStates, latestRows, stateStreams, statesToOffer } from './stateManager';
import type { StreamResult, WriteMode, WriteResult } from './writeResult';
import { ReadResult } from './writeResult';
import type { WriteStrategy } from './writeStrategy';

export interface PipelineOptions {
  /** Stream names to read (all when omitted). */
  streams?: readonly string[];
  /** The workspace store; opened (and closed) from `storePath` when omitted. */
  store?: StateStore;
  /** PyAirbyte's `state_cache`: where state and run history go. Same as `store`. */
  stateCache?: StateStore;
  /** Default `.airbyte/state.sqlite` under the current folder. */
  storePath?: string;
  wasmPath?: string;
  /** Through the record cache (default) or streamed straight through (`false`). */
  cache?: boolean;
  writeStrategy?: WriteStrategy;
  /** Ignore every stored state: read everything again. */
  forceFullRefresh?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: WriteProgress) => void;
  onLog?: (connector: string, line: ConnectorLogLine) => void;
  /** Told about things worth showing (config written back, a repaired store). */
  onNotice?: (text: string) => void;
}

interface RunContext {
  store: StateStore;
  cache: RecordCache;
  tracker: ProgressTracker;
  options: PipelineOptions;
  notices: string[];
  masker: SecretMasker;
}

function notice(ctx: RunContext, text: string): void {
  ctx.notices.push(text);
  ctx.options.onNotice?.(text);
}

async function withStore<T>(options: PipelineOptions, purpose: string, fn: (store: StateStore) => Promise<T>): Promise<T> {
  const given = options.store ?? options.stateCache;
  if (given) return fn(given);
  const store = await StateStore.open({
    path: options.storePath ?? path.resolve(DEFAULT_STORE_RELATIVE_PATH),
    wasmPath: options.wasmPath,
    purpose,
    onWarning: options.onNotice,
  });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function specOf(connector: Connector, options: PipelineOptions): Promise<ConnectorSpecification> {
  return connector.specIfKnown() ?? (await connector.spec({ signal: options.signal, onLog: logTo(options, connector.name) }));
}

function logTo(options: PipelineOptions, name: string): ((line: ConnectorLogLine) => void) | undefined {
  const onLog = options.onLog;
  return onLog ? (line) => onLog(name, line) : undefined;
}

/** The identity state and cache are keyed by: name + hash of the config without its secrets. */
export async function identityOf(connector: Connector, options: PipelineOptions = {}): Promise<string> {
  const spec = await specOf(connector, options);
  return connectorIdentity(connector.name, connector.config, spec.connectionSpecification, connector.masker);
}

function recordStream(m: AirbyteMessage & { type: 'RECORD' }): string {
  return m.record.namespace ? `${m.record.namespace}.${m.record.stream}` : m.record.stream;
}

async function handleControl(ctx: RunContext, connector: Connector, m: AirbyteMessage): Promise<void> {
  if (m.type !== 'CONTROL' || m.control.type !== 'CONNECTOR_CONFIG') return;
  const update = m.control.connectorConfig?.config;
  if (!connector.configPath) {
    notice(ctx, `${connector.name} sent an updated config, but it was not started from a config file, so the update was not saved.`);
    return;
  }
  try {
    const spec = connector.specIfKnown();
    const result = await writeBackConnectorConfig(connector.configPath, update, {
      previous: connector.config,
      validate: spec
        ? (c: JsonObject) => validateConfig(c, spec.connectionSpecification).map((p) => `${p.pointer || '/'}: ${p.message}`)
        : undefined,
    });
    if (result.updated.length)
      notice(ctx, `${connector.name} updated its config: ${result.updated.join(', ')} saved to ${connector.configPath}.`);
    if (result.skippedReferences.length) {
      notice(
        ctx,
        `${connector.name} updated ${result.skippedReferences.join(', ')}, which ${connector.configPath} takes from a reference (env var or secret store): update it there.`,
      );
    }
  } catch (error) {
    notice(ctx, ctx.masker.mask(`${connector.name} sent a config update that was not saved: ${(error as Error).message}`));
  }
}

/** A STREAM state of a stream that is not being written is dropped; GLOBAL and LEGACY cover the read. */
function coversSelected(state: AirbyteStateMessage, keys: ReadonlySet<string>): boolean {
  const streams = stateStreams(state);
  return state.type !== 'STREAM' || (streams ?? []).some((k) => keys.has(k));
}

function onTrace(tracker: ProgressTracker, m: AirbyteMessage): void {
  if (m.type === 'TRACE' && m.trace.type === 'ESTIMATE' && m.trace.estimate) {
    const e = m.trace.estimate;
    if (e.type === 'STREAM' || e.name) tracker.estimate(e.namespace ? `${e.namespace}.${e.name}` : e.name, e.row_estimate, e.byte_estimate);
  }
}

/** A connector's error, with the run it failed and what was kept; never loses the connector's own fields. */
function runError(error: unknown, runId: number, kept: string, masker: SecretMasker): AirbyteError {
  if (isAirbyteError(error)) {
    return new AirbyteError(error.code, {
      message: masker.mask(error.message),
      guidance: [error.guidance, kept].filter(Boolean).join(' '),
      context: { ...error.context, runId },
      exitCode: error.exitCode,
      traceMessage: error.traceMessage,
      logTail: error.logTail.map((l) => masker.mask(l)),
      cause: error,
    });
  }
  return new AirbyteError('CONNECTOR_FAILED', {
    message: masker.mask(error instanceof Error ? error.message : String(error)),
    guidance: kept,
    context: { runId },
    cause: error,
  });
}

function statusOf(error: unknown): 'failed' | 'cancelled' {
  return isAirbyteError(error, 'ABORTED') ? 'cancelled' : 'failed';
}

function streamStats(tracker: ProgressTracker, plans: StreamPlan[], complete: boolean): RunStreamStats[] {
  return plans.map((p) => {
    const s = tracker.stream(p.key);
    return {
      stream: p.key,
      recordsRead: s.recordsRead,
      recordsSent: s.recordsSent,
      recordsConfirmed: s.recordsConfirmed,
      bytes: Math.max(s.bytesRead, s.bytesSent),
      status: complete ? 'complete' : 'incomplete',
    };
  });
}

function streamResults(tracker: ProgressTracker, plans: StreamPlan[], complete: boolean, withDestination: boolean): StreamResult[] {
  return plans.map((p) => {
    const s = tracker.stream(p.key);
    return {
      stream: p.key,
      syncMode: p.syncMode,
      destinationSyncMode: withDestination ? p.destinationSyncMode : undefined,
      recordsRead: s.recordsRead,
      recordsSent: s.recordsSent,
      recordsConfirmed: s.recordsConfirmed,
      bytes: Math.max(s.bytesRead, s.bytesSent),
      status: complete ? 'complete' : 'incomplete',
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Reading a source into the cache

interface IngestOutcome {
  error?: unknown;
  committedStates: AirbyteStateMessage[];
}

async function ingestSource(
  ctx: RunContext,
  source: Source,
  sourceId: string,
  plans: StreamPlan[],
  catalog: ReturnType<typeof buildConfiguredCatalog>['catalog'],
  offered: AirbyteStateMessage[],
): Promise<IngestOutcome> {
  const { tracker, cache } = ctx;
  tracker.setPhase('reading');
  // Segment files of an ingest whose process was killed before committing: the lock says none runs now.
  await cache.removeOrphans();
  const ingest = cache.beginIngest(
    sourceId,
    plans.map((p) => ({ streamKey: p.key, replace: p.syncMode === 'full_refresh' || ctx.options.forceFullRefresh === true })),
  );
  const planKeys = new Set(plans.map((p) => p.key));
  let error: unknown;
  try {
    const run = await source.start(
      { command: 'read', config: source.config, catalog, state: offered },
      { signal: ctx.options.signal, onLog: logTo(ctx.options, source.name) },
    );
    for await (const batch of run.batches()) {
      let key: string | undefined;
      let group: string[] = [];
      const flush = async () => {
        if (key !== undefined && group.length) await ingest.append(key, group);
        group = [];
      };
      for (const { message: m, raw } of batch) {
        if (m.type === 'RECORD') {
          const k = recordStream(m);
          if (!ingest.has(k)) continue;
          if (k !== key) {
            await flush();
            key = k;
          }
          group.push(raw);
          const s = tracker.stream(k);
          s.recordsRead++;
          s.bytesRead += raw.length + 1;
        } else if (m.type === 'STATE') {
          await flush();
          if (coversSelected(m.state, planKeys)) ingest.addState(m.state);
        } else if (m.type === 'CONTROL') {
          await handleControl(ctx, source, m);
        } else {
          onTrace(tracker, m);
        }
      }
      await flush();
      tracker.emit();
    }
    await run.done;
  } catch (e) {
    error = e;
  }
  // A failed or cancelled read keeps what its last STATE covers, so the next read resumes there.
  const { committedStates } = await ingest.commit({ upToLastState: error !== undefined });
  const rows = latestRows(committedStates);
  ctx.store.putStates(sourceId, CACHE_DESTINATION_ID, rows);
  await ctx.store.save();
  return { error, committedStates };
}

/**
 * Reads a source into the workspace cache (`Source.read()`): records are kept on disk per stream,
 * the source's state is committed with them, and the next read is incremental.
 */
export async function readSource(source: Source, options: PipelineOptions = {}): Promise<ReadResult> {
  return withStore(options, `airbyte-write read ${source.name}`, async (store) => {
    const cache = new RecordCache(store);
    const spec = await specOf(source, options);
    const sourceId = connectorIdentity(source.name, source.config, spec.connectionSpecification, source.masker);
    const discovered = await source.discover({ signal: options.signal, onLog: logTo(options, source.name) });
    const strategy = options.writeStrategy ?? 'auto';
    const startedAt = Date.now();
    const runId = store.beginRun({
      kind: 'read',
      source: source.name,
      sourceId,
      streams: [...(options.streams ?? [])],
      strategy,
      mode: 'cache',
      startedAt,
    });
    const { catalog, plans } = buildConfiguredCatalog({
      discovered,
      streams: options.streams,
      strategy,
      destination: { name: 'the cache', supportedModes: ['append', 'overwrite', 'append_dedup'] },
      syncId: runId,
      currentGeneration: () => 0,
    });
    const readCatalog = { streams: plans.map((p) => discovered.streams.find((s) => streamKey(s) === p.key)!).filter(Boolean) };
    // Kept so that the cached read can be written again later by its run id (`openCachedRead`).
    store.putRunCatalog(runId, readCatalog, plans);
    const tracker = new ProgressTracker(
      plans.map((p) => p.key),
      options.onProgress,
    );
    tracker.runId = runId;
    try {
      const ctx: RunContext = { store, cache, tracker, options, notices: [], masker: source.masker };
      const incrementalKeys = plans.filter((p) => p.syncMode === 'incremental').map((p) => p.key);
      if (await cache.dropIfIncomplete(sourceId))
        notice(
          ctx,
          `Files of the record cache of ${source.name} were missing; that cache was dropped and the source is read from scratch.`,
        );
      const offered = options.forceFullRefresh ? [] : statesToOffer(store.getStates(sourceId, CACHE_DESTINATION_ID), incrementalKeys);
      const outcome = await ingestSource(ctx, source, sourceId, plans, catalog, offered);
      tracker.setPhase('finishing');
      const ok = outcome.error === undefined;
      store.finishRun(runId, {
        status: ok ? 'succeeded' : statusOf(outcome.error),
        error: ok ? undefined : source.masker.mask(String((outcome.error as Error)?.message ?? outcome.error)),
        streams: streamStats(tracker, plans, ok),
      });
      await store.save();
      if (!ok)
        throw runError(
          outcome.error,
          runId,
          'What the source checkpointed before the failure is kept in the cache; the next read resumes there.',
          source.masker,
        );
      for (const p of plans) tracker.stream(p.key).recordsConfirmed = tracker.stream(p.key).recordsRead;
      return new ReadResult(
        runId,
        source.name,
        sourceId,
        readCatalog,
        plans,
        streamResults(tracker, plans, true, false),
        store.getStates(sourceId, CACHE_DESTINATION_ID).map((r) => r.state),
        startedAt,
        Date.now() - startedAt,
        cache,
      );
    } finally {
      tracker.end();
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Writing to a destination

interface DestinationOutcome {
  error?: unknown;
}

/** Follows the destination's stdout: echoed STATEs are committed as they come. */
async function followDestination(
  ctx: RunContext,
  destination: Destination,
  run: ConnectorRun,
  onEcho: (state: AirbyteStateMessage) => void,
): Promise<DestinationOutcome> {
  try {
    for await (const batch of run.batches()) {
      for (const { message: m } of batch) {
        if (m.type === 'STATE') onEcho(m.state);
        else if (m.type === 'CONTROL') await handleControl(ctx, destination, m);
      }
      ctx.tracker.emit();
    }
    await run.done;
    return {};
  } catch (error) {
    return { error };
  }
}

function statusLines(plans: StreamPlan[], status: 'COMPLETE' | 'INCOMPLETE'): string {
  const now = Date.now();
  return plans
    .map(
      (p) =>
        `${JSON.stringify(build.streamStatus(p.namespace ? { name: p.name, namespace: p.namespace } : { name: p.name }, status, now))}\n`,
    )
    .join('');
}

/** Replays cached records this destination has not confirmed, interleaved with the source's states. */
async function replayFromCache(
  ctx: RunContext,
  destination: Destination,
  sourceId: string,
  destinationId: string,
  plans: StreamPlan[],
  catalog: ReturnType<typeof buildConfiguredCatalog>['catalog'],
): Promise<DestinationOutcome> {
  const { store, cache, tracker } = ctx;
  tracker.setPhase('writing');
  const from: Record<string, number> = {};
  const to: Record<string, number> = {};
  for (const p of plans) {
    const info = cache.streamInfo(sourceId, p.key) ?? { generationStart: 0, endPos: 0 };
    const confirmed = store.getCacheConfirmed(sourceId, destinationId, p.key);
    from[p.key] = p.truncate ? info.generationStart : Math.max(info.generationStart, confirmed ?? info.generationStart);
    to[p.key] = info.endPos;
  }
  const pending = new PendingStates<Record<string, number>>();
  const signal = ctx.options.signal;

  async function* input(): AsyncGenerator<Buffer | string> {
    const sent = { ...from };
    async function* recordsUpTo(key: string, target: number): AsyncGenerator<Buffer> {
      const end = Math.min(target, to[key]);
      if (end <= sent[key]) return;
      const s = tracker.stream(key);
      for await (const chunk of cache.chunks(sourceId, key, sent[key], end, signal)) {
        s.recordsSent += chunk.count;
        s.bytesSent += chunk.bytes.length;
        tracker.emit();
        yield chunk.bytes;
      }
      sent[key] = end;
    }
    for (const entry of store.listCacheStates(sourceId)) {
      for (const p of plans) if (entry.positions[p.key] !== undefined) yield* recordsUpTo(p.key, entry.positions[p.key]);
      const coversNew = plans.some((p) => (entry.positions[p.key] ?? -1) > from[p.key]);
      if (!coversNew) continue;
      const positions: Record<string, number> = {};
      for (const p of plans) positions[p.key] = Math.min(sent[p.key], to[p.key]);
      pending.push(entry.state, positions);
      yield `${JSON.stringify(build.state(entry.state))}\n`;
    }
    for (const p of plans) yield* recordsUpTo(p.key, to[p.key]);
    yield statusLines(plans, 'COMPLETE');
  }

  const confirm = (positions: Record<string, number>) => {
    store.setCacheConfirmed(sourceId, destinationId, positions);
    for (const p of plans)
      if (positions[p.key] !== undefined) tracker.stream(p.key).recordsConfirmed = Math.max(0, positions[p.key] - from[p.key]);
  };
  const commits = new StateCommitter(store, sourceId, destinationId, pending, confirm);
  const run = await destination.start(
    { command: 'write', config: destination.config, catalog, stdin: input() },
    { signal, onLog: logTo(ctx.options, destination.name) },
  );
  const outcome = await followDestination(ctx, destination, run, commits.onEcho);
  if (!outcome.error) {
    commits.commitRest();
    confirm(to);
  }
  await commits.settled();
  return outcome;
}

/** Streams the source's stdout into the destination's stdin, forwarding record lines untouched. */
async function streamThrough(
  ctx: RunContext,
  source: Source,
  destination: Destination,
  sourceId: string,
  destinationId: string,
  plans: StreamPlan[],
  catalog: ReturnType<typeof buildConfiguredCatalog>['catalog'],
  offered: AirbyteStateMessage[],
): Promise<{ sourceError?: unknown; destinationError?: unknown }> {
  const { store, tracker } = ctx;
  tracker.setPhase('writing');
  const userSignal = ctx.options.signal;
  const sourceController = new AbortController();
  const onUserAbort = () => sourceController.abort(userSignal?.reason);
  if (userSignal?.aborted) sourceController.abort(userSignal.reason);
  else userSignal?.addEventListener('abort', onUserAbort, { once: true });
  const keys = new Set(plans.map((p) => p.key));
  const pending = new PendingStates<Record<string, number>>();
  const sentCounts = (): Record<string, number> => Object.fromEntries(plans.map((p) => [p.key, tracker.stream(p.key).recordsSent]));
  let sourceError: unknown;
  let started = false;

  const sourceRun = await source.start(
    { command: 'read', config: source.config, catalog, state: offered },
    { signal: sourceController.signal, onLog: logTo(ctx.options, source.name) },
  );
  async function* input(): AsyncGenerator<string> {
    started = true;
    try {
      // RECORD lines come routed but unparsed (only their stream is needed to count and forward
      // them); consecutive records of one stream share one lookup of their counters.
      for await (const batch of sourceRun.routedBatches()) {
        const parts: string[] = [];
        let lastKey: string | undefined;
        let counts: StreamProgress | undefined;
        for (const item of batch) {
          const raw = item.raw;
          let k: string;
          if (isDecodedRecordLine(item)) k = item.route.namespace ? `${item.route.namespace}.${item.route.stream}` : item.route.stream;
          else if (item.message.type === 'RECORD') k = recordStream(item.message);
          else {
            const m = item.message;
            if (m.type === 'STATE') {
              if (!coversSelected(m.state, keys)) continue;
              parts.push(raw);
              pending.push(m.state, sentCounts());
            } else if (m.type === 'CONTROL') {
              await handleControl(ctx, source, m);
            } else {
              onTrace(tracker, m);
            }
            continue;
          }
          if (k !== lastKey) {
            lastKey = k;
            counts = keys.has(k) ? tracker.stream(k) : undefined;
          }
          if (!counts) continue;
          parts.push(raw);
          counts.recordsRead++;
          counts.recordsSent++;
          counts.bytesRead += raw.length + 1;
          counts.bytesSent += raw.length + 1;
        }
        if (parts.length) yield `${parts.join('\n')}\n`;
      }
      await sourceRun.done;
    } catch (error) {
      sourceError = error;
    }
    yield statusLines(plans, sourceError ? 'INCOMPLETE' : 'COMPLETE');
  }

  const stdin = input();
  const confirm = (counts: Record<string, number>) => {
    for (const p of plans) if (counts[p.key] !== undefined) tracker.stream(p.key).recordsConfirmed = counts[p.key];
  };
  const commits = new StateCommitter(store, sourceId, destinationId, pending, confirm);
  let destinationError: unknown;
  try {
    const run = await destination.start(
      { command: 'write', config: destination.config, catalog, stdin },
      { signal: userSignal, onLog: logTo(ctx.options, destination.name) },
    );
    const outcome = await followDestination(ctx, destination, run, commits.onEcho);
    destinationError = outcome.error;
  } catch (error) {
    destinationError = error;
  }
  if (destinationError) {
    // The destination is gone: stop the source (its container is removed) and let its output end.
    sourceController.abort(destinationError);
    void stdin.return(undefined).catch(() => undefined);
    if (!started) await sourceRun.drain().catch(() => undefined);
    else await sourceRun.done.catch(() => undefined);
  } else if (!sourceError) {
    commits.commitRest();
    confirm(sentCounts());
  }
  userSignal?.removeEventListener('abort', onUserAbort);
  await commits.settled();
  return { sourceError, destinationError };
}

/**
 * Writes a source (or a ReadResult) to a destination (`Destination.write()`). See the module doc
 * for the three modes. Throws an AirbyteError naming the failing connector (with its TRACE ERROR,
 * exit code and masked log tail) after recording the run as failed with what was confirmed.
 */
export async function writeToDestination(
  input: Source | ReadResult,
  destination: Destination,
  options: PipelineOptions = {},
): Promise<WriteResult> {
  // A ReadResult's records and state live in the store it was read into: default to that one.
  if (input instanceof ReadResult && !options.store && !options.stateCache && !options.storePath) {
    options = input.cache.store.isClosed ? { ...options, storePath: input.cache.store.path } : { ...options, store: input.cache.store };
  }
  return withStore(options, `airbyte-write write to ${destination.name}`, async (store) => {
    const fromRead = input instanceof ReadResult ? input : undefined;
    const source = fromRead ? undefined : (input as Source);
    const mode: WriteMode = fromRead ? 'replay' : options.cache === false ? 'stream' : 'cache';
    const strategy = options.writeStrategy ?? 'auto';
    const cache = fromRead?.cache.store === store ? fromRead.cache : new RecordCache(store);
    const masker = source ? source.masker.with(destination.masker) : destination.masker;
    const notices: string[] = [];

    const destinationSpec = await specOf(destination, options);
    const destinationId = connectorIdentity(
      destination.name,
      destination.config,
      destinationSpec.connectionSpecification,
      destination.masker,
    );
    let sourceId: string;
    let sourceName: string;
    let discovered;
    if (fromRead) {
      sourceId = fromRead.sourceId;
      sourceName = fromRead.source;
      discovered = fromRead.catalog;
    } else {
      const sourceSpec = await specOf(source!, options);
      sourceId = connectorIdentity(source!.name, source!.config, sourceSpec.connectionSpecification, source!.masker);
      sourceName = source!.name;
      discovered = await source!.discover({ signal: options.signal, onLog: logTo(options, source!.name) });
    }
    if (options.signal?.aborted) throw abortedError('The write');
    if (mode !== 'stream' && (await cache.dropIfIncomplete(sourceId))) {
      if (mode === 'replay') {
        throw new AirbyteError('STORE_CORRUPT', {
          message: `The cached records of ${sourceName} are gone (files under ${cache.dir} were deleted).`,
          guidance: 'Read the source again (Source.read / "airbyte-write read"), or write the source itself instead of the read result.',
          context: { cache: cache.dir },
        });
      }
      const text = `Files of the record cache of ${sourceName} were missing; that cache was dropped and the source is read again from what ${destination.name} confirmed.`;
      notices.push(text);
      options.onNotice?.(text);
    }

    const startedAt = Date.now();
    const requested = options.streams ?? (fromRead ? fromRead.streamNames : undefined);
    const runId = store.beginRun({
      kind: 'write',
      source: sourceName,
      sourceId,
      destination: destination.name,
      destinationId,
      streams: [...(requested ?? [])],
      strategy,
      mode,
      startedAt,
    });
    let built;
    try {
      built = buildConfiguredCatalog({
        discovered,
        streams: requested,
        strategy,
        destination: {
          name: destination.name,
          supportedModes: destinationSpec.supported_destination_sync_modes,
          supportsRefreshes: destination.supportsRefreshes,
        },
        forceFullRefresh: options.forceFullRefresh,
        syncId: runId,
        currentGeneration: (key) => store.getGeneration(sourceId, destinationId, key),
      });
    } catch (error) {
      store.finishRun(runId, { status: 'failed', error: masker.mask((error as Error).message), streams: [] });
      await store.save();
      throw error;
    }
    const { catalog, plans } = built;
    for (const p of plans) if (p.truncate) store.setGeneration(sourceId, destinationId, p.key, p.generationId);
    await store.save();

    const tracker = new ProgressTracker(
      plans.map((p) => p.key),
      options.onProgress,
    );
    tracker.runId = runId;
    try {
      const ctx: RunContext = { store, cache, tracker, options, notices, masker };
      const incrementalKeys = plans.filter((p) => p.syncMode === 'incremental').map((p) => p.key);

      let sourceError: unknown;
      let destinationError: unknown;
      if (mode === 'stream') {
        const offered = options.forceFullRefresh ? [] : statesToOffer(store.getStates(sourceId, destinationId), incrementalKeys);
        ({ sourceError, destinationError } = await streamThrough(
          ctx,
          source!,
          destination,
          sourceId,
          destinationId,
          plans,
          catalog,
          offered,
        ));
      } else {
        if (mode === 'cache') {
          const offered = options.forceFullRefresh ? [] : offerForCache(store, sourceId, destinationId, incrementalKeys);
          const outcome = await ingestSource(ctx, source!, sourceId, plans, catalog, offered);
          sourceError = outcome.error;
        }
        if (!sourceError) ({ error: destinationError } = await replayFromCache(ctx, destination, sourceId, destinationId, plans, catalog));
      }

      tracker.setPhase('finishing');
      const error = destinationError ?? sourceError;
      const ok = error === undefined;
      store.finishRun(runId, {
        status: ok ? 'succeeded' : statusOf(error),
        error: ok ? undefined : masker.mask(`${(error as Error)?.message ?? String(error)}`),
        streams: streamStats(tracker, plans, ok),
      });
      await store.save();
      if (!ok) {
        const confirmed = plans.reduce((n, p) => n + tracker.stream(p.key).recordsConfirmed, 0);
        throw runError(
          error,
          runId,
          `Run ${runId} was recorded as ${statusOf(error)}; ${confirmed} record(s) were confirmed by the destination and the state stays at the last confirmed point, so running again continues from there.`,
          masker,
        );
      }
      const streams = streamResults(tracker, plans, true, true);
      return {
        runId,
        source: sourceName,
        destination: destination.name,
        mode,
        strategy,
        startedAt,
        durationMs: Date.now() - startedAt,
        streams,
        totals: {
          recordsRead: streams.reduce((n, s) => n + s.recordsRead, 0),
          recordsSent: streams.reduce((n, s) => n + s.recordsSent, 0),
          recordsConfirmed: streams.reduce((n, s) => n + s.recordsConfirmed, 0),
          bytes: streams.reduce((n, s) => n + s.bytes, 0),
        },
        finalState: store.getStates(sourceId, destinationId).map((r) => r.state),
        notices,
      };
    } finally {
      tracker.end();
    }
  });
}

/**
 * The state a cached read starts from: the cache's own committed state (it holds the records),
 * falling back to the destination's when the cache knows nothing of a stream the destination was
 * fed directly; then the destination is marked as having everything cached so far for that stream.
 */
/**
 * Commits source states as the destination confirms them: an echoed STATE settles every state sent
 * before it, which is stored with the progress it carries, and the store is saved (one save at a
 * time, never holding up the destination's output).
 */
class StateCommitter {
  private saving: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: StateStore,
    private readonly sourceId: string,
    private readonly destinationId: string,
    private readonly pending: PendingStates<Record<string, number>>,
    private readonly applyProgress: (progress: Record<string, number>) => void,
  ) {}

  readonly onEcho = (echoed: AirbyteStateMessage): void => {
    const confirmed = this.pending.confirm(echoed);
    if (confirmed.length === 0) return;
    this.applyProgress(confirmed[confirmed.length - 1].payload);
    this.store.putStates(this.sourceId, this.destinationId, latestRows(confirmed.map((c) => c.state)));
    this.saving = this.saving.then(() => this.store.save());
  };

  /** The destination exited cleanly after the end of its input: every state it was sent is committed. */
  commitRest(): void {
    const rest = this.pending.drain();
    if (rest.length) this.store.putStates(this.sourceId, this.destinationId, latestRows(rest.map((c) => c.state)));
  }

  /** Resolves once the saves queued so far are done; a failed save is the store's to report. */
  settled(): Promise<void> {
    return this.saving.catch(() => undefined);
  }
}

function offerForCache(store: StateStore, sourceId: string, destinationId: string, keys: string[]): AirbyteStateMessage[] {
  const cacheRows = store.getStates(sourceId, CACHE_DESTINATION_ID);
  const destRows = store.getStates(sourceId, destinationId);
  const wholeCache = cacheRows.find((r) => r.type !== 'STREAM');
  const wholeDest = destRows.find((r) => r.type !== 'STREAM');
  const markFedDirectly = (streams: string[]) => {
    const positions: Record<string, number> = {};
    for (const k of streams) {
      if (store.getCacheConfirmed(sourceId, destinationId, k) === undefined) positions[k] = store.getCacheStream(sourceId, k)?.endPos ?? 0;
    }
    store.setCacheConfirmed(sourceId, destinationId, positions);
  };
  if (wholeCache) return [wholeCache.state];
  if (wholeDest) {
    markFedDirectly(keys);
    return [wholeDest.state];
  }
  const out: AirbyteStateMessage[] = [];
  const fallback: string[] = [];
  for (const k of keys) {
    const fromCache = statesToOffer(cacheRows, [k]);
    if (fromCache.length) out.push(...fromCache);
    else {
      const fromDest = statesToOffer(destRows, [k]);
      if (fromDest.length) {
        out.push(...fromDest);
        fallback.push(k);
      }
    }
  }
  if (fallback.length) markFedDirectly(fallback);
  return out;
}
