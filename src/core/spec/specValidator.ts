/**
 * Config validation against a connector's `connectionSpecification` with ajv (draft-07,
 * `allErrors`), turned into plain-worded problems: one per real mistake, on the value or key
 * concerned, and for a `oneOf` only the problems of the branch the config chose (never ajv's
 * cascade over every branch). Compiled validators are cached per spec.
 */
import Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { distance } from 'fastest-levenshtein';
import { abbreviate } from '../../shared/format';
import { AirbyteError } from '../errors';
import type { ConnectorSpecification } from '../protocol/messages';
import type { Schema } from './schemaNavigation';
import {
  branchesOf,
  chooseBranch,
  deref,
  escapePointer,
  examplesOf,
  fieldLabel,
  findDiscriminator,
  isSchema,
  parsePointer,
  pointerOf,
  propertiesOf,
  requiredOf,
  schemaAtPath,
  schemaTitle,
  schemaTypes,
} from './schemaNavigation';
import { isSecretReference } from './secretReferences';

/** Airbyte's UI keywords: declared so ajv knows them; they never fail validation. */
export const AIRBYTE_KEYWORDS = [
  'airbyte_secret',
  'airbyte_hidden',
  'always_show',
  'order',
  'group',
  'groups',
  'multiline',
  'pattern_descriptor',
  'display_type',
  'example',
  'airbyte_type',
  'x-airbyte-property-type',
  'linkable',
] as const;

export type SchemaProblemKind =
  | 'missing-required'
  | 'unknown-property'
  | 'type'
  | 'enum'
  | 'const'
  | 'pattern'
  | 'format'
  | 'range'
  | 'length'
  | 'items'
  | 'one-of'
  | 'invalid'
  | 'secret-reference-type';

/** One option of a oneOf, as a problem reports it. */
export interface BranchOption {
  title: string;
  discriminator?: string;
  value?: unknown;
  branch: Schema;
}

export interface SchemaProblem {
  kind: SchemaProblemKind;
  /**
   * JSON pointer inside the config: of the value concerned; of the object lacking fields for
   * `missing-required`; of the unknown property itself for `unknown-property`.
   */
  pointer: string;
  message: string;
  /** `missing-required`: the missing names, in the spec's `required` order. */
  missing?: string[];
  /** The schema of the value (the object's schema for `missing-required`). */
  schema?: Schema;
  /** `one-of`: the options to choose from. */
  options?: BranchOption[];
  /** `one-of` with an unknown discriminator value: the pointer of that value (the range to underline). */
  discriminatorPointer?: string;
  /** `unknown-property`: the known field name closest to the unknown one, if any. */
  suggestion?: string;
}

/** A spec compiled by ajv, with the root schema its error paths refer to. */
export interface CompiledSpec {
  validate: ValidateFunction;
  root: Schema;
}

// One ajv instance per spec: specs may share `$id`s, and an instance would refuse a second schema with the same id.
function createAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: false,
    logger: false,
    validateSchema: false,
    allowUnionTypes: true,
    code: { regExp: lenientRegExp },
  });
  addFormats(ajv);
  for (const keyword of AIRBYTE_KEYWORDS) if (!ajv.getKeyword(keyword)) ajv.addKeyword(keyword);
  return ajv;
}

// Patterns are compiled with the `u` flag (so look-behinds like `(?<!\.git)` and \p{…} work); a pattern
// that is only valid without it is retried without, and one that is no regex at all never fails a value.
const lenientRegExp = Object.assign(
  (pattern: string, flags: string): RegExp => {
    try {
      return new RegExp(pattern, flags);
    } catch {
      try {
        return new RegExp(pattern, flags.replace('u', ''));
      } catch {
        return /(?:)/;
      }
    }
  },
  { code: 'lenientRegExp' },
);

const byObject = new WeakMap<object, CompiledSpec>();
const byText = new Map<string, CompiledSpec>();
const TEXT_CACHE_LIMIT = 64;

/** The compiled validator of a spec (cached by object identity, then by content). Throws `SPEC_FAILED` when ajv cannot compile it. */
export function compileSpec(connectionSpecification: Schema): CompiledSpec {
  const hit = byObject.get(connectionSpecification);
  if (hit) return hit;
  const text = JSON.stringify(connectionSpecification);
  let compiled = byText.get(text);
  if (!compiled) {
    try {
      compiled = { validate: createAjv().compile(connectionSpecification), root: connectionSpecification };
    } catch (error) {
      throw new AirbyteError('SPEC_FAILED', {
        message: `The connector's spec is not a usable JSON schema: ${(error as Error).message}`,
        guidance: 'Report it to the connector maintainers; meanwhile the config cannot be checked against it.',
        cause: error,
      });
    }
    if (byText.size >= TEXT_CACHE_LIMIT) byText.delete(byText.keys().next().value as string);
    byText.set(text, compiled);
  }
  byObject.set(connectionSpecification, compiled);
  return compiled;
}

/**
 * Checks a config (the `config` object, references unresolved) against a connection specification.
 * Secret references (`${env:…}`, `secret_reference::…`) pass any text check; a field that needs a
 * number or boolean cannot hold one. Returns problems sorted by pointer; empty when valid.
 */
export function validateConfig(config: unknown, connectionSpecification: Schema): SchemaProblem[] {
  const { validate, root } = compileSpec(connectionSpecification);
  if (validate(config)) return [];
  return interpretErrors(validate.errors ?? [], config, root);
}

/**
 * Throws `CONFIG_INVALID` listing every problem, for hosts about to run a connector.
 * `ignore` drops problems the caller leaves to the connector (values resolved from references).
 */
export function assertValidConfig(
  config: unknown,
  spec: ConnectorSpecification,
  connector: string,
  ignore?: (problem: SchemaProblem) => boolean,
): void {
  const problems = validateConfig(config, spec.connectionSpecification).filter((p) => !ignore?.(p));
  if (problems.length === 0) return;
  throw new AirbyteError('CONFIG_INVALID', {
    message: `The config of ${connector} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${problems.map((p) => `  ${p.pointer || '/'}: ${p.message}`).join('\n')}`,
    guidance: 'Fix the config file (run "airbyte-write validate <file>" for line numbers) and try again.',
    context: { connector },
  });
}

interface Group {
  error: ErrorObject;
  schemaPath: string;
  instancePath: string;
  choice: ReturnType<typeof chooseBranch>;
  /** The branch whose errors are reported when the config chose none (fewest errors). */
  fallback?: number;
  dropped: boolean;
}

const TEXT_KEYWORDS = new Set(['pattern', 'format', 'enum', 'const', 'minLength', 'maxLength']);

function within(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

function interpretErrors(errors: ErrorObject[], config: unknown, root: Schema): SchemaProblem[] {
  const groups: Group[] = errors
    .filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')
    .map((e) => ({
      error: e,
      schemaPath: e.schemaPath,
      instancePath: e.instancePath,
      choice: isSchema(e.parentSchema) ? chooseBranch(root, e.parentSchema, e.data) : { status: 'undecided' as const },
      dropped: false,
    }));
  // Outer groups first so a group inside an unchosen branch is dropped before it is judged.
  groups.sort((a, b) => a.schemaPath.length - b.schemaPath.length);

  const branchOf = (error: ErrorObject, group: Group): number | undefined => {
    if (!error.schemaPath.startsWith(`${group.schemaPath}/`) || !within(error.instancePath, group.instancePath)) return undefined;
    return Number(error.schemaPath.slice(group.schemaPath.length + 1).split('/')[0]);
  };

  for (const group of groups) {
    if (group.choice.status !== 'undecided') continue;
    const counts = new Map<number, number>();
    for (const e of errors) {
      const b = branchOf(e, group);
      if (b !== undefined && !Number.isNaN(b)) counts.set(b, (counts.get(b) ?? 0) + 1);
    }
    let best: number | undefined;
    for (const [b, n] of counts) if (best === undefined || n < (counts.get(best) ?? Infinity)) best = b;
    group.fallback = best;
  }

  const keep = (error: ErrorObject): boolean => {
    for (const group of groups) {
      if (group.error === error) continue;
      const b = branchOf(error, group);
      if (b === undefined) continue;
      if (group.dropped) return false;
      if (group.choice.status === 'chosen') {
        if (b !== group.choice.index) return false;
      } else if (group.choice.status === 'undecided') {
        if (b !== group.fallback || oneOfNeedsObject(group, root)) return false;
      } else {
        return false;
      }
    }
    return true;
  };
  for (const group of groups) group.dropped = !keep(group.error);

  const problems: SchemaProblem[] = [];
  const missingByObject = new Map<string, SchemaProblem>();
  for (const error of errors) {
    if (!keep(error)) continue;
    const group = groups.find((g) => g.error === error);
    if (group) {
      const problem = groupProblem(
        group,
        root,
        config,
        errors.some((e) => e !== error && keep(e) && branchOf(e, group) !== undefined),
      );
      if (problem) problems.push(problem);
      continue;
    }
    if (error.keyword === 'if') continue;
    if (TEXT_KEYWORDS.has(error.keyword) && isSecretReference(error.data)) continue;
    const problem = errorProblem(error, root, config);
    if (!problem) continue;
    if (problem.kind === 'missing-required') {
      const existing = missingByObject.get(problem.pointer);
      if (existing) {
        for (const name of problem.missing ?? []) if (!existing.missing?.includes(name)) existing.missing?.push(name);
        continue;
      }
      missingByObject.set(problem.pointer, problem);
    }
    problems.push(problem);
  }
  for (const problem of missingByObject.values()) {
    const schema = problem.schema ?? {};
    const required = requiredOf(schema);
    const props = propertiesOf(root, schema);
    problem.missing?.sort((a, b) => indexOr(required, a) - indexOr(required, b));
    const names = (problem.missing ?? []).map((n) => `“${schemaTitle(props[n]) ?? n}” (${n})`);
    problem.message = names.length === 1 ? `Missing required field ${names[0]}` : `Missing required fields ${names.join(', ')}`;
  }
  const seen = new Set<string>();
  const at = (kind: SchemaProblemKind, pointer: string) => problems.some((p) => p.kind === kind && p.pointer === pointer);
  return problems
    .filter((p) => {
      // One message per value: the oneOf choices explain a wrong type, the pattern (with its descriptor) a bad format.
      if (p.kind === 'type' && at('one-of', p.pointer)) return false;
      if (p.kind === 'format' && at('pattern', p.pointer)) return false;
      const key = `${p.kind}\u0000${p.pointer}\u0000${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => (a.pointer < b.pointer ? -1 : a.pointer > b.pointer ? 1 : 0));
}

function indexOr(list: string[], name: string): number {
  const i = list.indexOf(name);
  return i < 0 ? list.length : i;
}

function oneOfNeedsObject(group: Group, root: Schema): boolean {
  const data = group.error.data;
  return !isSchema(data) && isSchema(group.error.parentSchema) && findDiscriminator(root, group.error.parentSchema) !== undefined;
}

/** The options of a oneOf/anyOf, titled, with their discriminator values. */
export function branchOptions(root: Schema, schema: Schema): BranchOption[] {
  const group = branchesOf(root, schema);
  if (!group) return [];
  const discriminator = findDiscriminator(root, schema);
  return group.branches.map((branch, i) => {
    const value = discriminator?.values[i];
    const title = schemaTitle(branch) ?? (value !== undefined ? String(value) : `Option ${i + 1}`);
    return { title, discriminator: discriminator?.property, value, branch };
  });
}

function describeOptions(options: BranchOption[]): string {
  return options
    .map((o) => {
      if (o.value === undefined || String(o.value) === o.title) return o.title;
      return `${o.title} (${display(o.value)})`;
    })
    .join(', ');
}

function groupProblem(group: Group, root: Schema, config: unknown, branchReported: boolean): SchemaProblem | undefined {
  const schema = isSchema(group.error.parentSchema) ? group.error.parentSchema : {};
  const pointer = group.instancePath;
  const label = labelAt(root, config, pointer, schema);
  const options = branchOptions(root, schema);
  const choice = group.choice;
  if (choice.status === 'chosen') return undefined;
  if (choice.status === 'missing') {
    return {
      kind: 'one-of',
      pointer,
      schema,
      options,
      message: `${label} needs “${choice.discriminator.property}” to choose one of: ${describeOptions(options)}`,
    };
  }
  if (choice.status === 'unknown') {
    return {
      kind: 'one-of',
      pointer,
      schema,
      options,
      discriminatorPointer: `${pointer}/${escapePointer(choice.discriminator.property)}`,
      message: `${quoted(choice.value)} is not a valid ${label}; set “${choice.discriminator.property}” to one of: ${describeOptions(options)}`,
    };
  }
  if (oneOfNeedsObject(group, root)) {
    return { kind: 'one-of', pointer, schema, options, message: `${label} must be an object choosing one of: ${describeOptions(options)}` };
  }
  if (branchReported) return undefined;
  const passing = group.error.params.passingSchemas as number[] | null | undefined;
  if (Array.isArray(passing) && passing.length > 1) {
    return {
      kind: 'one-of',
      pointer,
      schema,
      options,
      message: `${label} matches more than one option (${passing.map((i) => options[i]?.title ?? i).join(', ')}); make it match exactly one`,
    };
  }
  return { kind: 'one-of', pointer, schema, options, message: `${label} must match one of: ${describeOptions(options)}` };
}

function labelAt(root: Schema, config: unknown, pointer: string, schema?: Schema): string {
  const path = parsePointer(pointer);
  const title = schemaTitle(schema);
  if (title) return title;
  if (path.length === 0) return 'The config';
  const last = path[path.length - 1];
  if (/^\d+$/.test(last)) {
    const parentPath = path.slice(0, -1);
    return `${labelAt(root, config, pointerOf(parentPath), schemaAtPath(root, config, parentPath))} item ${Number(last) + 1}`;
  }
  return fieldLabel(schemaAtPath(root, config, path), last);
}

// Values and names from the config are abbreviated: a megabyte of text must not make a megabyte of message.
function display(value: unknown): string {
  if (typeof value === 'string') return abbreviate(value === '' || value.trim() !== value ? JSON.stringify(value) : value);
  return abbreviate(JSON.stringify(value) ?? String(value));
}

function quoted(value: unknown): string {
  return typeof value === 'string' ? `“${abbreviate(value)}”` : abbreviate(JSON.stringify(value) ?? String(value));
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'text';
  if (typeof value === 'number') return Number.isInteger(value) ? 'a whole number' : 'a number';
  return `a ${typeof value}`;
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'text',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  null: 'null',
};

function typeWords(types: unknown): string {
  const list = (Array.isArray(types) ? types : String(types).split(',')).map((t) => TYPE_WORDS[String(t)] ?? String(t));
  return list.length <= 1 ? (list[0] ?? 'something else') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

function listValues(values: unknown[]): string {
  const shown = values.slice(0, 15).map(display);
  return values.length > 15 ? `${shown.join(', ')}, … (${values.length} in all)` : shown.join(', ');
}

function rangeText(schema: Schema): string | undefined {
  const isInt = schemaTypes(schema).includes('integer');
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  const xmin = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
  const xmax = typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum : undefined;
  const kind = isInt ? 'an integer' : 'a number';
  if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`;
  const parts: string[] = [];
  if (min !== undefined) parts.push(`at least ${min}`);
  if (xmin !== undefined) parts.push(`greater than ${xmin}`);
  if (max !== undefined) parts.push(`at most ${max}`);
  if (xmax !== undefined) parts.push(`less than ${xmax}`);
  if (parts.length === 0) return undefined;
  return `${kind} ${parts.join(' and ')}`;
}

function errorProblem(error: ErrorObject, root: Schema, config: unknown): SchemaProblem | undefined {
  const parent = isSchema(error.parentSchema) ? deref(root, error.parentSchema) : undefined;
  const pointer = error.instancePath;
  const label = () => labelAt(root, config, pointer, parent);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { kind: 'missing-required', pointer, schema: parent, missing: [String(params.missingProperty)], message: '' };
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = parent ? Object.keys(propertiesOf(root, parent)) : [];
      const near = closest(name, known);
      const hint = near
        ? `; did you mean “${near}”?`
        : known.length > 0
          ? ` (known fields: ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''})`
          : '';
      return {
        kind: 'unknown-property',
        pointer: `${pointer}/${escapePointer(name)}`,
        schema: parent,
        suggestion: near,
        message: `Unknown field “${abbreviate(name)}”${hint}`,
      };
    }
    case 'type': {
      const wanted = typeWords(params.type);
      if (isSecretReference(error.data)) {
        return {
          kind: 'secret-reference-type',
          pointer,
          schema: parent,
          message: `${label()} must be ${wanted}; a secret reference can only stand for text`,
        };
      }
      const range =
        parent && (schemaTypes(parent).includes('integer') || schemaTypes(parent).includes('number')) ? rangeText(parent) : undefined;
      return { kind: 'type', pointer, schema: parent, message: `${label()} must be ${range ?? wanted}, not ${jsonTypeOf(error.data)}` };
    }
    case 'enum':
      return {
        kind: 'enum',
        pointer,
        schema: parent,
        message: `${label()} must be one of: ${listValues((params.allowedValues as unknown[]) ?? [])}`,
      };
    case 'const':
      return { kind: 'const', pointer, schema: parent, message: `${label()} must be ${display(params.allowedValue)}` };
    case 'pattern': {
      const descriptor = patternDescriptor(root, config, pointer, parent);
      const example = examplesOf(parent)[0];
      return {
        kind: 'pattern',
        pointer,
        schema: parent,
        message: descriptor
          ? `${label()} must look like ${descriptor}`
          : `${label()} must match the pattern ${String(params.pattern)}${example !== undefined ? ` (for example ${display(example)})` : ''}`,
      };
    }
    case 'format': {
      const example = examplesOf(parent)[0];
      return {
        kind: 'format',
        pointer,
        schema: parent,
        message: `${label()} must be a valid ${String(params.format)}${example !== undefined ? ` (for example ${display(example)})` : ''}`,
      };
    }
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {
        kind: 'range',
        pointer,
        schema: parent,
        message: `${label()} must be ${(parent && rangeText(parent)) ?? `${params.comparison} ${params.limit}`}`,
      };
    case 'multipleOf':
      return { kind: 'range', pointer, schema: parent, message: `${label()} must be a multiple of ${params.multipleOf}` };
    case 'minLength':
      return {
        kind: 'length',
        pointer,
        schema: parent,
        message: params.limit === 1 ? `${label()} must not be empty` : `${label()} must be at least ${params.limit} characters long`,
      };
    case 'maxLength':
      return { kind: 'length', pointer, schema: parent, message: `${label()} must be at most ${params.limit} characters long` };
    case 'minItems':
      return {
        kind: 'items',
        pointer,
        schema: parent,
        message: `${label()} must have at least ${params.limit} item${params.limit === 1 ? '' : 's'}`,
      };
    case 'maxItems':
      return {
        kind: 'items',
        pointer,
        schema: parent,
        message: `${label()} must have at most ${params.limit} item${params.limit === 1 ? '' : 's'}`,
      };
    case 'uniqueItems':
      return {
        kind: 'items',
        pointer,
        schema: parent,
        message: `${label()} must not repeat items (items ${Number(params.j) + 1} and ${Number(params.i) + 1} are equal)`,
      };
    case 'minProperties':
    case 'maxProperties':
    case 'dependencies':
    case 'propertyNames':
    case 'not':
    default:
      return { kind: 'invalid', pointer, schema: parent, message: `${label()} ${error.message ?? 'is invalid'}` };
  }
}

// Arrays of strings often carry the descriptor on the array, not on its items.
function patternDescriptor(root: Schema, config: unknown, pointer: string, schema: Schema | undefined): string | undefined {
  if (typeof schema?.pattern_descriptor === 'string') return schema.pattern_descriptor;
  const path = parsePointer(pointer);
  if (path.length > 0 && /^\d+$/.test(path[path.length - 1])) {
    const parent = schemaAtPath(root, config, path.slice(0, -1));
    if (typeof parent?.pattern_descriptor === 'string') return parent.pattern_descriptor;
  }
  return undefined;
}

/** The known name closest to a misspelt one (edit distance ≤ 1/3 of its length), if any. */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  const wanted = name.toLowerCase();
  for (const candidate of known) {
    // The distance is at least the difference in length: skip what cannot be closer.
    const other = candidate.toLowerCase();
    if (Math.abs(other.length - wanted.length) >= bestDistance) continue;
    const d = distance(wanted, other);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}
