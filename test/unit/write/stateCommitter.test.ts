import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { AirbyteStateMessage } from '../../../src/core/protocol/messages';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { SAVE_SPACING_MS, StateCommitter } from '../../../src/core/write/stateCommitter';
import { PendingStates } from '../../../src/core/write/stateManager';

const stream = (name: string, cursor: number): AirbyteStateMessage => ({
  type: 'STREAM',
  stream: { stream_descriptor: { name }, stream_state: { cursor } },
});

describe('state committer with a prepare step (a write through the cache)', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  async function openStore(): Promise<WorkspaceStore> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'aw-committer-'));
    dirs.push(dir);
    return WorkspaceStore.open({ path: path.join(dir, 'state.sqlite') });
  }

  it('covers the echoes that arrive during a prepare with one prepare, and stores every stream’s state', async () => {
    const store = await openStore();
    const pending = new PendingStates<number>();
    const prepared: number[] = [];
    const applied: number[] = [];
    let release!: () => void;
    const firstPrepare = new Promise<void>((resolve) => (release = resolve));
    const commits = new StateCommitter<number>(
      store,
      'src',
      'dst',
      pending,
      (n) => applied.push(n),
      async (n) => {
        prepared.push(n);
        if (prepared.length === 1) await firstPrepare;
      },
    );
    // 100 streams, one state each, echoed while the first prepare is still running.
    const states = Array.from({ length: 100 }, (_, i) => stream(`s${i}`, i + 1));
    states.forEach((s, i) => pending.push(s, i + 1));
    commits.onEcho(states[0]);
    await new Promise((resolve) => setImmediate(resolve)); // the first prepare has started
    for (const s of states.slice(1)) commits.onEcho(s);
    // Nothing is confirmed before the prepare that covers it is done.
    assert.deepEqual(store.states.get('src', 'dst'), []);
    release();
    await commits.settled();
    assert.deepEqual(prepared, [1, 100], 'one prepare for the first echo, one for the 99 that came during it');
    // Each confirmed state's progress is applied, in order (a payload covers its own streams).
    assert.deepEqual(
      applied,
      Array.from({ length: 100 }, (_, i) => i + 1),
    );
    assert.equal(store.states.get('src', 'dst').length, 100, 'every stream’s state is stored');
    await store.close();
  });

  it('confirms nothing of the echoes a failed prepare covered, and goes on with the next ones', async () => {
    const store = await openStore();
    const pending = new PendingStates<number>();
    let calls = 0;
    const commits = new StateCommitter<number>(
      store,
      'src',
      'dst',
      pending,
      () => undefined,
      async () => {
        calls += 1;
        if (calls === 1) throw new Error('disk full');
      },
    );
    pending.push(stream('a', 1), 1);
    pending.push(stream('b', 1), 2);
    commits.onEcho(stream('a', 1));
    await commits.settled();
    assert.deepEqual(store.states.get('src', 'dst'), [], 'a failed prepare confirms nothing');
    commits.onEcho(stream('b', 1));
    await commits.settled();
    assert.deepEqual(
      store.states.get('src', 'dst').map((r) => r.streamKey),
      ['b'],
    );
    await store.close();
  });

  it('saves echoes that come quickly together, a save at most every SAVE_SPACING_MS, and the last at once when settling', async () => {
    const store = await openStore();
    const file = store.path;
    let saves = 0;
    const save = store.save.bind(store);
    store.save = () => {
      saves++;
      return save();
    };
    const pending = new PendingStates<number>();
    const commits = new StateCommitter<number>(store, 'src', 'dst', pending, () => undefined);
    const ECHOES = 60;
    const started = Date.now();
    for (let i = 1; i <= ECHOES; i++) {
      pending.push(stream('users', i), i);
      commits.onEcho(stream('users', i));
      await new Promise((r) => setTimeout(r, 5));
    }
    const elapsed = Date.now() - started;
    await commits.settled();
    assert.ok(saves >= 2, `${saves} saves`);
    assert.ok(saves <= Math.ceil(elapsed / SAVE_SPACING_MS) + 2, `${saves} saves for ${ECHOES} echoes in ${elapsed} ms`);
    // Settled means saved: the file itself holds the last echoed state.
    const viewer = await WorkspaceStore.open({ path: file, lock: false });
    assert.deepEqual(
      viewer.states.get('src', 'dst').map((r) => r.state),
      [stream('users', ECHOES)],
    );
    await viewer.close();
    await store.close();
  });
});
