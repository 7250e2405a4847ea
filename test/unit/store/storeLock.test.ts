import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildSync } from 'esbuild';
import { after, before, describe, it } from 'node:test';
import { acquireStoreLock } from '../../../src/core/store/storeLock';

async function deadPid(): Promise<number> {
  const p = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => p.on('exit', r));
  return p.pid!;
}

let child = '';

function run(file: string, holdMs: number, startAt: number): Promise<{ held?: [number, number]; refused?: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, file, String(holdMs), String(startAt)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('exit', () => {
      try {
        resolve(JSON.parse(out) as { held?: [number, number]; refused?: string });
      } catch {
        reject(new Error(`lock child printed ${JSON.stringify(out)}`));
      }
    });
  });
}

describe('store lock', () => {
  const dir = path.join(os.tmpdir(), `airbyte-write-lock-${process.pid}`);
  // Bundled once, so that six processes start in milliseconds rather than each compiling TypeScript.
  before(async () => {
    await fs.mkdir(dir, { recursive: true });
    child = path.join(dir, 'lockChild.js');
    buildSync({ entryPoints: [path.join(__dirname, 'lockChild.ts')], bundle: true, platform: 'node', outfile: child, logLevel: 'error' });
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('a stale lock is taken over by exactly one of 6 processes started together (10 trials)', async () => {
    await fs.mkdir(dir, { recursive: true });
    const stalePid = await deadPid();
    let overlaps = 0;
    for (let trial = 0; trial < 10; trial++) {
      const file = path.join(dir, `t${trial}.lock`);
      await fs.writeFile(file, JSON.stringify({ pid: stalePid, hostname: os.hostname(), startedAt: new Date(0).toISOString() }));
      const startAt = Date.now() + 400; // after every child has loaded
      const results = await Promise.all(Array.from({ length: 6 }, () => run(file, 200, startAt)));
      const held = results.flatMap((r) => (r.held ? [r.held] : [])).sort((a, b) => a[0] - b[0]);
      assert.ok(held.length >= 1, `trial ${trial}: nobody took the stale lock: ${JSON.stringify(results)}`);
      for (const r of results) if (r.refused) assert.equal(r.refused, 'STORE_IN_USE');
      for (let i = 1; i < held.length; i++) if (held[i]![0] < held[i - 1]![1]) overlaps++;
      assert.ok(!existsSync(file), `trial ${trial}: the lock is released at the end`);
    }
    assert.equal(overlaps, 0, 'two processes held the lock at once');
  });

  it('a live owner keeps its lock, and release removes only its own lock', async () => {
    await fs.mkdir(dir, { recursive: true });
    const file = path.join(dir, 'live.lock');
    const first = await acquireStoreLock(file, 'store');
    await assert.rejects(acquireStoreLock(file, 'store'), (e: { code?: string }) => e.code === 'STORE_IN_USE');
    await first.release();
    const second = await acquireStoreLock(file, 'store');
    await first.release(); // a second release of an old lock must not remove the new owner's lock
    assert.ok(existsSync(file));
    await second.release();
    assert.ok(!existsSync(file));
  });
});
