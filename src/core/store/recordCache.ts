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
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { AirbyteError } from '../errors';
import { fileSystemError } from '../fileSystemError';
import { makeDirectory } from '../makeDirectory';
import { segmentPath } from './segmentPath';
import type { AirbyteStateMessage } from '../protocol/messages';
import { streamKey } from '../protocol/messages';
import { fsyncDir } from './atomicFile';
import type { CacheIngestCommit, CacheSegment, CacheStreamInfo, SegmentBlock } from './cacheIndex';
import type { CacheChunk, CacheReaderOptions } from './cacheReader';
import { CacheStreamReader, linesOf } from './cacheReader';
import { CACHE_DESTINATION_ID } from './committedStates';
import type { WorkspaceStore } from './workspaceStore';

/** Records per segment file; small enough to drop a generation quickly, large enough to stay few. */
const DEFAULT_SEGMENT_RECORDS = 500_000;
/** Bytes buffered before a write: each write is one block, checked on replay (see `cacheReader.ts`). */
const DEFAULT_BLOCK_BYTES = 1 << 20;
/** A segment file's name (`<first position>-<ingest tag>.jsonl`, see `CacheIngest.roll`): the only files a store deletes unindexed. */
const SEGMENT_NAME = /^\d{12,}-[0-9a-z-]+\.jsonl$/;

export type { CacheChunk } from './cacheReader';

function safeName(name: string): string {
  const clean = name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60);
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${clean}-${hash}`;
}

/** Whole record lines of one stream, each ending in a newline, in one or more pieces (a line never spans two). */
export interface RecordChunks {
  chunks: readonly Buffer[];
  /** How many lines the pieces hold together. */
  count: number;
  /** Their bytes together. */
  bytes: number;
}

/** Record lines given as text (without their newlines) as {@link RecordChunks}. */
export function recordChunksOf(lines: readonly string[]): RecordChunks {
  const chunk = Buffer.from(lines.length ? `${lines.join('\n')}\n` : '', 'utf8');
  return { chunks: [chunk], count: lines.length, bytes: chunk.length };
}

interface OpenSegment {
  file: string;
  handle: fs.FileHandle;
  firstPos: number;
  count: number;
  bytes: number;
  /** Lines appended and not written yet, and how many. */
  pending: Buffer[];
  pendingLines: number;
  pendingBytes: number;
  /** A write to it failed: some of its lines may be missing, so it is never indexed. */
  broken?: unknown;
  /** The blocks written so far: one per flush, checked on replay. */
  blocks: SegmentBlock[];
  /** Bytes of it known to be on disk (synced by a checkpoint). */
  syncedBytes: number;
}

interface IngestStream {
  streamKey: string;
  replace: boolean;
  generationStart: number;
  nextPos: number;
  segments: Array<Omit<CacheSegment, 'sourceId'>>;
  open?: OpenSegment;
  bytes: number;
  /** When records were last appended (an ingest-wide counter), to close the segment idle longest. */
  lastAppend: number;
}

/**
 * Segment files an ingest keeps open at once. A source with many streams closes the one idle
 * longest (its next records roll a new file): file handles and write buffers stay bounded.
 */
const MAX_OPEN_SEGMENTS = 32;

/** A segment file to sync; an open one with the bytes written when it was noted. */
interface UnsyncedFile {
  file: string;
  open?: OpenSegment;
  bytes?: number;
}

/** What a checkpoint makes visible, noted under the ingest's lock, indexed once its files are synced. */
interface TakenCheckpoint {
  commit: CacheIngestCommit;
  states: IngestState[];
  /** How many states the ingest had noted then. */
  statesNoted: number;
  files: UnsyncedFile[];
}

/** A source state noted by an ingest, at the positions of what it covers. */
interface IngestState {
  state: AirbyteStateMessage;
  positions: Record<string, number>;
}

/**
 * One read of a source into the cache. Nothing is visible to readers before `commit`, or before a
 * `checkpoint`, which makes the records and states of streams read incrementally visible up to the
 * last state so far while the read goes on (a write through the cache confirms them as it goes).
 */
export class CacheIngest {
  private readonly streams = new Map<string, IngestStream>();
  private readonly states: IngestState[] = [];
  /** How many of `states` checkpoints have looked at (those they could make visible are in `indexedStates`). */
  private statesChecked = 0;
  /** The states checkpoints put in the index: the commit adds the others (states of streams being replaced among them). */
  private readonly indexedStates = new Set<AirbyteStateMessage>();
  /** Segment files a checkpoint put in the index: an abort keeps them (the index refers to them). */
  private readonly indexedFiles = new Set<string>();
  /** What checkpoints put in the index so far: each stream's end, each segment's record count. */
  private readonly indexedEnds = new Map<string, number>();
  private readonly indexedCounts = new Map<string, number>();
  /** Segment files already synced to disk (by a checkpoint), with the folders they are in. */
  private readonly synced = new Set<string>();
  /** Folders this ingest has made or found. */
  private readonly folders = new Set<string>();
  /** File operations and commits one at a time: a checkpoint comes from the destination's side, appends from the source's. */
  private io: Promise<unknown> = Promise.resolve();
  private checkpoints: Promise<unknown> = Promise.resolve();
  private finished = false;
  private appends = 0;
  private readonly tag = `${Date.now().toString(36)}-${process.pid}`;

  constructor(
    private readonly cache: RecordCache,
    readonly sourceId: string,
    streams: Array<{ streamKey: string; replace: boolean }>,
    private readonly segmentRecords: number,
    /** Applies the states a commit or checkpoint makes visible (the cache's own state) before the store is saved. */
    private readonly onStatesCommitted: (states: AirbyteStateMessage[]) => void = () => undefined,
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
        lastAppend: 0,
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

  /** Runs `fn` after every file operation and commit queued before it. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.io.then(fn);
    this.io = next.catch(() => undefined);
    return next;
  }

  /** Appends record lines to a stream: as text (without their newlines), or as whole lines in bytes. */
  append(streamKey: string, lines: readonly string[] | RecordChunks): Promise<void> {
    const records = isRecordChunks(lines) ? lines : recordChunksOf(lines);
    return this.exclusive(() => this.appendNow(streamKey, records));
  }

  private async appendNow(streamKey: string, records: RecordChunks): Promise<void> {
    const s = this.streams.get(streamKey);
    if (!s) {
      throw new AirbyteError('USAGE', {
        message: `Stream ${streamKey} is not part of this cache ingest.`,
        guidance: 'Name the stream in beginIngest before appending its records.',
        context: { stream: streamKey },
      });
    }
    s.lastAppend = ++this.appends;
    let left = records.count;
    let chunks = records.chunks;
    while (left > 0) {
      if (!s.open || s.open.count >= this.segmentRecords) await this.roll(s);
      const seg = s.open!;
      const take = Math.min(left, this.segmentRecords - seg.count);
      // The segment's last records end inside these pieces: the rest goes to the next segment.
      const [head, rest] = take === left ? [chunks, []] : splitAfterLines(chunks, take);
      for (const c of head) {
        seg.pending.push(c);
        seg.pendingBytes += c.length;
      }
      seg.pendingLines += take;
      seg.count += take;
      s.nextPos += take;
      left -= take;
      chunks = rest;
      if (seg.pendingBytes >= this.cache.blockBytes) await this.flushSegment(seg);
    }
  }

  /**
   * Notes a source state at the current position of what it covers: a STREAM state its own stream
   * (the records of other streams before it are not its to vouch for), a GLOBAL or LEGACY state every stream.
   */
  addState(state: AirbyteStateMessage): { positions: Record<string, number>; count: number } {
    const own = state.type === 'STREAM' ? keyOfStreamState(state) : undefined;
    const positions: Record<string, number> = {};
    for (const s of this.streams.values()) if (own === undefined || s.streamKey === own) positions[s.streamKey] = s.nextPos;
    this.states.push({ state, positions });
    return { positions, count: this.states.length };
  }

  get stateCount(): number {
    return this.states.length;
  }

  private async roll(s: IngestStream): Promise<void> {
    if (s.open) await this.closeSegment(s);
    else await this.closeIdlest();
    const rel = path.join(safeName(this.sourceId), safeName(s.streamKey), `${String(s.nextPos).padStart(12, '0')}-${this.tag}.jsonl`);
    const abs = path.join(this.cache.dir, rel);
    const handle = await segmentIo(abs, async () => {
      await this.folderFor(abs);
      return fs.open(abs, 'w', 0o600);
    });
    s.open = {
      file: rel,
      handle,
      firstPos: s.nextPos,
      count: 0,
      bytes: 0,
      pending: [],
      pendingLines: 0,
      pendingBytes: 0,
      blocks: [],
      syncedBytes: 0,
    };
  }

  /**
   * Makes the folder of a new segment file. The source's folder is made (with its parents) once per
   * ingest; a stream's folder is then one mkdir: a source of 1,000 streams looked up every level
   * of each.
   */
  private async folderFor(file: string): Promise<void> {
    const dir = path.dirname(file);
    if (this.folders.has(dir)) return;
    const parent = path.dirname(dir);
    if (!this.folders.has(parent)) {
      await makeDirectory(parent);
      this.folders.add(parent);
    }
    await fs.mkdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    this.folders.add(dir);
  }

  private async closeIdlest(): Promise<void> {
    const open = [...this.streams.values()].filter((x) => x.open);
    if (open.length < MAX_OPEN_SEGMENTS) return;
    await this.closeSegment(open.reduce((a, b) => (b.lastAppend < a.lastAppend ? b : a)));
  }

  private async flushSegment(seg: OpenSegment): Promise<void> {
    if (seg.broken) throw seg.broken;
    if (seg.pendingLines === 0) return;
    const buf = seg.pending.length === 1 ? seg.pending[0] : Buffer.concat(seg.pending, seg.pendingBytes);
    seg.blocks.push({ bytes: buf.length, lines: seg.pendingLines, crc: crc32(buf) >>> 0 });
    seg.pending = [];
    seg.pendingLines = 0;
    seg.pendingBytes = 0;
    try {
      // A write may be short (the disk filling up): writeAll writes the rest until done or refused.
      await writeAll(seg.handle, buf);
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
      // Synced at commit, all files together (see `commit`).
    } catch (error) {
      // Not indexed, so nothing refers to it: removed now rather than left taking the space a full disk needs.
      await seg.handle.close().catch(() => undefined);
      await fs.rm(abs, { force: true }).catch(() => undefined);
      throw error;
    }
    await seg.handle.close();
    s.bytes += seg.bytes;
    s.segments.push({
      streamKey: s.streamKey,
      firstPos: seg.firstPos,
      recordCount: seg.count,
      bytes: seg.bytes,
      file: seg.file,
      blocks: seg.blocks,
    });
  }

  /**
   * Makes the ingest visible: segment files are synced, then the index is updated and saved in one
   * transaction. With `upToLastState` (the source failed) only what the last state covers is kept,
   * and streams being replaced keep their previous generation.
   */
  commit(
    options: { upToLastState?: boolean } = {},
  ): Promise<{ committedStates: AirbyteStateMessage[]; endPositions: Record<string, number> }> {
    return this.exclusive(() => this.commitNow(options.upToLastState === true));
  }

  private async commitNow(
    upToLastState: boolean,
  ): Promise<{ committedStates: AirbyteStateMessage[]; endPositions: Record<string, number> }> {
    if (this.finished) {
      throw new AirbyteError('USAGE', {
        message: 'This cache ingest is already finished.',
        guidance: 'Begin a new ingest (RecordCache.beginIngest) for another read.',
      });
    }
    try {
      for (const s of this.streams.values()) await this.closeSegment(s);
      await this.syncFiles(this.unsynced([...this.streams.values()]));
    } catch (error) {
      // A segment could not be written whole or synced (a full disk): none of this read is kept, its
      // files go (but for what a checkpoint made visible already).
      await this.abortNow();
      throw error;
    }
    this.finished = true;
    const commit = upToLastState ? this.upToLastState() : this.everything();
    const kept = new Set(commit.segments.map((s) => s.file));
    const unused = [...this.streams.values()]
      .flatMap((s) => s.segments.map((seg) => seg.file))
      .filter((f) => !kept.has(f) && !this.indexedFiles.has(f));
    const newStates = this.notYetIndexed(commit.states);
    const dropped = this.cache.store.cacheIndex.commitIngest(this.sourceId, { ...commit, states: newStates });
    this.onStatesCommitted(newStates.map((s) => s.state));
    await this.cache.store.save();
    await this.cache.removeFiles([...dropped, ...unused]);
    return {
      committedStates: newStates.map((s) => s.state),
      endPositions: Object.fromEntries(commit.streams.map((e) => [e.streamKey, e.endPos])),
    };
  }

  /**
   * Makes what the states noted so far cover visible while the read goes on: the records and
   * states of streams read incrementally (streams being replaced become visible only at `commit`,
   * as a whole). Their segment files are synced before the index names them. Saving the store is
   * the caller's: a write through the cache saves it with the confirmation the checkpoint made
   * possible, in one save. Does nothing once `count` states are visible already, or after the
   * ingest has finished.
   */
  checkpoint(count: number): Promise<void> {
    // One at a time: each indexes what it synced before the next looks at what is left.
    const next = this.checkpoints.then(async () => {
      const taken = await this.exclusive(() => this.takeCheckpoint(count));
      if (!taken) return;
      // Synced outside the lock: the source's records go on being appended meanwhile (holding it
      // stalled the whole pipeline at each state).
      await this.syncFiles(taken.files);
      await this.exclusive(async () => {
        if (!this.finished) this.indexCheckpoint(taken);
      });
    });
    this.checkpoints = next.catch(() => undefined);
    return next;
  }

  /** Flushes what a checkpoint makes visible and notes what it needs synced; undefined when nothing is new. */
  private async takeCheckpoint(count: number): Promise<TakenCheckpoint | undefined> {
    if (this.finished || this.statesChecked >= count) return undefined;
    const streams = [...this.streams.values()].filter((s) => !s.replace);
    for (const s of streams) if (s.open) await this.flushSegment(s.open);
    const commit = this.upToLastState({ visibleOnly: true });
    const states = this.notYetIndexed(commit.states);
    if (states.length === 0) {
      // Only states a checkpoint cannot make visible (of streams being replaced): the commit will.
      this.statesChecked = this.states.length;
      return undefined;
    }
    return { commit, states, statesNoted: this.states.length, files: this.unsynced(streams) };
  }

  /** Puts a checkpoint's records and states in the index, once its files are synced. */
  private indexCheckpoint(taken: TakenCheckpoint): void {
    const { commit, states } = taken;
    // Only what changed since the last checkpoint goes to the index: with 1,000 streams, a
    // checkpoint at each stream's state rewrote every stream's extent and segments each time.
    const extents = commit.streams.filter((e) => this.indexedEnds.get(e.streamKey) !== e.endPos);
    const segments = commit.segments.filter((seg) => this.indexedCounts.get(seg.file) !== seg.recordCount);
    for (const e of extents) this.indexedEnds.set(e.streamKey, e.endPos);
    for (const seg of segments) {
      this.indexedFiles.add(seg.file);
      this.indexedCounts.set(seg.file, seg.recordCount);
    }
    this.cache.store.cacheIndex.commitIngest(this.sourceId, { streams: extents, segments, states });
    for (const st of states) this.indexedStates.add(st.state);
    this.statesChecked = Math.max(this.statesChecked, taken.statesNoted);
    this.onStatesCommitted(states.map((st) => st.state));
  }

  /** The states of a commit that no checkpoint put in the index yet (they are the same objects as in `states`). */
  private notYetIndexed(committed: IngestState[]): IngestState[] {
    return committed.filter((st) => !this.indexedStates.has(st.state));
  }

  /**
   * The segment files of `streams` written since they were last synced: a closed segment is synced
   * once, an open one (a checkpoint's) when it grew: with 1,000 streams, a checkpoint at each
   * stream's state synced every open file again.
   */
  private unsynced(streams: IngestStream[]): UnsyncedFile[] {
    const closed = streams.flatMap((s) => s.segments.map((seg) => ({ file: seg.file }))).filter((f) => !this.synced.has(f.file));
    const open = streams.flatMap((s) =>
      s.open && s.open.bytes > s.open.syncedBytes ? [{ file: s.open.file, open: s.open, bytes: s.open.bytes }] : [],
    );
    return [...closed, ...open];
  }

  /**
   * Syncs files (by path: a concurrent roll may close an open segment's handle meanwhile) and the
   * folders of new ones, side by side: one at a time, a source of 1,000 streams waited on 1,000
   * disk flushes in a row.
   */
  private async syncFiles(files: UnsyncedFile[]): Promise<void> {
    await inParallel(files, (f) => segmentIo(path.join(this.cache.dir, f.file), () => syncFile(path.join(this.cache.dir, f.file))));
    const dirs = [...new Set(files.map((f) => path.dirname(f.file)))].filter((d) => !this.synced.has(d));
    await inParallel(dirs, (dir) => fsyncDir(path.join(this.cache.dir, dir)));
    for (const f of files) {
      if (f.open) f.open.syncedBytes = Math.max(f.open.syncedBytes, f.bytes ?? 0);
      else this.synced.add(f.file);
    }
    for (const d of dirs) this.synced.add(d);
  }

  private everything(): CacheIngestCommit {
    const streams = [...this.streams.values()];
    return {
      streams: streams.map((s) => ({ streamKey: s.streamKey, generationStart: s.generationStart, endPos: s.nextPos })),
      segments: streams.flatMap((s) => s.segments),
      states: this.states,
    };
  }

  /**
   * What the last state covers: the source failed (commit), or the read goes on (checkpoint, with
   * `visibleOnly`: open segments count as far as they are written). Streams being replaced keep
   * their previous generation (their new records and states are left out), and so do GLOBAL and
   * LEGACY states when any stream is being replaced.
   */
  private upToLastState(options: { visibleOnly?: boolean } = {}): CacheIngestCommit {
    const replaced = new Set([...this.streams.values()].filter((s) => s.replace).map((s) => s.streamKey));
    const states = this.states
      .filter((st) => (st.state.type === 'STREAM' ? !replaced.has(keyOfStreamState(st.state)) : replaced.size === 0))
      .map((st) => ({ state: st.state, positions: Object.fromEntries(Object.entries(st.positions).filter(([k]) => !replaced.has(k))) }));
    // Per stream, the position of the last state that covers it.
    const covered = new Map<string, number>();
    for (const st of states) for (const [k, pos] of Object.entries(st.positions)) covered.set(k, pos);
    const out: CacheIngestCommit = { streams: [], segments: [], states };
    for (const s of this.streams.values()) {
      if (s.replace) continue;
      const written = [...s.segments];
      if (options.visibleOnly && s.open) written.push(openSegmentSoFar(s.streamKey, s.open));
      const firstNew = written[0]?.firstPos ?? s.open?.firstPos ?? s.nextPos;
      const end = covered.get(s.streamKey) ?? firstNew;
      out.streams.push({ streamKey: s.streamKey, generationStart: s.generationStart, endPos: end });
      for (const seg of written) {
        const count = Math.max(0, Math.min(seg.recordCount, end - seg.firstPos));
        if (count > 0) out.segments.push({ ...seg, recordCount: count });
      }
    }
    return out;
  }

  /** Throws the ingest away: its files are deleted and the index is untouched (but for what checkpoints made visible). */
  abort(): Promise<void> {
    return this.exclusive(() => this.abortNow());
  }

  private async abortNow(): Promise<void> {
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
    await this.cache.removeFiles(files.filter((f) => !this.indexedFiles.has(f)));
  }
}

function isRecordChunks(lines: readonly string[] | RecordChunks): lines is RecordChunks {
  return !Array.isArray(lines);
}

/** `chunks` cut after their first `lines` lines: those lines' pieces, and the pieces of the rest. */
function splitAfterLines(chunks: readonly Buffer[], lines: number): [Buffer[], Buffer[]] {
  const head: Buffer[] = [];
  let left = lines;
  for (let i = 0; i < chunks.length; i++) {
    const c = chunks[i];
    let at = 0;
    while (left > 0) {
      const nl = c.indexOf(0x0a, at);
      if (nl < 0) break;
      at = nl + 1;
      left--;
    }
    if (left === 0) {
      if (at > 0) head.push(c.subarray(0, at));
      return [head, [...(at < c.length ? [c.subarray(at)] : []), ...chunks.slice(i + 1)]];
    }
    head.push(c);
  }
  return [head, []];
}

/** An open segment as far as it is written (its pending lines are not on disk yet). */
function openSegmentSoFar(streamKey: string, seg: OpenSegment): Omit<CacheSegment, 'sourceId'> {
  const written = seg.blocks.reduce((n, b) => n + b.lines, 0);
  return { streamKey, firstPos: seg.firstPos, recordCount: written, bytes: seg.bytes, file: seg.file, blocks: [...seg.blocks] };
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

  /** About how many bytes each block of a segment holds (a block is written, and checked, as one). */
  readonly blockBytes: number;

  constructor(
    readonly store: WorkspaceStore,
    options: { dir?: string; segmentRecords?: number; blockBytes?: number } = {},
  ) {
    this.dir = options.dir ?? store.cacheDir;
    this.segmentRecords = options.segmentRecords ?? DEFAULT_SEGMENT_RECORDS;
    this.blockBytes = options.blockBytes ?? DEFAULT_BLOCK_BYTES;
  }

  private readonly segmentRecords: number;

  /** Starts reading a source into the cache. `replace` streams start a new generation on commit. */
  beginIngest(
    sourceId: string,
    streams: Array<{ streamKey: string; replace: boolean }>,
    onStatesCommitted?: (states: AirbyteStateMessage[]) => void,
  ): CacheIngest {
    return new CacheIngest(this, sourceId, streams, this.segmentRecords, onStatesCommitted);
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
   * A reader of a stream's raw record lines from position `from` (inclusive) to `to` (exclusive,
   * default the end) that reads each segment once, front to back, checking every block against what
   * was recorded when it was written; `until(target)` calls carry on where the last one stopped.
   * Close it when done.
   */
  reader(sourceId: string, streamKey: string, from: number, to?: number, options: CacheReaderOptions = {}): CacheStreamReader {
    const info = this.streamInfo(sourceId, streamKey);
    const start = Math.max(from, info?.generationStart ?? 0);
    const end = info ? Math.min(to ?? info.endPos, info.endPos) : start;
    const segments = info ? this.store.cacheIndex.segments(sourceId, streamKey) : [];
    return new CacheStreamReader(this.dir, segments, start, Math.max(start, end), options);
  }

  /**
   * Raw record lines of a stream from position `from` (inclusive) to `to` (exclusive, default the
   * end), as chunks of whole lines read from disk: memory is bounded by the block size.
   */
  async *chunks(sourceId: string, streamKey: string, from: number, to?: number, signal?: AbortSignal): AsyncGenerator<CacheChunk> {
    const reader = this.reader(sourceId, streamKey, from, to, { signal });
    try {
      yield* reader.until(Number.MAX_SAFE_INTEGER);
    } finally {
      await reader.close();
    }
  }

  /** Parsed records (the RECORD messages' `record.data`) of a stream's current generation. */
  async *records(sourceId: string, streamKey: string, signal?: AbortSignal): AsyncGenerator<Record<string, unknown>> {
    for await (const chunk of this.chunks(sourceId, streamKey, 0, undefined, signal)) {
      for (const line of linesOf(chunk)) {
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
      let file: string;
      try {
        file = segmentPath(this.dir, seg.file);
      } catch {
        missing.push(seg.file);
        continue;
      }
      const stat = await fs.stat(file).catch(() => undefined);
      if (!stat || stat.size < seg.bytes) missing.push(seg.file);
    }
    if (missing.length === 0) return false;
    await this.drop(sourceId);
    return true;
  }

  /**
   * Forgets a source's cache, its files and the cache's own state (what the source was read up to),
   * so that its next read starts from each destination's confirmed state: the way out of a cache
   * whose files are missing or damaged.
   */
  async drop(sourceId: string): Promise<void> {
    const files = this.store.cacheIndex.clear(sourceId);
    this.store.states.clear(sourceId, CACHE_DESTINATION_ID);
    await this.store.save();
    await this.removeFiles(files);
  }

  /** Forgets a source's cached records and their files. */
  async clear(sourceId: string): Promise<void> {
    const files = this.store.cacheIndex.clear(sourceId);
    await this.store.save();
    await this.removeFiles(files);
  }

  /** @internal */
  async removeFiles(files: string[]): Promise<void> {
    for (const f of files) {
      let file: string;
      try {
        file = segmentPath(this.dir, f);
      } catch {
        // A name from a changed store that leads outside the cache folder: never deleted.
        continue;
      }
      await fs.rm(file, { force: true });
    }
  }
}

/** Writes the whole buffer (a file write may take less than asked). */
async function writeAll(handle: fs.FileHandle, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) off += (await handle.write(buf, off, buf.length - off)).bytesWritten;
}

const PARALLEL_SYNCS = 16;

/** Runs `fn` over `items`, at most PARALLEL_SYNCS at a time. */
async function inParallel<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_SYNCS, items.length) }, worker));
}

async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r+');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
