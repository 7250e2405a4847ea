/**
 * Secret handling: collecting `airbyte_secret` values from a config by its spec, and masking them
 * in any text that leaves the core (logs, errors, run history).
 */
import type { JsonObject } from './protocol/messages';

export const MASK = '****';

function isSecretSchema(schema: unknown): boolean {
  if (typeof schema !== 'object' || schema === null) return false;
  const flag = (schema as { airbyte_secret?: unknown }).airbyte_secret;
  // One real spec writes the flag as the string "true".
  return flag === true || flag === 'true';
}

function subSchemas(schema: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [schema];
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) for (const s of list) if (typeof s === 'object' && s) out.push(...subSchemas(s as Record<string, unknown>));
  }
  return out;
}

/**
 * Every string value in `config` that sits under an `airbyte_secret` property of `schema`
 * (through nested objects, arrays and oneOf/anyOf/allOf branches).
 */
export function collectSecretValues(config: unknown, schema: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof schema !== 'object' || schema === null) return into;
  const schemas = subSchemas(schema as Record<string, unknown>);
  if (schemas.some(isSecretSchema)) {
    addStrings(config, into);
    return into;
  }
  if (Array.isArray(config)) {
    for (const s of schemas) if (s.items) for (const item of config) collectSecretValues(item, s.items, into);
    return into;
  }
  if (typeof config === 'object' && config !== null) {
    for (const s of schemas) {
      const props = s.properties as Record<string, unknown> | undefined;
      if (!props) continue;
      for (const [key, value] of Object.entries(config as JsonObject)) {
        if (props[key]) collectSecretValues(value, props[key], into);
      }
    }
  }
  return into;
}

function addStrings(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    if (value.length > 0) into.add(value);
  } else if (Array.isArray(value)) {
    for (const v of value) addStrings(v, into);
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) addStrings(v, into);
  }
}

/** Replaces every occurrence of the given secrets in text. Longest first, so a secret that contains another is masked whole. */
export class SecretMasker {
  private readonly secrets: string[];
  private readonly pattern?: RegExp;

  constructor(secrets: Iterable<string> = []) {
    this.secrets = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
    if (this.secrets.length > 0) {
      const variants = new Set<string>();
      for (const s of this.secrets) {
        variants.add(s);
        // The same secret as it appears inside JSON text.
        variants.add(JSON.stringify(s).slice(1, -1));
      }
      const sorted = [...variants].sort((a, b) => b.length - a.length);
      this.pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
    }
  }

  get size(): number {
    return this.secrets.length;
  }

  mask(text: string): string {
    return this.pattern ? text.replace(this.pattern, MASK) : text;
  }

  /**
   * A copy of a config with secrets masked in its string values. Only strings are touched: a secret
   * that looks like a number must not turn numbers elsewhere into text.
   */
  maskConfig<T>(value: T): T {
    if (!this.pattern) return value;
    return this.maskValue(value) as T;
  }

  private maskValue(value: unknown): unknown {
    if (typeof value === 'string') return this.mask(value);
    if (Array.isArray(value)) return value.map((v) => this.maskValue(v));
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.maskValue(v)]));
    }
    return value;
  }

  /** A masker that hides both sets. */
  with(other: SecretMasker): SecretMasker {
    return new SecretMasker([...this.secrets, ...other.secrets]);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
