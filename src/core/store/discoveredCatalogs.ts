/**
 * Each source config's newest discovered catalog (by source identity: connector and config without
 * its secrets). A write starts its connectors with it while the source's `discover` runs, and takes
 * those runs only when the fresh catalog makes exactly the same plan (see `write/earlyStart.ts`):
 * what is kept here never decides what is read or written, it only saves waiting for discover.
 *
 * Kept deflated: every save writes the whole store, and a source of 1,000 streams has a catalog of
 * about 400 KB as JSON (about 20 KB deflated).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { AirbyteCatalog } from '../protocol/messages';
import type { StoreDatabase } from './storeDatabase';

export class DiscoveredCatalogs {
  constructor(private readonly db: StoreDatabase) {}

  /** The newest catalog discovered for a source config; undefined when there is none or it cannot be read. */
  get(sourceId: string): AirbyteCatalog | undefined {
    const row = this.db.rows('SELECT catalog_deflated FROM discovered_catalogs WHERE source_id = ?', [sourceId])[0];
    if (!(row?.catalog_deflated instanceof Uint8Array)) return undefined;
    try {
      return JSON.parse(inflateRawSync(row.catalog_deflated).toString('utf8')) as AirbyteCatalog;
    } catch {
      // Damaged: the write waits for discover, as for a source never written before.
      return undefined;
    }
  }

  /** Keeps what a discover of a source config just found (saved with the store's next save). */
  put(sourceId: string, catalog: AirbyteCatalog): void {
    const deflated = deflateRawSync(JSON.stringify(catalog));
    this.db.run('INSERT OR REPLACE INTO discovered_catalogs VALUES (?, ?, ?)', [sourceId, deflated, Date.now()]);
  }
}
