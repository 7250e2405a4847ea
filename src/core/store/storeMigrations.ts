/**
 * The store's schema, as the list of steps that build it. Index = the version reached after
 * running a step (`PRAGMA user_version`). Never edit a shipped step; append a new one.
 */
import type { Database } from 'sql.js';

export type StoreMigration = (db: Database) => void;

export const STORE_MIGRATIONS: readonly StoreMigration[] = [
  (db) => {
    db.run(`
      CREATE TABLE states (
        source_id TEXT NOT NULL, destination_id TEXT NOT NULL, stream_key TEXT NOT NULL,
        state_type TEXT NOT NULL, state_json TEXT NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (source_id, destination_id, stream_key));
      CREATE TABLE generations (
        source_id TEXT NOT NULL, destination_id TEXT NOT NULL, stream_key TEXT NOT NULL,
        generation_id INTEGER NOT NULL, PRIMARY KEY (source_id, destination_id, stream_key));
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, source TEXT NOT NULL, source_id TEXT NOT NULL,
        destination TEXT, destination_id TEXT, streams TEXT NOT NULL, strategy TEXT, mode TEXT,
        started_at INTEGER NOT NULL, ended_at INTEGER, status TEXT NOT NULL, error TEXT,
        records_read INTEGER NOT NULL DEFAULT 0, records_sent INTEGER NOT NULL DEFAULT 0,
        records_confirmed INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE run_streams (
        run_id INTEGER NOT NULL, stream_key TEXT NOT NULL, records_read INTEGER NOT NULL, records_sent INTEGER NOT NULL,
        records_confirmed INTEGER NOT NULL, bytes INTEGER NOT NULL, status TEXT, PRIMARY KEY (run_id, stream_key));
    `);
  },
  (db) => {
    db.run(`
      CREATE TABLE cache_streams (
        source_id TEXT NOT NULL, stream_key TEXT NOT NULL, generation_start INTEGER NOT NULL, end_pos INTEGER NOT NULL,
        PRIMARY KEY (source_id, stream_key));
      CREATE TABLE cache_segments (
        source_id TEXT NOT NULL, stream_key TEXT NOT NULL, first_pos INTEGER NOT NULL, record_count INTEGER NOT NULL,
        bytes INTEGER NOT NULL, file TEXT NOT NULL, PRIMARY KEY (source_id, stream_key, first_pos));
      CREATE TABLE cache_states (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, source_id TEXT NOT NULL, state_json TEXT NOT NULL, positions_json TEXT NOT NULL);
      CREATE INDEX cache_states_source ON cache_states (source_id, seq);
      CREATE TABLE cache_confirmed (
        source_id TEXT NOT NULL, destination_id TEXT NOT NULL, stream_key TEXT NOT NULL, confirmed_pos INTEGER NOT NULL,
        PRIMARY KEY (source_id, destination_id, stream_key));
    `);
  },
  (db) => {
    // What a read into the cache needs to be written again later by run id: the streams' schemas
    // (the discovered catalog of the streams read) and how they were read.
    db.run(`
      CREATE TABLE run_catalogs (
        run_id INTEGER PRIMARY KEY, catalog_json TEXT NOT NULL, plans_json TEXT NOT NULL);
    `);
  },
  (db) => {
    // Runs name their sides as people do (config file label, its path, the connector) and link a
    // write to the read that fed it, so hosts place a run from history alone. Older rows keep NULLs.
    db.run(`
      ALTER TABLE runs ADD COLUMN source_label TEXT;
      ALTER TABLE runs ADD COLUMN source_config_path TEXT;
      ALTER TABLE runs ADD COLUMN source_connector TEXT;
      ALTER TABLE runs ADD COLUMN destination_label TEXT;
      ALTER TABLE runs ADD COLUMN destination_config_path TEXT;
      ALTER TABLE runs ADD COLUMN destination_connector TEXT;
      ALTER TABLE runs ADD COLUMN parent_run_id INTEGER;
      ALTER TABLE runs ADD COLUMN for_destination_id TEXT;
    `);
  },
  (db) => {
    // The process that runs a run (pid and host), so that a run whose process died without finishing
    // (kill -9, a crash, a power loss) is told from one still running. Older rows keep NULLs.
    db.run(`
      ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
      ALTER TABLE runs ADD COLUMN owner_host TEXT;
    `);
  },
  (db) => {
    // Where each side ran (`docker tcp://host:2376`, `in process`…): runs may go to remote engines.
    db.run(`
      ALTER TABLE runs ADD COLUMN source_runs_on TEXT;
      ALTER TABLE runs ADD COLUMN destination_runs_on TEXT;
    `);
  },
  (db) => {
    // Each segment's blocks (bytes, lines, CRC-32), so that a replay checks what it sends and can
    // start inside a segment without scanning it. Segments of older versions keep NULL.
    db.run('ALTER TABLE cache_segments ADD COLUMN blocks_json TEXT;');
  },
  (db) => {
    // What was deployed to Airbyte platforms (ids per API URL and workspace), so that a deploy updates
    // in place (see platformDeployments.ts).
    db.run(`
      CREATE TABLE platform_deployments (
        api_url TEXT NOT NULL, workspace_id TEXT NOT NULL, kind TEXT NOT NULL, local_key TEXT NOT NULL,
        remote_id TEXT NOT NULL, name TEXT NOT NULL, fingerprint TEXT NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (api_url, workspace_id, kind, local_key));
    `);
  },
  (db) => {
    // Each source config's newest discovered catalog, so that a write can start its connectors with
    // it while discover confirms it (see discoveredCatalogs.ts). From this version on, run_catalogs
    // rows are written deflated as well (packedJson.ts; older TEXT rows are read as they are).
    db.run(`
      CREATE TABLE discovered_catalogs (
        source_id TEXT PRIMARY KEY, catalog_deflated BLOB NOT NULL, discovered_at INTEGER NOT NULL);
    `);
  },
  (db) => {
    // The id of the image that discovered each kept catalog: a catalog is used instead of a new
    // discover only while the source's image is the same one (see discoveredCatalogs.ts). Rows of
    // older versions keep NULL, which no image matches.
    db.run('ALTER TABLE discovered_catalogs ADD COLUMN image_id TEXT;');
  },
];

/** The schema version this build writes. */
export const STORE_SCHEMA_VERSION = STORE_MIGRATIONS.length;
