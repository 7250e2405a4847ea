// Helper process for workspaceStore.test.ts: saves the store in a loop until it is killed.
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';

async function main(): Promise<void> {
  const store = await WorkspaceStore.open({ path: process.argv[2] });
  const pad = 'x'.repeat(200_000);
  for (let n = 1; ; n++) {
    store.states.put('s', 'd', [
      {
        streamKey: 'users',
        type: 'STREAM',
        state: { type: 'STREAM', stream: { stream_descriptor: { name: 'users' }, stream_state: { n, pad } } },
      },
    ]);
    store.runs.begin({ kind: 'write', source: 'x', sourceId: 's', streams: [] });
    await store.save();
    process.stdout.write(`saved ${n}\n`);
  }
}
void main();
