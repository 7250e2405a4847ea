import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { demuxStream } from '../../../src/core/docker/demuxStream';
import { tarArchive } from '../../../src/core/docker/tarArchive';

function frame(type: 1 | 2, payload: string | Buffer): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = type;
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

async function readAll(stream: PassThrough): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
}

describe('demuxStream', () => {
  it('splits stdout and stderr frames, even when headers and payloads are cut across chunks', async () => {
    const bytes = Buffer.concat([frame(1, 'out-1\n'), frame(2, 'err-1\n'), frame(1, 'out-2\n'), frame(2, 'err-2\n')]);
    // Every possible cut: one byte at a time.
    const source = Readable.from(Array.from(bytes, (b) => Buffer.from([b])));
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const done = demuxStream(source, stdout, stderr);
    const [out, err] = await Promise.all([readAll(stdout), readAll(stderr), done]);
    assert.equal(out, 'out-1\nout-2\n');
    assert.equal(err, 'err-1\nerr-2\n');
  });

  it('passes a stream that is not multiplexed (a TTY) through to stdout', async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const done = demuxStream(Readable.from([Buffer.from('plain text\n'), Buffer.from('more\n')]), stdout, stderr);
    const [out, err] = await Promise.all([readAll(stdout), readAll(stderr), done]);
    assert.equal(out, 'plain text\nmore\n');
    assert.equal(err, '');
  });

  it('pauses the source while stdout is not read, and resumes when it is', async () => {
    let produced = 0;
    // Many frames per chunk: once stdout is full, every further frame finds it full.
    const payload = 'x'.repeat(8 * 1024);
    const FRAMES = 40;
    const source = new Readable({
      highWaterMark: 256 * 1024,
      read() {
        produced++;
        this.push(Buffer.concat([...Array.from({ length: FRAMES }, () => frame(1, payload)), frame(2, 'e')]));
        if (produced === 200) this.push(null);
      },
    });
    const stdout = new PassThrough({ highWaterMark: 64 * 1024 });
    const stderr = new PassThrough();
    stderr.resume();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const done = demuxStream(source, stdout, stderr);
    await new Promise((r) => setTimeout(r, 100));
    assert.ok(produced < 20, `the source went on producing (${produced} chunks) while nobody read stdout`);
    let bytes = 0;
    for await (const c of stdout) bytes += (c as Buffer).length;
    await done;
    process.off('warning', onWarning);
    assert.equal(produced, 200);
    assert.equal(bytes, 200 * FRAMES * payload.length);
    assert.deepEqual(
      warnings.filter((w) => w.name === 'MaxListenersExceededWarning'),
      [],
    );
  });

  it('once told to discard, ends both outputs and reads the rest of a stalled source to its end', async () => {
    let produced = 0;
    const source = new Readable({
      read() {
        produced++;
        this.push(frame(1, 'y'.repeat(32 * 1024)));
        if (produced === 100) this.push(null);
      },
    });
    const stdout = new PassThrough({ highWaterMark: 16 * 1024 });
    const stderr = new PassThrough();
    const discard = new AbortController();
    const done = demuxStream(source, stdout, stderr, discard.signal);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(produced < 10, 'stalled while nobody reads stdout');
    discard.abort();
    await done;
    assert.equal(produced, 100, 'the rest of the source was read');
    assert.ok(stdout.writableEnded && stderr.writableEnded);
    // What was buffered before the discard is still there for a reader; nothing after it was added.
    const kept = (await readAll(stdout)).length;
    assert.ok(kept < 10 * 32 * 1024, `${kept} bytes kept`);
  });
});

describe('tarArchive', () => {
  it('archives files and folders with their modes, owned by root, read back byte for byte', async () => {
    const { extract } = await import('tar-stream');
    const longName = `airbyte/io/${'deep/'.repeat(30)}state.json`;
    const archive = await tarArchive([
      { name: 'airbyte/io/config.json', content: Buffer.from('{"a":1}') },
      { name: 'airbyte/io/catalog.json', content: Buffer.alloc(1500, 7) },
      { name: 'dir/', mode: 0o700 },
      // Longer than ustar's 100-byte name field.
      { name: longName, content: Buffer.from('[]') },
    ]);
    assert.equal(archive.length % 512, 0);
    const seen: Array<{ name: string; mode?: number; type?: string | null; size: number; owner: string; data: Buffer }> = [];
    const ex = extract();
    ex.on('entry', (header, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (d: unknown) => {
        parts.push(d as Buffer);
      });
      stream.on('end', () => {
        const owner = `${header.uid}:${header.gid}`;
        seen.push({ name: header.name, mode: header.mode, type: header.type, size: header.size ?? 0, owner, data: Buffer.concat(parts) });
        next();
      });
    });
    const finished = new Promise<void>((resolve, reject) => {
      ex.on('finish', () => resolve());
      ex.on('error', (e: Error) => reject(e));
    });
    ex.end(archive);
    await finished;
    assert.deepEqual(
      seen.map((e) => [e.name, e.type, e.mode, e.size, e.owner]),
      [
        ['airbyte/io/config.json', 'file', 0o644, 7, '0:0'],
        ['airbyte/io/catalog.json', 'file', 0o644, 1500, '0:0'],
        ['dir/', 'directory', 0o700, 0, '0:0'],
        [longName, 'file', 0o644, 2, '0:0'],
      ],
    );
    assert.equal(seen[0].data.toString(), '{"a":1}');
    assert.deepEqual(seen[1].data, Buffer.alloc(1500, 7));
  });
});
