/**
 * The write pipeline: PyAirbyte's `Source.read()` / `Destination.write()` done right. This module
 * only orchestrates; each way records move has its own module:
 * - a source through the cache (default): a read run ingests it into the workspace record cache
 *   (`ingestIntoCache.ts`) while a write run beside it sends the destination what it has not
 *   confirmed, first from earlier reads, then from this one as it reaches the cache (`pipelinedWrite.ts`);
 * - a source streamed straight into the destination (`cache: false`, `streamThrough.ts`);
 * - a ReadResult (a read into the cache, or `cache:N`) replayed from the cache.
 *
 * Every run is recorded and announced (`onRunStarted`) as soon as both sides' identities are known,
 * before discover. Only a STATE echoed by the destination is committed (`stateCommitter.ts`); a
 * failed run is recorded with what was confirmed before it failed.
 */
import type { PipelineConnector, PipelineSource } from '../connectors/pipelineConnector';
import { AirbyteError, abortedError } from '../errors';
import type { AirbyteCatalog, AirbyteStateMessage, ConfiguredAirbyteCatalog, ConnectorSpecification } from '../protocol/messages';
import type { SecretMasker } from '../secrets';
import { CACHE_DESTINATION_ID } from '../store/committedStates';
import type { KeptCatalog } from '../store/discoveredCatalogs';
import { RecordCache } from '../store/recordCache';
import { resolveStorePath } from '../store/storePath';
import { WorkspaceStore } from '../store/workspaceStore';
import type { BuildCatalogOptions, BuiltCatalog, CatalogDestinationFacts, StreamPlan } from './catalogBuilder';
import { buildConfiguredCatalog, withSyncId } from './catalogBuilder';
import { confirmFromCommittedState } from './confirmedFromState';
import { offerForDestination, offerFromCache, readIntoCache } from './ingestIntoCache';
import { discardEarly, startEarly } from './earlyStart';
import { readWhileWriting } from './pipelinedWrite';
import { recordsGate } from './recordsGate';
import type { PipelineOptions } from './pipelineOptions';
import { DEFAULT_SCHEMA_REFRESH_MINUTES } from './pipelineOptions';
import { ProgressTracker } from './progressTracker';
import type { RunStart } from './recordedRun';
import { RecordedRun } from './recordedRun';
import { replayFromCache } from './replayFromCache';
import type { RunContext } from './runContext';
import { logTo, notice } from './runContext';
import type { RunParty } from './runEvents';
import { runError, statusOf, streamResults, streamStats } from './runOutcome';
import { warnRecordsOutsideCatalog } from './runWarnings';
import { partyOf } from './runParties';
import { statesToOffer } from './stateManager';
import { takesStreamStatus } from './streamStatusRule';
import { streamThrough } from './streamThrough';
import type { WriteMode, WriteResult } from './writeResult';
import { ReadResult } from './writeResult';
import type { WriteStrategy } from './writeStrategy';

/** The cache as the "destination" a plain read plans for: it takes every mode. */
const CACHE_AS_DESTINATION: CatalogDestinationFacts = { name: 'the cache', supportedModes: ['append', 'overwrite', 'append_dedup'] };

async function withStore<T>(options: PipelineOptions, purpose: string, fn: (store: WorkspaceStore) => Promise<T>): Promise<T> {
  const given = options.store ?? options.stateCache;
  if (given) return fn(given);
  const store = await WorkspaceStore.open({
    path: resolveStorePath({ explicit: options.storePath }),
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

function runContext(
  store: WorkspaceStore,
  cache: RecordCache,
  plans: StreamPlan[],
  run: RecordedRun,
  options: PipelineOptions,
  masker: SecretMasker,
): RunContext {
  const tracker = new ProgressTracker(
    plans.map((p) => p.key),
    options.onProgress,
  );
  tracker.runId = run.id;
  return { store, cache, tracker, options, notices: [], warnings: [], masker };
}

/**
 * Reads a source into the workspace cache (`Source.read()`): records are kept on disk per stream,
 * the source's state is committed with them, and the next read is incremental.
 */
export async function readSource(source: PipelineSource, options: PipelineOptions = {}): Promise<ReadResult> {
  // Started before the store is opened (loading SQLite takes a while): it needs only the source.
  const discovery = new Discovery(source, options);
  return discovery.unlessFailing(() =>
    withStore(options, `airbyte-write read ${source.name}`, async (store) => {
      const strategy = options.writeStrategy ?? 'auto';
      const { run, party } = await discovery.unlessFailing(async () => {
        const { party } = await partyOf(source, options);
        const start: RunStart = { kind: 'read', source: party, streams: [...(options.streams ?? [])], strategy, mode: 'cache' };
        return { run: await RecordedRun.begin(store, start, source.masker, options.onRunStarted), party };
      });
      const { discovered, catalog, plans } = await run.guard(async () => {
        const found = await discovery.discover();
        const plan = { streams: options.streams, strategy, destination: CACHE_AS_DESTINATION, syncId: run.id, currentGeneration: () => 0 };
        return { discovered: found, ...buildConfiguredCatalog({ ...plan, discovered: found }) };
      });
      const ctx = runContext(store, new RecordCache(store), plans, run, options, source.masker);
      try {
        const { readCatalog } = await readIntoCache(ctx, source, {
          run,
          sourceId: party.identity,
          discovered,
          plans,
          catalog,
          offer: () => offerFromCache(store, party.identity, plans),
          droppedNotice: `Files of the record cache of ${source.name} were missing; that cache was dropped and the source is read from scratch.`,
          failureGuidance: () => 'What the source checkpointed before the failure is kept in the cache; the next read resumes there.',
        });
        warnRecordsOutsideCatalog(ctx, source.name);
        ctx.tracker.setPhase('finishing');
        for (const p of plans) ctx.tracker.stream(p.key).recordsConfirmed = ctx.tracker.stream(p.key).recordsRead;
        return new ReadResult({
          runId: run.id,
          source: source.name,
          sourceId: party.identity,
          sourceLabel: party.label,
          sourceConfigPath: party.configPath,
          catalog: readCatalog,
          plans,
          streams: streamResults(ctx.tracker, plans, true, false),
          finalState: store.states.get(party.identity, CACHE_DESTINATION_ID).map((r) => r.state),
          startedAt: run.started.startedAt,
          durationMs: Date.now() - run.started.startedAt,
          cache: ctx.cache,
          warnings: ctx.warnings,
        });
      } finally {
        ctx.tracker.end();
      }
    }),
  );
}

/** A run's plan: the source's catalog and the configured catalog of the streams asked for. */
interface Planned extends BuiltCatalog {
  discovered: AirbyteCatalog;
  /** The kept catalog the plan was made with, when no discover ran. */
  kept?: KeptCatalog;
}

/**
 * A source's catalog for a run: a kept one (see `discoveredCatalogs.ts`), or its `discover`, started
 * as early as it can be (beside the specs and the run's recording).
 */
class Discovery {
  private running?: { catalog: Promise<AirbyteCatalog>; stop: AbortController };

  constructor(
    private readonly source: PipelineSource,
    private readonly options: PipelineOptions,
    /** A catalog young enough to plan with instead of discovering; without it, discover starts at once. */
    readonly kept?: KeptCatalog,
    /** The id of the source's image when the write began, if it was read (undefined: not read, or not in Docker). */
    readonly imageId?: string,
  ) {
    if (!kept) void this.discover();
  }

  /** The catalog the source's discover returns, starting it unless it runs already. */
  discover(): Promise<AirbyteCatalog> {
    if (!this.running) {
      const stop = new AbortController();
      const signal = this.options.signal ? AbortSignal.any([this.options.signal, stop.signal]) : stop.signal;
      // It needs only the source's own spec (to mask its logs), which `spec()` shares with the caller.
      const catalog = this.source.discover({ signal, onLog: logTo(this.options, this.source.name) });
      // Awaited by the plan; a run that fails before that stops it and never reads its outcome.
      catalog.catch(() => undefined);
      this.running = { catalog, stop };
    }
    return this.running.catalog;
  }

  /** Stops the discover if it runs (its container is removed). */
  stop(): void {
    this.running?.stop.abort();
  }

  /** Runs `fn`; when it fails, the discover is stopped before the error goes on. */
  async unlessFailing<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      this.stop();
      throw error;
    }
  }
}

/**
 * A write's discovery of its source: the catalog kept from the source config's last discover when it
 * is younger than the schema refresh window and was discovered by the image the source runs now (as
 * the Airbyte platform does: no discover container, no wait for it), else a discover started now.
 */
async function discoveryFor(store: WorkspaceStore, source: PipelineSource, sourceId: string, options: PipelineOptions): Promise<Discovery> {
  const windowMs = schemaRefreshMinutesOf(options) * 60_000;
  if (windowMs <= 0) return new Discovery(source, options);
  const imageId = await source.imageId?.();
  return new Discovery(source, options, store.catalogs.fresh(sourceId, imageId, windowMs), imageId);
}

/** How old a kept catalog may be to plan with (0: discover before every write). */
function schemaRefreshMinutesOf(options: PipelineOptions): number {
  return options.schemaRefreshMinutes ?? DEFAULT_SCHEMA_REFRESH_MINUTES;
}

// ---------------------------------------------------------------------------------------------
// Writing to a destination

/** Everything a write knows once both sides are identified, before its first run begins. */
interface WriteJob {
  store: WorkspaceStore;
  mode: WriteMode;
  strategy: WriteStrategy;
  /** The source connector (cache and stream modes). */
  source?: PipelineSource;
  /** The source's discover, started beside the specs (cache and stream modes). */
  discovery?: Discovery;
  /** The read being replayed (replay mode). */
  fromRead?: ReadResult;
  destination: PipelineConnector;
  sourceParty: RunParty;
  destinationParty: RunParty;
  destinationSpec: ConnectorSpecification;
  /** The streams asked for (all when undefined). */
  requested?: readonly string[];
  cache: RecordCache;
  masker: SecretMasker;
  options: PipelineOptions;
  startedAt: number;
}

/**
 * Writes a source (or a ReadResult) to a destination (`Destination.write()`). See the module doc
 * for the three modes. Throws an AirbyteError naming the failing connector (with its TRACE ERROR,
 * exit code and masked log tail) after recording the run as failed with what was confirmed.
 */
export async function writeToDestination(
  input: PipelineSource | ReadResult,
  destination: PipelineConnector,
  options: PipelineOptions = {},
): Promise<WriteResult> {
  // A ReadResult's records and state live in the store it was read into: default to that one.
  if (input instanceof ReadResult && !options.store && !options.stateCache && !options.storePath) {
    options = input.cache.store.isClosed ? { ...options, storePath: input.cache.store.path } : { ...options, store: input.cache.store };
  }
  let discovery: Discovery | undefined;
  // A write that fails stops the source's discover, if it started one.
  const unlessFailing = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      discovery?.stop();
      throw error;
    }
  };
  return unlessFailing(() =>
    withStore(options, `airbyte-write write to ${destination.name}`, async (store) => {
      const { job, first } = await unlessFailing(async () => {
        const job = await writeJob(store, input, destination, options);
        // Once the source's identity is known: its kept catalog when young enough, else its discover, started now.
        discovery = job.source ? await discoveryFor(store, job.source, job.sourceParty.identity, options) : undefined;
        job.discovery = discovery;
        return { job, first: await RecordedRun.begin(store, firstRunStart(job), job.masker, options.onRunStarted) };
      });
      // Beside the source's discover, and then beside the start of the connectors that move the
      // records, which wait for it (`recordsGate.ts`); a destination config that wrote well lately is not checked again.
      const gate = recordsGate(
        wroteLately(store, job.destinationParty.identity) ? undefined : checkBeforeRecords(job.source, destination, options),
        options,
      );
      // A streamed write of a source config discovered before starts both connectors now, with the
      // plan that catalog makes; they are taken only if discover's answer makes the same plan.
      if (job.mode === 'stream' && !job.discovery?.kept) {
        const early = { ...job, sourceId: job.sourceParty.identity, plan: planOf(job, first.id) };
        startEarly({ ...early, offer: (plans) => streamedOffer(job, plans) }, gate.options);
      }
      const planned = await first.guard(() => planWrite(job, first.id));
      // Failed during discover: nothing else starts.
      if (gate.refusedNow() !== undefined) await first.guard(() => Promise.reject(gate.refusedNow()));
      const ctx = runContext(store, job.cache, planned.plans, first, gate.options, job.masker);
      if (planned.kept) notice(ctx, keptCatalogNotice(job.sourceParty.connector, planned.kept, options));
      ctx.streamStatus = takesStreamStatus(job.destinationSpec, destination.entry).send;
      ctx.recordsGate = gate.opened;
      try {
        const run = job.mode === 'cache' ? await beginWriteRun(ctx, job, first) : first;
        const catalog = run === first ? planned.catalog : withSyncId(planned.catalog, run.id);
        const outcome =
          job.mode === 'cache'
            ? await readAndWrite(ctx, job, first, planned, catalog)
            : await moveRecords(ctx, job, planned.plans, catalog);
        warnRecordsOutsideCatalog(ctx, job.sourceParty.connector);
        // A failed check is the run's error, also when a connector it stopped (or one that failed on
        // its own while records were held back) ended first.
        const refused = await gate.refusal();
        return await finishWrite(ctx, job, run, planned.plans, refused ?? outcome.destinationError ?? outcome.sourceError);
      } finally {
        ctx.tracker.end();
      }
    }),
  ).finally(() => discardEarly({ source: input instanceof ReadResult ? undefined : input, destination }));
}

/** What a write planned with a kept catalog says (the schema may have changed upstream since). */
function keptCatalogNotice(source: string, kept: KeptCatalog, options: PipelineOptions): string {
  const minutes = Math.max(0, Math.round((Date.now() - kept.discoveredAt) / 60_000));
  const window = schemaRefreshMinutesOf(options);
  const age = minutes === 0 ? 'less than a minute' : `${minutes} min`;
  return `The streams of ${source} are those its discover found ${age} ago: discover runs again once they are ${window} min old, as on the Airbyte platform (--refresh-schema, or the setting airbyte.schemaRefreshMinutes at 0, discovers before the write).`;
}

/** How long a destination config's successful write spares the next writes its check. */
const CHECKED_BY_A_WRITE_MS = 24 * 3_600_000;

/**
 * Whether the newest write to this destination config (identity: connector and non-secret config)
 * succeeded within {@link CHECKED_BY_A_WRITE_MS}: it proved what a check proves, so a good rerun
 * pays nothing for the check. A rotated secret is not part of the identity: such a run fails where
 * the destination refuses it, as it did before the check existed.
 */
function wroteLately(store: WorkspaceStore, destinationId: string, now = Date.now()): boolean {
  const last = store.runs.list(200, { kind: 'write' }).find((r) => r.destinationId === destinationId && r.status !== 'running');
  return last?.status === 'succeeded' && now - (last.endedAt ?? last.startedAt) < CHECKED_BY_A_WRITE_MS;
}

/**
 * The destination's `check`, started beside the specs and discover; no record is read or sent
 * before it passed (`recordsGate.ts`), so a destination that cannot write (a wrong path, a bad
 * password) fails the run before a whole source is read. Its failure is kept until awaited.
 */
function checkBeforeRecords(source: PipelineSource | undefined, destination: PipelineConnector, options: PipelineOptions): Promise<void> {
  if (options.checkDestination === false || !destination.check) return Promise.resolve();
  const check = destination.check.bind(destination);
  // No connector starts while a config fails its spec: the source's is validated first (its discover fails on it too).
  const checked = (source?.assertConfigValid?.({ signal: options.signal }) ?? Promise.resolve())
    .then(() => check({ signal: options.signal, onLog: logTo(options, destination.name) }))
    .then(
      () => undefined,
      (error: unknown) => {
        if (options.signal?.aborted) throw abortedError('The write');
        if (!(error instanceof AirbyteError) || error.code === 'CONFIG_INVALID') throw error;
        throw new AirbyteError(error.code, {
          message: error.message,
          guidance: `${error.guidance ?? ''} The destination is checked before any record moves: nothing was read or sent.`.trim(),
          context: error.context,
          exitCode: error.exitCode,
          traceMessage: error.traceMessage,
          logTail: error.logTail,
          cause: error,
        });
      },
    );
  // Awaited once planning is done; a write that fails before then never reads its outcome.
  checked.catch(() => undefined);
  return checked;
}

/** Identifies both sides, together (running `spec` where the spec is not known yet). */
async function writeJob(
  store: WorkspaceStore,
  input: PipelineSource | ReadResult,
  destination: PipelineConnector,
  options: PipelineOptions,
): Promise<WriteJob> {
  const fromRead = input instanceof ReadResult ? input : undefined;
  const source = fromRead ? undefined : (input as PipelineSource);
  const [{ party: destinationParty, spec: destinationSpec }, sourceParty] = await Promise.all([
    partyOf(destination, options),
    fromRead
      ? { identity: fromRead.sourceId, label: fromRead.sourceLabel, configPath: fromRead.sourceConfigPath, connector: fromRead.source }
      : partyOf(source!, options).then((p) => p.party),
  ]);
  return {
    store,
    mode: fromRead ? 'replay' : options.cache === false ? 'stream' : 'cache',
    strategy: options.writeStrategy ?? 'auto',
    source,
    fromRead,
    destination,
    sourceParty,
    destinationParty,
    destinationSpec,
    requested: options.streams ?? fromRead?.streamNames,
    cache: fromRead?.cache.store === store ? fromRead.cache : new RecordCache(store),
    masker: source ? source.masker.with(destination.masker) : destination.masker,
    options,
    startedAt: Date.now(),
  };
}

/** The first run of a write: its read into the cache (cache mode), else the write itself. */
function firstRunStart(job: WriteJob): RunStart {
  const common = { source: job.sourceParty, streams: [...(job.requested ?? [])], strategy: job.strategy, mode: job.mode };
  if (job.mode === 'cache') return { ...common, kind: 'read', forDestination: job.destinationParty };
  return { ...common, kind: 'write', destination: job.destinationParty, parentReadRunId: job.fromRead?.runId };
}

/** What the configured catalog of a write is built from, but for the source's catalog. */
function planOf(job: WriteJob, syncId: number): Omit<BuildCatalogOptions, 'discovered'> {
  const { store, destination, destinationSpec, options } = job;
  const sourceId = job.sourceParty.identity;
  const destinationId = job.destinationParty.identity;
  return {
    streams: job.requested,
    strategy: job.strategy,
    destination: {
      name: destination.name,
      supportedModes: destinationSpec.supported_destination_sync_modes,
      supportsRefreshes: destination.supportsRefreshes,
    },
    forceFullRefresh: options.forceFullRefresh,
    syncId,
    currentGeneration: (key: string) => store.states.generation(sourceId, destinationId, key),
  };
}

/** The configured catalog of the write (discovering the source's streams, or taking the read's). */
async function planWrite(job: WriteJob, syncId: number): Promise<Planned> {
  const { store, options } = job;
  const sourceId = job.sourceParty.identity;
  const plan = planOf(job, syncId);
  if (job.discovery) {
    const kept = job.discovery.kept;
    if (kept) {
      try {
        return { discovered: kept.catalog, kept, ...buildConfiguredCatalog({ ...plan, discovered: kept.catalog }) };
      } catch {
        // A stream asked for that the kept catalog lacks may be new upstream: discover says.
      }
    }
    const discovered = await job.discovery.discover();
    if (options.signal?.aborted) throw abortedError('The write');
    // Kept for the next writes of this source config (planned with it while young enough, else
    // started with it beside their discover: earlyStart.ts), with the image read when the write
    // began, or read now if it was not (discover may have pulled it).
    store.catalogs.put(sourceId, discovered, job.discovery.imageId ?? (await job.source?.imageId?.()));
    return { discovered, ...buildConfiguredCatalog({ ...plan, discovered }) };
  }
  if (await job.cache.dropIfIncomplete(sourceId)) {
    throw new AirbyteError('STORE_CORRUPT', {
      message: `The cached records of ${job.sourceParty.connector} are gone: files under ${job.cache.dir} were deleted or cut short, or the store names files outside the cache folder. Nothing was sent.`,
      guidance: 'Read the source again (Source.read / "airbyte-write read"), or write the source itself instead of the read result.',
      context: { cache: job.cache.dir },
    });
  }
  if (options.signal?.aborted) throw abortedError('The write');
  const discovered = job.fromRead!.catalog;
  return { discovered, ...buildConfiguredCatalog({ discovered, ...plan }) };
}

/**
 * A write through the cache: its read run (the first) is begun; the write run begins beside it, fed
 * by the read as it goes (`pipelinedWrite.ts`). Progress events carry the write run's id.
 */
async function beginWriteRun(ctx: RunContext, job: WriteJob, read: RecordedRun): Promise<RecordedRun> {
  const start: RunStart = {
    kind: 'write',
    source: job.sourceParty,
    destination: job.destinationParty,
    parentReadRunId: read.id,
    streams: [...(job.requested ?? [])],
    strategy: job.strategy,
    mode: job.mode,
  };
  const write = await read.guard(() => RecordedRun.begin(job.store, start, job.masker, job.options.onRunStarted));
  ctx.tracker.setPhase('writing', write.id);
  return write;
}

/** Reads the source into the cache while the destination is fed from it; records the read run's outcome. */
async function readAndWrite(
  ctx: RunContext,
  job: WriteJob,
  read: RecordedRun,
  planned: Planned,
  catalog: ConfiguredAirbyteCatalog,
): Promise<{ sourceError?: unknown; destinationError?: unknown }> {
  const { store, destination } = job;
  const ids = { sourceId: job.sourceParty.identity, destinationId: job.destinationParty.identity };
  await startGenerations(job, planned.plans);
  const readJob = {
    run: read,
    sourceId: ids.sourceId,
    ...planned,
    offer: () => offerForDestination(store, ids.sourceId, ids.destinationId, planned.plans),
    droppedNotice: `Files of the record cache of ${job.sourceParty.connector} were missing; that cache was dropped and the source is read again from what ${destination.name} confirmed.`,
    failureGuidance: (error: unknown) =>
      `Run ${read.id}, the read into the cache, was recorded as ${statusOf(error)}. What the source checkpointed before the failure is kept in the cache, so running again continues from there.`,
  };
  return readWhileWriting(
    ctx,
    {
      read: readJob,
      source: job.source!,
      destination,
      ids,
      plans: planned.plans,
      catalog,
      onUnmatched: (unmatched) => notice(ctx, unmatchedNotice(destination.name, unmatched)),
    },
    () => confirmFromCommittedState(store, ids, planned.plans),
  );
}

/** An overwrite starts a new generation at the destination: recorded before the destination sees it. */
async function startGenerations(job: WriteJob, plans: StreamPlan[]): Promise<void> {
  const { sourceParty, destinationParty, store } = job;
  for (const p of plans) if (p.truncate) store.states.setGeneration(sourceParty.identity, destinationParty.identity, p.key, p.generationId);
  await store.save();
}

function unmatchedNotice(destination: string, unmatched: string[]): string {
  return `The state ${destination} confirmed for ${unmatched.join(', ')} matches no checkpoint in the cache, so every cached record of ${unmatched.length === 1 ? 'that stream' : 'those streams'} is sent (an append may duplicate some).`;
}

/** Sends the records of a replay (from the cache) or a stream (from the source). */
async function moveRecords(
  ctx: RunContext,
  job: WriteJob,
  plans: StreamPlan[],
  catalog: ConfiguredAirbyteCatalog,
): Promise<{ sourceError?: unknown; destinationError?: unknown }> {
  const { store } = job;
  const ids = { sourceId: job.sourceParty.identity, destinationId: job.destinationParty.identity };
  await startGenerations(job, plans);
  if (job.mode !== 'stream') {
    const unmatched = confirmFromCommittedState(store, ids, plans);
    if (unmatched.length) notice(ctx, unmatchedNotice(job.destination.name, unmatched));
    const { error } = await replayFromCache(ctx, job.destination, ids, plans, catalog);
    return { destinationError: error };
  }
  return streamThrough(ctx, job.source!, job.destination, ids, plans, catalog, streamedOffer(job, plans));
}

/** The states a streamed write offers its source: what the destination confirmed of its incremental streams. */
function streamedOffer(job: WriteJob, plans: StreamPlan[]): AirbyteStateMessage[] {
  if (job.options.forceFullRefresh) return [];
  const incremental = plans.filter((p) => p.syncMode === 'incremental').map((p) => p.key);
  return statesToOffer(job.store.states.get(job.sourceParty.identity, job.destinationParty.identity), incremental);
}

/** Records the write run's outcome; returns the result, or throws the failure naming the run. */
async function finishWrite(ctx: RunContext, job: WriteJob, run: RecordedRun, plans: StreamPlan[], error: unknown): Promise<WriteResult> {
  const { tracker, store } = ctx;
  tracker.setPhase('finishing');
  const ok = error === undefined;
  await run.finish(error, streamStats(tracker, plans, ok));
  if (!ok) {
    const confirmed = plans.reduce((n, p) => n + tracker.stream(p.key).recordsConfirmed, 0);
    throw runError(
      error,
      run.id,
      `Run ${run.id} was recorded as ${statusOf(error)}; ${confirmed} record(s) were confirmed by the destination and the state stays at the last confirmed point, so running again continues from there.`,
      ctx.masker,
    );
  }
  const streams = streamResults(tracker, plans, true, true);
  const total = (k: 'recordsRead' | 'recordsSent' | 'recordsConfirmed' | 'bytes') => streams.reduce((n, s) => n + s[k], 0);
  return {
    runId: run.id,
    source: job.sourceParty.connector,
    destination: job.destination.name,
    mode: job.mode,
    strategy: job.strategy,
    startedAt: job.startedAt,
    durationMs: Date.now() - job.startedAt,
    streams,
    totals: {
      recordsRead: total('recordsRead'),
      recordsSent: total('recordsSent'),
      recordsConfirmed: total('recordsConfirmed'),
      bytes: total('bytes'),
    },
    finalState: store.states.get(job.sourceParty.identity, job.destinationParty.identity).map((r) => r.state),
    notices: ctx.notices,
    warnings: ctx.warnings,
  };
}
