/**
 * JSON values kept deflated in the store: every save writes the whole store file, and the catalogs
 * of a source with 1,000 streams are hundreds of KB of JSON (a twentieth of that deflated).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { SqlValue } from 'sql.js';

/** `value` as deflated JSON, for a BLOB column. */
export function packJson(value: unknown): Uint8Array {
  return deflateRawSync(JSON.stringify(value));
}

/** The value {@link packJson} packed; a TEXT column value (written before values were packed) is parsed as it is. Throws when neither. */
export function unpackJson(value: SqlValue | undefined): unknown {
  if (value instanceof Uint8Array) return JSON.parse(inflateRawSync(value).toString('utf8'));
  if (typeof value === 'string') return JSON.parse(value);
  throw new Error(`not JSON: a ${value === null ? 'NULL' : typeof value} value`);
}
