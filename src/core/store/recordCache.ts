/**
 * The record cache: records per (source identity, stream), kept as the source's raw JSON lines in
 * append-only segment files under `<cache folder>/<source>/<stream>/` (the store's own folder,
 * `WorkspaceStore.cacheDir`). The index (segments, stream extents, the source states read with them,
 * and each destination's confirmed position) lives in the workspace store (`cacheIndex.ts`). Memory stays flat however large the cache grows: records stream from disk in
 * chunks and are never held as a whole, which a sql.js database (all in memory) could not do.
 *
 * Positions: each stream numbers its records 0, 1, 2, … forever. A full-refresh read starts a new
 * generation at the current end; older segments are dropped once the new one is committed.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { AirbyteError } from '../errors';
import { fileSystemError } from '../fileSystemError';
import { makeDirectory } from '../makeDirectory';
import type { AirbyteStateMessage } from '../protocol/messages';
import { streamKey } from '../protocol/messages';
import { fsyncDir } from './atomicFile';
import type { CacheIngestCommit, CacheSegment, CacheStreamInfo } from './cacheIndex';
import { CACHE_DESTINATION_ID } from './committedStates';
import type { WorkspaceStore } from './workspaceStore';

const NEWLINE = 0x0a;
/** Records per segment file; small enough to drop a generation quickly, large enough to stay few. */
const DEFAULT_SEGMENT_RECORDS = 500_000;
const WRITE_BUFFER_BYTES = 1 << 20;
/** A segment file's name (`<first position>-<ingest tag>.jsonl`, see `CacheIngest.roll`): the only files a store deletes unindexed. */
const SEGMENT_NAME = /^\d{12,}-[0-9a-z-]+\.jsonl$/;

/** A run of whole raw lines (newline-terminated) and how many records it holds. */
export interface CacheChunk {
  bytes: Buffer;
  count: number;
}

function safeName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${clean}-${hash}`;
}

interface OpenSegment {
  file: string;
  handle: fs.FileHandle;
  firstPos: number;
  count: number;
  bytes: number;
  pending: string[];
  pendingBytes: number;
  /** A write to it failed: some of its lines may be missing, so it is never indexed. */
  broken?: unknown;
}

interface IngestStream {
  streamKey: string;
  replace: boolean;
  generationStart: number;
  nextPos: number;
  segments: Array<Omit<CacheSegment, 'sourceId'>>;
  open?: OpenSegment;
  bytes: number;
}

/** One read of a source into the cache. Nothing is visible to readers before `commit`. */
export class CacheIngest {
  private readonly streams = new Map<string, IngestStream>();
  private readonly states: Array<{ state: AirbyteStateMessage; positions: Record<string, number> }> = [];
  private finished = false;
  private readonly tag = `${Date.now().toString(36)}-${process.pid}`;

  constructor(
    private readonly cache: RecordCache,
    readonly sourceId: string,
    streams: Array<{ streamKey: string; replace: boolean }>,
    private readonly segmentRecords: number,
  ) {
    for (const s of streams) {
      const info = cache.store.cacheIndex.stream(sourceId, s.streamKey);
      const end = info?.endPos ?? 0;
      this.streams.set(s.streamKey, {
        streamKey: s.streamKey,
        replace: s.replace,
        generationStart: s.replace ? end : (info?.generationStart ?? 0),
        nextPos: end,
        segments: [],
        bytes: 0,
      });
    }
  }

  /** True when the stream is part of this ingest. */
  has(streamKey: string): boolean {
    return this.streams.has(streamKey);
  }

  /** Records appended so far for a stream in this ingest. */
  count(streamKey: string): number {
    const s = this.streams.get(streamKey);
    if (!s) return 0;
    const base = s.segments.length ? s.segments[0].firstPos : (s.open?.firstPos ?? s.nextPos);
    return s.nextPos - base;
  }

  /** Appends raw record lines (without their newline) to a stream. */
  async append(streamKey: string, lines: string[]): Promise<void> {
    const s = this.streams.get(streamKey);
    if (!s) {
      throw new AirbyteError('USAGE', {
        message: `Stream ${streamKey} is not part of this cache ingest.`,
        guidance: 'Name the stream in beginIngest before appending its records.',
        context: { stream: streamKey },
      });
    }
    let i = 0;
    while (i < lines.length) {
      if (!s.open || s.open.count >= this.segmentRecords) await this.roll(s);
      const seg = s.open!;
      const take = Math.min(lines.length - i, this.segmentRecords - seg.count);
      for (let k = 0; k < take; k++) {
        const line = lines[i + k];
        seg.pending.push(line);
        seg.pendingBytes += line.length + 1;
      }
      seg.count += take;
      s.nextPos += take;
      i += take;
      if (seg.pendingBytes >= WRITE_BUFFER_BYTES) await this.flushSegment(seg);
    }
  }

  /** Notes a source state at the current positions of every stream (it covers all records before it). */
  addState(state: AirbyteStateMessage): void {
    const positions: Record<string, number> = {};
    for (const s of this.streams.values()) positions[s.streamKey] = s.nextPos;
    this.states.push({ state, positions });
  }

  get stateCount(): number {
    return this.states.length;
  }

  private async roll(s: IngestStream): Promise<void> {
    if (s.open) await this.closeSegment(s);
    const rel = path.join(safeName(this.sourceId), safeName(s.streamKey), `${String(s.nextPos).padStart(12, '0')}-${this.tag}.jsonl`);
    const abs = path.join(this.cache.dir, rel);
    const handle = await segmentIo(abs, async () => {
      await makeDirectory(path.dirname(abs));
      return fs.open(abs, 'w', 0o600);
    });
    s.open = { file: rel, handle, firstPos: s.nextPos, count: 0, bytes: 0, pending: [], pendingBytes: 0 };
  }

  private async flushSegment(seg: OpenSegment): Promise<void> {
    if (seg.broken) throw seg.broken;
    if (seg.pending.length === 0) return;
    const buf = Buffer.from(seg.pending.join('\n') + '\n', 'utf8');
    seg.pending = [];
    seg.pendingBytes = 0;
    try {
      // A write may be short (the disk filling up): the rest is written until done or refused.
      for (let at = 0; at < buf.length;) at += (await seg.handle.write(buf, at, buf.length - at)).bytesWritten;
    } catch (error) {
      seg.broken = fileSystemError(error, {
        action: 'write the record cache',
        path: path.join(this.cache.dir, seg.file),
        guidance: SEGMENT_GUIDANCE,
      });
      throw seg.broken;
    }
    seg.bytes += buf.length;
  }

  private async closeSegment(s: IngestStream): Promise<void> {
    const seg = s.open;
    if (!seg) return;
    s.open = undefined;
    const abs = path.join(this.cache.dir, seg.file);
    try {
      await this.flushSegment(seg);
      await segmentIo(abs, () => seg.handle.sync());
    } catch (error) {
      // Not indexed, so nothing refers to it: removed now rather than left taking the space a full disk needs.
      await seg.handle.close().catch(() => undefined);
      await fs.rm(abs, { force: true }).catch(() => undefined);
      throw error;
    }
    await seg.handle.close();
    s.bytes += seg.bytes;
    s.segments.push({ streamKey: s.streamKey, firstPos: seg.firstPos, recordCount: seg.count, bytes: seg.bytes, file: seg.file });
  }

  /**
   * Makes the ingest visible: segment files are synced, then the index is updated and saved in one
   * transaction. With `upToLastState` (the source failed) only what the last state covers is kept,
   * and streams being replaced keep their previous generation.
   */
  async commit(
    options: { upToLastState?: boolean } = {},
  ): Promise<{ committedStates: AirbyteStateMessage[]; endPositions: Record<string, number> }> {
    if (this.finished) {
      throw new AirbyteError('USAGE', {
        message: 'This cache ingest is already finished.',
        guidance: 'Begin a new ingest (RecordCache.beginIngest) for another read.',
      });
    }
    try {
      for (const s of this.streams.values()) await this.closeSegment(s);
    } catch (error) {
      // A segment could not be written whole (a full disk): none of this read is kept, its files go.
      await this.abort();
      throw error;
    }
    this.finished = true;
    const dirs = new Set(
      [...this.streams.values()].flatMap((s) => s.segments.map((seg) => path.dirname(path.join(this.cache.dir, seg.file)))),
    );
    for (const d of dirs) await fsyncDir(d);

    const commit = options.upToLastState ? this.upToLastState() : this.everything();
    const kept = new Set(commit.segments.map((s) => s.file));
    const unused = [...this.streams.values()].flatMap((s) => s.segments.map((seg) => seg.file)).filter((f) => !kept.has(f));
    const dropped = this.cache.store.cacheIndex.commitIngest(this.sourceId, commit);
    await this.cache.store.save();
    await this.cache.removeFiles([...dropped, ...unused]);
    return {
      committedStates: commit.states.map((s) => s.state),
      endPositions: Object.fromEntries(commit.streams.map((e) => [e.streamKey, e.endPos])),
    };
  }

  private everything(): CacheIngestCommit {
    const streams = [...this.streams.values()];
    return {
      streams: streams.map((s) => ({ streamKey: s.streamKey, generationStart: s.generationStart, endPos: s.nextPos })),
      segments: streams.flatMap((s) => s.segments),
      states: this.states,
    };
  }

  // The source failed: only what its last state covers is kept, and streams being replaced keep
  // their previous generation (their new records and states are dropped).
  private upToLastState(): CacheIngestCommit {
    const replaced = new Set([...this.streams.values()].filter((s) => s.replace).map((s) => s.streamKey));
    const states = this.states
      .filter((st) => (st.state.type === 'STREAM' ? !replaced.has(keyOfStreamState(st.state)) : replaced.size === 0))
      .map((st) => ({ state: st.state, positions: Object.fromEntries(Object.entries(st.positions).filter(([k]) => !replaced.has(k))) }));
    const last = states[states.length - 1];
    const out: CacheIngestCommit = { streams: [], segments: [], states };
    for (const s of this.streams.values()) {
      if (s.replace) continue;
      const firstNew = s.segments[0]?.firstPos ?? s.nextPos;
      const end = last?.positions[s.streamKey] ?? firstNew;
      out.streams.push({ streamKey: s.streamKey, generationStart: s.generationStart, endPos: end });
      for (const seg of s.segments) {
        const count = Math.max(0, Math.min(seg.recordCount, end - seg.firstPos));
        if (count > 0) out.segments.push({ ...seg, recordCount: count });
      }
    }
    return out;
  }

  /** Throws the ingest away: its files are deleted and the index is untouched. */
  async abort(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    const files: string[] = [];
    for (const s of this.streams.values()) {
      if (s.open) {
        await s.open.handle.close().catch(() => undefined);
        files.push(s.open.file);
        s.open = undefined;
      }
      files.push(...s.segments.map((seg) => seg.file));
    }
    await this.cache.removeFiles(files);
  }
}

function keyOfStreamState(state: AirbyteStateMessage): string {
  const d = state.stream?.stream_descriptor;
  return d ? streamKey(d) : '';
}

/** Records of a source kept on disk, indexed in the workspace store. */
/**
 * A cache segment's file operation; a failure (a full disk) names the file and says what is kept.
 * The segment is not indexed, so nothing refers to it: a later run writes it again.
 */
async function segmentIo<T>(file: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw fileSystemError(error, { action: 'write the record cache', path: file, guidance: SEGMENT_GUIDANCE });
  }
}

const SEGMENT_GUIDANCE = 'What the cache held before this read is kept, and this read is not: the next read reads it again.';

export class RecordCache {
  readonly dir: string;

  constructor(
    readonly store: WorkspaceStore,
    options: { dir?: string; segmentRecords?: number } = {},
  ) {
    this.dir = options.dir ?? store.cacheDir;
    this.segmentRecords = options.segmentRecords ?? DEFAULT_SEGMENT_RECORDS;
  }

  private readonly segmentRecords: number;

  /** Starts reading a source into the cache. `replace` streams start a new generation on commit. */
  beginIngest(sourceId: string, streams: Array<{ streamKey: string; replace: boolean }>): CacheIngest {
    return new CacheIngest(this, sourceId, streams, this.segmentRecords);
  }

  streamInfo(sourceId: string, streamKey: string): CacheStreamInfo | undefined {
    return this.store.cacheIndex.stream(sourceId, streamKey);
  }

  /** Records currently cached for a stream (its current generation). */
  recordCount(sourceId: string, streamKey: string): number {
    const info = this.streamInfo(sourceId, streamKey);
    return info ? info.endPos - info.generationStart : 0;
  }

  /**
   * Raw record lines of a stream from position `from` (inclusive) to `to` (exclusive, default the
   * end), as chunks of whole lines read from disk: memory is bounded by the chunk size.
   */
  async *chunks(sourceId: string, streamKey: string, from: number, to?: number, signal?: AbortSignal): AsyncGenerator<CacheChunk> {
    const info = this.streamInfo(sourceId, streamKey);
    if (!info) return;
    const start = Math.max(from, info.generationStart);
    const end = Math.min(to ?? info.endPos, info.endPos);
    if (start >= end) return;
    for (const seg of this.store.cacheIndex.segments(sourceId, streamKey)) {
      const segEnd = seg.firstPos + seg.recordCount;
      if (segEnd <= start || seg.firstPos >= end) continue;
      const skip = Math.max(0, start - seg.firstPos);
      yield* this.segmentChunks(seg, skip, Math.min(segEnd, end) - Math.max(seg.firstPos, start), signal);
    }
  }

  /** `count` lines of one segment file after its first `skip`, as chunks of whole lines. */
  private async *segmentChunks(seg: CacheSegment, skip: number, count: number, signal?: AbortSignal): AsyncGenerator<CacheChunk> {
    let remaining = count;
    const input = createReadStream(path.join(this.dir, seg.file), { highWaterMark: 1 << 20, signal });
    let carry: Buffer | undefined;
    try {
      for await (const raw of input as AsyncIterable<Buffer>) {
        let buf = carry ? Buffer.concat([carry, raw]) : raw;
        carry = undefined;
        let offset = 0;
        while (skip > 0) {
          const nl = buf.indexOf(NEWLINE, offset);
          if (nl < 0) break;
          offset = nl + 1;
          skip--;
        }
        if (skip > 0) {
          carry = buf.subarray(offset);
          continue;
        }
        buf = buf.subarray(offset);
        let lines = 0;
        let cut = 0;
        while (lines < remaining) {
          const nl = buf.indexOf(NEWLINE, cut);
          if (nl < 0) break;
          lines++;
          cut = nl + 1;
        }
        if (lines > 0) {
          remaining -= lines;
          yield { bytes: buf.subarray(0, cut), count: lines };
        }
        if (remaining <= 0) break;
        carry = buf.subarray(cut);
        // Chunks are copied only when a line spans two reads, so carry stays small.
        if (carry.length === 0) carry = undefined;
      }
    } finally {
      input.destroy();
    }
    if (remaining > 0) {
      throw new AirbyteError('STORE_CORRUPT', {
        message: `The cache segment ${seg.file} is shorter than its index says (${remaining} records missing).`,
        guidance: `Clear the cache (delete ${this.dir}) and run again.`,
        context: { cache: this.dir, segment: seg.file },
      });
    }
  }

  /** Parsed records (the RECORD messages' `record.data`) of a stream's current generation. */
  async *records(sourceId: string, streamKey: string, signal?: AbortSignal): AsyncGenerator<Record<string, unknown>> {
    for await (const chunk of this.chunks(sourceId, streamKey, 0, undefined, signal)) {
      const text = chunk.bytes.toString('utf8');
      let pos = 0;
      while (pos < text.length) {
        const nl = text.indexOf('\n', pos);
        const line = text.slice(pos, nl < 0 ? text.length : nl);
        pos = nl < 0 ? text.length : nl + 1;
        const msg = JSON.parse(line) as { record?: { data?: Record<string, unknown> } };
        yield msg.record?.data ?? {};
      }
    }
  }

  /**
   * Deletes segment files the index does not know (left by a process killed mid-ingest): only in
   * this store's own cache folder, and only files named as this module names segments.
   */
  async removeOrphans(): Promise<number> {
    const known = this.store.cacheIndex.segmentFiles();
    let removed = 0;
    const walk = async (rel: string): Promise<void> => {
      const entries = await fs.readdir(path.join(this.dir, rel), { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const child = path.join(rel, e.name);
        if (e.isDirectory()) await walk(child);
        else if (SEGMENT_NAME.test(e.name) && !known.has(child)) {
          await fs.rm(path.join(this.dir, child), { force: true });
          removed++;
        }
      }
    };
    await walk('');
    return removed;
  }

  /**
   * Checks that every indexed segment file of a source is on disk. When some are gone (a deleted
   * cache folder), the source's cache is forgotten, index and cache state included, so that the
   * next read starts from the destination's confirmed state instead of replaying holes.
   * Returns true when it had to do that.
   */
  async dropIfIncomplete(sourceId: string): Promise<boolean> {
    const segments = this.store.cacheIndex.segments(sourceId);
    const missing = [];
    for (const seg of segments) {
      const stat = await fs.stat(path.join(this.dir, seg.file)).catch(() => undefined);
      if (!stat || stat.size < seg.bytes) missing.push(seg.file);
    }
    if (missing.length === 0) return false;
    this.store.cacheIndex.clear(sourceId);
    this.store.states.clear(sourceId, CACHE_DESTINATION_ID);
    await this.store.save();
    await this.removeFiles(segments.map((s) => s.file));
    return true;
  }

  /** Forgets a source's cached records and their files. */
  async clear(sourceId: string): Promise<void> {
    const files = this.store.cacheIndex.clear(sourceId);
    await this.store.save();
    await this.removeFiles(files);
  }

  /** @internal */
  async removeFiles(files: string[]): Promise<void> {
    for (const f of files) await fs.rm(path.join(this.dir, f), { force: true });
  }
}
