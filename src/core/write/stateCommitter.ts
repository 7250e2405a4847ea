/**
 * Commits source states as the destination confirms them. Only a STATE the destination echoed
 * proves that every record sent before it is durable, so only echoed states reach the store: a
 * destination that exits cleanly without echoing confirms nothing more than it echoed.
 */
import type { AirbyteStateMessage } from '../protocol/messages';
import type { WorkspaceStore } from '../store/workspaceStore';
import type { StreamPlan } from './catalogBuilder';
import type { RunContext } from './runContext';
import { notice } from './runContext';
import type { PendingStates } from './stateManager';
import { latestRows } from './stateManager';

/**
 * Least time between the starts of two saves of a run's confirmations. A destination echoing a
 * STATE every few milliseconds (a fast one, fed from the cache) had the whole store saved (exported,
 * written, fsynced twice) a hundred times for a million records: about 0.35 s of CPU time taken
 * from the destination on two cores. Spaced, a kill -9 can find at most this much more confirmed
 * but not yet saved: records the next run sends again, never records marked done unconfirmed.
 */
export const SAVE_SPACING_MS = 200;

/**
 * An echoed STATE settles every state sent before it, which is stored with the progress it
 * carries, and the store is saved (one save at a time, never holding up the destination's output).
 */
export class StateCommitter<P> {
  private saving: Promise<void> = Promise.resolve();
  private saveRequested = false;
  private lastSaveAt = 0;
  /** Starts a save waiting for its spacing at once (the run is ending). */
  private saveNow: (() => void) | undefined;
  /** Echoes waiting on `prepare`, applied in the order they came. */
  private prepared: Promise<void> = Promise.resolve();
  /** Confirmations that arrived while a `prepare` ran: the next one covers them all at once. */
  private batch: Array<{ state: AirbyteStateMessage; payload: P }> | undefined;

  constructor(
    private readonly store: WorkspaceStore,
    private readonly sourceId: string,
    private readonly destinationId: string,
    private readonly pending: PendingStates<P>,
    /** Applies what the confirmed state covers (counts, cache positions) before it is saved. */
    private readonly applyProgress: (progress: P) => void,
    /**
     * Makes what the confirmed state covers durable on our side first (a write through the cache
     * makes the records visible in the cache before the destination's confirmation of them is
     * stored); an echo is applied once it resolves, and dropped when it fails.
     */
    private readonly prepare?: (progress: P) => Promise<void>,
  ) {}

  readonly onEcho = (echoed: AirbyteStateMessage): void => {
    const confirmed = this.pending.confirm(echoed);
    if (confirmed.length === 0) return;
    if (!this.prepare) return this.apply(confirmed);
    // Echoes that come while a prepare runs (one per stream, when a source has many small streams)
    // wait for it together: one prepare for the last of them covers every one before it.
    if (this.batch) {
      this.batch.push(...confirmed);
      return;
    }
    const batch = (this.batch = [...confirmed]);
    const prepare = this.prepare;
    this.prepared = this.prepared.then(async () => {
      if (this.batch === batch) this.batch = undefined;
      try {
        await prepare(batch[batch.length - 1].payload);
      } catch {
        // A failed prepare (a full disk) leaves these echoes unconfirmed: the run's own error says why.
        return;
      }
      this.apply(batch);
    });
  };

  private apply(confirmed: Array<{ state: AirbyteStateMessage; payload: P }>): void {
    // In order: a payload carries the progress of its own state's streams, so the last one alone
    // would leave the streams of the states before it unconfirmed.
    for (const c of confirmed) this.applyProgress(c.payload);
    this.store.states.put(this.sourceId, this.destinationId, latestRows(confirmed.map((c) => c.state)));
    this.requestSave();
  }

  /**
   * Saves once the echoes that arrived together are all put (one save covers them; the store folds
   * requests made during a save into the next one), at once or, after a save that started less than
   * {@link SAVE_SPACING_MS} ago, when that time is up: a kill -9 just after the destination
   * committed finds little written but not confirmed, and a fast destination is not slowed by saves.
   */
  private requestSave(): void {
    if (this.saveRequested) return;
    this.saveRequested = true;
    const wait = this.lastSaveAt + SAVE_SPACING_MS - Date.now();
    const spaced = new Promise<void>((resolve) => {
      if (wait <= 0) return resolve();
      const timer = setTimeout(resolve, wait);
      this.saveNow = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.saving = spaced
      .then(() => {
        this.saveNow = undefined;
        this.saveRequested = false;
        this.lastSaveAt = Date.now();
        return this.store.save();
      })
      // Handled here, or a failed save (a full disk) would crash the process as an unhandled
      // rejection; the run's own final save reports it (or makes up for it once there is room).
      .catch(() => undefined);
  }

  /**
   * The destination exited cleanly. Its exit proves nothing (it may have dropped or not yet flushed
   * what it was sent), so what it did not echo stays unconfirmed, to be sent again; the run says so.
   */
  endedCleanly(ctx: RunContext, destinationName: string, plans: StreamPlan[]): void {
    const unconfirmed = plans.reduce((n, p) => {
      const s = ctx.tracker.stream(p.key);
      return n + Math.max(0, s.recordsSent - s.recordsConfirmed);
    }, 0);
    if (unconfirmed === 0 && this.pending.size === 0) return;
    notice(
      ctx,
      `${destinationName} exited without echoing the STATE after ${unconfirmed} record(s) it was sent; only an echoed STATE confirms records, so they count as unconfirmed and the next run sends them again.`,
    );
  }

  /** Resolves once the echoes and saves queued so far are done (a save waiting for its spacing starts at once); a failed save is the store's to report. */
  async settled(): Promise<void> {
    await this.prepared;
    this.saveNow?.();
    await this.saving;
  }
}
