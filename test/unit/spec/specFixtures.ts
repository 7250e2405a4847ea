// Real connector specs from test/fixtures and a config builder that works from the spec alone
// (required fields, defaults, examples, enum/const values), independent of the code under test.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { registrySamplePath, specsDir } from '../../harness/paths';
import type { ConnectorSpecification } from '../../../src/core/protocol/messages';

export const repoRoot = path.resolve(__dirname, '../../..');
export { specsDir };
export const registrySample = registrySamplePath;

export function specNames(): string[] {
  return readdirSync(specsDir)
    .filter((f) => f.endsWith('.spec.json'))
    .map((f) => f.replace(/\.spec\.json$/, ''))
    .sort();
}

export function loadSpec(name: string): ConnectorSpecification {
  return JSON.parse(readFileSync(path.join(specsDir, `${name}.spec.json`), 'utf8')) as ConnectorSpecification;
}

type S = Record<string, unknown>;

function isObj(v: unknown): v is S {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Example value for one field, from the spec's own data. */
export function sampleValue(schema: S, branchChoice = 0): unknown {
  if ('const' in schema) return schema.const;
  // A default of the wrong type (source-file's object `provider` defaults to "Public Web") is not used.
  if ('default' in schema && !(schema.type === 'object' && typeof schema.default !== 'object')) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const options = (schema.oneOf ?? schema.anyOf) as S[] | undefined;
  if (Array.isArray(options)) return sampleObject(options[Math.min(branchChoice, options.length - 1)]);
  const examples = Array.isArray(schema.examples) ? schema.examples : 'example' in schema ? [schema.example] : [];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  const example = examples.find((e) =>
    type === 'integer' || type === 'number' ? typeof e === 'number' : type === 'array' ? Array.isArray(e) : typeof e === 'string',
  );
  if (example !== undefined) return example;
  switch (type) {
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'array': {
      const items = isObj(schema.items) ? schema.items : {};
      const min = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const fromExamples = examples.filter((e) => typeof e === 'string');
      if (min > 0) return fromExamples.length ? fromExamples.slice(0, Math.max(min, 1)) : [sampleValue(items)];
      return [];
    }
    case 'object':
      return sampleObject(schema);
    default:
      return 'value';
  }
}

/** An object with every required property of a schema (and its discriminator when a oneOf branch). */
export function sampleObject(schema: S, branchChoice = 0): S {
  const out: S = {};
  const props = isObj(schema.properties) ? (schema.properties as Record<string, S>) : {};
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  for (const name of Object.keys(props)) {
    const p = props[name];
    const single = 'const' in p || (Array.isArray(p.enum) && p.enum.length === 1);
    if (required.includes(name) || single) out[name] = sampleValue(p, branchChoice);
  }
  return out;
}

/** Every top-level oneOf field with its branch count. */
export function topLevelOneOfs(spec: ConnectorSpecification): { name: string; branches: number }[] {
  const props = (spec.connectionSpecification.properties ?? {}) as Record<string, S>;
  return Object.entries(props)
    .filter(([, s]) => Array.isArray(s.oneOf))
    .map(([name, s]) => ({ name, branches: (s.oneOf as unknown[]).length }));
}

/** A valid config for a spec; `oneOfField`/`branch` pick one branch of one oneOf (included even when optional). */
export function validConfig(spec: ConnectorSpecification, oneOfField?: string, branch = 0): S {
  const root = spec.connectionSpecification as S;
  const config = sampleObject(root);
  if (oneOfField) {
    const schema = (root.properties as Record<string, S>)[oneOfField];
    config[oneOfField] = sampleObject((schema.oneOf as S[])[branch]);
  }
  return config;
}

/** The text of a config file, two-space indented. */
export function configFileText(connector: string, config: unknown, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ connector, ...extra, config }, null, 2);
}

/** 0-based line/character of an offset, computed independently of the code under test. */
export function lineColOf(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}
