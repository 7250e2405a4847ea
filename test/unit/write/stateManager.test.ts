import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AirbyteStateMessage } from '../../../src/core/protocol/messages';
import type { StoredState } from '../../../src/core/store/committedStates';
import {
  PendingStates,
  latestRows,
  normalizeState,
  stateFingerprint,
  stateRows,
  statesToOffer,
} from '../../../src/core/write/stateManager';

const stream = (name: string, cursor: number): AirbyteStateMessage => ({
  type: 'STREAM',
  stream: { stream_descriptor: { name }, stream_state: { cursor } },
});
const global = (lsn: number): AirbyteStateMessage => ({
  type: 'GLOBAL',
  global: { shared_state: { lsn }, stream_states: [{ stream_descriptor: { name: 'a' }, stream_state: { x: lsn } }] },
});

describe('state manager', () => {
  it("reads an old destination's global_ echo as the GLOBAL state that was sent", () => {
    const sent = global(10);
    const echoed = { type: 'GLOBAL', global_: sent.global, destinationStats: { recordCount: 4 } } as AirbyteStateMessage;
    assert.equal(stateFingerprint(echoed), stateFingerprint(sent));
    assert.deepEqual(normalizeState(echoed), sent);
  });

  it('keys rows: STREAM per stream, GLOBAL and LEGACY whole', () => {
    assert.deepEqual(
      stateRows(stream('users', 1)).map((r) => [r.streamKey, r.type]),
      [['users', 'STREAM']],
    );
    assert.deepEqual(
      stateRows(global(1)).map((r) => [r.streamKey, r.type]),
      [['', 'GLOBAL']],
    );
    assert.deepEqual(
      stateRows({ data: { c: 1 } }).map((r) => [r.streamKey, r.type]),
      [['', 'LEGACY']],
    );
    assert.deepEqual(
      stateRows({ ...stream('users', 1), sourceStats: { recordCount: 3 } })[0].state,
      stream('users', 1),
      'stats are not stored',
    );
  });

  it('an echo confirms its state and every one sent before it, in order', () => {
    const pending = new PendingStates<number>();
    pending.push(stream('a', 1), 1);
    pending.push(stream('b', 1), 2);
    pending.push(stream('a', 2), 3);
    assert.deepEqual(
      pending.confirm({ ...stream('b', 1), destinationStats: { recordCount: 9 } }).map((c) => c.payload),
      [1, 2],
    );
    assert.equal(pending.size, 1);
    assert.deepEqual(
      pending.confirm(stream('zzz', 0)).map((c) => c.payload),
      [3],
      'an unknown echo confirms the oldest pending',
    );
    assert.deepEqual(pending.confirm(stream('a', 2)), [], 'nothing left');
  });

  it('offers only the streams being read, or the whole GLOBAL/LEGACY state', () => {
    const rows = (states: AirbyteStateMessage[]): StoredState[] => latestRows(states).map((r) => ({ ...r, updatedAt: 0 }));
    assert.deepEqual(statesToOffer(rows([stream('a', 1), stream('b', 2)]), ['b']), [stream('b', 2)]);
    assert.deepEqual(statesToOffer(rows([stream('a', 1), global(5)]), ['b']), [global(5)]);
    assert.deepEqual(
      statesToOffer(rows([{ type: 'STREAM', stream: { stream_descriptor: { name: 'a' }, stream_state: null } }]), ['a']),
      [],
      'a reset stream starts over',
    );
  });

  it('latestRows keeps the last state per stream and lets GLOBAL replace streams', () => {
    assert.deepEqual(
      latestRows([stream('a', 1), stream('a', 2), stream('b', 1)]).map((r) => r.state),
      [stream('a', 2), stream('b', 1)],
    );
    assert.deepEqual(
      latestRows([stream('a', 1), global(3)]).map((r) => r.type),
      ['GLOBAL'],
    );
  });
});
