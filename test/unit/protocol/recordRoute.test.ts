// The streamed path's fast RECORD routing: for any line, the route read without parsing must equal
// what JSON.parse gives, or the line must be left to JSON.parse.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecodedItem, RecordRoute, RoutedItem } from '../../../src/core/protocol/lineCodec';
import {
  LineDecoder,
  RoutingLineDecoder,
  isDecodedMessage,
  isDecodedRecordLines,
  routeOfRecordLine,
} from '../../../src/core/protocol/lineCodec';
import { prng } from '../prng';

const TRICKY_NAMES = [
  'users',
  '',
  'a.b',
  'with space',
  'quote"inside',
  'back\\slash',
  'tab\there',
  'new\nline',
  'Zoë 日本 😀',
  'stream',
  'type',
  '"stream":"x"',
  '\u0000nul',
  'ends\\',
  '/slash',
  'RECORD',
  '}',
  '{',
];
const TRICKY_KEYS = ['type', 'stream', 'namespace', 'record', 'data', 'id', 'emitted_at', 'stre\\u0061m'];

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)];
}

function shuffle<T>(rand: () => number, list: T[]): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [list[i], list[j]] = [list[j], list[i]];
  }
  return list;
}

function randomValue(rand: () => number, depth = 0): unknown {
  const r = rand();
  if (depth > 2 || r < 0.3) return pick(rand, [1, -2.5, 0, true, false, null, 'x', 'type', 'stream', 'a"b', 'c\\d', 'é', '\u2028']);
  if (r < 0.6) return Array.from({ length: Math.floor(rand() * 3) }, () => randomValue(rand, depth + 1));
  const o: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 4); i > 0; i--) o[pick(rand, [...TRICKY_KEYS, 'name', 'kind'])] = randomValue(rand, depth + 1);
  return o;
}

/** A RECORD line in one of many shapes: canonical, reordered, spaced, with tricky names and data. */
function randomRecordLine(rand: () => number): string {
  const stream = rand() < 0.5 ? pick(rand, ['users', 'orders', 'events']) : pick(rand, TRICKY_NAMES);
  const record: Array<[string, unknown]> = [];
  const ns = rand();
  if (ns < 0.2) record.push(['namespace', pick(rand, ['public', '', 'my.schema', 'q"s'])]);
  else if (ns < 0.25) record.push(['namespace', null]);
  record.push(['stream', stream], ['data', randomValue(rand)], ['emitted_at', 1_700_000_000_000]);
  if (rand() < 0.3) shuffle(rand, record);
  const top: Array<[string, unknown]> = [
    ['type', 'RECORD'],
    ['record', Object.fromEntries(record)],
  ];
  if (rand() < 0.1) top.reverse();
  let line = JSON.stringify(Object.fromEntries(top), null, rand() < 0.1 ? 1 : undefined).replace(/\n/g, '');
  const mangle = rand();
  // Hand-made variants JSON.stringify never writes: duplicate keys, escaped keys, spacing.
  if (mangle < 0.05) line = `${line.slice(0, -2)},"stream":"other"}}`;
  else if (mangle < 0.1) line = `${line.slice(0, -1)},"type":"STATE","state":{"type":"LEGACY","data":{}}}`;
  else if (mangle < 0.15) line = `${line.slice(0, -1)},"record":{"stream":"other","data":{},"emitted_at":1}}`;
  else if (mangle < 0.2) line = `${line.slice(0, -2)},"\\u0073tream":"other"}}`;
  else if (mangle < 0.25) line = line.replace('"stream":', '"stream" : ');
  else if (mangle < 0.3) line = `${line.slice(0, -2)},"namespace":"late"}}`;
  return line;
}

/** What the pipeline routes by, from a parsed line (the same rule as for a parsed message). */
function parsedRoute(line: string): { stream: unknown; namespace: unknown } | undefined {
  let value: { type?: unknown; record?: { stream?: unknown; namespace?: unknown } };
  try {
    value = JSON.parse(line) as typeof value;
  } catch {
    return undefined;
  }
  if (value.type !== 'RECORD' || typeof value.record !== 'object' || value.record === null) return undefined;
  return { stream: value.record.stream, namespace: value.record.namespace };
}

describe('routeOfRecordLine', () => {
  it('equals JSON.parse on thousands of generated lines, or defers to it', () => {
    const rand = prng(20261126);
    let fast = 0;
    let deferred = 0;
    for (let i = 0; i < 20_000; i++) {
      const line = randomRecordLine(rand);
      const route = routeOfRecordLine(line);
      if (!route) {
        deferred++;
        continue;
      }
      fast++;
      const parsed = parsedRoute(line);
      assert.ok(parsed, `routed a line JSON.parse does not take as a RECORD: ${line}`);
      assert.equal(route.stream, parsed.stream, line);
      assert.equal(route.namespace, parsed.namespace ?? undefined, line);
    }
    // Both paths must really be exercised for this test to mean anything.
    assert.ok(fast > 3_000, `fast path taken ${fast} times`);
    assert.ok(deferred > 5_000, `deferred ${deferred} times`);
  });

  it('reads the canonical shapes connectors write', () => {
    assert.deepEqual(routeOfRecordLine('{"type":"RECORD","record":{"stream":"users","data":{"id":1},"emitted_at":1}}'), {
      stream: 'users',
    });
    assert.deepEqual(
      routeOfRecordLine('{"type":"RECORD","record":{"namespace":"public","stream":"users","data":{"id":1},"emitted_at":1}}'),
      { stream: 'users', namespace: 'public' },
    );
    assert.deepEqual(routeOfRecordLine('{"type":"RECORD","record":{"stream":"Zoë 日本","data":{},"emitted_at":1}}'), {
      stream: 'Zoë 日本',
    });
  });

  it('defers whenever it cannot be certain', () => {
    const deferred = [
      // escapes in the stream name
      '{"type":"RECORD","record":{"stream":"a\\"b","data":{},"emitted_at":1}}',
      '{"type":"RECORD","record":{"stream":"a\\u0062","data":{},"emitted_at":1}}',
      // another key order or spacing
      '{"record":{"stream":"users","data":{},"emitted_at":1},"type":"RECORD"}',
      '{"type":"RECORD","record":{"data":{},"stream":"users","emitted_at":1}}',
      '{ "type": "RECORD", "record": { "stream": "users", "data": {}, "emitted_at": 1 } }',
      ' {"type":"RECORD","record":{"stream":"users","data":{},"emitted_at":1}}',
      // a namespace after the stream, or one that is not a string
      '{"type":"RECORD","record":{"stream":"users","data":{},"emitted_at":1,"namespace":"public"}}',
      '{"type":"RECORD","record":{"namespace":null,"stream":"users","data":{},"emitted_at":1}}',
      // repeated keys: JSON.parse keeps the last one
      '{"type":"RECORD","record":{"stream":"users","data":{},"stream":"orders"}}',
      '{"type":"RECORD","record":{"stream":"users","data":{}},"type":"STATE","state":{}}',
      '{"type":"RECORD","record":{"stream":"users","data":{}},"record":{"stream":"orders","data":{}}}',
      '{"type":"RECORD","record":{"stream":"users","data":{},"\\u0073tream":"orders"}}',
      // not a record object, not a string stream, cut short
      '{"type":"RECORD","record":"users"}',
      '{"type":"RECORD","record":{"stream":5,"data":{}}}',
      '{"type":"RECORD","record":{"stream":"users","data":{"id":1',
      '{"type":"RECORD","record":{"stream":"users"',
      '{"type":"RECORD","record":{"stream":"users',
      '{"type":"STATE","state":{"type":"STREAM","stream":{"stream_descriptor":{"name":"users"}}}}',
    ];
    for (const line of deferred) assert.equal(routeOfRecordLine(line), undefined, line);
  });
});

/** Every item of a routed decode with its runs of record lines taken apart: one item per line. */
function perLine(items: RoutedItem[]): Array<DecodedItem | { route: RecordRoute; raw: string }> {
  const out: Array<DecodedItem | { route: RecordRoute; raw: string }> = [];
  for (const item of items) {
    if (!isDecodedRecordLines(item)) {
      out.push(item);
      continue;
    }
    const text = item.bytes.toString('utf8');
    assert.ok(text.endsWith('\n'), 'a run of record lines ends with its newline');
    const lines = text.slice(0, -1).split('\n');
    assert.equal(lines.length, item.count, 'a run counts its lines');
    for (const raw of lines) out.push({ route: item.route, raw });
  }
  return out;
}

describe('RoutingLineDecoder', () => {
  it('gives the same messages, logs and raw lines as LineDecoder, with RECORDs routed instead of parsed', () => {
    const rand = prng(7);
    const lines: string[] = [];
    for (let i = 0; i < 3_000; i++) {
      const r = rand();
      if (r < 0.7) lines.push(randomRecordLine(rand));
      else if (r < 0.8)
        lines.push(
          JSON.stringify({
            type: 'STATE',
            state: { type: 'STREAM', stream: { stream_descriptor: { name: 'users' }, stream_state: { cursor: i } } },
          }),
        );
      else if (r < 0.85) lines.push(JSON.stringify({ type: 'LOG', log: { level: 'INFO', message: `line ${i} "type":"RECORD"` } }));
      else if (r < 0.9) lines.push(`plain log ${i}`);
      else if (r < 0.95) lines.push(`${JSON.stringify({ type: 'RECORD', record: { stream: 'crlf', data: { i }, emitted_at: 1 } })}\r`);
      else lines.push('{"type":"RECORD","record":{"stream":"broken"');
    }
    const bytes = Buffer.from(`${lines.join('\n')}\n`);
    const plain = new LineDecoder();
    const routed = new RoutingLineDecoder();
    const expected: DecodedItem[] = [];
    const items: RoutedItem[] = [];
    // Different chunkings on each side: lines split anywhere must decode the same.
    for (let off = 0; off < bytes.length; off += 4096) expected.push(...plain.push(bytes.subarray(off, off + 4096)));
    expected.push(...plain.end());
    for (let off = 0; off < bytes.length; off += 777) items.push(...routed.push(bytes.subarray(off, off + 777)));
    items.push(...routed.end());
    const got = perLine(items);

    assert.equal(got.length, expected.length);
    let routedCount = 0;
    for (let i = 0; i < got.length; i++) {
      const g = got[i];
      const e = expected[i];
      if ('route' in g) {
        routedCount++;
        assert.ok(isDecodedMessage(e) && e.message.type === 'RECORD', `routed line ${i} is a RECORD for LineDecoder too`);
        assert.equal(g.raw, e.raw);
        assert.equal(g.route.stream, e.message.record.stream);
        assert.equal(g.route.namespace, e.message.record.namespace ?? undefined);
      } else {
        assert.deepEqual(g, e);
      }
    }
    assert.ok(routedCount > 400, `routed ${routedCount}`);
    // Runs really gather lines: far fewer items than routed lines.
    assert.ok(items.filter(isDecodedRecordLines).length < routedCount, 'consecutive lines of a stream come as one run');
  });

  it('hands on record lines in the exact bytes the connector wrote, one run per stream change', () => {
    const record = (stream: string, data: unknown) => JSON.stringify({ type: 'RECORD', record: { stream, data, emitted_at: 1 } });
    const lines = [
      record('users', { id: 1, name: 'Zoë 日本 😀' }),
      record('users', { id: 2 }),
      record('Zoë', { id: 3 }),
      record('Zoë', { id: 4 }),
      JSON.stringify({ type: 'STATE', state: { type: 'LEGACY', data: { at: 4 } } }),
      record('users', { id: 5 }),
    ];
    const bytes = Buffer.from(`${lines.join('\n')}\n`);
    const items = new RoutingLineDecoder().push(bytes);
    const runs = items.filter(isDecodedRecordLines);
    assert.deepEqual(
      runs.map((r) => [r.route.stream, r.count]),
      [
        ['users', 2],
        ['Zoë', 2],
        ['users', 1],
      ],
    );
    assert.equal(runs[0].bytes.buffer, bytes.buffer, 'a run is a view of the chunk, not a copy');
    assert.equal(Buffer.concat(runs.map((r) => r.bytes)).toString(), `${[...lines.slice(0, 4), lines[5]].join('\n')}\n`);
  });

  it('decodes a chunk that is not valid UTF-8 line by line, as LineDecoder does', () => {
    const good = '{"type":"RECORD","record":{"stream":"users","data":{"n":"ok"},"emitted_at":1}}';
    const bad = Buffer.concat([
      Buffer.from('{"type":"RECORD","record":{"stream":"users","data":{"n":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"},"emitted_at":1}}'),
    ]);
    const bytes = Buffer.concat([Buffer.from(`${good}\n`), bad, Buffer.from('\n')]);
    const got = perLine(new RoutingLineDecoder().push(bytes));
    const expected = new LineDecoder().push(bytes);
    assert.equal(got.length, 2);
    assert.deepEqual(
      got.map((g) => ('route' in g ? g.raw : undefined)),
      expected.map((e) => (isDecodedMessage(e) ? e.raw : undefined)),
    );
    assert.ok(String(got[1] && 'raw' in got[1] ? got[1].raw : '').includes('\ufffd'), 'invalid bytes become U+FFFD');
  });
});
