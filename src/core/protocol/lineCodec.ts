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

/**
 * Incremental decoder: feed it chunks, get back the items completed by each chunk.
 *
 * Bytes of an unfinished line are kept as a list of chunks and concatenated once, when the line
 * ends, so a single 100 MB line costs one copy rather than one per chunk. Decoding happens only
 * over whole lines, so a multi-byte UTF-8 character split across chunks is never broken; bytes
 * that are not valid UTF-8 become U+FFFD.
 */
export class LineDecoder {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private readonly maxLineBytes: number;
  private oversized = false;

  constructor(options: LineDecoderOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  }

  /** Decodes every line that `chunk` completes. */
  push(chunk: Uint8Array | string): DecodedItem[] {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: DecodedItem[] = [];
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
        for (const line of buf.toString('utf8', start, lastNewline).split('\n')) decodeLine(line, out);
      }
    }
    if (lastNewline + 1 < buf.length) this.keep(buf.subarray(lastNewline + 1));
    return out;
  }

  /** Decodes what is left at end of input (a last line without a newline). */
  end(): DecodedItem[] {
    const out: DecodedItem[] = [];
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

  private flushPending(out: DecodedItem[]): void {
    if (this.oversized) {
      out.push({ log: `[a line of ${this.pendingBytes} bytes was too long to decode and was skipped]` });
    } else {
      const line = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
      this.decodeLineBuffer(line, out);
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.oversized = false;
  }

  private decodeLineBuffer(line: Buffer, out: DecodedItem[]): void {
    if (line.length > this.maxLineBytes) {
      out.push({ log: `[a line of ${line.length} bytes was too long to decode and was skipped]` });
      return;
    }
    decodeLine(line.toString('utf8'), out);
  }
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

function decodeLine(rawLine: string, out: DecodedItem[]): void {
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
export async function* decodeBatches(source: AsyncIterable<Uint8Array | string>, options?: LineDecoderOptions): AsyncGenerator<DecodedItem[]> {
  const decoder = new LineDecoder(options);
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
  const add = (item: EncodableItem): Buffer | undefined => {
    const line = typeof item === 'string' ? item : JSON.stringify(item);
    parts.push(line, '\n');
    // Character count: close enough to bytes for sizing chunks.
    size += line.length + 1;
    if (size >= target) {
      const chunk = Buffer.from(parts.join(''), 'utf8');
      parts = [];
      size = 0;
      return chunk;
    }
    return undefined;
  };
  for await (const entry of source as AsyncIterable<EncodableItem | readonly EncodableItem[]>) {
    if (Array.isArray(entry)) {
      for (const item of entry as readonly EncodableItem[]) {
        const chunk = add(item);
        if (chunk) yield chunk;
      }
    } else {
      const chunk = add(entry as EncodableItem);
      if (chunk) yield chunk;
    }
  }
  if (size > 0) yield Buffer.from(parts.join(''), 'utf8');
}

/** One message as a newline-terminated line. */
export function encodeLine(item: EncodableItem): string {
  return `${typeof item === 'string' ? item : JSON.stringify(item)}\n`;
}
