/**
 * Newline-delimited Airbyte messages, both ways.
 *
 * Decoding turns raw bytes (a connector's stdout) into batches of items, one batch per input chunk,
 * so that a pipeline pays per chunk rather than per message. A line that is not JSON, or JSON that
 * is not an AirbyteMessage, is a log line: connectors print all sorts of things and none of it may
 * fail a run. Encoding turns messages (or lines already encoded, e.g. forwarded from a source
 * exactly as it wrote them) into large byte chunks.
 *
 * Both sides are pull-based async iterables: nothing is read faster than the consumer takes it,
 * which is how backpressure reaches the connector's pipe.
 */
import { isUtf8 } from 'node:buffer';
import type { AirbyteMessage } from './messages';
import { isAirbyteMessage } from './messages';

/** A decoded protocol message and the exact JSON text of its line (without the line ending). */
export interface DecodedMessage {
  message: AirbyteMessage;
  raw: string;
}

/** A line that is not a protocol message. */
export interface DecodedLog {
  log: string;
}

export type DecodedItem = DecodedMessage | DecodedLog;

/** Where a RECORD goes: what {@link routeOfRecordLine} reads from a line without parsing it. */
export interface RecordRoute {
  stream: string;
  namespace?: string;
}

/**
 * Consecutive RECORD lines of one stream that were routed but not parsed (see
 * {@link RoutingLineDecoder}): their stream and namespace, and their bytes exactly as the connector
 * wrote them, each line ending in a newline (a view of the connector's output, not a copy).
 */
export interface DecodedRecordLines {
  route: RecordRoute;
  bytes: Buffer;
  /** How many lines (records) `bytes` holds. */
  count: number;
}

/** What a {@link RoutingLineDecoder} yields. */
export type RoutedItem = DecodedItem | DecodedRecordLines;

export function isDecodedRecordLines(item: RoutedItem): item is DecodedRecordLines {
  return (item as DecodedRecordLines).route !== undefined;
}

export function isDecodedMessage(item: DecodedItem): item is DecodedMessage {
  return (item as DecodedMessage).message !== undefined;
}

export interface LineDecoderOptions {
  /**
   * Lines longer than this many bytes are not decoded but reported as one log line saying so.
   * Defaults to 512 MiB, just under what one JavaScript string can hold.
   */
  maxLineBytes?: number;
}

const NEWLINE = 0x0a;
const OPEN_BRACE = 0x7b;
// V8's string limit is 2^29 - 24 characters; a longer line could not be decoded at all.
const DEFAULT_MAX_LINE_BYTES = 512 * 1024 * 1024;

/** Splits chunks into whole lines (see {@link LineDecoder}); subclasses say what a line becomes. */
abstract class LineSplitter<T> {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly maxLineBytes: number;
  private oversized = false;

  constructor(options: LineDecoderOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** Decodes one line (its line ending removed) into `out`. */
  protected abstract decode(line: string, out: T[]): void;

  /**
   * Decodes the whole lines of `buf` from `start` to `end` (exclusive; lines are separated by
   * newlines, the last one's is at `end` or absent) into `out`: one toString, one split.
   */
  protected decodeLines(buf: Buffer, start: number, end: number, out: T[]): void {
    for (const line of buf.toString('utf8', start, end).split('\n')) this.decode(line, out);
  }

  /** Decodes every line that `chunk` completes. */
  push(chunk: Uint8Array | string): T[] {
    const buf =
      typeof chunk === 'string'
        ? Buffer.from(chunk, 'utf8')
        : Buffer.isBuffer(chunk)
          ? chunk
          : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: T[] = [];
    const lastNewline = buf.lastIndexOf(NEWLINE);
    if (lastNewline < 0) {
      this.keep(buf);
      return out;
    }
    const firstNewline = buf.indexOf(NEWLINE);
    let start = 0;
    if (this.pendingBytes > 0 || this.oversized) {
      // Finish the line that started in earlier chunks.
      this.keep(buf.subarray(0, firstNewline));
      this.flushPending(out);
      start = firstNewline + 1;
    }
    if (start <= lastNewline) {
      // All complete lines of this chunk decoded in one go: one toString, one split.
      if (lastNewline - start > this.maxLineBytes) {
        for (const line of splitBytesLines(buf.subarray(start, lastNewline))) this.decodeLineBuffer(line, out);
      } else {
        this.decodeLines(buf, start, lastNewline, out);
      }
    }
    if (lastNewline + 1 < buf.length) this.keep(buf.subarray(lastNewline + 1));
    return out;
  }

  /** Decodes what is left at end of input (a last line without a newline). */
  end(): T[] {
    const out: T[] = [];
    if (this.pendingBytes > 0 || this.oversized) this.flushPending(out);
    return out;
  }

  private keep(buf: Buffer): void {
    if (buf.length === 0) return;
    if (this.oversized) {
      this.pendingBytes += buf.length;
      return;
    }
    if (this.pendingBytes + buf.length > this.maxLineBytes) {
      // Drop the bytes but keep counting, so the report says how long the line was.
      this.oversized = true;
      this.pending = [];
      this.pendingBytes += buf.length;
      return;
    }
    this.pending.push(buf);
    this.pendingBytes += buf.length;
  }

  /** What an oversized line is reported as. */
  protected abstract tooLong(bytes: number): T;

  private flushPending(out: T[]): void {
    if (this.oversized) {
      out.push(this.tooLong(this.pendingBytes));
    } else {
      const line = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
      this.decodeLineBuffer(line, out);
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.oversized = false;
  }

  private decodeLineBuffer(line: Buffer, out: T[]): void {
    if (line.length > this.maxLineBytes) {
      out.push(this.tooLong(line.length));
      return;
    }
    this.decodeLines(line, 0, line.length, out);
  }
}

const tooLongLog = (bytes: number): DecodedLog => ({ log: `[a line of ${bytes} bytes was too long to decode and was skipped]` });

/**
 * Incremental decoder: feed it chunks, get back the items completed by each chunk.
 *
 * Bytes of an unfinished line are kept as a list of chunks and concatenated once, when the line
 * ends, so a single 100 MB line costs one copy rather than one per chunk. Decoding happens only
 * over whole lines, so a multi-byte UTF-8 character split across chunks is never broken; bytes
 * that are not valid UTF-8 become U+FFFD.
 */
export class LineDecoder extends LineSplitter<DecodedItem> {
  protected decode(line: string, out: DecodedItem[]): void {
    decodeLine(line, out);
  }

  protected tooLong(bytes: number): DecodedItem {
    return tooLongLog(bytes);
  }
}

/**
 * A {@link LineDecoder} for callers that forward RECORD lines without reading their data (a
 * source streamed into a destination, or into the cache): consecutive RECORD lines of one stream
 * whose route can be read with certainty without parsing them (see {@link routeOfRecordLine}) come
 * out as one {@link DecodedRecordLines}, their bytes untouched; every other line, and every other
 * message type, is decoded exactly as {@link LineDecoder} does.
 *
 * Record lines are never turned into strings: a chunk that is valid UTF-8 is read as Latin-1 text
 * (one byte per character, so positions in it are byte offsets and every JSON delimiter is the same
 * byte) to find lines and routes, and the lines go on as views of the chunk. A chunk that is not
 * valid UTF-8 is decoded line by line as LineDecoder does (invalid bytes become U+FFFD).
 */
export class RoutingLineDecoder extends LineSplitter<RoutedItem> {
  protected override decodeLines(buf: Buffer, start: number, end: number, out: RoutedItem[]): void {
    // In windows of whole lines: a string of over 128 KiB lands in V8's large-object space, where
    // searching it ran 15 times slower (and collecting garbage took longer) than in windows of 64 KiB.
    for (let from = start; ;) {
      let to = end;
      if (end - from > TEXT_WINDOW) {
        const before = buf.lastIndexOf(NEWLINE, from + TEXT_WINDOW);
        const after = before >= from ? before : buf.indexOf(NEWLINE, from + TEXT_WINDOW);
        if (after >= 0 && after < end) to = after;
      }
      this.decodeWindow(buf, from, to, out);
      if (to === end) return;
      from = to + 1;
    }
  }

  private decodeWindow(buf: Buffer, start: number, end: number, out: RoutedItem[]): void {
    const region = buf.subarray(start, end);
    if (!isUtf8(region)) {
      super.decodeLines(buf, start, end, out);
      return;
    }
    const text = region.toString('latin1');
    // The run of lines being gathered: from `runFrom` to the current line, all starting with `prefix`.
    let route: RecordRoute | undefined;
    let prefix = '';
    let runFrom = 0;
    let count = 0;
    const flush = (to: number) => {
      if (count === 0) return;
      // A run ending at `end` has its newline there in a chunk; a line kept across chunks has none.
      const bytes =
        to < text.length || buf[end] === NEWLINE ? buf.subarray(start + runFrom, start + to + 1) : withNewline(region.subarray(runFrom));
      out.push({ route: route!, bytes, count });
      count = 0;
    };
    let ls = 0;
    while (ls <= text.length) {
      let le = text.indexOf('\n', ls);
      if (le < 0) le = text.length;
      if (count > 0 && continuesRun(text, ls, le, prefix)) {
        count++;
      } else {
        flush(ls - 1);
        const span = routeSpan(text, ls, le);
        if (span) {
          route = routeFromBytes(region, span);
          prefix = text.slice(ls, span.streamEnd + 1);
          runFrom = ls;
          count = 1;
        } else {
          this.decode(region.toString('utf8', ls, le), out);
        }
      }
      ls = le + 1;
    }
    flush(text.length);
  }

  protected decode(rawLine: string, out: RoutedItem[]): void {
    const line = rawLine.charCodeAt(rawLine.length - 1) === 13 ? rawLine.slice(0, -1) : rawLine;
    const route = routeOfRecordLine(line);
    // A line the byte path could not take (a CR before its newline, bytes that are not UTF-8) is forwarded as decoded.
    if (route) out.push({ route, bytes: Buffer.from(`${line}\n`, 'utf8'), count: 1 });
    else decodeLine(line, out);
  }

  protected tooLong(bytes: number): RoutedItem {
    return tooLongLog(bytes);
  }
}

const LINE_END = Buffer.from('\n');
/** Bytes of output read as one string at most (but for a longer line). */
const TEXT_WINDOW = 64 * 1024;

function withNewline(bytes: Buffer): Buffer {
  return Buffer.concat([bytes, LINE_END]);
}

const RECORD_PREFIX = '{"type":"RECORD","record":{';
const STREAM_KEY = '"stream":"';
const NAMESPACE_KEY = '"namespace":"';
// Anything after the route that could change what JSON.parse would make of the line: a repeated
// key (the last one wins in JSON.parse) or a \u escape (which could spell one of these keys).
const AMBIGUOUS_AFTER_ROUTE = /"(?:type|record|stream|namespace)"|\\u/g;

/** Where a route lies in a line: the namespace's and the stream's text (between their quotes). */
interface RouteSpan {
  namespace?: [number, number];
  streamStart: number;
  /** The index of the stream's closing quote. */
  streamEnd: number;
}

/**
 * The stream (and namespace) of a RECORD line, read without parsing the line, or undefined when
 * that cannot be done with certainty; the caller then parses the line. Certain means: the line
 * starts exactly with `{"type":"RECORD","record":{` followed by `"stream":"…"` (or
 * `"namespace":"…","stream":"…"`) holding plain strings (no escapes, no control characters),
 * ends with `}`, and nothing after the route repeats one of these keys or uses a \u escape. On
 * every line JSON.parse accepts, a defined result equals what parsing would give. A line that
 * starts like a RECORD but is broken further on is not detected (the destination, which parses
 * every line, reports it); a line cut short almost always fails the final `}` check.
 */
export function routeOfRecordLine(line: string): RecordRoute | undefined {
  const span = routeSpan(line, 0, line.length);
  if (!span) return undefined;
  const stream = line.slice(span.streamStart, span.streamEnd);
  return span.namespace ? { stream, namespace: line.slice(...span.namespace) } : { stream };
}

/** The route of a line of Latin-1 text read from UTF-8 `bytes`: its names decoded as UTF-8. */
function routeFromBytes(bytes: Buffer, span: RouteSpan): RecordRoute {
  const stream = bytes.toString('utf8', span.streamStart, span.streamEnd);
  return span.namespace ? { stream, namespace: bytes.toString('utf8', ...span.namespace) } : { stream };
}

/**
 * {@link routeOfRecordLine}'s rule on the line of `text` from `ls` to `le` (exclusive). Its checks
 * are on ASCII characters only, so they give the same answer on a line's UTF-8 bytes read as Latin-1.
 */
function routeSpan(text: string, ls: number, le: number): RouteSpan | undefined {
  if (!startsAt(text, RECORD_PREFIX, ls) || text.charCodeAt(le - 1) !== 0x7d) return undefined;
  let pos = ls + RECORD_PREFIX.length;
  let namespace: [number, number] | undefined;
  if (startsAt(text, NAMESPACE_KEY, pos)) {
    const end = plainStringEnd(text, pos + NAMESPACE_KEY.length, le);
    if (end < 0 || text.charCodeAt(end + 1) !== 0x2c) return undefined;
    namespace = [pos + NAMESPACE_KEY.length, end];
    pos = end + 2;
  }
  if (!startsAt(text, STREAM_KEY, pos)) return undefined;
  const end = plainStringEnd(text, pos + STREAM_KEY.length, le);
  if (end < 0 || !plainAfterRoute(text, end, le)) return undefined;
  return { namespace, streamStart: pos + STREAM_KEY.length, streamEnd: end };
}

/** After a stream name closing at `quote`: a `,` or `}`, and nothing ambiguous up to the line's end `le`. */
function plainAfterRoute(text: string, quote: number, le: number): boolean {
  const next = text.charCodeAt(quote + 1);
  if ((next !== 0x2c && next !== 0x7d) || quote + 1 >= le) return false;
  // The first match after the route: inside the line it ends by `le` (no pattern holds a newline);
  // one in a later line ends beyond it. `test` spares the match array `exec` would make per line.
  AMBIGUOUS_AFTER_ROUTE.lastIndex = quote + 1;
  return !AMBIGUOUS_AFTER_ROUTE.test(text) || AMBIGUOUS_AFTER_ROUTE.lastIndex > le;
}

/**
 * True when the line of `text` from `ls` to `le` routes like the run it follows: it starts with the
 * run's `prefix` (everything up to its stream's closing quote, names included), so the rule's
 * checks on the route hold for it too, and what follows the route passes them as well.
 */
function continuesRun(text: string, ls: number, le: number, prefix: string): boolean {
  if (text.charCodeAt(le - 1) !== 0x7d || !startsAt(text, prefix, ls)) return false;
  return plainAfterRoute(text, ls + prefix.length - 1, le);
}

/** True when `text` holds `prefix` at `pos` (a loop measured faster than `startsWith` here, on Node 20). */
function startsAt(text: string, prefix: string, pos: number): boolean {
  if (pos + prefix.length > text.length) return false;
  for (let i = 0; i < prefix.length; i++) if (text.charCodeAt(pos + i) !== prefix.charCodeAt(i)) return false;
  return true;
}

/** Index of the closing quote (before `le`) of a string starting at `from` without escapes or control characters, else -1. */
function plainStringEnd(text: string, from: number, le: number): number {
  const end = text.indexOf('"', from);
  if (end < 0 || end >= le) return -1;
  for (let i = from; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c || c < 0x20) return -1;
  }
  return end;
}

function splitBytesLines(buf: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = buf.indexOf(NEWLINE); i >= 0; i = buf.indexOf(NEWLINE, start)) {
    lines.push(buf.subarray(start, i));
    start = i + 1;
  }
  lines.push(buf.subarray(start));
  return lines;
}

function decodeLine(rawLine: string, out: { push(item: DecodedItem): unknown }): void {
  const line = rawLine.charCodeAt(rawLine.length - 1) === 13 ? rawLine.slice(0, -1) : rawLine;
  if (line.length === 0) return;
  // Only a line that starts with "{" (after blanks) can be a message; skip JSON.parse for the rest.
  let i = 0;
  while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
  if (line.charCodeAt(i) === OPEN_BRACE) {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (isAirbyteMessage(value)) {
      out.push({ message: value, raw: i === 0 ? line : line.trim() });
      return;
    }
  }
  if (line.trim().length > 0) out.push({ log: line });
}

/**
 * Decodes a byte stream into batches of items, one batch per input chunk that completed at least
 * one line. Reading is pulled by the consumer, so a slow consumer slows the producer down.
 */
export async function* decodeBatches(
  source: AsyncIterable<Uint8Array | string>,
  options?: LineDecoderOptions,
): AsyncGenerator<DecodedItem[]> {
  yield* decodeWith(new LineDecoder(options), source);
}

/** The same as {@link decodeBatches} with a {@link RoutingLineDecoder}: RECORD lines routed, not parsed. */
export async function* decodeRoutedBatches(
  source: AsyncIterable<Uint8Array | string>,
  options?: LineDecoderOptions,
): AsyncGenerator<RoutedItem[]> {
  yield* decodeWith(new RoutingLineDecoder(options), source);
}

async function* decodeWith<T>(decoder: LineSplitter<T>, source: AsyncIterable<Uint8Array | string>): AsyncGenerator<T[]> {
  for await (const chunk of source) {
    const items = decoder.push(chunk);
    if (items.length > 0) yield items;
  }
  const rest = decoder.end();
  if (rest.length > 0) yield rest;
}

/** The same as {@link decodeBatches}, one item at a time. */
export async function* decodeItems(source: AsyncIterable<Uint8Array | string>, options?: LineDecoderOptions): AsyncGenerator<DecodedItem> {
  for await (const batch of decodeBatches(source, options)) yield* batch;
}

/** What the encoder accepts: a message, a line already encoded (without newline), or a batch of either. */
export type EncodableItem = AirbyteMessage | string;

export interface EncoderOptions {
  /** Target size of the chunks produced; small messages are gathered until it is reached. Default 64 KiB. */
  chunkBytes?: number;
}

/**
 * Encodes messages as newline-delimited JSON bytes, gathering many small messages into chunks of
 * about `chunkBytes` for throughput. A string is taken as an already-encoded line and forwarded
 * byte for byte. Pull-based: nothing is encoded ahead of what the consumer asks for.
 */
export async function* encodeMessages(
  source: AsyncIterable<EncodableItem | readonly EncodableItem[]> | Iterable<EncodableItem | readonly EncodableItem[]>,
  options: EncoderOptions = {},
): AsyncGenerator<Buffer> {
  const target = options.chunkBytes ?? 64 * 1024;
  let parts: string[] = [];
  let size = 0;
  const ready: Buffer[] = [];
  const add = (item: EncodableItem): void => {
    const line = typeof item === 'string' ? item : JSON.stringify(item);
    parts.push(line, '\n');
    // Character count: close enough to bytes for sizing chunks.
    size += line.length + 1;
    if (size >= target) {
      ready.push(Buffer.from(parts.join(''), 'utf8'));
      parts = [];
      size = 0;
    }
  };
  // A synchronous source is walked synchronously: `for await` over it would cost a promise and a
  // microtask per message, which at a million messages is most of the encoder's time.
  const addEntry = (entry: EncodableItem | readonly EncodableItem[]) => {
    if (Array.isArray(entry)) {
      for (const item of entry as readonly EncodableItem[]) add(item);
    } else {
      add(entry as EncodableItem);
    }
  };
  if (Symbol.asyncIterator in source) {
    for await (const entry of source) {
      addEntry(entry);
      while (ready.length > 0) yield ready.shift() as Buffer;
    }
  } else {
    for (const entry of source) {
      addEntry(entry);
      while (ready.length > 0) yield ready.shift() as Buffer;
    }
  }
  if (size > 0) yield Buffer.from(parts.join(''), 'utf8');
}

/** One message as a newline-terminated line. */
export function encodeLine(item: EncodableItem): string {
  return `${typeof item === 'string' ? item : JSON.stringify(item)}\n`;
}
