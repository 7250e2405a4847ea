/**
 * Each source config's newest discovered catalog (by source identity: connector and config without
 * its secrets). A write starts its connectors with it while the source's `discover` runs, and takes
 * those runs only when the fresh catalog makes exactly the same plan (see `write/earlyStart.ts`):
 * what is kept here never decides what is read or written, it only saves waiting for discover.
 */
import type { AirbyteCatalog } from '../protocol/messages';
import type { StoreDatabase } from './storeDatabase';

export class DiscoveredCatalogs {
  constructor(private readonly db: StoreDatabase) {}

  /** The newest catalog discovered for a source config, if any. */
  get(sourceId: string): AirbyteCatalog | undefined {
    const row = this.db.rows('SELECT catalog_json FROM discovered_catalogs WHERE source_id = ?', [sourceId])[0];
    if (!row) return undefined;
    try {
      return JSON.parse(String(row.catalog_json)) as AirbyteCatalog;
    } catch {
      return undefined;
    }
  }

  /** Keeps what a discover of a source config just found (saved with the store's next save). */
  put(sourceId: string, catalog: AirbyteCatalog): void {
    this.db.run('INSERT OR REPLACE INTO discovered_catalogs VALUES (?, ?, ?)', [sourceId, JSON.stringify(catalog), Date.now()]);
  }
}
