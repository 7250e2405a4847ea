/**
 * Reading a cached stream back (the replay's read path): each segment file once, front to back,
 * one block at a time with the next block read ahead. Every block is checked against the size,
 * line count and CRC-32 recorded when it was written before any of its lines is handed out, so a
 * damaged cache fails loudly instead of feeding a destination lines it cannot parse.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { segmentPath } from './segmentPath';
import { AirbyteError, abortedError } from '../errors';
import { lend } from '../process/lentBuffers';
import type { CacheSegment, SegmentBlock } from './cacheIndex';

const NEWLINE = 0x0a;
/** Block size used to read segments written before blocks were recorded. */
const LEGACY_BLOCK_BYTES = 1 << 20;

/** A run of whole raw lines (newline-terminated) and how many records it holds. */
export interface CacheChunk {
  bytes: Buffer;
  count: number;
}

/** The raw record lines of a chunk (its whole, newline-terminated lines, without their newlines). */
export function linesOf(chunk: CacheChunk): string[] {
  return chunk.count === 0 ? [] : chunk.bytes.toString('utf8', 0, chunk.bytes.length - 1).split('\n');
}

/** Byte offset after `lines` newlines from `start`; -1 when the buffer holds fewer. */
function afterLines(buf: Buffer, start: number, lines: number): number {
  let at = start;
  for (let i = 0; i < lines; i++) {
    const nl = buf.indexOf(NEWLINE, at);
    if (nl < 0) return -1;
    at = nl + 1;
  }
  return at;
}

/** True for an error raised because cached records do not match what was written (see {@link damagedCache}). */
export function isCacheDamage(error: unknown): error is AirbyteError {
  return error instanceof AirbyteError && error.code === 'STORE_CORRUPT' && error.context.damagedSegment !== undefined;
}

function damagedCache(dir: string, seg: CacheSegment, what: string): AirbyteError {
  return new AirbyteError('STORE_CORRUPT', {
    message: `The record cache is damaged: ${path.join(dir, seg.file)} (stream ${seg.streamKey}) ${what}. Nothing from the damaged part was sent.`,
    guidance: 'Read the source again: its cached records cannot be trusted.',
    context: { cache: dir, damagedSegment: seg.file, stream: seg.streamKey },
  });
}

/**
 * The buffers a replay's readers load blocks into, used again once a block's reader has moved past
 * it and every chunk lent out of it was given back (sent: see `lentBuffers`). Without them, each
 * 1 MB block was a new buffer, and V8 answered that churn with a full garbage collection every few
 * blocks: 22 for a million cached records, about a third of the replay's own CPU time.
 */
export class BlockBuffers {
  private readonly free: Buffer[] = [];

  constructor(
    /** Idle buffers kept at most; more are left to the garbage collector. */
    private readonly keep = 4,
  ) {}

  /** A block of `size` bytes (its content is whatever was there), reused when one is free. */
  take(size: number): BlockBuffer {
    const at = this.free.findIndex((b) => b.length >= size);
    const whole = at >= 0 ? this.free.splice(at, 1)[0] : Buffer.allocUnsafe(roundUp(size, BUFFER_STEP));
    return new BlockBuffer(whole.subarray(0, size), () => {
      if (this.free.length < this.keep) this.free.push(whole);
    });
  }
}

/** Capacity step of pooled buffers: blocks of about the same size (whole lines past 1 MB) share them. */
const BUFFER_STEP = 64 << 10;
const roundUp = (n: number, step: number) => Math.max(step, Math.ceil(n / step) * step);

/** A loaded block's bytes and who uses them: its reader, and each chunk lent out of it not yet given back. */
class BlockBuffer {
  private users = 1;

  constructor(
    readonly buf: Buffer,
    /** Called when nobody uses the bytes any more; absent for a buffer of its own, left to the garbage collector. */
    private readonly onFree?: () => void,
  ) {}

  /** `bytes` (a part of this block) handed out; lent when the buffer is pooled, so that its sender can give it back. */
  handOut(bytes: Buffer): Buffer {
    if (!this.onFree) return bytes;
    this.users++;
    return lend(bytes, () => this.release());
  }

  /** One user is done with the bytes (the reader, or a lent chunk given back). */
  release(): void {
    if (--this.users === 0) this.onFree?.();
  }
}

interface LoadedBlock {
  block: BlockBuffer;
  buf: Buffer;
  /** Position of the block's first line. */
  firstPos: number;
  /** One past the last position served from it (a segment cut short by a failed read ends inside a block). */
  endPos: number;
  /** Byte offset where `endPos` starts. */
  endByte: number;
}

/** One segment file read block by block, each block checked before it is returned. */
class SegmentFile {
  private next = 0;
  private offset = 0;
  private firstPos: number;
  private ahead?: Promise<BlockBuffer>;

  /** Bytes read from the file so far (read-ahead included). */
  bytesRead = 0;

  private constructor(
    private readonly dir: string,
    private readonly seg: CacheSegment,
    private readonly handle: fs.FileHandle,
    private readonly blocks: SegmentBlock[],
    private readonly verify: boolean,
    private readonly buffers: BlockBuffers | undefined,
  ) {
    this.firstPos = seg.firstPos;
  }

  /** Opens a segment positioned at the block holding `pos` (blocks before it are not read). */
  static async open(dir: string, seg: CacheSegment, pos: number, buffers?: BlockBuffers): Promise<SegmentFile> {
    let handle: fs.FileHandle;
    try {
      segmentPath(dir, seg.file);
    } catch {
      throw damagedCache(dir, seg, 'lies outside the cache folder: it was not read');
    }
    try {
      handle = await fs.open(segmentPath(dir, seg.file), 'r');
    } catch (error) {
      throw damagedCache(dir, seg, `cannot be opened (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    try {
      const blocks = seg.blocks ?? (await legacyBlocks(dir, seg, handle));
      const file = new SegmentFile(dir, seg, handle, blocks, seg.blocks !== undefined, buffers);
      while (file.next < blocks.length && file.firstPos + blocks[file.next].lines <= pos) {
        file.firstPos += blocks[file.next].lines;
        file.offset += blocks[file.next].bytes;
        file.next++;
      }
      return file;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
  }

  /** The next block, checked; undefined after the segment's last record. */
  async read(): Promise<LoadedBlock | undefined> {
    const segEnd = this.seg.firstPos + this.seg.recordCount;
    if (this.next >= this.blocks.length || this.firstPos >= segEnd) return undefined;
    const block = this.blocks[this.next];
    const loaded = await (this.ahead ?? this.load(this.next, this.offset));
    this.ahead = undefined;
    const buf = loaded.buf;
    try {
      this.check(buf, block);
    } catch (error) {
      loaded.release();
      throw error;
    }
    const firstPos = this.firstPos;
    this.firstPos += block.lines;
    this.offset += block.bytes;
    this.next++;
    // Read the next block while this one is sent.
    if (this.next < this.blocks.length && this.firstPos < segEnd) {
      this.ahead = this.load(this.next, this.offset);
      this.ahead.catch(() => undefined);
    }
    const endPos = Math.min(firstPos + block.lines, segEnd);
    const endByte = endPos === firstPos + block.lines ? buf.length : afterLines(buf, 0, endPos - firstPos);
    return { block: loaded, buf, firstPos, endPos, endByte };
  }

  private async load(index: number, offset: number): Promise<BlockBuffer> {
    const size = this.blocks[index].bytes;
    const block = this.buffers?.take(size) ?? new BlockBuffer(Buffer.allocUnsafe(size));
    const buf = block.buf;
    let filled = 0;
    try {
      while (filled < size) {
        const { bytesRead } = await this.handle.read(buf, filled, size - filled, offset + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
    } finally {
      this.bytesRead += filled;
      if (filled < size) block.release();
    }
    if (filled < size) throw damagedCache(this.dir, this.seg, `is shorter than its index says (ends at byte ${offset + filled})`);
    return block;
  }

  private check(buf: Buffer, block: SegmentBlock): void {
    if (!this.verify) return;
    const where = `bytes ${this.offset}–${this.offset + block.bytes}, records ${this.firstPos}–${this.firstPos + block.lines - 1}`;
    if (crc32(buf) >>> 0 !== block.crc)
      throw damagedCache(this.dir, this.seg, `does not match the checksum recorded when it was written (${where})`);
    // The checksum matching means these are the bytes written, whole lines and their count included.
  }

  async close(): Promise<void> {
    const ahead = await this.ahead?.catch(() => undefined);
    this.ahead = undefined;
    ahead?.release();
    await this.handle.close().catch(() => undefined);
  }
}

/**
 * Blocks of a segment written before blocks were recorded: the file is scanned once before any
 * of it is sent, so a file with fewer lines than its index says fails before a record moves.
 * Without a checksum only line counts and sizes can be checked.
 */
async function legacyBlocks(dir: string, seg: CacheSegment, handle: fs.FileHandle): Promise<SegmentBlock[]> {
  const blocks: SegmentBlock[] = [];
  let buf = Buffer.allocUnsafe(LEGACY_BLOCK_BYTES);
  let offset = 0;
  let filled = 0;
  let lines = 0;
  for (;;) {
    if (filled === buf.length) buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
    const { bytesRead } = await handle.read(buf, filled, buf.length - filled, offset + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
    const last = buf.lastIndexOf(NEWLINE, filled - 1);
    if (last < 0) continue;
    const count = countLines(buf, last + 1);
    blocks.push({ bytes: last + 1, lines: count, crc: 0 });
    lines += count;
    buf.copy(buf, 0, last + 1, filled);
    filled -= last + 1;
    offset += last + 1;
  }
  if (lines < seg.recordCount) throw damagedCache(dir, seg, `holds ${lines} records where its index says ${seg.recordCount}`);
  return blocks;
}

function countLines(buf: Buffer, end: number): number {
  let n = 0;
  for (let at = buf.indexOf(NEWLINE, 0); at >= 0 && at < end; at = buf.indexOf(NEWLINE, at + 1)) n++;
  return n;
}

/** How a {@link CacheStreamReader} reads. */
export interface CacheReaderOptions {
  signal?: AbortSignal;
  /**
   * Buffers to load blocks into, shared by the readers of one replay. The chunks handed out are
   * then lent (see `lentBuffers`): a consumer that gives one back lets its buffer be used again.
   * Without them, each block gets a buffer of its own and its chunks are the consumer's to keep.
   */
  buffers?: BlockBuffers;
}

/**
 * A cached stream's records from `from` to `to`, read in order exactly once: each `until(target)`
 * hands out the lines up to `target` and the next call carries on from there (a replay stops at
 * every cached checkpoint without reading anything twice).
 */
export class CacheStreamReader {
  private pos: number;
  private closedBytes = 0;
  private segIndex = 0;
  private file?: SegmentFile;
  private block?: LoadedBlock & { offset: number };

  constructor(
    private readonly dir: string,
    private readonly segments: CacheSegment[],
    from: number,
    private readonly to: number,
    private readonly options: CacheReaderOptions = {},
  ) {
    this.pos = from;
  }

  /** Bytes read from segment files so far (read-ahead included): each byte once. */
  get bytesRead(): number {
    return this.closedBytes + (this.file?.bytesRead ?? 0);
  }

  /** Position of the next record handed out. */
  get position(): number {
    return this.pos;
  }

  /** The lines from the current position up to `target` (exclusive, at most the reader's end), as chunks of whole lines. */
  async *until(target: number): AsyncGenerator<CacheChunk> {
    const end = Math.min(target, this.to);
    while (this.pos < end) {
      const b = await this.blockAt(this.pos);
      const stop = Math.min(end, b.endPos);
      const count = stop - this.pos;
      const cut = stop === b.endPos ? b.endByte : afterLines(b.buf, b.offset, count);
      const bytes = b.block.handOut(b.buf.subarray(b.offset, cut));
      b.offset = cut;
      this.pos = stop;
      // Let go of a block handed out whole, and of the file at the reader's end: a replay of many
      // streams keeps no buffer or handle of the streams it is done with.
      if (stop === b.endPos) this.dropBlock();
      if (stop === this.to) await this.closeFile();
      yield { bytes, count };
    }
  }

  /** The loaded block holding `pos`, reading (and checking) the next one when needed. */
  private async blockAt(pos: number): Promise<LoadedBlock & { offset: number }> {
    if (this.block && pos < this.block.endPos) return this.block;
    this.dropBlock();
    if (this.options.signal?.aborted) throw abortedError('Reading the record cache');
    for (;;) {
      if (!this.file) await this.openSegmentAt(pos);
      const loaded = await this.file!.read();
      if (!loaded) {
        await this.closeFile();
        continue;
      }
      if (loaded.endPos <= pos) {
        loaded.block.release();
        continue;
      }
      const offset = pos > loaded.firstPos ? afterLines(loaded.buf, 0, pos - loaded.firstPos) : 0;
      this.block = { ...loaded, offset };
      return this.block;
    }
  }

  private async openSegmentAt(pos: number): Promise<void> {
    while (this.segIndex < this.segments.length) {
      const seg = this.segments[this.segIndex++];
      if (seg.firstPos + seg.recordCount <= pos) continue;
      if (seg.firstPos > pos) break;
      this.file = await SegmentFile.open(this.dir, seg, pos, this.options.buffers);
      return;
    }
    const seg = this.segments[Math.max(0, this.segIndex - 1)];
    throw new AirbyteError('STORE_CORRUPT', {
      message: `The record cache has no segment holding record ${pos} of stream ${seg?.streamKey ?? '?'} (its index has a hole).`,
      guidance: 'Read the source again: its cached records cannot be trusted.',
      context: { cache: this.dir, damagedSegment: seg?.file ?? '', stream: seg?.streamKey },
    });
  }

  private async closeFile(): Promise<void> {
    if (!this.file) return;
    this.closedBytes += this.file.bytesRead;
    await this.file.close();
    this.file = undefined;
  }

  /** The reader is done with its current block (the chunks lent out of it may still be in use). */
  private dropBlock(): void {
    this.block?.block.release();
    this.block = undefined;
  }

  /** Closes the open segment file; safe to call more than once. */
  async close(): Promise<void> {
    await this.closeFile();
    this.dropBlock();
  }
}
