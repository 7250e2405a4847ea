/**
 * Loads sql.js once per process. The wasm file sits beside the bundle in `dist/` when packaged,
 * or in `node_modules/sql.js/dist/` in development; hosts may pass its location explicitly.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import initSqlJs from 'sql.js';
import type { SqlJsStatic } from 'sql.js';
import { AirbyteError } from '../errors';

const loaded = new Map<string, Promise<SqlJsStatic>>();

/** Where the sql.js wasm binary is, trying the explicit path, then beside this bundle, then node_modules. */
export function locateSqlWasm(explicit?: string): string {
  const candidates: string[] = [];
  if (explicit) candidates.push(explicit);
  if (process.env.AIRBYTE_WRITE_SQL_WASM) candidates.push(process.env.AIRBYTE_WRITE_SQL_WASM);
  candidates.push(path.join(__dirname, 'sql-wasm.wasm'));
  try {
    candidates.push(require.resolve('sql.js/dist/sql-wasm.wasm'));
  } catch {
    // Not resolvable from a bundle: the copy beside it is used instead.
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new AirbyteError('STORE_CORRUPT', {
      message: 'The SQLite engine (sql-wasm.wasm) was not found.',
      guidance: 'Reinstall the extension or CLI, or run "node scripts/build.mjs", which copies it into dist/.',
      context: { searched: candidates.join(', ') },
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
