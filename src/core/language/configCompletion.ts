/**
 * Completion in a `*.airbyte.jsonc` file at an offset: the file's own keys, connector names
 * (registry + built-ins), the config's missing properties (required first, then by `order`,
 * inserted as `"name": value` snippets) and values (enum/const values, booleans, defaults,
 * examples, oneOf branches as whole objects, `${env:…}` for secrets).
 */
import type { Node } from 'jsonc-parser';
import { findNodeAtOffset, getNodeValue } from 'jsonc-parser';
import { listBuiltins } from '../builtin/builtinRegistry';
import type { ConnectorSpecification } from '../protocol/messages';
import type { ConnectorCatalog } from '../registry/registryTypes';
import type { Schema } from '../spec/schemaNavigation';
import {
  branchesOf,
  examplesOf,
  findDiscriminator,
  isDeprecatedSchema,
  isHiddenSchema,
  isSecretSchema,
  objectShape,
  orderedPropertyNames,
  schemaAtPath,
  schemaTitle,
  schemaTypes,
  valueFits,
} from '../spec/schemaNavigation';
import { envVarNameFor } from '../spec/secretReferences';
import type { ConfigDocument } from './configDocument';
import { pathOfNode } from './configDocument';
import { entryMarkdown, fieldMarkdown } from './configHover';
import type { SnippetContext } from './configSnippets';
import { branchText, detectIndentUnit, escapeSnippet, objectText, valueText } from './configSnippets';
import { ENVELOPE_KEYS } from './configValidation';
import { pypiPackageOf } from '../registry/pypiPackage';
import type { CompletionItem, CompletionList, Range } from './languageTypes';

export interface CompletionContext {
  spec?: ConnectorSpecification;
  registry?: ConnectorCatalog;
  /** `repository:tag` of the images present in the Docker engine (a locally built `…:dev` among them). */
  localImages?: readonly string[];
}

type Target =
  | { kind: 'skeleton'; range: Range }
  | { kind: 'key'; object: Node; range: Range; hasColon: boolean; currentKey?: string }
  | { kind: 'value'; path: (string | number)[]; range: Range; node?: Node };

/** Completion items at a 0-based offset. */
export function completeConfig(doc: ConfigDocument, offset: number, context: CompletionContext): CompletionList {
  const target = findTarget(doc, offset);
  if (!target) return { items: [], isIncomplete: false };
  if (target.kind === 'skeleton') {
    return {
      items: [
        {
          label: 'Airbyte connector config',
          kind: 'snippet',
          detail: '{ "connector": …, "config": { … } }',
          documentation: 'A new `*.airbyte.jsonc` file: pick the connector, then complete its config (Ctrl+Space lists its fields).',
          insertText: '{\n\t"connector": "$1",\n\t"config": {\n\t\t$0\n\t}\n}',
          insertTextFormat: 'snippet',
          range: target.range,
          sortText: sortKey(0),
          retrigger: true,
        },
      ],
      isIncomplete: false,
    };
  }
  const items = target.kind === 'key' ? keyItems(doc, target, context) : valueItems(doc, target, context);
  return { items, isIncomplete: false };
}

function isLiteral(node: Node): boolean {
  return node.type === 'string' || node.type === 'number' || node.type === 'boolean' || node.type === 'null';
}

function findTarget(doc: ConfigDocument, offset: number): Target | undefined {
  const text = doc.text;
  const empty = doc.lines.range(offset, 0);
  if (!doc.root) return text.trim() === '' ? { kind: 'skeleton', range: doc.lines.range(0, text.length) } : undefined;
  const node = findNodeAtOffset(doc.root, offset, true);
  if (!node) return undefined;
  if (isLiteral(node) && offset >= node.offset && offset <= node.offset + node.length) {
    const property = node.parent?.type === 'property' ? node.parent : undefined;
    const range = doc.lines.range(node.offset, node.length);
    if (property && property.children?.[0] === node) {
      // Right before a key: a new property goes in front of it.
      if (offset === node.offset) return { kind: 'key', object: property.parent as Node, range: empty, hasColon: false };
      return {
        kind: 'key',
        object: property.parent as Node,
        range,
        hasColon: property.colonOffset !== undefined,
        currentKey: String(node.value),
      };
    }
    return { kind: 'value', path: pathOfNode(node), range, node };
  }
  if (node.type === 'property') {
    const [keyNode, valueNode] = node.children ?? [];
    if (node.colonOffset !== undefined && offset > node.colonOffset) {
      if (!valueNode || isLiteral(valueNode))
        return {
          kind: 'value',
          path: [...pathOfNode(node), String(keyNode?.value)],
          range: valueNode ? doc.lines.range(valueNode.offset, valueNode.length) : empty,
          node: valueNode,
        };
      return undefined;
    }
    if (node.parent)
      return {
        kind: 'key',
        object: node.parent,
        range: keyNode ? doc.lines.range(keyNode.offset, keyNode.length) : empty,
        hasColon: node.colonOffset !== undefined,
      };
    return undefined;
  }
  if (node.type === 'object') {
    if (offset <= node.offset) return undefined;
    // Right after `"key":` with no value yet, the parser ends the property at the colon.
    for (const property of node.children ?? []) {
      if (
        property.colonOffset !== undefined &&
        property.colonOffset < offset &&
        (property.children?.length ?? 0) < 2 &&
        /^\s*$/.test(text.slice(property.colonOffset + 1, offset))
      ) {
        return { kind: 'value', path: [...pathOfNode(property), String(property.children?.[0]?.value)], range: empty };
      }
    }
    return { kind: 'key', object: node, range: empty, hasColon: false };
  }
  if (node.type === 'array') {
    if (offset <= node.offset) return undefined;
    const index = (node.children ?? []).filter((c) => c.offset + c.length <= offset).length;
    return { kind: 'value', path: [...pathOfNode(node), index], range: empty };
  }
  return undefined;
}

function sortKey(i: number): string {
  return String(i).padStart(4, '0');
}

/** `,` when another property follows the insertion point, so the result stays valid. */
function trailingComma(doc: ConfigDocument, end: number): string {
  const rest = doc.text.slice(end, end + 200);
  return /^\s*"/.test(rest) ? ',' : '';
}

function keyItems(doc: ConfigDocument, target: Extract<Target, { kind: 'key' }>, context: CompletionContext): CompletionItem[] {
  const objectPath = pathOfNode(target.object);
  const present = new Set((target.object.children ?? []).map((p) => String(p.children?.[0]?.value)).filter((k) => k !== target.currentKey));
  const comma = target.hasColon ? '' : trailingComma(doc, target.range.offset + target.range.length);
  const filterText = (name: string) => (target.range.length > 0 ? JSON.stringify(name) : undefined);
  if (objectPath.length === 0) {
    return Object.entries(ENVELOPE_KEYS)
      .filter(([k]) => !present.has(k))
      .map(([k, info], i) => {
        const value =
          info.type === 'object'
            ? '{\n\t$0\n}'
            : info.type === 'boolean'
              ? '${1|true,false|}'
              : info.type === 'boolean-or-string'
                ? '${1:true}'
                : '"$1"';
        return {
          label: k,
          kind: 'property' as const,
          detail: k === 'connector' || k === 'config' ? 'required' : undefined,
          documentation: info.description,
          insertText: target.hasColon ? JSON.stringify(k) : `${JSON.stringify(k)}: ${value}${comma}`,
          insertTextFormat: target.hasColon ? ('plain' as const) : ('snippet' as const),
          range: target.range,
          sortText: sortKey(k === 'connector' ? 0 : k === 'config' ? 1 : i + 2),
          filterText: filterText(k),
          retrigger: k === 'connector',
        };
      });
  }
  if (objectPath[0] !== 'config' || !context.spec) return [];
  const root = context.spec.connectionSpecification as Schema;
  const config = doc.envelope.config;
  const fieldPath = objectPath.slice(1);
  const schema = schemaAtPath(root, config, fieldPath);
  if (!schema) return [];
  const data = getNodeValue(target.object) as unknown;
  const shape = objectShape(root, schema, data);
  const ctx = snippetContext(doc, root, true);
  const indent = doc.lines.indentAt(target.range.offset);
  return orderedPropertyNames(shape.properties, shape.required)
    .filter((name) => !present.has(name))
    .map((name, i) => {
      const prop = shape.properties[name];
      const required = shape.required.includes(name);
      ctx.tabStop = 1;
      const value = valueText(ctx, prop, indent, [...fieldPath, name]);
      return {
        label: name,
        kind: 'property' as const,
        detail:
          [schemaTitle(prop), required ? 'required' : undefined, isSecretSchema(prop) ? 'secret' : undefined].filter(Boolean).join(' · ') ||
          undefined,
        documentation: fieldMarkdown(prop, name, { required }),
        insertText: target.hasColon ? JSON.stringify(name) : `${escapeSnippet(JSON.stringify(name))}: ${value}${comma}`,
        insertTextFormat: target.hasColon ? ('plain' as const) : ('snippet' as const),
        range: target.range,
        // Hidden and deprecated fields sink to the bottom.
        sortText: sortKey(i + (isHiddenSchema(prop) || isDeprecatedSchema(prop) ? 5000 : 0)),
        filterText: filterText(name),
        deprecated: isDeprecatedSchema(prop) || undefined,
        preselect: i === 0 && required ? true : undefined,
      };
    });
}

function snippetContext(doc: ConfigDocument, root: Schema, snippet: boolean): SnippetContext {
  return { root, connector: doc.envelope.connector, indentUnit: detectIndentUnit(doc.text), snippet, tabStop: 1 };
}

function valueItems(doc: ConfigDocument, target: Extract<Target, { kind: 'value' }>, context: CompletionContext): CompletionItem[] {
  const path = target.path;
  const items: CompletionItem[] = [];
  const add = (item: Omit<CompletionItem, 'range' | 'sortText' | 'insertTextFormat'> & { insertTextFormat?: 'plain' | 'snippet' }) => {
    if (items.some((x) => x.insertText === item.insertText)) return;
    items.push({
      insertTextFormat: 'plain',
      ...item,
      range: target.range,
      sortText: sortKey(items.length),
      filterText: item.filterText ?? (target.range.length > 0 ? item.insertText : undefined),
    });
  };
  if (path.length === 1) {
    const key = String(path[0]);
    if (key === 'connector') {
      for (const b of listBuiltins())
        add({
          label: b.name,
          kind: 'connector',
          detail: `${b.displayName} · built-in ${b.type}`,
          documentation: b.description,
          insertText: JSON.stringify(b.name),
        });
      for (const e of context.registry?.list() ?? [])
        add({
          label: e.name,
          kind: 'connector',
          detail: `${e.displayName} · ${e.type}`,
          documentation: entryMarkdown(e),
          insertText: JSON.stringify(e.name),
        });
    } else if (key === 'version') {
      const entry = doc.envelope.connector ? context.registry?.find(doc.envelope.connector) : undefined;
      if (entry)
        add({
          label: entry.dockerImageTag,
          kind: 'value',
          detail: 'pinned by the registry',
          insertText: JSON.stringify(entry.dockerImageTag),
          preselect: true,
        });
    } else if (key === 'useHostNetwork') {
      for (const v of ['true', 'false']) add({ label: v, kind: 'keyword', insertText: v });
    } else if (key === 'python') {
      add({ label: 'true', kind: 'keyword', detail: 'the first python3 on PATH', insertText: 'true' });
      for (const v of ['3.12', '3.11', '3.10'])
        add({ label: `"${v}"`, kind: 'value', detail: `Python ${v}`, insertText: JSON.stringify(v) });
      add({ label: 'false', kind: 'keyword', detail: 'Docker only, never a venv', insertText: 'false' });
    } else if (key === 'pipUrl') {
      const entry = doc.envelope.connector ? context.registry?.find(doc.envelope.connector) : undefined;
      const pkg = pypiPackageOf(entry);
      if (entry && pkg)
        add({
          label: `${pkg.packageName}==${entry.dockerImageTag}`,
          kind: 'value',
          detail: 'the PyPI package of the registry',
          insertText: JSON.stringify(`${pkg.packageName}==${entry.dockerImageTag}`),
        });
    } else if (key === 'image') {
      const entry = doc.envelope.connector ? context.registry?.find(doc.envelope.connector) : undefined;
      if (entry)
        add({
          label: `${entry.dockerRepository}:${entry.dockerImageTag}`,
          kind: 'value',
          detail: 'the registry’s image',
          insertText: JSON.stringify(`${entry.dockerRepository}:${entry.dockerImageTag}`),
        });
      for (const ref of rankLocalImages(context.localImages ?? [], doc.envelope.connector))
        add({ label: ref, kind: 'value', detail: 'present in the Docker engine', insertText: JSON.stringify(ref) });
    } else if (key === 'config' && context.spec) {
      const root = context.spec.connectionSpecification as Schema;
      const ctx = snippetContext(doc, root, true);
      add({
        label: '{ required fields }',
        kind: 'snippet',
        detail: 'the config with its required fields',
        insertText: objectText(ctx, root, doc.lines.indentAt(target.range.offset), []),
        insertTextFormat: 'snippet',
      });
    }
    return items;
  }
  if (path[0] !== 'config' || !context.spec) return items;
  const root = context.spec.connectionSpecification as Schema;
  const config = doc.envelope.config;
  const fieldPath = path.slice(1);
  const key = fieldPath[fieldPath.length - 1];
  const parentSchema = schemaAtPath(root, config, fieldPath.slice(0, -1));
  const indent = doc.lines.indentAt(target.range.offset);
  // The discriminator of a oneOf: every branch's value, whatever the current (maybe wrong) choice.
  const discriminator = parentSchema ? findDiscriminator(root, parentSchema) : undefined;
  if (parentSchema && discriminator && discriminator.property === key) {
    const branches = branchesOf(root, parentSchema)?.branches ?? [];
    discriminator.values.forEach((v, i) => {
      if (v === undefined) return;
      add({
        label: String(v),
        kind: 'enum',
        detail: schemaTitle(branches[i]),
        documentation: typeof branches[i]?.description === 'string' ? (branches[i].description as string) : undefined,
        insertText: JSON.stringify(v),
      });
    });
    return items;
  }
  const schema = schemaAtPath(root, config, fieldPath);
  if (!schema) return items;
  const ctx = snippetContext(doc, root, true);
  if (Array.isArray(schema.enum)) {
    for (const v of schema.enum)
      add({
        label: JSON.stringify(v).replace(/^"|"$/g, '') || '""',
        kind: 'enum',
        insertText: JSON.stringify(v),
        preselect: 'default' in schema && schema.default === v ? true : undefined,
      });
  }
  if ('const' in schema) add({ label: JSON.stringify(schema.const), kind: 'enum', insertText: JSON.stringify(schema.const) });
  const group = branchesOf(root, schema);
  if (group) {
    const disc = findDiscriminator(root, schema);
    group.branches.forEach((branch, i) => {
      ctx.tabStop = 1;
      add({
        label: schemaTitle(branch) ?? `Option ${i + 1}`,
        kind: 'snippet',
        detail: disc && disc.values[i] !== undefined ? `${disc.property}: ${JSON.stringify(disc.values[i])}` : undefined,
        documentation: typeof branch.description === 'string' ? branch.description : undefined,
        insertText: branchText(ctx, schema, i, indent, fieldPath),
        insertTextFormat: 'snippet',
      });
    });
  }
  const types = schemaTypes(schema);
  if (types.includes('boolean'))
    for (const v of [true, false])
      add({ label: String(v), kind: 'keyword', insertText: String(v), preselect: schema.default === v ? true : undefined });
  if ('default' in schema && !Array.isArray(schema.enum) && valueFits(schema.default, types))
    add({
      label: JSON.stringify(schema.default),
      kind: 'value',
      detail: 'default',
      insertText: JSON.stringify(schema.default),
      preselect: true,
    });
  if (isSecretSchema(schema)) {
    const ref = `\${env:${envVarNameFor(doc.envelope.connector, fieldPath)}}`;
    add({ label: ref, kind: 'value', detail: 'read the secret from an environment variable', insertText: JSON.stringify(ref) });
  }
  for (const example of examplesOf(schema)) {
    if (typeof example === 'object' && example !== null) continue;
    add({ label: JSON.stringify(example), kind: 'value', detail: 'example', insertText: JSON.stringify(example) });
  }
  if (!group && types.includes('object') && target.range.length === 0) {
    ctx.tabStop = 1;
    add({
      label: '{ }',
      kind: 'snippet',
      detail: 'object with its required fields',
      insertText: objectText(ctx, schema, indent, fieldPath),
      insertTextFormat: 'snippet',
    });
  }
  if (types.includes('array') && target.range.length === 0)
    add({ label: '[ ]', kind: 'snippet', insertText: '[$1]', insertTextFormat: 'snippet' });
  return items;
}

/** Local images, those whose repository names the connector (`me/source-faker:dev`) first, then the rest, each group sorted. */
function rankLocalImages(refs: readonly string[], connector: string | undefined): string[] {
  const name = connector?.trim().toLowerCase();
  const names = (ref: string) => name !== undefined && name !== '' && ref.slice(0, ref.lastIndexOf(':')).toLowerCase().includes(name);
  const usable = refs.filter((ref) => !ref.startsWith('<none>') && ref.includes(':')).sort();
  return [...usable.filter(names), ...usable.filter((ref) => !names(ref))];
}
