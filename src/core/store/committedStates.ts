/**
 * Committed connector state per (source identity, destination identity), and each stream's
 * generation at a destination. Only states a destination confirmed are put here (see
 * `write/stateCommitter.ts`); the record cache keeps its own under {@link CACHE_DESTINATION_ID}.
 */
import type { AirbyteStateMessage, AirbyteStateType } from '../protocol/messages';
import type { StoreDatabase } from './storeDatabase';
import { num } from './storeDatabase';

/** Key under which the record cache stores its own (source-side) state, like a destination. */
export const CACHE_DESTINATION_ID = '@cache';

/** A committed state row: for STREAM state the stream's key, for GLOBAL and LEGACY the empty key. */
export interface StoredState {
  streamKey: string;
  type: AirbyteStateType;
  state: AirbyteStateMessage;
  updatedAt: number;
}

export class CommittedStates {
  constructor(private readonly db: StoreDatabase) {}

  /** Every committed state row for (source identity, destination identity). */
  get(sourceId: string, destinationId: string): StoredState[] {
    return this.db
      .rows(
        'SELECT stream_key, state_type, state_json, updated_at FROM states WHERE source_id = ? AND destination_id = ? ORDER BY stream_key',
        [sourceId, destinationId],
      )
      .map((r) => ({
        streamKey: String(r.stream_key),
        type: String(r.state_type) as AirbyteStateType,
        state: JSON.parse(String(r.state_json)) as AirbyteStateMessage,
        updatedAt: num(r.updated_at),
      }));
  }

  /**
   * Records committed states. A GLOBAL or LEGACY state replaces every row of the pair (it covers
   * all streams); a STREAM state replaces its stream's row and any GLOBAL/LEGACY row.
   */
  put(
    sourceId: string,
    destinationId: string,
    states: Array<{ streamKey: string; type: AirbyteStateType; state: AirbyteStateMessage }>,
  ): void {
    if (states.length === 0) return;
    this.db.transaction(() => {
      const now = Date.now();
      for (const s of states) {
        if (s.type === 'STREAM') {
          this.db.run("DELETE FROM states WHERE source_id = ? AND destination_id = ? AND stream_key = ''", [sourceId, destinationId]);
        } else {
          this.db.run('DELETE FROM states WHERE source_id = ? AND destination_id = ?', [sourceId, destinationId]);
        }
        this.db.run('INSERT OR REPLACE INTO states VALUES (?, ?, ?, ?, ?, ?)', [
          sourceId,
          destinationId,
          s.streamKey,
          s.type,
          JSON.stringify(s.state),
          now,
        ]);
      }
    });
  }

  /** Forgets committed state (all streams, or the listed ones). */
  clear(sourceId: string, destinationId: string, streamKeys?: string[]): void {
    if (!streamKeys) {
      this.db.run('DELETE FROM states WHERE source_id = ? AND destination_id = ?', [sourceId, destinationId]);
      return;
    }
    for (const key of streamKeys)
      this.db.run('DELETE FROM states WHERE source_id = ? AND destination_id = ? AND stream_key = ?', [sourceId, destinationId, key]);
  }

  /** The current generation of a stream at a destination (0 before the first truncation). */
  generation(sourceId: string, destinationId: string, streamKey: string): number {
    const r = this.db.rows('SELECT generation_id FROM generations WHERE source_id = ? AND destination_id = ? AND stream_key = ?', [
      sourceId,
      destinationId,
      streamKey,
    ])[0];
    return num(r?.generation_id);
  }

  /** Records that a stream's destination table was truncated into a new generation. */
  setGeneration(sourceId: string, destinationId: string, streamKey: string, generation: number): void {
    this.db.run('INSERT OR REPLACE INTO generations VALUES (?, ?, ?, ?)', [sourceId, destinationId, streamKey, generation]);
  }
}
