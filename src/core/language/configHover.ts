/**
 * Hover text (markdown) for a `*.airbyte.jsonc` key or value: the field's title, description,
 * expected format, type and bounds, default, examples, allowed values, and whether it is a
 * required or secret field; for the file's own keys and the connector name, what they mean.
 */
import type { Node } from 'jsonc-parser';
import { findNodeAtOffset } from 'jsonc-parser';
import { findBuiltin, isBuiltinName } from '../builtin/builtinRegistry';
import type { ConnectorSpecification } from '../protocol/messages';
import type { ConnectorCatalog, RegistryEntry } from '../registry/registryTypes';
import type { Schema } from '../spec/schemaNavigation';
import {
  chooseBranch,
  examplesOf,
  findDiscriminator,
  isDeprecatedSchema,
  isHiddenSchema,
  isSchema,
  isSecretSchema,
  objectShape,
  schemaAtPath,
  schemaTitle,
  schemaTypes,
  valueAtPath,
} from '../spec/schemaNavigation';
import type { ConfigDocument } from './configDocument';
import { pathOfNode } from './configDocument';
import { ENVELOPE_KEYS } from './configValidation';
import type { Hover } from './languageTypes';

export interface HoverContext {
  spec?: ConnectorSpecification;
  registry?: ConnectorCatalog;
}

/** Airbyte descriptions are HTML fragments; hovers are markdown. */
export function htmlToMarkdown(html: string): string {
  return html
    .replace(
      /<a\s+[^>]*href\s*=\s*"([^"]*)"[^>]*>\s*([\s\S]*?)\s*<\/a>/gi,
      (_m, href: string, label: string) => `[${label.trim() || href}](${href})`,
    )
    .replace(/<\/?(b|strong)>/gi, '**')
    .replace(/<\/?(i|em)>/gi, '*')
    .replace(/<\/?code>/gi, '`')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<li>/gi, '\n- ')
    .replace(/<\/?(ul|ol|li|p|span|div)[^>]*>/gi, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

function code(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value);
  return `\`${(text ?? '').replace(/`/g, 'ˋ')}\``;
}

/** Markdown describing a field of a spec. */
export function fieldMarkdown(
  schema: Schema,
  key: string | number | undefined,
  options: { required?: boolean; branch?: Schema } = {},
): string {
  const lines: string[] = [];
  const title = schemaTitle(schema);
  const flags: string[] = [];
  if (options.required) flags.push('required');
  if (isSecretSchema(schema)) flags.push('🔒 secret');
  if (isDeprecatedSchema(schema)) flags.push('deprecated');
  if (isHiddenSchema(schema)) flags.push('hidden');
  const head = title ? `**${title}**${key !== undefined ? ` \`${key}\`` : ''}` : key !== undefined ? `\`${key}\`` : '';
  if (head || flags.length) lines.push([head, ...flags].filter(Boolean).join(' · '));
  if (options.branch) {
    const branchTitle = schemaTitle(options.branch);
    if (branchTitle)
      lines.push(
        `Option: **${branchTitle}**${typeof options.branch.description === 'string' ? ` — ${htmlToMarkdown(options.branch.description)}` : ''}`,
      );
  }
  if (typeof schema.description === 'string' && schema.description.trim()) lines.push(htmlToMarkdown(schema.description));
  const facts: string[] = [];
  const types = schemaTypes(schema);
  if (types.length) {
    const bounds: string[] = [];
    if (typeof schema.minimum === 'number' && typeof schema.maximum === 'number') bounds.push(`${schema.minimum}–${schema.maximum}`);
    else if (typeof schema.minimum === 'number') bounds.push(`≥ ${schema.minimum}`);
    else if (typeof schema.maximum === 'number') bounds.push(`≤ ${schema.maximum}`);
    facts.push(`Type: ${types.join(' | ')}${bounds.length ? ` (${bounds.join(', ')})` : ''}`);
  }
  if (typeof schema.pattern_descriptor === 'string') facts.push(`Format: \`${schema.pattern_descriptor}\``);
  else if (typeof schema.pattern === 'string') facts.push(`Pattern: \`${schema.pattern}\``);
  if (typeof schema.format === 'string') facts.push(`Format: ${schema.format}`);
  if (Array.isArray(schema.enum) && schema.enum.length > 1)
    facts.push(`One of: ${schema.enum.slice(0, 20).map(code).join(', ')}${schema.enum.length > 20 ? ', …' : ''}`);
  if ('default' in schema) facts.push(`Default: ${code(schema.default)}`);
  const examples = examplesOf(schema);
  if (examples.length) facts.push(`Example${examples.length > 1 ? 's' : ''}: ${examples.slice(0, 5).map(code).join(', ')}`);
  if (isSecretSchema(schema)) facts.push('Write it as `"${env:NAME}"` to keep it out of the file.');
  if (facts.length) lines.push(facts.join('  \n'));
  return lines.join('\n\n');
}

/** Markdown describing a registry entry. */
export function entryMarkdown(entry: RegistryEntry): string {
  const lines = [`**${entry.displayName}** \`${entry.name}\` · ${entry.type}`];
  lines.push(`Image: \`${entry.dockerRepository}:${entry.dockerImageTag}\``);
  const facts: string[] = [];
  if (entry.supportLevel) facts.push(`Support: ${entry.supportLevel}`);
  if (entry.releaseStage) facts.push(`Stage: ${entry.releaseStage}`);
  if (entry.supportsRefreshes) facts.push('Supports refreshes');
  if (facts.length) lines.push(facts.join(' · '));
  if (entry.documentationUrl) lines.push(`[Documentation](${entry.documentationUrl})`);
  return lines.join('\n\n');
}

/** Hover at a 0-based offset, or undefined where there is nothing to say. */
export function hoverConfig(doc: ConfigDocument, offset: number, context: HoverContext): Hover | undefined {
  if (!doc.root) return undefined;
  const node = findNodeAtOffset(doc.root, offset);
  if (!node || (node.type !== 'string' && node.type !== 'number' && node.type !== 'boolean' && node.type !== 'null')) return undefined;
  const property = node.parent?.type === 'property' ? node.parent : undefined;
  const isKey = property?.children?.[0] === node;
  const valueNode: Node | undefined = isKey ? property?.children?.[1] : node;
  const path = isKey && property ? [...pathOfNode(property), String(node.value)] : pathOfNode(node);
  const range = doc.lines.range(node.offset, node.length);
  const contents = markdownFor(doc, path, isKey, valueNode, context);
  return contents ? { contents, range } : undefined;
}

function markdownFor(
  doc: ConfigDocument,
  path: (string | number)[],
  isKey: boolean,
  valueNode: Node | undefined,
  context: HoverContext,
): string | undefined {
  if (path.length === 0) return undefined;
  if (path.length === 1) {
    const key = String(path[0]);
    if (key === 'connector' && !isKey && valueNode?.type === 'string') {
      const name = String(valueNode.value);
      if (isBuiltinName(name)) {
        const builtin = findBuiltin(name);
        return builtin
          ? `**${builtin.displayName}** \`${builtin.name}\` · built-in ${builtin.type}\n\n${builtin.description}\n\nRuns in-process: no Docker needed.`
          : undefined;
      }
      const entry = context.registry?.find(name);
      if (entry) return entryMarkdown(entry);
    }
    const known = ENVELOPE_KEYS[key];
    if (key === 'version' && !isKey && valueNode?.type === 'string' && doc.envelope.connector) {
      const entry = context.registry?.find(doc.envelope.connector);
      if (entry) {
        const pinned = entry.dockerImageTag === valueNode.value;
        return `**version** \`${String(valueNode.value)}\`\n\n${
          pinned
            ? `The registry's pinned version of ${entry.name}: its spec comes from the registry.`
            : `The registry pins ${entry.name} at \`${entry.dockerImageTag}\`; this version's spec is read from the image \`${entry.dockerRepository}:${String(valueNode.value)}\`.`
        }`;
      }
    }
    return known ? `**${key}**\n\n${known.description}` : undefined;
  }
  if (path[0] !== 'config' || !context.spec) return undefined;
  const root = context.spec.connectionSpecification as Schema;
  const config = doc.envelope.config;
  const fieldPath = path.slice(1);
  const parentPath = fieldPath.slice(0, -1);
  const key = fieldPath[fieldPath.length - 1];
  const parentSchema = schemaAtPath(root, config, parentPath);
  const parentValue = valueAtPath(config, parentPath);
  let schema = schemaAtPath(root, config, fieldPath);
  let branch: Schema | undefined;
  if (parentSchema && typeof key === 'string') {
    const discriminator = findDiscriminator(root, parentSchema);
    if (discriminator?.property === key) {
      const choice = chooseBranch(root, parentSchema, parentValue);
      if (choice.status === 'chosen') branch = choice.branch;
      // The discriminator's own schema is a one-value enum; the parent says what the choice is about.
      schema = { ...(schema ?? {}), title: schemaTitle(parentSchema) ?? key, description: parentSchema.description };
    }
  }
  if (!schema) return undefined;
  if (!branch && isSchema(valueAtPath(config, fieldPath))) {
    const choice = chooseBranch(root, schema, valueAtPath(config, fieldPath));
    if (choice.status === 'chosen') branch = choice.branch;
  }
  const required = parentSchema && typeof key === 'string' ? objectShape(root, parentSchema, parentValue).required.includes(key) : false;
  return fieldMarkdown(schema, key, { required, branch });
}
