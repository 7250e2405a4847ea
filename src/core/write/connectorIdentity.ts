/**
 * Who a connector is, for keying state and cache: its name plus a hash of its config with secret
 * values taken out. Stable across runs (and across rotated tokens), different for two configs of the
 * same connector, and never the connector name alone (PyAirbyte's mistake: two configs shared state).
 */
import { createHash } from 'node:crypto';
import type { JsonObject } from '../protocol/messages';
import { collectSecretValues, SecretMasker } from '../secrets';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as JsonObject)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * `<connector name>#<16 hex digits>`. `connectionSpecification` marks which fields are secrets;
 * `masker` (the connector's) adds the values that came from secret references (`${env:…}`,
 * `secret_reference::…`), so that what a reference holds never shapes the identity either.
 */
export function connectorIdentity(name: string, config: JsonObject, connectionSpecification?: unknown, masker?: SecretMasker): string {
  const secrets = connectionSpecification ? collectSecretValues(config, connectionSpecification) : new Set<string>();
  const specMasker = new SecretMasker(secrets);
  // String values only: masking serialized JSON could cut into numbers and keys.
  const clean = (value: unknown): unknown => {
    if (typeof value === 'string') return masker ? masker.mask(specMasker.mask(value)) : specMasker.mask(value);
    if (Array.isArray(value)) return value.map(clean);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clean(v)]));
    return value;
  };
  const cleaned = clean(config);
  const hash = createHash('sha256').update(canonical(cleaned)).digest('hex').slice(0, 16);
  return `${name}#${hash}`;
}
