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
 * An echoed STATE settles every state sent before it, which is stored with the progress it
 * carries, and the store is saved (one save at a time, never holding up the destination's output).
 */
export class StateCommitter<P> {
  private saving: Promise<void> = Promise.resolve();
  private saveRequested = false;

  constructor(
    private readonly store: WorkspaceStore,
    private readonly sourceId: string,
    private readonly destinationId: string,
    private readonly pending: PendingStates<P>,
    /** Applies what the confirmed state covers (counts, cache positions) before it is saved. */
    private readonly applyProgress: (progress: P) => void,
  ) {}

  readonly onEcho = (echoed: AirbyteStateMessage): void => {
    const confirmed = this.pending.confirm(echoed);
    if (confirmed.length === 0) return;
    this.applyProgress(confirmed[confirmed.length - 1].payload);
    this.store.states.put(this.sourceId, this.destinationId, latestRows(confirmed.map((c) => c.state)));
    this.requestSave();
  };

  /**
   * Saves right after the echoes that arrived together are all put (one save covers them; the
   * store folds requests made during a save into the next one), so a kill -9 just after the
   * destination committed finds as little as can be written but not confirmed.
   */
  private requestSave(): void {
    if (this.saveRequested) return;
    this.saveRequested = true;
    this.saving = Promise.resolve().then(() => {
      this.saveRequested = false;
      return this.store.save();
    });
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

  /** Resolves once the saves queued so far are done; a failed save is the store's to report. */
  settled(): Promise<void> {
    return this.saving.catch(() => undefined);
  }
}
