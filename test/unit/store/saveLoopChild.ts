// Helper process for stateStore.test.ts: saves the store in a loop until it is killed.
import { StateStore } from '../../../src/core/store/stateStore';

async function main(): Promise<void> {
  const store = await StateStore.open({ path: process.argv[2] });
  const pad = 'x'.repeat(200_000);
  for (let n = 1; ; n++) {
    store.putStates('s', 'd', [
      {
        streamKey: 'users',
        type: 'STREAM',
        state: { type: 'STREAM', stream: { stream_descriptor: { name: 'users' }, stream_state: { n, pad } } },
      },
    ]);
    store.beginRun({ kind: 'write', source: 'x', sourceId: 's', streams: [] });
    await store.save();
    process.stdout.write(`saved ${n}\n`);
  }
}
void main();
