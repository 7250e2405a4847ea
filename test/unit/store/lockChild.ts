// A process that takes the store lock, holds it for a while and prints when it held it (storeLock.test.ts).
// argv: lockFile holdMs startAt (epoch ms: all children start taking the lock at that moment).
import { acquireStoreLock } from '../../../src/core/store/storeLock';

const [file, holdMs, startAt] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])];

async function main(): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
  try {
    const lock = await acquireStoreLock(file, 'store', 'lock race test');
    const from = performance.timeOrigin + performance.now();
    await new Promise((r) => setTimeout(r, holdMs));
    const to = performance.timeOrigin + performance.now();
    await lock.release();
    process.stdout.write(JSON.stringify({ held: [from, to] }));
  } catch (error) {
    process.stdout.write(JSON.stringify({ refused: (error as { code?: string }).code ?? String(error) }));
  }
}
void main();
