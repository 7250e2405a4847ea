// Seeded mutations of real `*.airbyte.jsonc` configs, for the config fuzzer (fuzzConfigs.test.ts).
// Seeds are the built-ins' specs, the real connector specs of test/fixtures/specs and the config
// files of the repository; each fuzzed config is one seed with one to three mutations: wrong types,
// deletions, huge strings, deep nesting, prototype keys, duplicate keys, odd unicode, broken JSONC,
// odd envelope values. Generated values never name a path outside the folder the config is in
// (no absolute path, no `..`, no `~`): the fuzzer writes with the built-in destinations.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { listBuiltins } from '../../../src/core/builtin/builtinRegistry';
import { repoRoot, specsDir } from '../../harness/paths';

/** A JSON value whose objects keep their entries in order, duplicates included. */
export type Value = null | boolean | number | string | Value[] | Entries;
export class Entries {
  constructor(public entries: Array<[string, Value]> = []) {}
}

export interface Seed {
  name: string;
  connector: string;
  /** The config file as a tree (envelope and config). */
  tree: Entries;
  /** A seed that is a config file's text, taken as is (comments and all) when not mutated as a tree. */
  text?: string;
}

export interface FuzzedConfig {
  seed: string;
  connector: string;
  mutations: string[];
  text: string;
}

type Random = () => number;
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)];

/** A JSON schema, loosely. */
type Schema = Record<string, unknown>;

// A value the schema accepts, as far as a few rules go (defaults, examples, enums, first oneOf branch).
function sampleValue(schema: Schema, depth = 0): Value {
  if (schema.const !== undefined) return toValue(schema.const);
  if (schema.default !== undefined) return toValue(schema.default);
  if (Array.isArray(schema.examples) && schema.examples.length) return toValue(schema.examples[0]);
  if (Array.isArray(schema.enum) && schema.enum.length) return toValue(schema.enum[0]);
  const branches = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (Array.isArray(branches) && branches.length) return sampleValue(branches[0], depth + 1);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'object' || schema.properties) return depth > 6 ? new Entries() : sampleObject(schema, depth + 1);
  if (type === 'array') return [];
  if (type === 'integer' || type === 'number') return typeof schema.minimum === 'number' ? schema.minimum : 1;
  if (type === 'boolean') return false;
  return 'value';
}

function sampleObject(schema: Schema, depth: number): Entries {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const optional = Object.keys(properties).filter((k) => !required.includes(k));
  const keys = [...required, ...optional.slice(0, 2)];
  return new Entries(keys.filter((k) => properties[k]).map((k) => [k, sampleValue(properties[k], depth)]));
}

/** A plain JSON value as a {@link Value} tree. */
export function toValue(v: unknown): Value {
  if (Array.isArray(v)) return v.map(toValue);
  if (v !== null && typeof v === 'object') return new Entries(Object.entries(v).map(([k, x]) => [k, toValue(x)]));
  return v as Value;
}

/** The seeds: built-ins (small counts, so writes stay quick), fixture specs, and the repository's config files. */
export function loadSeeds(): Seed[] {
  const seeds: Seed[] = [];
  for (const b of listBuiltins()) {
    const config = sampleObject(b.spec.connectionSpecification as Schema, 0);
    if (b.name === 'builtin:sample')
      config.entries = [
        ['count', 3],
        ['seed', 7],
      ];
    if (b.type === 'destination' && b.name !== 'builtin:dev-null') config.entries = [['destination_path', `out/${b.name.slice(8)}`]];
    seeds.push({ name: b.name, connector: b.name, tree: envelope(b.name, config) });
  }
  for (const file of readdirSync(specsDir).sort()) {
    const spec = JSON.parse(readFileSync(path.join(specsDir, file), 'utf8')) as { connectionSpecification: Schema };
    const connector = file.replace(/\.spec\.json$/, '');
    seeds.push({ name: connector, connector, tree: envelope(connector, sampleObject(spec.connectionSpecification, 0)) });
  }
  for (const file of ['test/fixtures-workspace/sqlite.airbyte.jsonc', 'test/fixtures-workspace/broken.airbyte.jsonc']) {
    const text = readFileSync(path.join(repoRoot, file), 'utf8');
    const connector = /"connector":\s*"([^"]+)"/.exec(text)![1];
    seeds.push({ name: path.basename(file), connector, tree: envelope(connector, new Entries()), text });
  }
  return seeds;
}

function envelope(connector: string, config: Entries): Entries {
  return new Entries([
    ['connector', connector],
    ['config', config],
  ]);
}

/** JSONC text of a tree: two-space indentation, duplicates kept; `comments` adds a comment and trailing commas. */
export function serialize(value: Value, comments = false, indent = ''): string {
  if (value instanceof Entries) {
    if (value.entries.length === 0) return '{}';
    const inner = `${indent}  `;
    const lines = value.entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${serialize(v, comments, inner)}`);
    return `{\n${lines.join(',\n')}${comments ? ',' : ''}\n${indent}}`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => serialize(v, comments, indent)).join(', ')}]`;
  if (typeof value === 'number' && !Number.isFinite(value)) return value > 0 ? '1e400' : '-1e400';
  return JSON.stringify(value);
}

// ---------------------------------------------------------------------------------------------
// Where to mutate: every object and every value slot of a tree.

interface Slot {
  owner: Entries | Value[];
  index: number;
}

function slots(value: Value, out: Slot[] = []): Slot[] {
  if (value instanceof Entries) {
    value.entries.forEach((entry, i) => {
      out.push({ owner: value, index: i });
      slots(entry[1], out);
    });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push({ owner: value, index: i });
      slots(v, out);
    });
  }
  return out;
}

function objects(value: Value, out: Entries[] = []): Entries[] {
  if (value instanceof Entries) {
    out.push(value);
    for (const [, v] of value.entries) objects(v, out);
  } else if (Array.isArray(value)) for (const v of value) objects(v, out);
  return out;
}

const get = (s: Slot): Value => (s.owner instanceof Entries ? s.owner.entries[s.index][1] : s.owner[s.index]);
function set(s: Slot, v: Value): void {
  if (s.owner instanceof Entries) s.owner.entries[s.index][1] = v;
  else s.owner[s.index] = v;
}

/** The config object of a tree (its last "config" entry, as a loader reads it). */
function configOf(tree: Entries): Entries | undefined {
  const found = [...tree.entries].reverse().find(([k]) => k === 'config')?.[1];
  return found instanceof Entries ? found : undefined;
}

/** Slots inside the config, else anywhere. */
function someSlot(random: Random, tree: Entries): Slot | undefined {
  const config = configOf(tree);
  const inConfig = config ? slots(config) : [];
  const all = inConfig.length && random() < 0.8 ? inConfig : slots(tree);
  return all.length ? pick(random, all) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Values

const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'nul\u0000inside',
  '\u202eevil\u202c',
  '\ud800',
  '\udfff\ud800',
  '😀🧪',
  '\u00a0',
  '\u200d\u200b',
  '\ufeff',
  'line\nbreak',
  'tab\there',
  'e\u0301\u0301\u0301',
  '${env:',
  '${env:}',
  'secret_reference::',
  '%s%n%x',
  "'; DROP TABLE users; --",
  '$(touch pwned)',
  '`id`',
  'a\\b',
  'x/y\\z',
];

function oddNumber(random: Random): number {
  return pick(random, [-1, 0, 0.5, -0, 7, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -2147483649, 1e-300]);
}

function valueOfAnotherType(random: Random, old: Value): Value {
  const choices: Array<() => Value> = [
    () => oddNumber(random),
    () => pick(random, ODD_STRINGS),
    () => random() < 0.5,
    () => null,
    () => [1, 'two', null],
    () => new Entries([['nested', 1]]),
    () => [],
    () => new Entries(),
  ];
  const kind = (v: Value) => (v instanceof Entries ? 'object' : Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  for (let tries = 0; tries < 10; tries++) {
    const v = pick(random, choices)();
    if (kind(v) !== kind(old)) return v;
  }
  return null;
}

function hugeString(random: Random): string {
  const size = pick(random, [10_000, 100_000, 1_000_000]);
  const unit = pick(random, ['x', 'é', '😀', 'ab/']);
  return unit.repeat(Math.ceil(size / unit.length));
}

// Deep nesting is written into the text after serializing (a 10,000-level tree would overflow the
// serializer's own stack): a placeholder string stands for it in the tree.
function deepValue(random: Random): Value {
  return `\u0001deep:${pick(random, [50, 99, 101, 1_000, 10_000])}:${random() < 0.5 ? 'o' : 'a'}\u0001`;
}

function expandDeep(text: string): string {
  return text.replace(/"\\u0001deep:(\d+):([oa])\\u0001"/g, (_m, depth: string, kind: string) => {
    const n = Number(depth);
    return kind === 'o' ? `${'{"a":'.repeat(n)}1${'}'.repeat(n)}` : `${'['.repeat(n)}1${']'.repeat(n)}`;
  });
}

const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', 'valueOf', '__defineGetter__'];

// ---------------------------------------------------------------------------------------------
// Tree mutations

type TreeMutation = (random: Random, tree: Entries) => string;

const TREE_MUTATIONS: Record<string, TreeMutation> = {
  wrongType(random, tree) {
    const s = someSlot(random, tree);
    if (!s) return 'wrongType(none)';
    set(s, valueOfAnotherType(random, get(s)));
    return 'wrongType';
  },
  deletion(random, tree) {
    const owners = objects(tree).filter((o) => o.entries.length > 0);
    if (!owners.length) return 'deletion(none)';
    const owner = random() < 0.3 && tree.entries.length ? tree : pick(random, owners);
    const [key] = owner.entries.splice(Math.floor(random() * owner.entries.length), 1)[0];
    return `deletion(${key})`;
  },
  hugeString(random, tree) {
    const s = someSlot(random, tree);
    const big = hugeString(random);
    if (s && random() < 0.7) set(s, big);
    else pick(random, objects(tree)).entries.push([big, 'huge key']);
    return `hugeString(${big.length})`;
  },
  deepNesting(random, tree) {
    const s = someSlot(random, tree);
    const deep = deepValue(random);
    if (s) set(s, deep);
    else tree.entries.push(['config', deep]);
    return 'deepNesting';
  },
  prototypeKey(random, tree) {
    const key = pick(random, PROTO_KEYS);
    const target = random() < 0.3 ? tree : pick(random, objects(configOf(tree) ?? tree));
    const value = pick(random, [new Entries([['polluted', true]]), 'x', 1, null, [new Entries([['seed', 3]])]] as Value[]);
    target.entries.splice(Math.floor(random() * (target.entries.length + 1)), 0, [key, value]);
    return `prototypeKey(${key})`;
  },
  duplicateKey(random, tree) {
    const owners = objects(tree).filter((o) => o.entries.length > 0);
    const owner = random() < 0.4 || !owners.length ? tree : pick(random, owners);
    if (!owner.entries.length) return 'duplicateKey(none)';
    const [key, value] = pick(random, owner.entries);
    const other = random() < 0.5 ? value : valueOfAnotherType(random, value);
    // Either before or after the original: which one is last decides which value counts.
    if (random() < 0.5) owner.entries.push([key, other]);
    else owner.entries.unshift([key, other]);
    return `duplicateKey(${key})`;
  },
  oddUnicode(random, tree) {
    const strings = slots(tree).filter((s) => typeof get(s) === 'string');
    const odd = pick(random, ODD_STRINGS);
    if (strings.length && random() < 0.6) set(pick(random, strings), odd);
    else pick(random, objects(configOf(tree) ?? tree)).entries.push([odd, 'odd key']);
    return 'oddUnicode';
  },
  envelopeValue(random, tree) {
    const [key, values] = pick(random, Object.entries(ENVELOPE_VALUES));
    const value = pick(random, values);
    const existing = tree.entries.find(([k]) => k === key);
    if (existing) existing[1] = value;
    else tree.entries.splice(1, 0, [key, value]);
    return `envelope(${key})`;
  },
};

const ENVELOPE_VALUES: Record<string, Value[]> = {
  version: ['/', '', ' ', 'latest', '1.0.0', '../../x', ':', '::', '@sha256:zz', 'v1\n', 'UPPER', 'a'.repeat(300), 5, null, true, []],
  image: [
    '../../etc/passwd',
    'UPPER/case:1',
    '',
    ' ',
    'a b',
    'x@sha256:zz',
    ':',
    'registry.invalid:5000/x/destination-y:1',
    'airbyte/destination-sqlite:/',
    'a'.repeat(5000),
    7,
    new Entries(),
  ],
  localDir: ['sub', './sub/deeper', '', ' ', 'nul\u0000', 'out', 3, null, false, ['sub']],
  connector: ['', ' ', 'builtin:', 'builtin:nope', 'builtin:SAMPLE', 'source-', 'destination-', 'nope', 42, null, 'destination-postgres '],
  useHostNetwork: ['yes', 1, null, true, false],
  $schema: ['https://example.invalid/schema.json', 3],
  extra: ['unknown envelope key'],
  Config: [new Entries()],
};

// ---------------------------------------------------------------------------------------------
// Text mutations (applied to the serialized text)

type TextMutation = (random: Random, text: string) => { text: string; name: string };

const TEXT_MUTATIONS: TextMutation[] = [
  (random, text) => {
    const at = Math.floor(random() * text.length);
    return { text: text.slice(0, at), name: `truncate(${at})` };
  },
  (random, text) => {
    const at = Math.floor(random() * text.length);
    return { text: text.slice(0, at) + text.slice(at + 1), name: `dropChar(${at})` };
  },
  (random, text) => {
    const at = Math.floor(random() * text.length);
    const c = pick(random, ['{', '}', '[', ']', ',', ':', '"', '/*', '//', '\\', '\u0000', "'", 'NaN', 'undefined', '\n']);
    return { text: text.slice(0, at) + c + text.slice(at), name: `insert(${JSON.stringify(c)}@${at})` };
  },
  (_random, text) => ({ text: `${text}\n/* never closed`, name: 'unclosedComment' }),
  (_random, text) => ({ text: `${text}\n{"second": "object"}`, name: 'trailingGarbage' }),
  (_random, text) => ({ text: `\ufeff${text}`, name: 'bom' }),
  (_random, text) => ({ text: text.replace(/\n/g, '\r\n'), name: 'crlf' }),
  (random) => ({ text: pick(random, ['', '   ', '// only a comment', '[]', 'null', '"text"', '42', '{}', '{,}']), name: 'notAnObject' }),
];

/** A seed with one to three mutations, as config file text. */
export function mutate(random: Random, seed: Seed): FuzzedConfig {
  const tree = clone(seed.tree) as Entries;
  const mutations: string[] = [];
  const textOnly = seed.text !== undefined && random() < 0.5;
  const count = textOnly ? 0 : 1 + Math.floor(random() * 3);
  for (let i = 0; i < count; i++) mutations.push(TREE_MUTATIONS[pick(random, Object.keys(TREE_MUTATIONS))](random, tree));
  let text = textOnly ? seed.text! : expandDeep(serialize(tree, random() < 0.5));
  if (textOnly || random() < 0.25) {
    const m = pick(random, TEXT_MUTATIONS)(random, text);
    text = m.text;
    mutations.push(m.name);
  }
  return { seed: seed.name, connector: seed.connector, mutations, text };
}

/** A deep copy that keeps duplicated entries (a JSON round trip would not). */
function clone(value: Value): Value {
  if (value instanceof Entries) return new Entries(value.entries.map(([k, v]) => [k, clone(v)]));
  if (Array.isArray(value)) return value.map(clone);
  return value;
}
