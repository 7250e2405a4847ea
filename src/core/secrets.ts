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

/**
 * Values shorter than this are not masked inside free text: a one-character "secret" would turn every
 * message into `R****te limit exceeded` and hide nothing worth hiding. Such a value is still masked
 * where it stands alone (a config field equal to it). {@link SecretMasker.tooShort} says how many there are.
 */
export const MIN_MASKED_LENGTH = 4;

/**
 * Replaces every occurrence of the given secrets in text with {@link MASK}, by exact value: plain
 * string search, no regular expression (which a 40,000-character secret or a secret full of
 * metacharacters could break). Where occurrences overlap (one secret inside another), the union of
 * their characters is masked once.
 */
export class SecretMasker {
  private readonly secrets: string[];
  /** What is searched for in text: each long-enough secret and its JSON-escaped form, longest first. */
  private readonly needles: string[];
  private readonly exact: Set<string>;

  constructor(secrets: Iterable<string> = []) {
    this.secrets = [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
    this.exact = new Set(this.secrets);
    const needles = new Set<string>();
    for (const s of this.secrets) {
      if (s.length < MIN_MASKED_LENGTH) continue;
      needles.add(s);
      // The same secret as it appears inside JSON text.
      needles.add(JSON.stringify(s).slice(1, -1));
    }
    this.needles = [...needles].sort((a, b) => b.length - a.length);
    for (const s of this.needles) this.exact.add(s);
  }

  get size(): number {
    return this.secrets.length;
  }

  /** How many secrets are too short to be masked inside text (see {@link MIN_MASKED_LENGTH}). */
  get tooShort(): number {
    return this.secrets.filter((s) => s.length < MIN_MASKED_LENGTH).length;
  }

  mask(text: string): string {
    if (this.needles.length === 0 || text.length === 0) return text;
    const spans: Array<[number, number]> = [];
    for (const needle of this.needles) {
      for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) spans.push([at, at + needle.length]);
    }
    if (spans.length === 0) return text;
    spans.sort((a, b) => a[0] - b[0]);
    let out = '';
    let written = 0;
    let [start, end] = spans[0]!;
    for (const [s, e] of spans) {
      if (s <= end) {
        end = Math.max(end, e);
        continue;
      }
      out += text.slice(written, start) + MASK;
      written = end;
      [start, end] = [s, e];
    }
    return out + text.slice(written, start) + MASK + text.slice(end);
  }

  /**
   * A copy of a config with secrets masked in its string values. Only strings are touched: a secret
   * that looks like a number must not turn numbers elsewhere into text. A string equal to a secret is
   * masked whatever its length.
   */
  maskConfig<T>(value: T): T {
    if (this.secrets.length === 0) return value;
    return this.maskValue(value) as T;
  }

  private maskValue(value: unknown): unknown {
    if (typeof value === 'string') return this.exact.has(value) ? MASK : this.mask(value);
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
