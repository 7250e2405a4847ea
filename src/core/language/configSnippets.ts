/**
 * Text for values the editor inserts: a field's starting value (default, single allowed value,
 * a `${env:…}` reference for secrets, an empty value of the right type), a oneOf branch as a
 * whole object, as plain JSONC or as a VS Code snippet with tab stops.
 */
import type { Schema } from '../spec/schemaNavigation';
import {
  branchesOf,
  examplesOf,
  findDiscriminator,
  isSecretSchema,
  orderedPropertyNames,
  prefillValue,
  propertiesOf,
  requiredOf,
  schemaTypes,
} from '../spec/schemaNavigation';
import { envVarNameFor } from '../spec/secretReferences';

export interface SnippetContext {
  root: Schema;
  connector?: string;
  /** Indentation unit of the document (two spaces unless it uses something else). */
  indentUnit: string;
  /** Snippet mode: leaf values become `${n:value}` tab stops. */
  snippet: boolean;
  /** Next tab stop number (mutated). */
  tabStop: number;
}

/** Escapes text for a VS Code snippet body. */
export function escapeSnippet(text: string): string {
  return text.replace(/[\\$}]/g, (c) => `\\${c}`);
}

function leaf(ctx: SnippetContext, text: string): string {
  if (!ctx.snippet) return text;
  // A string's tab stop sits inside its quotes, so typing replaces the placeholder and keeps the quotes.
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    const inner = text.slice(1, -1);
    return inner === '' ? `"\${${ctx.tabStop++}}"` : `"\${${ctx.tabStop++}:${escapeSnippet(inner)}}"`;
  }
  return `\${${ctx.tabStop++}:${escapeSnippet(text)}}`;
}

/** JSON text of a starting value for a field at `path` (used for the env var name of secrets). */
export function valueText(
  ctx: SnippetContext,
  schema: Schema | undefined,
  indent: string,
  path: readonly (string | number)[],
  depth = 0,
): string {
  if (!schema) return leaf(ctx, '""');
  if (isSecretSchema(schema)) return leaf(ctx, JSON.stringify(`\${env:${envVarNameFor(ctx.connector, path)}}`));
  const prefill = prefillValue(schema);
  if (prefill && (typeof prefill.value !== 'object' || prefill.value === null)) return leaf(ctx, JSON.stringify(prefill.value));
  const group = branchesOf(ctx.root, schema);
  if (group && depth < 4) {
    const discriminator = findDiscriminator(ctx.root, schema);
    // The branch named by the field's default, else the first.
    let index = 0;
    if (discriminator && prefill && typeof prefill.value === 'object' && prefill.value !== null) {
      const wanted = (prefill.value as Record<string, unknown>)[discriminator.property];
      const i = discriminator.values.findIndex((v) => JSON.stringify(v) === JSON.stringify(wanted));
      if (i >= 0) index = i;
    }
    return objectText(ctx, group.branches[index], indent, path, depth + 1, discriminator?.property);
  }
  if (prefill) return leaf(ctx, JSON.stringify(prefill.value));
  const types = schemaTypes(schema);
  const type = types.find((t) => t !== 'null') ?? 'string';
  switch (type) {
    case 'object':
      return depth < 4 ? objectText(ctx, schema, indent, path, depth + 1) : leaf(ctx, '{}');
    case 'array':
      return leaf(ctx, '[]');
    case 'boolean':
      return leaf(ctx, 'false');
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
      // Examples of numbers are often written as text ("5432").
      const example = examplesOf(schema)
        .map((e) => (typeof e === 'string' && e.trim() !== '' ? Number(e) : e))
        .find((e): e is number => typeof e === 'number' && Number.isFinite(e) && (type === 'number' || Number.isInteger(e)));
      return leaf(ctx, String(example ?? (min !== undefined && min > 0 ? min : 0)));
    }
    default:
      if (Array.isArray(schema.enum) && schema.enum.length > 0) return leaf(ctx, JSON.stringify(schema.enum[0]));
      return leaf(ctx, '""');
  }
}

/** An object with its discriminator (first) and required fields, one per line (or `{ … }` on one line when it has one field). */
export function objectText(
  ctx: SnippetContext,
  schema: Schema,
  indent: string,
  path: readonly (string | number)[],
  depth = 0,
  discriminator?: string,
): string {
  const properties = propertiesOf(ctx.root, schema);
  const required = requiredOf(schema);
  let names = orderedPropertyNames(properties, required).filter((n) => required.includes(n) || n === discriminator);
  if (discriminator && names.includes(discriminator)) names = [discriminator, ...names.filter((n) => n !== discriminator)];
  if (names.length === 0) return leaf(ctx, '{}');
  const inner = indent + ctx.indentUnit;
  const entries = names.map(
    (n) =>
      `${ctx.snippet ? escapeSnippet(JSON.stringify(n)) : JSON.stringify(n)}: ${valueText(ctx, properties[n], inner, [...path, n], depth)}`,
  );
  if (entries.length === 1 && !entries[0].includes('\n')) return `{ ${entries[0]} }`;
  return `{\n${entries.map((e) => `${inner}${e}`).join(',\n')}\n${indent}}`;
}

/** The text of one oneOf branch as a whole object (discriminator + required fields). */
export function branchText(
  ctx: SnippetContext,
  parent: Schema,
  branchIndex: number,
  indent: string,
  path: readonly (string | number)[],
): string {
  const group = branchesOf(ctx.root, parent);
  const branch = group?.branches[branchIndex];
  if (!branch) return '{}';
  return objectText(ctx, branch, indent, path, 1, findDiscriminator(ctx.root, parent)?.property);
}

/** The indentation unit a document uses: its first indented line's leading whitespace, else two spaces. */
export function detectIndentUnit(text: string): string {
  const match = /\n([ \t]+)\S/.exec(text);
  if (!match) return '  ';
  if (match[1].startsWith('\t')) return '\t';
  return match[1].length >= 2 && match[1].length <= 8 ? ' '.repeat(Math.min(match[1].length, 4)) : '  ';
}
