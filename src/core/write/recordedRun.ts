/**
 * One run in the run history, from the moment its sides are known to its outcome: recorded and
 * saved before anything moves (so a viewer of the store file sees it), announced to the host
 * (`onRunStarted`), and finished exactly once with what it moved.
 */
import type { SecretMasker } from '../secrets';
import type { NewRun, RunStreamStats } from '../store/runHistory';
import type { WorkspaceStore } from '../store/workspaceStore';
import type { RunStarted } from './runEvents';
import { errorText, statusOf } from './runOutcome';

/** A run as it begins: everything of {@link RunStarted} but what the store assigns. */
export type RunStart = Omit<RunStarted, 'runId' | 'startedAt'>;

function newRunOf(start: RunStart, startedAt: number): NewRun {
  const { source, destination } = start;
  // A read a write through the cache started is named after that write's destination (whose identity is forDestinationId).
  const named = destination ?? start.forDestination;
  return {
    kind: start.kind,
    source: source.connector,
    sourceId: source.identity,
    sourceLabel: source.label,
    sourceConfigPath: source.configPath,
    sourceConnector: source.connector,
    destination: destination?.connector,
    destinationId: destination?.identity,
    destinationLabel: named?.label,
    destinationConfigPath: named?.configPath,
    destinationConnector: named?.connector,
    sourceRunsOn: source.runsOn,
    destinationRunsOn: destination?.runsOn,
    parentRunId: start.parentReadRunId,
    forDestinationId: start.forDestination?.identity,
    streams: start.streams,
    strategy: start.strategy,
    mode: start.mode,
    startedAt,
  };
}

export class RecordedRun {
  private finished = false;

  private constructor(
    private readonly store: WorkspaceStore,
    private readonly masker: SecretMasker,
    /** What the host was told. */
    readonly started: RunStarted,
  ) {}

  get id(): number {
    return this.started.runId;
  }

  /** Records the run, saves the store and tells the host. */
  static async begin(
    store: WorkspaceStore,
    start: RunStart,
    masker: SecretMasker,
    onRunStarted?: (run: RunStarted) => void,
  ): Promise<RecordedRun> {
    const startedAt = Date.now();
    const runId = store.runs.begin(newRunOf(start, startedAt));
    await store.save();
    const run = new RecordedRun(store, masker, { runId, ...start, startedAt });
    await run.guard(async () => onRunStarted?.(run.started));
    return run;
  }

  /**
   * Runs a step that moves no record yet (discover, building the catalog): when it throws, the
   * run is recorded as failed (or cancelled) with no counts and the error goes on unchanged.
   */
  async guard<T>(step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      await this.finish(error, []);
      throw error;
    }
  }

  /** Records the outcome (`error` undefined: succeeded) with per-stream counts; later calls do nothing. */
  async finish(error: unknown, streams: RunStreamStats[]): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const ok = error === undefined;
    this.store.runs.finish(this.id, {
      status: ok ? 'succeeded' : statusOf(error),
      error: ok ? undefined : errorText(error, this.masker),
      streams,
    });
    await this.store.save();
  }
}
