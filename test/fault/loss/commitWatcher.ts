// Watches a running write from outside, as a kill -9 would find it: how many rows the destination
// file holds and how many records the store's committed state covers, each time either file changes
// (both are replaced atomically, so every read sees a whole file). Used to measure how long after a
// destination commit its state is saved, and what a kill at any moment leaves unconfirmed.
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import { withStoreReadOnly } from './lossSupport';

export interface Sample {
  /** The file's mtime: when its writer wrote this version (polling delays do not count). */
  at: number;
  /** Per stream. */
  values: Record<string, number>;
}

export type Reader = (file: string) => Promise<Record<string, number>>;

/**
 * Polls `file` every `everyMs` and keeps a copy of each new version (mtime, size or inode changed);
 * `samples()` reads them with `read` once the run is over, so that reading never slows the polling.
 */
export class FileWatcher {
  private readonly versions: Array<{ at: number; copy: string }> = [];
  private stamp = '';
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly file: string,
    private readonly copies: string,
    private readonly everyMs = 5,
  ) {}

  start(): void {
    mkdirSync(this.copies, { recursive: true });
    this.timer = setInterval(() => void this.poll(), this.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.busy) await new Promise((r) => setTimeout(r, 5));
    await this.poll();
  }

  async samples(read: Reader): Promise<Sample[]> {
    const out: Sample[] = [];
    for (const v of this.versions) out.push({ at: v.at, values: await read(v.copy) });
    return out;
  }

  private async poll(): Promise<void> {
    if (this.busy || !existsSync(this.file)) return;
    this.busy = true;
    try {
      const st = statSync(this.file);
      const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
      if (stamp === this.stamp) return;
      this.stamp = stamp;
      const copy = path.join(this.copies, String(this.versions.length));
      await copyFile(this.file, copy);
      this.versions.push({ at: st.mtimeMs, copy });
    } catch {
      // Replaced while being copied: the next poll takes the new version.
      this.stamp = '';
    } finally {
      this.busy = false;
    }
  }
}

/** Per stream, the record count builtin:sample's committed STREAM states cover (ids 1..n, cursor = BASE + n s) in a store file. */
export function sampleCoverage(destinationPrefix: string): Reader {
  return (storeFile) =>
    withStoreReadOnly(storeFile, (store) => {
      const out: Record<string, number> = {};
      const runs = store.runs.list(20);
      const destinationId = runs.map((r) => r.destinationId).find((d) => d?.startsWith(destinationPrefix));
      if (!runs[0] || !destinationId) return out;
      for (const row of store.states.get(runs[0].sourceId, destinationId)) {
        const covered = sampleCursorCount(row.state.stream?.stream_state);
        if (covered !== undefined) out[row.streamKey] = covered;
      }
      return out;
    });
}

/** The records builtin:sample's stream state covers (its cursor is 2024-01-01 plus n seconds). */
export function sampleCursorCount(streamState: unknown): number | undefined {
  const cursor = (streamState as { updated_at?: string } | undefined)?.updated_at;
  return cursor ? Math.round((Date.parse(cursor) - Date.UTC(2024, 0, 1)) / 1000) : undefined;
}

const total = (v: Record<string, number>) => Object.values(v).reduce((n, x) => n + x, 0);

/** A destination commit (a change of its row counts) and how long until the store's committed state covered it. */
export interface CommitDelay {
  at: number;
  /** `Infinity` when no saved state ever covered it. */
  delayMs: number;
  /** Time to the destination's next commit (`Infinity` for the last one). */
  untilNextMs: number;
}

/** For each destination commit, how long until the store's committed state covered at least its rows. */
export function saveDelays(destination: Sample[], store: Sample[]): CommitDelay[] {
  const commits: Sample[] = [];
  for (const d of destination) {
    const rows = total(d.values);
    if (rows > 0 && rows !== total(commits[commits.length - 1]?.values ?? {})) commits.push(d);
  }
  return commits.map((d, i) => {
    const covered = store.find((s) => Object.entries(d.values).every(([k, n]) => (s.values[k] ?? 0) >= n));
    return {
      at: d.at,
      delayMs: covered ? Math.max(0, covered.at - d.at) : Infinity,
      untilNextMs: i + 1 < commits.length ? commits[i + 1].at - d.at : Infinity,
    };
  });
}
