/**
 * State bookkeeping. A source STATE is held until the destination echoes it: only an echoed STATE
 * proves that every record before it is durable, so only echoed states are committed and offered to
 * the source next time. STREAM, GLOBAL (CDC, incl. old destinations' `global_` key) and LEGACY
 * state are all carried through unchanged.
 */
import type { AirbyteStateMessage, AirbyteStateType } from '../protocol/messages';
import { globalState, stateType, streamKey } from '../protocol/messages';
import type { StoredState } from '../store/committedStates';

export interface StateRow {
  /** The stream's key for STREAM state, '' for GLOBAL and LEGACY. */
  streamKey: string;
  type: AirbyteStateType;
  state: AirbyteStateMessage;
}

/** The state as it should be stored and offered: stats removed, `global_` read as `global`. */
export function normalizeState(state: AirbyteStateMessage): AirbyteStateMessage {
  const { sourceStats: _s, destinationStats: _d, global_: _g, ...rest } = state;
  const g = globalState(state);
  const out: AirbyteStateMessage = { ...rest };
  if (g) out.global = g;
  if (stateType(state) === 'GLOBAL') out.type = 'GLOBAL';
  return out;
}

/** The rows a committed state message writes. */
export function stateRows(state: AirbyteStateMessage): StateRow[] {
  const normalized = normalizeState(state);
  const type = stateType(state);
  if (type === 'STREAM') {
    const d = state.stream?.stream_descriptor;
    if (!d) return [];
    return [{ streamKey: streamKey(d), type, state: normalized }];
  }
  return [{ streamKey: '', type, state: normalized }];
}

/** The stream keys a state message speaks for (all of them for LEGACY: `undefined`). */
export function stateStreams(state: AirbyteStateMessage): string[] | undefined {
  const type = stateType(state);
  if (type === 'STREAM') return state.stream ? [streamKey(state.stream.stream_descriptor)] : [];
  if (type === 'GLOBAL') return (globalState(state)?.stream_states ?? []).map((s) => streamKey(s.stream_descriptor));
  return undefined;
}

/** False for a STREAM state of a stream that is not being written (it is dropped); GLOBAL and LEGACY cover the read. */
export function coversStreams(state: AirbyteStateMessage, keys: ReadonlySet<string>): boolean {
  const streams = stateStreams(state);
  return state.type !== 'STREAM' || (streams ?? []).some((k) => keys.has(k));
}

/**
 * The `--state` list for a source from committed rows, limited to the streams being read.
 * A GLOBAL or LEGACY row covers everything and is offered whole.
 */
export function statesToOffer(rows: StoredState[], streamKeys: readonly string[]): AirbyteStateMessage[] {
  const whole = rows.find((r) => r.type === 'GLOBAL' || r.type === 'LEGACY');
  if (whole) return [whole.state];
  const wanted = new Set(streamKeys);
  return rows.filter((r) => r.type === 'STREAM' && wanted.has(r.streamKey) && r.state.stream?.stream_state != null).map((r) => r.state);
}

/** Text that is equal for a state as sent and as echoed (destinations add stats, old ones rename `global`). */
export function stateFingerprint(state: AirbyteStateMessage): string {
  return canonicalJson(normalizeState(state));
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * States sent to a destination and not yet echoed, in order. An echo confirms its state and every
 * state sent before it (the destination commits in order).
 */
export class PendingStates<T> {
  private readonly queue: Array<{ fingerprint: string; state: AirbyteStateMessage; payload: T }> = [];

  push(state: AirbyteStateMessage, payload: T): void {
    this.queue.push({ fingerprint: stateFingerprint(state), state, payload });
  }

  get size(): number {
    return this.queue.length;
  }

  /**
   * Settles an echoed state: returns the entries it confirms (oldest first). An echo that matches no
   * sent state (a destination that rewrote it) confirms the oldest pending one, keeping order.
   */
  confirm(echoed: AirbyteStateMessage): Array<{ state: AirbyteStateMessage; payload: T }> {
    if (this.queue.length === 0) return [];
    const fp = stateFingerprint(echoed);
    let index = this.queue.findIndex((e) => e.fingerprint === fp);
    if (index < 0) index = 0;
    return this.queue.splice(0, index + 1).map(({ state, payload }) => ({ state, payload }));
  }
}

/** Folds confirmed states into the rows to store: the last state per row key wins. */
export function latestRows(states: AirbyteStateMessage[]): StateRow[] {
  const byKey = new Map<string, StateRow>();
  for (const s of states) {
    for (const row of stateRows(s)) {
      if (row.type !== 'STREAM') byKey.clear();
      else byKey.delete('');
      byKey.set(row.streamKey, row);
    }
  }
  return [...byKey.values()];
}
