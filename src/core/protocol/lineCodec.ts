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
 * A RECORD line that was routed but not parsed (see {@link RoutingLineDecoder}): its stream and
 * namespace, and the exact line text to forward.
 */
export interface DecodedRecordLine {
  route: RecordRoute;
  raw: string;
}

/** What a {@link RoutingLineDecoder} yields. */
export type RoutedItem = DecodedItem | DecodedRecordLine;

export function isDecodedRecordLine(item: RoutedItem): item is DecodedRecordLine {
  return (item as DecodedRecordLine).route !== undefined;
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
        for (const line of buf.toString('utf8', start, lastNewline).split('\n')) this.decode(line, out);
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
    this.decode(line.toString('utf8'), out);
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
 * source streamed into a destination): a RECORD line whose stream can be read with certainty
 * without parsing it (see {@link routeOfRecordLine}) comes out as a {@link DecodedRecordLine};
 * every other line, and every other message type, is decoded exactly as {@link LineDecoder} does.
 */
export class RoutingLineDecoder extends LineSplitter<RoutedItem> {
  protected decode(rawLine: string, out: RoutedItem[]): void {
    const line = rawLine.charCodeAt(rawLine.length - 1) === 13 ? rawLine.slice(0, -1) : rawLine;
    const route = routeOfRecordLine(line);
    if (route) out.push({ route, raw: line });
    else decodeLine(line, out);
  }

  protected tooLong(bytes: number): RoutedItem {
    return tooLongLog(bytes);
  }
}

const RECORD_PREFIX = '{"type":"RECORD","record":{';
const STREAM_KEY = '"stream":"';
const NAMESPACE_KEY = '"namespace":"';
// Anything after the route that could change what JSON.parse would make of the line: a repeated
// key (the last one wins in JSON.parse) or a \u escape (which could spell one of these keys).
const AMBIGUOUS_AFTER_ROUTE = /"(?:type|record|stream|namespace)"|\\u/g;

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
  if (!startsAt(line, RECORD_PREFIX, 0) || line.charCodeAt(line.length - 1) !== 0x7d) return undefined;
  let pos = RECORD_PREFIX.length;
  let namespace: string | undefined;
  if (startsAt(line, NAMESPACE_KEY, pos)) {
    const end = plainStringEnd(line, pos + NAMESPACE_KEY.length);
    if (end < 0 || line.charCodeAt(end + 1) !== 0x2c) return undefined;
    namespace = line.slice(pos + NAMESPACE_KEY.length, end);
    pos = end + 2;
  }
  if (!startsAt(line, STREAM_KEY, pos)) return undefined;
  const end = plainStringEnd(line, pos + STREAM_KEY.length);
  if (end < 0) return undefined;
  const next = line.charCodeAt(end + 1);
  if (next !== 0x2c && next !== 0x7d) return undefined;
  AMBIGUOUS_AFTER_ROUTE.lastIndex = end + 1;
  if (AMBIGUOUS_AFTER_ROUTE.test(line)) return undefined;
  const stream = line.slice(pos + STREAM_KEY.length, end);
  return namespace === undefined ? { stream } : { stream, namespace };
}

// String.prototype.startsWith is several times slower in V8 than this (measured on Node 20).
function startsAt(line: string, prefix: string, pos: number): boolean {
  return line.lastIndexOf(prefix, pos) === pos;
}

/** Index of the closing quote of a string starting at `from` without escapes or control characters, else -1. */
function plainStringEnd(line: string, from: number): number {
  const end = line.indexOf('"', from);
  if (end < 0) return -1;
  for (let i = from; i < end; i++) {
    const c = line.charCodeAt(i);
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
