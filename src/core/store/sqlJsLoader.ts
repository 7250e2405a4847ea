/**
 * Loads sql.js once per process. Where its wasm binary is belongs to the host: the CLI keeps it
 * beside its bundle, the extension in its install folder; each says so once (`useSqlWasm`) or per
 * store (`wasmPath`). Run from sources (tests, tools), the copy in `node_modules/sql.js` is used.
 */
import { existsSync, readFileSync } from 'node:fs';
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';
import { AirbyteError } from '../errors';

const loaded = new Map<string, Promise<SqlJsStatic>>();
let hostWasmPath: string | undefined;

/** Tells the core where the host keeps `sql-wasm.wasm`; every store and the built-in SQLite destination use it. */
export function useSqlWasm(file: string): void {
  hostWasmPath = file;
}

/**
 * Where the sql.js wasm binary is: the explicit path, the host's (`useSqlWasm`),
 * `AIRBYTE_WRITE_SQL_WASM`, then the `sql.js` package when it can be resolved (running from sources).
 */
export function locateSqlWasm(explicit?: string): string {
  const candidates = [explicit, hostWasmPath, process.env.AIRBYTE_WRITE_SQL_WASM].filter((c): c is string => Boolean(c));
  try {
    candidates.push(require.resolve('sql.js/dist/sql-wasm.wasm'));
  } catch {
    // Inside a bundle the package is not there: the host's copy is the one.
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new AirbyteError('STORE_CORRUPT', {
      message: 'The SQLite engine (sql-wasm.wasm) was not found.',
      guidance: 'Reinstall the extension or CLI, or run "node scripts/build.mjs", which copies it into dist/.',
      context: { searched: candidates.join(', ') || '(no location was given)' },
    });
  }
  return found;
}

/** The sql.js module, initialised from the wasm at `wasmPath` (or the located one). */
export function loadSqlJs(wasmPath?: string): Promise<SqlJsStatic> {
  const file = locateSqlWasm(wasmPath);
  let promise = loaded.get(file);
  if (!promise) {
    // Handing over the bytes (rather than a URL) works the same from a bundle and from sources.
    const wasmBinary = readFileSync(file);
    promise = initSqlJs({
      wasmBinary: wasmBinary.buffer.slice(wasmBinary.byteOffset, wasmBinary.byteOffset + wasmBinary.byteLength) as ArrayBuffer,
    });
    loaded.set(file, promise);
  }
  return promise;
}
