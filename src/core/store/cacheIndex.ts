/**
 * The index of the record cache: per (source identity, stream) the extent of the current
 * generation, the segment files holding it, the source states read with it (and the positions
 * they cover), and how far each destination has confirmed. The files are `recordCache.ts`'s.
 */
import type { AirbyteStateMessage } from '../protocol/messages';
import type { StoreDatabase } from './storeDatabase';
import { num } from './storeDatabase';

export interface CacheStreamInfo {
  sourceId: string;
  streamKey: string;
  /** First position of the current generation (a full-refresh read starts a new one). */
  generationStart: number;
  /** One past the last committed position. */
  endPos: number;
}

/**
 * One write of a segment file (about 1 MB of whole lines): its size, its line count and the CRC-32
 * of its bytes, recorded at ingest and checked before a replay hands any of its lines out.
 */
export interface SegmentBlock {
  bytes: number;
  lines: number;
  crc: number;
}

export interface CacheSegment {
  sourceId: string;
  streamKey: string;
  firstPos: number;
  recordCount: number;
  bytes: number;
  /** Relative to the cache folder. */
  file: string;
  /** The file's blocks in order; absent for segments written before blocks were recorded. */
  blocks?: SegmentBlock[];
}

export interface CacheStateEntry {
  seq: number;
  state: AirbyteStateMessage;
  /** Per stream: the cache position (one past the last record) the state covers. */
  positions: Record<string, number>;
}

/** One ingest as it is committed: new stream extents, new segments, the states read with them. */
export interface CacheIngestCommit {
  streams: Array<{ streamKey: string; generationStart: number; endPos: number }>;
  segments: Array<Omit<CacheSegment, 'sourceId'>>;
  states: Array<{ state: AirbyteStateMessage; positions: Record<string, number> }>;
}

export class CacheIndex {
  constructor(private readonly db: StoreDatabase) {}

  stream(sourceId: string, streamKey: string): CacheStreamInfo | undefined {
    const r = this.db.rows('SELECT generation_start, end_pos FROM cache_streams WHERE source_id = ? AND stream_key = ?', [
      sourceId,
      streamKey,
    ])[0];
    return r ? { sourceId, streamKey, generationStart: num(r.generation_start), endPos: num(r.end_pos) } : undefined;
  }

  streams(sourceId: string): CacheStreamInfo[] {
    return this.db
      .rows('SELECT stream_key, generation_start, end_pos FROM cache_streams WHERE source_id = ? ORDER BY stream_key', [sourceId])
      .map((r) => ({ sourceId, streamKey: String(r.stream_key), generationStart: num(r.generation_start), endPos: num(r.end_pos) }));
  }

  segments(sourceId: string, streamKey?: string): CacheSegment[] {
    const sql =
      streamKey === undefined
        ? 'SELECT * FROM cache_segments WHERE source_id = ? ORDER BY stream_key, first_pos'
        : 'SELECT * FROM cache_segments WHERE source_id = ? AND stream_key = ? ORDER BY first_pos';
    return this.db.rows(sql, streamKey === undefined ? [sourceId] : [sourceId, streamKey]).map((r) => ({
      sourceId,
      streamKey: String(r.stream_key),
      firstPos: num(r.first_pos),
      recordCount: num(r.record_count),
      bytes: num(r.bytes),
      file: String(r.file),
      ...(r.blocks_json ? { blocks: decodeBlocks(String(r.blocks_json)) } : {}),
    }));
  }

  /** Every segment file the index knows, relative to the cache folder. */
  segmentFiles(): Set<string> {
    return new Set(this.db.rows('SELECT file FROM cache_segments').map((r) => String(r.file)));
  }

  /**
   * Commits one cache ingest in one transaction: new segments, new stream extents (a stream whose
   * generation restarted drops its older segments and states), and the states read with them.
   * Returns the files of dropped segments, for the caller to delete after saving.
   */
  commitIngest(sourceId: string, ingest: CacheIngestCommit): string[] {
    return this.db.transaction(() => {
      let restarted = false;
      const dropped = ingest.streams.flatMap((s) => {
        const extent = this.setExtent(sourceId, s);
        restarted ||= extent.restarted;
        return extent.dropped;
      });
      for (const seg of ingest.segments) {
        if (seg.recordCount === 0) continue;
        this.db.run(
          'INSERT OR REPLACE INTO cache_segments (source_id, stream_key, first_pos, record_count, bytes, file, blocks_json) VALUES (?, ?, ?, ?, ?, ?, ?)',
          [sourceId, seg.streamKey, seg.firstPos, seg.recordCount, seg.bytes, seg.file, seg.blocks ? encodeBlocks(seg.blocks) : null],
        );
      }
      for (const st of ingest.states) {
        this.db.run('INSERT INTO cache_states (source_id, state_json, positions_json) VALUES (?, ?, ?)', [
          sourceId,
          JSON.stringify(st.state),
          JSON.stringify(st.positions),
        ]);
      }
      // Only a generation that restarted makes states stale: a checkpoint that moves extents' ends
      // only (1,000 streams, 400 checkpoints) does not read every state back each time.
      if (restarted) this.dropStaleStates(sourceId);
      return dropped;
    });
  }

  /**
   * Sets a stream's extent. When its generation start moved (a new generation), the segments before
   * it are dropped (their files returned) and `restarted` says the states may need dropping too.
   */
  private setExtent(
    sourceId: string,
    s: { streamKey: string; generationStart: number; endPos: number },
  ): { dropped: string[]; restarted: boolean } {
    const before = this.stream(sourceId, s.streamKey);
    this.db.run('INSERT OR REPLACE INTO cache_streams VALUES (?, ?, ?, ?)', [sourceId, s.streamKey, s.generationStart, s.endPos]);
    // A new stream starting at 0 has nothing before it; an unchanged start dropped what was before it when it was set.
    if (s.generationStart === (before?.generationStart ?? 0)) return { dropped: [], restarted: false };
    const where = 'source_id = ? AND stream_key = ? AND first_pos < ?';
    const params = [sourceId, s.streamKey, s.generationStart];
    const dropped = this.db.rows(`SELECT file FROM cache_segments WHERE ${where}`, params).map((r) => String(r.file));
    this.db.run(`DELETE FROM cache_segments WHERE ${where}`, params);
    return { dropped, restarted: true };
  }

  // Only the states a replay can still use are kept: those at or after each stream's generation start.
  private dropStaleStates(sourceId: string): void {
    const keepFrom = new Map(this.streams(sourceId).map((s) => [s.streamKey, s.generationStart]));
    for (const entry of this.states(sourceId)) {
      const stale = Object.entries(entry.positions).some(([k, p]) => p < (keepFrom.get(k) ?? 0));
      if (stale) this.db.run('DELETE FROM cache_states WHERE seq = ?', [entry.seq]);
    }
  }

  /** The source states stored with the cache, in the order the source emitted them. */
  states(sourceId: string, afterSeq = 0): CacheStateEntry[] {
    return this.db
      .rows('SELECT seq, state_json, positions_json FROM cache_states WHERE source_id = ? AND seq > ? ORDER BY seq', [sourceId, afterSeq])
      .map((r) => ({
        seq: num(r.seq),
        state: JSON.parse(String(r.state_json)) as AirbyteStateMessage,
        positions: JSON.parse(String(r.positions_json)) as Record<string, number>,
      }));
  }

  /** How far into a cached stream a destination has confirmed (one past its last confirmed record). */
  confirmed(sourceId: string, destinationId: string, streamKey: string): number | undefined {
    const r = this.db.rows('SELECT confirmed_pos FROM cache_confirmed WHERE source_id = ? AND destination_id = ? AND stream_key = ?', [
      sourceId,
      destinationId,
      streamKey,
    ])[0];
    return r ? num(r.confirmed_pos) : undefined;
  }

  /** Every source identity with a cached stream, in name order. */
  sourceIds(): string[] {
    return this.db.rows('SELECT DISTINCT source_id FROM cache_streams ORDER BY source_id').map((r) => String(r.source_id));
  }

  /** Every destination's confirmed position in a source's cache, per stream. */
  confirmedPositions(sourceId: string): Array<{ destinationId: string; streamKey: string; position: number }> {
    return this.db
      .rows('SELECT destination_id, stream_key, confirmed_pos FROM cache_confirmed WHERE source_id = ?', [sourceId])
      .map((r) => ({ destinationId: String(r.destination_id), streamKey: String(r.stream_key), position: num(r.confirmed_pos) }));
  }

  setConfirmed(sourceId: string, destinationId: string, positions: Record<string, number>): void {
    for (const [streamKey, pos] of Object.entries(positions)) {
      this.db.run('INSERT OR REPLACE INTO cache_confirmed VALUES (?, ?, ?, ?)', [sourceId, destinationId, streamKey, pos]);
    }
  }

  /** Drops a source's cache index; returns its segment files, for the caller to remove. */
  clear(sourceId: string): string[] {
    const files = this.segments(sourceId).map((s) => s.file);
    this.db.transaction(() => {
      for (const t of ['cache_streams', 'cache_segments', 'cache_states', 'cache_confirmed'])
        this.db.run(`DELETE FROM ${t} WHERE source_id = ?`, [sourceId]);
    });
    return files;
  }
}

// Blocks are kept compact, [bytes, lines, crc] each: a 10,000,000-record stream has about 1,500.
function encodeBlocks(blocks: SegmentBlock[]): string {
  return JSON.stringify(blocks.map((b) => [b.bytes, b.lines, b.crc]));
}

function decodeBlocks(json: string): SegmentBlock[] {
  return (JSON.parse(json) as Array<[number, number, number]>).map(([bytes, lines, crc]) => ({ bytes, lines, crc }));
}
