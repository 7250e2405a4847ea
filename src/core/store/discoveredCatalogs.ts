/**
 * Each source config's newest discovered catalog (by source identity: connector and config without
 * its secrets), with when it was discovered and by which image. Used two ways:
 * - a write of a source whose catalog is younger than its refresh window, discovered by the image the
 *   source runs now, plans with it and runs no discover (as the Airbyte platform does: Cloud
 *   discovers at most every 15 minutes per source, self-managed every 24 hours);
 * - otherwise a write starts its connectors with it while the source's `discover` runs, and takes
 *   those runs only when the fresh catalog makes exactly the same plan (see `write/earlyStart.ts`).
 * Kept deflated (`packedJson.ts`).
 */
import type { AirbyteCatalog } from '../protocol/messages';
import { packJson, unpackJson } from './packedJson';
import { num, optionalText } from './storeDatabase';
import type { StoreDatabase } from './storeDatabase';

/** A kept catalog and where it came from. */
export interface KeptCatalog {
  catalog: AirbyteCatalog;
  /** When discover returned it (ms since the epoch). */
  discoveredAt: number;
  /** The local id of the image that discovered it; undefined for a connector not in Docker, or a row of an older version. */
  imageId?: string;
}

export class DiscoveredCatalogs {
  constructor(private readonly db: StoreDatabase) {}

  /** The newest catalog discovered for a source config; undefined when there is none or it cannot be read. */
  get(sourceId: string): AirbyteCatalog | undefined {
    return this.kept(sourceId)?.catalog;
  }

  /** The newest catalog discovered for a source config, with when and by which image. */
  kept(sourceId: string): KeptCatalog | undefined {
    const row = this.db.rows('SELECT catalog_deflated, discovered_at, image_id FROM discovered_catalogs WHERE source_id = ?', [
      sourceId,
    ])[0];
    if (!row) return undefined;
    try {
      return {
        catalog: unpackJson(row.catalog_deflated) as AirbyteCatalog,
        discoveredAt: num(row.discovered_at),
        imageId: optionalText(row.image_id),
      };
    } catch {
      // Damaged: the write waits for discover, as for a source never written before.
      return undefined;
    }
  }

  /**
   * The catalog a write may use instead of running discover: discovered by image `imageId` (the one
   * the source runs now) less than `maxAgeMs` ago. Never for a source without an image id: a local
   * or in-process connector's code can change without anything here knowing.
   */
  fresh(sourceId: string, imageId: string | undefined, maxAgeMs: number, now = Date.now()): KeptCatalog | undefined {
    if (!imageId || maxAgeMs <= 0) return undefined;
    const kept = this.kept(sourceId);
    if (!kept || kept.imageId !== imageId) return undefined;
    const age = now - kept.discoveredAt;
    return age >= 0 && age < maxAgeMs ? kept : undefined;
  }

  /** Keeps what a discover of a source config just found, and the image that found it (saved with the store's next save). */
  put(sourceId: string, catalog: AirbyteCatalog, imageId?: string, discoveredAt = Date.now()): void {
    this.db.run('INSERT OR REPLACE INTO discovered_catalogs (source_id, catalog_deflated, discovered_at, image_id) VALUES (?, ?, ?, ?)', [
      sourceId,
      packJson(catalog),
      discoveredAt,
      imageId ?? null,
    ]);
  }
}
