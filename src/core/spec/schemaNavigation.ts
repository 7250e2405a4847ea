/**
 * Walking an Airbyte `connectionSpecification` (JSON Schema draft-07 plus Airbyte keywords)
 * alongside a config: the subschema of a field, the `oneOf` branch a config chose by its
 * discriminator, titles, secrets, defaults. Shared by validation, completion and hover.
 */

export type Schema = Record<string, unknown>;

export function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `$ref`-resolved schema (local `#/…` references only; Airbyte specs use no remote ones). */
export function deref(root: Schema, schema: Schema, depth = 0): Schema {
  const ref = schema.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#') || depth > 20) return schema;
  let target: unknown = root;
  for (const part of ref.slice(1).split('/').filter(Boolean)) {
    if (!isSchema(target)) return schema;
    target = target[unescapePointer(decodeURIComponent(part))];
  }
  return isSchema(target) ? deref(root, target, depth + 1) : schema;
}

export function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function pointerOf(path: readonly (string | number)[]): string {
  return path.map((p) => `/${escapePointer(String(p))}`).join('');
}

export function parsePointer(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map(unescapePointer);
}

/** The value at `path` inside `data` (a config, a JSON document); undefined where the path leaves it. */
export function valueAtPath(data: unknown, path: readonly (string | number)[]): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** {@link valueAtPath} for a JSON pointer (`/a/0/b`, as validation problems name fields). */
export function valueAtPointer(data: unknown, pointer: string): unknown {
  return valueAtPath(data, parsePointer(pointer));
}

/** True for `airbyte_secret: true` and the `"true"` string one real spec writes. */
export function isSecretSchema(schema: Schema | undefined): boolean {
  const flag = schema?.airbyte_secret;
  return flag === true || flag === 'true';
}

export function isHiddenSchema(schema: Schema | undefined): boolean {
  const flag = schema?.airbyte_hidden;
  return flag === true || flag === 'true';
}

// Real specs mark retired fields in the description, sometimes misspelled: "(DEPRCATED) …".
const DEPRECATED_TEXT = /^\s*[([]?\s*(deprecated|deprcated)\b/i;

export function isDeprecatedSchema(schema: Schema | undefined): boolean {
  if (!schema) return false;
  if (schema.deprecated === true) return true;
  return [schema.description, schema.title].some((t) => typeof t === 'string' && DEPRECATED_TEXT.test(t));
}

export function schemaTitle(schema: Schema | undefined): string | undefined {
  const title = schema?.title;
  return typeof title === 'string' && title.trim() ? title.trim() : undefined;
}

/** Branches of a `oneOf` (or `anyOf`), dereferenced. */
export function branchesOf(root: Schema, schema: Schema): { keyword: 'oneOf' | 'anyOf'; branches: Schema[] } | undefined {
  for (const keyword of ['oneOf', 'anyOf'] as const) {
    const list = schema[keyword];
    if (Array.isArray(list) && list.length > 0) return { keyword, branches: list.filter(isSchema).map((b) => deref(root, b)) };
  }
  return undefined;
}

/** The single value a schema allows (`const`, or a one-value `enum`), if any. */
export function singleValue(schema: Schema | undefined): { value: unknown } | undefined {
  if (!schema) return undefined;
  if ('const' in schema) return { value: schema.const };
  if (Array.isArray(schema.enum) && schema.enum.length === 1) return { value: schema.enum[0] };
  return undefined;
}

export interface Discriminator {
  /** The property that tells the branches apart (`mode`, `format_type`, `tunnel_method`…). */
  property: string;
  /** The value selecting each branch, in branch order (undefined where a branch does not fix it). */
  values: unknown[];
}

const discriminatorCache = new WeakMap<Schema, Discriminator | null>();

/**
 * The discriminator of a oneOf: a property that every branch (but at most one) fixes to a single
 * value with `const` or a one-value `enum`, with distinct values. The Airbyte convention.
 */
export function findDiscriminator(root: Schema, schema: Schema): Discriminator | undefined {
  const cached = discriminatorCache.get(schema);
  if (cached !== undefined) return cached ?? undefined;
  const found = computeDiscriminator(root, schema);
  discriminatorCache.set(schema, found ?? null);
  return found;
}

function computeDiscriminator(root: Schema, schema: Schema): Discriminator | undefined {
  const group = branchesOf(root, schema);
  if (!group || group.branches.length < 1) return undefined;
  const candidates = new Map<string, unknown[]>();
  group.branches.forEach((branch, i) => {
    for (const [name, prop] of Object.entries(propertiesOf(root, branch))) {
      const single = singleValue(prop);
      if (!single) continue;
      const values = candidates.get(name) ?? new Array<unknown>(group.branches.length).fill(undefined);
      values[i] = single.value;
      candidates.set(name, values);
    }
  });
  let best: Discriminator | undefined;
  let bestCount = 0;
  for (const [property, values] of candidates) {
    const defined = values.filter((v) => v !== undefined);
    const distinct = new Set(defined.map((v) => JSON.stringify(v)));
    if (distinct.size !== defined.length) continue;
    if (defined.length < group.branches.length - 1 || defined.length === 0) continue;
    // Prefer a property every branch requires (the real discriminator over an incidental constant).
    const requiredCount = group.branches.filter((b) => Array.isArray(b.required) && b.required.includes(property)).length;
    const score = defined.length * 10 + requiredCount;
    if (score > bestCount) {
      best = { property, values };
      bestCount = score;
    }
  }
  return best;
}

export type BranchChoice =
  | { status: 'chosen'; index: number; branch: Schema }
  | { status: 'missing'; discriminator: Discriminator }
  | { status: 'unknown'; discriminator: Discriminator; value: unknown }
  | { status: 'undecided' };

/** Which branch of the oneOf/anyOf in `schema` the `data` chose, by its discriminator. */
export function chooseBranch(root: Schema, schema: Schema, data: unknown): BranchChoice {
  const group = branchesOf(root, schema);
  if (!group) return { status: 'undecided' };
  const discriminator = findDiscriminator(root, schema);
  if (!discriminator) return { status: 'undecided' };
  if (!isSchema(data)) return { status: 'undecided' };
  if (!(discriminator.property in data)) {
    // A branch that does not fix the discriminator is the fallback when it is absent.
    const open = discriminator.values.findIndex((v) => v === undefined);
    if (open >= 0) return { status: 'chosen', index: open, branch: group.branches[open] };
    return { status: 'missing', discriminator };
  }
  const value = data[discriminator.property];
  const key = JSON.stringify(value);
  const index = discriminator.values.findIndex((v) => v !== undefined && JSON.stringify(v) === key);
  if (index < 0) return { status: 'unknown', discriminator, value };
  return { status: 'chosen', index, branch: group.branches[index] };
}

/** `properties` of a schema and of its `allOf` parts. */
export function propertiesOf(root: Schema, schema: Schema): Record<string, Schema> {
  // No prototype: a config key such as "constructor" or "toString" must not find Object's own members.
  const out = Object.create(null) as Record<string, Schema>;
  const add = (s: Schema) => {
    const props = s.properties;
    if (isSchema(props)) for (const [k, v] of Object.entries(props)) if (isSchema(v)) out[k] = deref(root, v);
  };
  add(schema);
  if (Array.isArray(schema.allOf)) for (const part of schema.allOf) if (isSchema(part)) add(deref(root, part));
  return out;
}

export function requiredOf(schema: Schema): string[] {
  const out = Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === 'string') : [];
  if (Array.isArray(schema.allOf))
    for (const part of schema.allOf)
      if (isSchema(part) && Array.isArray(part.required)) out.push(...part.required.filter((r): r is string => typeof r === 'string'));
  return out;
}

/**
 * The schemas that apply to a value: the schema itself plus the oneOf branch its data chose
 * (recursively). Without a choice, only the schema itself.
 */
export function effectiveSchemas(root: Schema, schema: Schema, data: unknown): Schema[] {
  const out = [schema];
  const choice = chooseBranch(root, schema, data);
  if (choice.status === 'chosen') out.push(...effectiveSchemas(root, choice.branch, data));
  return out;
}

/** Merged view of the properties and required names visible on an object value. */
export function objectShape(
  root: Schema,
  schema: Schema,
  data: unknown,
): { properties: Record<string, Schema>; required: string[]; closed: boolean } {
  const properties: Record<string, Schema> = {};
  const required: string[] = [];
  let closed = false;
  for (const s of effectiveSchemas(root, schema, data)) {
    Object.assign(properties, propertiesOf(root, s));
    required.push(...requiredOf(s));
    if (s.additionalProperties === false) closed = true;
  }
  return { properties, required: [...new Set(required)], closed };
}

/** The subschema for `key` of an object or array value described by `schema`, given its data. */
export function childSchema(root: Schema, schema: Schema, data: unknown, key: string | number): Schema | undefined {
  if (Array.isArray(data) || typeof key === 'number') {
    const items = schema.items;
    if (isSchema(items)) return deref(root, items);
    if (Array.isArray(items)) {
      const item = items[Number(key)];
      return isSchema(item) ? deref(root, item) : undefined;
    }
    return undefined;
  }
  for (const s of effectiveSchemas(root, schema, data).reverse()) {
    const props = propertiesOf(root, s);
    if (props[key]) return props[key];
  }
  const additional = schema.additionalProperties;
  return isSchema(additional) ? deref(root, additional) : undefined;
}

/** Walks `path` from the root schema and data; the schema of the value at the end, if the spec describes it. */
export function schemaAtPath(root: Schema, data: unknown, path: readonly (string | number)[]): Schema | undefined {
  let schema: Schema | undefined = deref(root, root);
  let value: unknown = data;
  for (const key of path) {
    if (!schema) return undefined;
    schema = childSchema(root, schema, value, key);
    value = isSchema(value) || Array.isArray(value) ? (value as Record<string | number, unknown>)[key] : undefined;
  }
  return schema;
}

/** The property names of an object in the order people expect: required first, then by `order`, then as written. */
export function orderedPropertyNames(properties: Record<string, Schema>, required: readonly string[]): string[] {
  const names = Object.keys(properties);
  const pos = new Map(names.map((n, i) => [n, i]));
  const order = (n: string) => (typeof properties[n].order === 'number' ? (properties[n].order as number) : Number.MAX_SAFE_INTEGER);
  return names.sort((a, b) => {
    const ra = required.includes(a) ? 0 : 1;
    const rb = required.includes(b) ? 0 : 1;
    return ra - rb || order(a) - order(b) || (pos.get(a) ?? 0) - (pos.get(b) ?? 0);
  });
}

/** Declared types of a schema (`type` as string or list), or inferred from const/enum. */
export function schemaTypes(schema: Schema | undefined): string[] {
  if (!schema) return [];
  const t = schema.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  if (isSchema(schema.properties) || branchesOfRaw(schema)) return ['object'];
  return [];
}

function branchesOfRaw(schema: Schema): boolean {
  return Array.isArray(schema.oneOf) || Array.isArray(schema.anyOf);
}

/** Examples of a field: `examples`, or the singular `example` some real specs write. */
export function examplesOf(schema: Schema | undefined): unknown[] {
  if (!schema) return [];
  if (Array.isArray(schema.examples)) return schema.examples;
  if ('example' in schema && schema.example !== undefined) return [schema.example];
  return [];
}

/** The value to prefill for a field: its default, the single allowed value, else nothing. */
export function prefillValue(schema: Schema | undefined): { value: unknown } | undefined {
  if (!schema) return undefined;
  // Real specs carry defaults of the wrong type (source-file's object `provider` defaults to "Public Web").
  if ('default' in schema && valueFits(schema.default, schemaTypes(schema))) return { value: schema.default };
  return singleValue(schema);
}

/** True when a value has one of the JSON types listed (or no types are listed). */
export function valueFits(value: unknown, types: readonly string[]): boolean {
  if (types.length === 0) return true;
  const actual = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return types.some(
    (t) =>
      t === actual ||
      (t === 'integer' && typeof value === 'number' && Number.isInteger(value)) ||
      (t === 'number' && typeof value === 'number'),
  );
}

/** A name for a field in messages: its title (`Port`), else the key in quotes (`“port”`), `Item 2` for list items. */
export function fieldLabel(schema: Schema | undefined, key: string | number | undefined): string {
  const title = schemaTitle(schema);
  if (title) return title;
  if (typeof key === 'number' || (typeof key === 'string' && /^\d+$/.test(key))) return `Item ${Number(key) + 1}`;
  return key === undefined || key === '' ? 'The config' : `“${String(key)}”`;
}
