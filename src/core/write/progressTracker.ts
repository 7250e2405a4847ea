/** Live counts of a run, per stream, turned into throttled progress events for the hosts. */
import type { AirbyteMessage } from '../protocol/messages';
import { streamKeyOf } from '../protocol/messages';

export type RunPhase = 'preparing' | 'reading' | 'writing' | 'finishing';

export interface StreamProgress {
  stream: string;
  recordsRead: number;
  recordsSent: number;
  recordsConfirmed: number;
  bytesRead: number;
  bytesSent: number;
  /** From the source's ESTIMATE trace, when it sent one. */
  expectedRecords?: number;
  expectedBytes?: number;
}

export interface WriteProgress {
  runId: number;
  phase: RunPhase;
  elapsedMs: number;
  recordsRead: number;
  recordsSent: number;
  recordsConfirmed: number;
  bytes: number;
  /** Over the phase so far. */
  recordsPerSecond: number;
  bytesPerSecond: number;
  /** Sum of the estimates of streams that have one. */
  expectedRecords?: number;
  streams: StreamProgress[];
}

export class ProgressTracker {
  private readonly streams = new Map<string, StreamProgress>();
  private phase: RunPhase = 'preparing';
  private phaseStart = Date.now();
  private phaseBase = 0;
  private lastEmit = 0;
  /** The event a throttled `emit` still owes (a burst followed by a stall must still be reported). */
  private trailing: NodeJS.Timeout | undefined;
  private ended = false;
  readonly startedAt = Date.now();
  runId = 0;
  /** Records of streams the catalog did not select, per stream: dropped, and said so (`runWarnings.ts`). */
  readonly outsideCatalog = new Map<string, number>();

  constructor(
    streamKeys: readonly string[],
    private readonly onProgress?: (p: WriteProgress) => void,
    private readonly intervalMs = 250,
  ) {
    for (const k of streamKeys) this.stream(k);
  }

  stream(key: string): StreamProgress {
    let s = this.streams.get(key);
    if (!s) {
      s = { stream: key, recordsRead: 0, recordsSent: 0, recordsConfirmed: 0, bytesRead: 0, bytesSent: 0 };
      this.streams.set(key, s);
    }
    return s;
  }

  /**
   * Moves to `phase`, which belongs to run `runId` (a write through the cache goes on from its read
   * run to its write run). Moving to the phase and run it is in already does nothing.
   */
  setPhase(phase: RunPhase, runId = this.runId): void {
    if (phase === this.phase && runId === this.runId) return;
    // The old phase's final counts first (under its own run), so that hosts can report how it ended.
    if (this.phase !== 'preparing') this.emit(true);
    this.runId = runId;
    this.phase = phase;
    this.phaseStart = Date.now();
    this.phaseBase = this.total(phase === 'reading' ? 'recordsRead' : 'recordsSent');
    this.emit(true);
  }

  /** Counts a record of a stream the catalog did not select (it is dropped). */
  noteOutsideCatalog(key: string, records = 1): void {
    this.outsideCatalog.set(key, (this.outsideCatalog.get(key) ?? 0) + records);
  }

  estimate(key: string, rows?: number, bytes?: number): void {
    const s = this.stream(key);
    if (typeof rows === 'number') s.expectedRecords = rows;
    if (typeof bytes === 'number') s.expectedBytes = bytes;
  }

  /** Takes a source's ESTIMATE trace (expected rows and bytes of a stream); other messages are ignored. */
  noteEstimate(m: AirbyteMessage): void {
    if (m.type !== 'TRACE' || m.trace.type !== 'ESTIMATE' || !m.trace.estimate) return;
    const e = m.trace.estimate;
    if (e.type === 'STREAM' || e.name) this.estimate(streamKeyOf(e.name, e.namespace), e.row_estimate, e.byte_estimate);
  }

  private total(k: 'recordsRead' | 'recordsSent' | 'recordsConfirmed' | 'bytesRead' | 'bytesSent'): number {
    let n = 0;
    for (const s of this.streams.values()) n += s[k];
    return n;
  }

  snapshot(): WriteProgress {
    const now = Date.now();
    const counted = this.phase === 'reading' ? this.total('recordsRead') : this.total('recordsSent');
    const seconds = Math.max((now - this.phaseStart) / 1000, 1e-3);
    const bytes = Math.max(this.total('bytesRead'), this.total('bytesSent'));
    const expected = [...this.streams.values()].filter((s) => s.expectedRecords !== undefined);
    return {
      runId: this.runId,
      phase: this.phase,
      elapsedMs: now - this.startedAt,
      recordsRead: this.total('recordsRead'),
      recordsSent: this.total('recordsSent'),
      recordsConfirmed: this.total('recordsConfirmed'),
      bytes,
      recordsPerSecond: Math.round((counted - this.phaseBase) / seconds),
      bytesPerSecond: Math.round((this.phase === 'reading' ? this.total('bytesRead') : this.total('bytesSent')) / seconds),
      expectedRecords: expected.length ? expected.reduce((n, s) => n + (s.expectedRecords ?? 0), 0) : undefined,
      streams: [...this.streams.values()].map((s) => ({ ...s })),
    };
  }

  /**
   * Sends an event if the interval passed (or always with `force`). A throttled call schedules one
   * trailing event at the end of the interval, so counts of a burst that is followed by silence
   * still reach the host.
   */
  emit(force = false): void {
    if (!this.onProgress || this.ended) return;
    const now = Date.now();
    const wait = this.intervalMs - (now - this.lastEmit);
    if (!force && wait > 0) {
      if (!this.trailing) {
        this.trailing = setTimeout(() => {
          this.trailing = undefined;
          this.emit(true);
        }, wait);
        // Progress reporting must never keep a CLI process alive.
        this.trailing.unref();
      }
      return;
    }
    this.clearTrailing();
    this.lastEmit = now;
    this.onProgress(this.snapshot());
  }

  /** The run is over: a pending trailing event is dropped and no event is sent after this. */
  end(): void {
    this.clearTrailing();
    this.ended = true;
  }

  private clearTrailing(): void {
    if (this.trailing) clearTimeout(this.trailing);
    this.trailing = undefined;
  }
}
