/**
 * Commits source states as the destination confirms them. Only a STATE the destination echoed
 * proves that every record sent before it is durable, so only echoed states (and, after the
 * destination exited cleanly at the end of its input, every state it was sent) reach the store.
 */
import type { AirbyteStateMessage } from '../protocol/messages';
import type { WorkspaceStore } from '../store/workspaceStore';
import type { PendingStates } from './stateManager';
import { latestRows } from './stateManager';

/**
 * An echoed STATE settles every state sent before it, which is stored with the progress it
 * carries, and the store is saved (one save at a time, never holding up the destination's output).
 */
export class StateCommitter<P> {
  private saving: Promise<void> = Promise.resolve();

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
    this.saving = this.saving.then(() => this.store.save());
  };

  /** The destination exited cleanly after the end of its input: every state it was sent is committed. */
  commitRest(): void {
    const rest = this.pending.drain();
    if (rest.length) this.store.states.put(this.sourceId, this.destinationId, latestRows(rest.map((c) => c.state)));
  }

  /** Resolves once the saves queued so far are done; a failed save is the store's to report. */
  settled(): Promise<void> {
    return this.saving.catch(() => undefined);
  }
}
