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
 * `<connector name>#<16 hex digits>`. `connectionSpecification` marks which fields are secrets: their
 * values never shape the identity, so a rotated token keeps its state. Every other value does, also
 * one that came from a reference (`${env:OUT}`): `OUT=a.db` and `OUT=b.db` are two destinations and
 * must not share state. Without a spec the secret fields are unknown, so `masker` (the connector's:
 * the values its references resolved to) keeps every referenced value out instead. `localDir`, the
 * host folder at `/local`, shapes it too: the same config writing into two folders is two destinations.
 */
export function connectorIdentity(
  name: string,
  config: JsonObject,
  connectionSpecification?: unknown,
  masker?: SecretMasker,
  localDir?: string,
): string {
  const hidden = connectionSpecification ? new SecretMasker(collectSecretValues(config, connectionSpecification)) : masker;
  // String values only (maskConfig): masking serialized JSON could cut into numbers and keys.
  const cleaned = hidden ? hidden.maskConfig(config) : config;
  // The folder at /local only when there is one, so identities without it stay what they were.
  const hashed = localDir === undefined ? canonical(cleaned) : `${canonical(cleaned)}\nlocalDir:${localDir}`;
  const hash = createHash('sha256').update(hashed).digest('hex').slice(0, 16);
  return `${name}#${hash}`;
}
