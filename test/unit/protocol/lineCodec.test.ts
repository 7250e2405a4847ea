import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { DecodedItem, DecodedMessage } from '../../../src/core/protocol/lineCodec';
import {
  LineDecoder,
  decodeBatches,
  decodeItems,
  encodeLine,
  encodeMessages,
  isDecodedMessage,
} from '../../../src/core/protocol/lineCodec';
import type { AirbyteMessage } from '../../../src/core/protocol/messages';
import { message } from '../../../src/core/protocol/messages';

const rec = (i: number): AirbyteMessage => message.record('users', { id: i, name: `user ${i}` }, 1_700_000_000_000);

async function collect(chunks: Array<Buffer | string>): Promise<DecodedItem[]> {
  const out: DecodedItem[] = [];
  for await (const item of decodeItems(Readable.from(chunks.map((c) => (typeof c === 'string' ? Buffer.from(c) : c))))) out.push(item);
  return out;
}

const messagesOf = (items: DecodedItem[]) => items.filter(isDecodedMessage).map((i) => i.message);
const logsOf = (items: DecodedItem[]) => items.filter((i): i is { log: string } => !isDecodedMessage(i)).map((i) => i.log);

describe('LineDecoder', () => {
  it('decodes messages and keeps the exact line text as raw', async () => {
    const line = '{"type":"RECORD","record":{"stream":"s","data":{"b":2,"a":1},"emitted_at":5,"extra":"kept"}}';
    const items = await collect([`${line}\n`]);
    assert.equal(items.length, 1);
    const item = items[0] as DecodedMessage;
    assert.equal(item.raw, line);
    assert.deepEqual(item.message, JSON.parse(line));
  });

  it('handles CRLF line endings', async () => {
    const items = await collect([`${JSON.stringify(rec(1))}\r\n${JSON.stringify(rec(2))}\r\n`]);
    assert.deepEqual(messagesOf(items), [rec(1), rec(2)]);
    assert.ok(items.every((i) => !isDecodedMessage(i) || !i.raw.endsWith('\r')));
  });

  it('turns garbage, non-message JSON and blank lines into logs, never errors', async () => {
    const items = await collect([
      'Starting connector...\n',
      '{"not":"a message"}\n',
      '{"type":"RECORD","record":"not an object"}\n',
      '{"type":"RECORD", broken json\n',
      '   \n',
      '\n',
      `${JSON.stringify(rec(1))}\n`,
      '[1,2,3]\n',
    ]);
    assert.deepEqual(messagesOf(items), [rec(1)]);
    assert.deepEqual(logsOf(items), [
      'Starting connector...',
      '{"not":"a message"}',
      '{"type":"RECORD","record":"not an object"}',
      '{"type":"RECORD", broken json',
      '[1,2,3]',
    ]);
  });

  it('replaces invalid UTF-8 with U+FFFD and keeps going', async () => {
    const bad = Buffer.concat([Buffer.from('bad bytes: '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('\n')]);
    const items = await collect([bad, `${JSON.stringify(rec(1))}\n`]);
    assert.equal(logsOf(items)[0], 'bad bytes: \ufffd\ufffd\ufffd');
    assert.deepEqual(messagesOf(items), [rec(1)]);
  });

  it('does not break a multi-byte character split across chunks', async () => {
    const line = Buffer.from(`${JSON.stringify(message.record('s', { name: 'Zoë 😀 日本' }, 1))}\n`);
    // Split inside the 4-byte emoji and inside a 3-byte character.
    const emoji = line.indexOf(Buffer.from('😀'));
    const chunks = [line.subarray(0, emoji + 2), line.subarray(emoji + 2, emoji + 7), line.subarray(emoji + 7)];
    const items = await collect(chunks);
    assert.deepEqual(messagesOf(items), [message.record('s', { name: 'Zoë 😀 日本' }, 1)]);
  });

  it('decodes a last line that has no trailing newline', async () => {
    const items = await collect([`${JSON.stringify(rec(1))}\n${JSON.stringify(rec(2))}`]);
    assert.deepEqual(messagesOf(items), [rec(1), rec(2)]);
    assert.deepEqual(await collect(['tail log without newline']), [{ log: 'tail log without newline' }]);
  });

  it('reassembles lines from many one-byte chunks', async () => {
    const text = Array.from({ length: 50 }, (_, i) => JSON.stringify(rec(i))).join('\n') + '\n';
    const bytes = Buffer.from(text);
    const chunks = Array.from(bytes, (b) => Buffer.from([b]));
    const items = await collect(chunks);
    assert.deepEqual(
      messagesOf(items),
      Array.from({ length: 50 }, (_, i) => rec(i)),
    );
  });

  it('delivers one batch per input chunk', async () => {
    const chunk = Buffer.from(Array.from({ length: 100 }, (_, i) => JSON.stringify(rec(i))).join('\n') + '\n');
    const batches: number[] = [];
    for await (const batch of decodeBatches(Readable.from([chunk, chunk]))) batches.push(batch.length);
    assert.deepEqual(batches, [100, 100]);
  });

  it('decodes a single 100 MB line in linear time and bounded memory', async () => {
    const size = 100 * 1024 * 1024;
    const payload = 'x'.repeat(size);
    const line = Buffer.from(`${JSON.stringify(message.record('big', { blob: payload }, 1))}\n`);
    const chunkSize = 64 * 1024;
    const decoder = new LineDecoder();
    const rssBefore = process.memoryUsage().rss;
    const t0 = performance.now();
    let got: DecodedItem[] = [];
    for (let off = 0; off < line.length; off += chunkSize) {
      const items = decoder.push(line.subarray(off, off + chunkSize));
      if (items.length) got = items;
    }
    const ms = performance.now() - t0;
    const grownMb = (process.memoryUsage().rss - rssBefore) / 1024 / 1024;
    assert.equal(got.length, 1);
    const m = (got[0] as DecodedMessage).message;
    assert.equal(m.type, 'RECORD');
    assert.equal((m as unknown as { record: { data: { blob: string } } }).record.data.blob.length, size);
    // One concatenation, one decode, one parse: seconds at most; quadratic growth would take minutes.
    assert.ok(ms < 15_000, `took ${ms.toFixed(0)} ms`);
    // The line itself (100 MB as bytes, 100 MB as a string, 100 MB parsed) plus slack; not per-chunk copies.
    assert.ok(grownMb < 900, `rss grew by ${grownMb.toFixed(0)} MB`);
  });

  it('reports a line longer than the limit as a log line instead of failing', () => {
    const decoder = new LineDecoder({ maxLineBytes: 1000 });
    const out = [...decoder.push('a'.repeat(600)), ...decoder.push('b'.repeat(600)), ...decoder.push(`\n${JSON.stringify(rec(1))}\n`)];
    assert.equal(out.length, 2);
    assert.match((out[0] as { log: string }).log, /1200 bytes was too long/);
    assert.deepEqual((out[1] as DecodedMessage).message, rec(1));
  });

  it('honours backpressure: reads no further than the consumer takes', async () => {
    let produced = 0;
    const chunk = `${Array.from({ length: 10 }, (_, i) => JSON.stringify(rec(i))).join('\n')}\n`;
    const source = new Readable({
      highWaterMark: 1024,
      read() {
        produced++;
        this.push(chunk);
      },
    });
    const it = decodeBatches(source)[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) await it.next();
    await new Promise((r) => setTimeout(r, 50));
    // An endless source: only what fits the stream's buffer beyond the 3 batches taken was read.
    assert.ok(produced < 20, `produced ${produced} chunks for 3 consumed`);
    await it.return?.(undefined);
    source.destroy();
  });
});

describe('encodeMessages', () => {
  it('writes newline-delimited JSON that decodes back to the same messages', async () => {
    const msgs = Array.from({ length: 1000 }, (_, i) => rec(i));
    const chunks: Buffer[] = [];
    for await (const c of encodeMessages(msgs)) chunks.push(c);
    const text = Buffer.concat(chunks).toString();
    assert.ok(text.endsWith('\n'));
    assert.deepEqual(
      text
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
      msgs,
    );
    assert.deepEqual(messagesOf(await collect(chunks)), msgs);
  });

  it('gathers small messages into chunks of about the target size', async () => {
    const msgs = Array.from({ length: 5000 }, (_, i) => rec(i));
    const sizes: number[] = [];
    for await (const c of encodeMessages(msgs, { chunkBytes: 64 * 1024 })) sizes.push(c.length);
    assert.ok(sizes.length >= 3);
    for (const s of sizes.slice(0, -1)) assert.ok(s >= 64 * 1024 && s < 64 * 1024 + 1024, `chunk of ${s} bytes`);
  });

  it('forwards already-encoded lines byte for byte, and accepts batches', async () => {
    const raw = '{"type":"RECORD","record":{"stream":"s","data":{"z":1,  "a":2},"emitted_at":1}}';
    const chunks: Buffer[] = [];
    for await (const c of encodeMessages([[raw, rec(1)], raw])) chunks.push(c);
    assert.equal(Buffer.concat(chunks).toString(), `${raw}\n${JSON.stringify(rec(1))}\n${raw}\n`);
    assert.equal(encodeLine(raw), `${raw}\n`);
  });

  it('is pull-based: encodes nothing ahead of the consumer', async () => {
    let pulled = 0;
    function* source() {
      for (let i = 0; i < 1_000_000; i++) {
        pulled++;
        yield rec(i);
      }
    }
    const it = encodeMessages(source(), { chunkBytes: 4096 })[Symbol.asyncIterator]();
    await it.next();
    await it.next();
    await it.return?.(undefined);
    assert.ok(pulled < 200, `pulled ${pulled} messages for two 4 KB chunks`);
  });
});
