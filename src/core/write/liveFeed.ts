/**
 * A bounded hand-over from a read into the cache to a destination fed at the same time: the
 * source's side pushes what it has just cached, the destination's side takes it in order. When
 * more than a few megabytes wait, the source's side waits too (the destination sets the pace);
 * once the destination is gone, what is pushed is dropped (the cache keeps it for the next run).
 */
import type { AirbyteStateMessage } from '../protocol/messages';
import type { RecordChunks } from '../store/recordCache';
import type { IngestTee } from './ingestIntoCache';

/** Bytes waiting before the source's side waits for the destination. */
const HIGH_WATER_BYTES = 8 << 20;

export type FeedItem =
  | { kind: 'records'; streamKey: string; lines: RecordChunks }
  | { kind: 'state'; state: AirbyteStateMessage; positions: Record<string, number>; count: number };

export class LiveFeed implements IngestTee {
  /** Taken items are cleared from it at once (a taken batch of lines must not stay reachable until the array is compacted). */
  private queue: Array<FeedItem | undefined> = [];
  private head = 0;
  private queuedBytes = 0;
  private ended = false;
  private closed = false;
  private wake?: () => void;
  private readonly spaceWaiters: Array<() => void> = [];
  /** Why the read ended early, if it did (set by `end`). */
  sourceError: unknown;

  async records(streamKey: string, lines: RecordChunks): Promise<void> {
    await this.push({ kind: 'records', streamKey, lines }, lines.bytes);
  }

  async state(state: AirbyteStateMessage, noted: { positions: Record<string, number>; count: number }): Promise<void> {
    await this.push({ kind: 'state', state, positions: noted.positions, count: noted.count }, 0);
  }

  private async push(item: FeedItem, bytes: number): Promise<void> {
    if (this.closed) return;
    this.queue.push(item);
    this.queuedBytes += bytes;
    this.wakeConsumer();
    if (this.queuedBytes > HIGH_WATER_BYTES) await new Promise<void>((resolve) => this.spaceWaiters.push(resolve));
  }

  /** The read has ended (with its error, if it failed): the consumer takes what is left, then stops. */
  end(error?: unknown): void {
    this.ended = true;
    this.sourceError = error;
    this.wakeConsumer();
  }

  /** The destination is gone: nothing more is kept, and the source's side never waits again. */
  close(): void {
    this.closed = true;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.releaseWaiters();
    this.wakeConsumer();
  }

  /** What was pushed, in order, until the read ends or the feed is closed. */
  async *items(): AsyncGenerator<FeedItem> {
    while (!this.closed) {
      if (this.head < this.queue.length) {
        const item = this.queue[this.head]!;
        this.queue[this.head++] = undefined;
        if (this.head === this.queue.length) {
          this.queue = [];
          this.head = 0;
        } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
          this.queue = this.queue.slice(this.head);
          this.head = 0;
        }
        if (item.kind === 'records') this.queuedBytes -= item.lines.bytes;
        if (this.queuedBytes <= HIGH_WATER_BYTES / 2) this.releaseWaiters();
        yield item;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private wakeConsumer(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private releaseWaiters(): void {
    for (const resolve of this.spaceWaiters.splice(0)) resolve();
  }
}
