// Feeding stdin: a write blocked on a full pipe is released when the reader goes away or the run is
// stopped, and folders are made without Node's recursive mkdir (which loops forever on /proc).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { makeDirectory } from '../../../src/core/makeDirectory';
import { lend } from '../../../src/core/process/lentBuffers';
import { pumpStdin } from '../../../src/core/process/pumpStdin';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

/** An endless input that notes when it was closed. */
function endless(): { input: AsyncGenerator<string>; closed: () => boolean } {
  let closed = false;
  const line = `${'x'.repeat(1023)}\n`;
  async function* gen(): AsyncGenerator<string> {
    try {
      for (;;) yield line;
    } finally {
      closed = true;
    }
  }
  return { input: gen(), closed: () => closed };
}

/** A process that never reads its stdin, so that writes to it block once the pipe is full. */
function nonReader() {
  return spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: ['pipe', 'ignore', 'ignore'] });
}

describe('pumpStdin', () => {
  it('a write blocked on a full pipe is released when the reader exits', async () => {
    const child = nonReader();
    const { input, closed } = endless();
    const pumping = pumpStdin(input, child.stdin);
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGKILL');
    const outcome = await pumping;
    assert.equal(outcome.ended, 'closed');
    assert.ok('error' in outcome && outcome.error instanceof Error);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(closed(), 'the input was closed');
  });

  it('a write blocked on a full pipe is released when the run is stopped', async () => {
    const child = nonReader();
    const { input } = endless();
    const stop = new AbortController();
    const pumping = pumpStdin(input, child.stdin, stop.signal);
    await new Promise((r) => setTimeout(r, 300));
    stop.abort();
    const outcome = await pumping;
    assert.equal(outcome.ended, 'aborted');
    child.kill('SIGKILL');
  });

  it('all input written ends stdin', async () => {
    const child = spawn(
      process.execPath,
      ['-e', 'let n=0;process.stdin.on("data",(c)=>n+=c.length).on("end",()=>process.stdout.write(String(n)))'],
      {
        stdio: ['pipe', 'pipe', 'ignore'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    async function* three(): AsyncGenerator<string> {
      yield 'a';
      yield 'bb';
      yield 'ccc';
    }
    assert.deepEqual(await pumpStdin(three(), child.stdin), { ended: 'complete' });
    await new Promise((r) => child.once('close', r));
    assert.equal(out, '6');
  });

  it('gives a lent chunk back once the socket has written it, not while it waits in a full pipe', async () => {
    // Reads nothing for half a second, then everything.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => process.stdin.resume(), 500)'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const CHUNKS = 64;
    const given: number[] = [];
    async function* lent(): AsyncGenerator<Buffer> {
      for (let i = 0; i < CHUNKS; i++) yield lend(Buffer.alloc(64 << 10, 0x61), () => given.push(i));
    }
    const pumping = pumpStdin(lent(), child.stdin);
    await new Promise((r) => setTimeout(r, 300));
    // The pipe holds a few hundred KB at most: the chunks behind it are not written, so not given back.
    const whileBlocked = given.length;
    assert.deepEqual(await pumping, { ended: 'complete' });
    await new Promise((r) => child.once('close', r));
    assert.ok(whileBlocked < 16, `${whileBlocked} of ${CHUNKS} chunks given back while the reader read nothing`);
    assert.deepEqual(
      given,
      Array.from({ length: CHUNKS }, (_, i) => i),
      'each given back once written, in order',
    );
  });

  it('gives nothing back to a writable that is not a socket (it may still hold the chunk)', async () => {
    let given = 0;
    const held: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        held.push(chunk);
        done();
      },
    });
    async function* lent(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 10; i++) yield lend(Buffer.from(`chunk ${i}\n`), () => given++);
    }
    assert.deepEqual(await pumpStdin(lent(), sink), { ended: 'complete' });
    assert.equal(given, 0);
    assert.equal(held.length, 10);
  });

  it('writes the small chunks that come together in one system call, every byte in order', async () => {
    const child = spawn(
      process.execPath,
      [
        '-e',
        'const h=require("crypto").createHash("sha256");process.stdin.on("data",(c)=>h.update(c)).on("end",()=>process.stdout.write(h.digest("hex")))',
      ],
      { stdio: ['pipe', 'pipe', 'ignore'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    let writes = 0;
    const stdin = child.stdin as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
    for (const name of ['_write', '_writev'] as const) {
      const original = stdin[name].bind(stdin);
      stdin[name] = (...args: unknown[]) => {
        writes++;
        original(...args);
      };
    }
    const CHUNKS = 2_000;
    const chunks = Array.from({ length: CHUNKS }, (_, i) => Buffer.from(`{"record":${i}}\n`));
    async function* small(): AsyncGenerator<Buffer> {
      yield* chunks;
    }
    assert.deepEqual(await pumpStdin(small(), child.stdin), { ended: 'complete' });
    await new Promise((r) => child.once('close', r));
    const { createHash } = await import('node:crypto');
    assert.equal(out, createHash('sha256').update(Buffer.concat(chunks)).digest('hex'), 'every byte arrived, in order');
    assert.ok(writes <= 10, `${writes} writes for ${CHUNKS} chunks`);
  });

  it('keeps nothing it has written: memory stays flat however much input goes through', async () => {
    // Fault found by the write bench: Promise.race against the long-lived "cut short" promise kept
    // every chunk written reachable until the run ended (a 10,000,000-record replay peaked at 1.7 GB).
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const CHUNKS = 200;
    async function* megabytes(): AsyncGenerator<Buffer> {
      for (let i = 0; i < CHUNKS; i++) yield Buffer.alloc(1 << 20, 0x61);
    }
    let held = Number.POSITIVE_INFINITY;
    let seen = 0;
    const sink = new Writable({
      highWaterMark: 1 << 16,
      write(_chunk: Buffer, _encoding, done) {
        if (++seen === CHUNKS) {
          gc();
          held = process.memoryUsage().arrayBuffers;
        }
        setImmediate(done);
      },
    });
    assert.deepEqual(await pumpStdin(megabytes(), sink), { ended: 'complete' });
    assert.ok(held < 40 * (1 << 20), `${(held / (1 << 20)).toFixed(0)} MB of buffers still reachable after writing ${CHUNKS} MB`);
  });
});

describe('makeDirectory', () => {
  let dir: string;
  before(async () => (dir = await makeTempDir('aw-mkdir-')));
  after(() => removeTempDir(dir));

  it('makes missing parents and accepts an existing folder', async () => {
    const deep = path.join(dir, 'a', 'b', 'c');
    await makeDirectory(deep);
    await makeDirectory(deep);
    assert.ok(existsSync(deep));
  });

  it('fails at once under /proc, where a recursive mkdir never returns', { skip: process.platform !== 'linux' }, async () => {
    const started = Date.now();
    await assert.rejects(makeDirectory('/proc/self/aw-test/x'), (e: NodeJS.ErrnoException) => e.code === 'ENOENT');
    assert.ok(Date.now() - started < 1000);
  });

  it('a file in the way is ENOTDIR naming it', async () => {
    writeFileSync(path.join(dir, 'file'), '');
    await assert.rejects(makeDirectory(path.join(dir, 'file', 'sub')), (e: NodeJS.ErrnoException) => e.code === 'ENOTDIR');
  });
});
