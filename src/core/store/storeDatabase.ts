/**
 * The open sql.js database as the store's tables use it: queries, writes (which mark it as having
 * unsaved changes) and transactions. Only `WorkspaceStore` creates one; the tables
 * (`committedStates.ts`, `runHistory.ts`, `cacheIndex.ts`) share it.
 */
import type { Database, SqlValue } from 'sql.js';
import { AirbyteError } from '../errors';
import type { StoreMigration } from './storeMigrations';

export type SqlRow = Record<string, SqlValue>;

export class StoreDatabase {
  private changed = false;
  private closed = false;

  constructor(
    /** The store file, for messages. */
    readonly path: string,
    private readonly db: Database,
  ) {}

  /** True when there are changes no save has taken yet. */
  get dirty(): boolean {
    return this.changed;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Every row `sql` selects. */
  rows(sql: string, params: SqlValue[] = []): SqlRow[] {
    this.assertOpen();
    const stmt = this.db.prepare(sql);
    try {
      stmt.bind(params);
      const out: SqlRow[] = [];
      while (stmt.step()) out.push(stmt.getAsObject());
      return out;
    } finally {
      stmt.free();
    }
  }

  /** Runs a statement that changes the database (several, separated by `;`, when there are no params). */
  run(sql: string, params?: SqlValue[]): void {
    this.assertOpen();
    this.db.run(sql, params);
    this.changed = true;
  }

  /** Runs one schema step and records the version it reaches, in one transaction. */
  migrate(step: StoreMigration, version: number): void {
    this.transaction(() => {
      step(this.db);
      this.db.run(`PRAGMA user_version = ${version}`);
    });
  }

  /** Runs `fn` in one transaction: all its changes or none. */
  transaction<T>(fn: () => T): T {
    this.assertOpen();
    this.db.run('BEGIN');
    try {
      const out = fn();
      this.db.run('COMMIT');
      this.changed = true;
      return out;
    } catch (error) {
      this.db.run('ROLLBACK');
      throw error;
    }
  }

  /** The database as bytes for a save; what it holds from now on counts as saved. */
  export(): Uint8Array {
    this.assertOpen();
    this.changed = false;
    return this.db.export();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new AirbyteError('USAGE', {
        message: `The state store ${this.path} is closed.`,
        guidance: 'Open the store again (WorkspaceStore.open) before using it, and close it only once the run is done.',
        context: { store: this.path },
      });
    }
  }
}

/** A column as a number (0 for NULL). */
export function num(v: SqlValue | undefined): number {
  return typeof v === 'number' ? v : Number(v ?? 0);
}

/** A nullable text column. */
export function optionalText(v: SqlValue | undefined): string | undefined {
  return v === null || v === undefined ? undefined : String(v);
}

/** A nullable number column. */
export function optionalNum(v: SqlValue | undefined): number | undefined {
  return v === null || v === undefined ? undefined : num(v);
}
