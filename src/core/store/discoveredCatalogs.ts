/**
 * Each source config's newest discovered catalog (by source identity: connector and config without
 * its secrets). A write starts its connectors with it while the source's `discover` runs, and takes
 * those runs only when the fresh catalog makes exactly the same plan (see `write/earlyStart.ts`):
 * what is kept here never decides what is read or written, it only saves waiting for discover.
 * Kept deflated (`packedJson.ts`).
 */
import type { AirbyteCatalog } from '../protocol/messages';
import { packJson, unpackJson } from './packedJson';
import type { StoreDatabase } from './storeDatabase';

export class DiscoveredCatalogs {
  constructor(private readonly db: StoreDatabase) {}

  /** The newest catalog discovered for a source config; undefined when there is none or it cannot be read. */
  get(sourceId: string): AirbyteCatalog | undefined {
    const row = this.db.rows('SELECT catalog_deflated FROM discovered_catalogs WHERE source_id = ?', [sourceId])[0];
    if (!row) return undefined;
    try {
      return unpackJson(row.catalog_deflated) as AirbyteCatalog;
    } catch {
      // Damaged: the write waits for discover, as for a source never written before.
      return undefined;
    }
  }

  /** Keeps what a discover of a source config just found (saved with the store's next save). */
  put(sourceId: string, catalog: AirbyteCatalog): void {
    this.db.run('INSERT OR REPLACE INTO discovered_catalogs VALUES (?, ?, ?)', [sourceId, packJson(catalog), Date.now()]);
  }
}
