/**
 * Diagnostics for a `*.airbyte.jsonc` text: JSONC syntax, the file's own keys, the connector
 * name and version, and the `config` object against the connector's spec, each on the exact key
 * or value concerned, with quick-fix data. Never throws on bad text.
 */
import type { Node } from 'jsonc-parser';
import { BUILTIN_PREFIX, findBuiltin, isBuiltinName, listBuiltins } from '../builtin/builtinRegistry';
import { imageOfUnlistedName, typeOfConfig } from '../connectors/getConnector';
import { imageTagProblem, parseImageReference } from '../docker/imageReference';
import { isAirbyteError } from '../errors';
import type { ConnectorSpecification } from '../protocol/messages';
import type { ConnectorCatalog } from '../registry/registryTypes';
import type { Schema } from '../spec/schemaNavigation';
import {
  childSchema,
  deref,
  effectiveSchemas,
  isDeprecatedSchema,
  isHiddenSchema,
  isSchema,
  isSecretSchema,
  parsePointer,
  pointerOf,
  propertiesOf,
  schemaTitle,
} from '../spec/schemaNavigation';
import { envVarNameFor, isSecretReference } from '../spec/secretReferences';
import type { SchemaProblem, SchemaProblemKind } from '../spec/specValidator';
import { closest, validateConfig } from '../spec/specValidator';
import type { ConfigDocument } from './configDocument';
import { engineAddressProblem } from '../docker/engineEndpoint';
import { findNodeAt, keyNodeOf, parseConfigDocument, pathOfNode } from './configDocument';
import type { SnippetContext } from './configSnippets';
import { branchText, detectIndentUnit, valueText } from './configSnippets';
import { abbreviate } from '../../shared/format';
import type { ConfigDiagnostic, DiagnosticCode, DiagnosticData, DiagnosticSeverity, OneOfChoice, Range, TextEdit } from './languageTypes';

export interface ValidationContext {
  /** The connector's spec, when resolved. Without it the `config` object is not checked. */
  spec?: ConnectorSpecification;
  /** Why there is no spec, in plain words (shown as a warning on the connector). */
  specProblem?: string;
  /** For unknown-connector and unknown-version warnings. */
  registry?: ConnectorCatalog;
}

/** The file's own keys and the type each must have. */
export const ENVELOPE_KEYS: Record<string, { type: 'string' | 'boolean' | 'object' | 'boolean-or-string'; description: string }> = {
  connector: {
    type: 'string',
    description:
      'Connector to run: a registry name such as `destination-postgres` or `source-faker`, or a built-in such as `builtin:sample`.',
  },
  version: { type: 'string', description: "Image tag to run. Default: the registry's pinned version (`dockerImageTag`)." },
  image: {
    type: 'string',
    description:
      'Full Docker image reference, overriding what the registry would give (e.g. a locally built `airbyte/destination-postgres:dev`).',
  },
  useHostNetwork: {
    type: 'boolean',
    description: "Run the connector's container on the host network, to reach a database on `localhost`.",
  },
  localDir: {
    type: 'string',
    description:
      'Host folder mounted at `/local` in the container (relative paths are relative to this file). File destinations write under `/local`.',
  },
  dockerHost: {
    type: 'string',
    description:
      'The Docker engine for this connector: `unix:///path/docker.sock`, `tcp://host:2376` or `ssh://user@host`. Default: the `airbyte.dockerHost` setting, `DOCKER_HOST`, the docker context, the default socket.',
  },
  python: {
    type: 'boolean-or-string',
    description:
      'Run the connector from a Python virtualenv instead of Docker: `true` (the first `python3` on PATH), a version such as `"3.11"`, or the path of an interpreter. `false` never falls back to a venv when Docker is unreachable.',
  },
  pipUrl: {
    type: 'string',
    description:
      "What pip installs for the venv: a package spec, a local folder or wheel file (relative to this file) or a `git+…` URL. Implies `python`. Default: the registry's PyPI package at `version`.",
  },
  installRoot: {
    type: 'string',
    description:
      "Folder holding the connectors' venvs (relative to this file). Default: the extension's storage, or `~/.cache/airbyte-write/venvs` for the CLI.",
  },
  config: {
    type: 'object',
    description:
      "The connector's configuration, checked against its spec. String fields may hold `${env:NAME}` or `secret_reference::NAME` references.",
  },
};
const IGNORED_KEYS = new Set(['$schema', '$comment']);

class DiagnosticSink {
  readonly items: ConfigDiagnostic[] = [];
  constructor(private readonly doc: ConfigDocument) {}

  add(code: DiagnosticCode, severity: DiagnosticSeverity, range: Range, message: string, pointer: string, data?: DiagnosticData): void {
    this.items.push({ range, severity, code, message, pointer, source: 'airbyte-write', ...(data ? { data } : {}) });
  }

  node(node: Node): Range {
    return this.doc.lines.range(node.offset, node.length);
  }
}

/** Validates a config file's text. See `validateConfigDocument`. */
export function validateConfigText(text: string, context: ValidationContext = {}): ConfigDiagnostic[] {
  return validateConfigDocument(parseConfigDocument(text), context);
}

/** Every problem of a parsed config file, sorted by position. */
export function validateConfigDocument(doc: ConfigDocument, context: ValidationContext = {}): ConfigDiagnostic[] {
  const sink = new DiagnosticSink(doc);
  for (const e of doc.syntaxErrors) sink.add('syntax', 'error', doc.lines.range(e.offset, Math.max(e.length, 1)), e.message, '');
  const root = doc.root;
  if (!root || root.type !== 'object') {
    if (doc.syntaxErrors.length === 0 || root) {
      const range = root ? sink.node(root) : doc.lines.range(0, doc.text.length);
      sink.add('envelope-not-object', 'error', range, 'A config file holds one object: { "connector": "…", "config": { … } }', '');
    }
    return sorted(sink.items);
  }
  checkDuplicateKeys(root, sink);
  checkEnvelope(doc, root, sink, context);
  if (doc.envelope.configNode && context.spec) checkConfig(doc, doc.envelope.configNode, context.spec, sink);
  return sorted(sink.items);
}

function sorted(items: ConfigDiagnostic[]): ConfigDiagnostic[] {
  return items.sort((a, b) => a.range.offset - b.range.offset || a.range.length - b.range.length);
}

function checkDuplicateKeys(node: Node, sink: DiagnosticSink): void {
  if (node.type === 'object') {
    const seen = new Set<string>();
    for (const property of node.children ?? []) {
      const key = property.children?.[0];
      if (!key) continue;
      const name = String(key.value);
      if (seen.has(name))
        sink.add(
          'duplicate-key',
          'warning',
          sink.node(key),
          `Duplicate key “${abbreviate(name)}”: only the last one counts`,
          pointerOf([...pathOfNode(node), name]),
        );
      seen.add(name);
    }
  }
  for (const child of node.children ?? []) checkDuplicateKeys(child, sink);
}

function rootBrace(doc: ConfigDocument, root: Node): Range {
  return doc.lines.range(root.offset, 1);
}

function checkEnvelope(doc: ConfigDocument, root: Node, sink: DiagnosticSink, context: ValidationContext): void {
  const present = new Set<string>();
  const properties = root.children ?? [];
  const allKeys = new Set(properties.map((p) => String(p.children?.[0]?.value)));
  properties.forEach((property, index) => {
    const [keyNode, valueNode] = property.children ?? [];
    if (!keyNode) return;
    const key = String(keyNode.value);
    present.add(key);
    // A key given again later counts only there (as for the loader): this one has its duplicate-key warning.
    if (valueNode && properties.slice(index + 1).some((p) => p.children?.[0]?.value === key && p.children[1])) return;
    checkEnvelopeProperty(sink, key, keyNode, valueNode, allKeys);
  });
  checkEnvelopeMissing(doc, root, sink, present);
  checkConnectorName(doc, root, sink, context);
  checkImageWithPython(root, sink);
}

/** An `image` with `python` (not false) or `pipUrl`: the runtime refuses the pair, so the editor does too. */
function checkImageWithPython(root: Node, sink: DiagnosticSink): void {
  const image = findNodeAt(root, ['image']);
  const python = findNodeAt(root, ['python']);
  const pipUrl = findNodeAt(root, ['pipUrl']);
  const venvNode = python && python.value !== false ? python : pipUrl;
  if (!image || !venvNode) return;
  const key = venvNode === python ? 'python' : 'pipUrl';
  sink.add(
    'envelope-type',
    'error',
    sink.node(venvNode),
    `“${key}” and “image” cannot go together: a connector runs either from an image or from a Python venv`,
    pointerOf([key]),
  );
}

/** One key of the file: known (with the type it needs), ignored (`$schema`), or unknown (the loader refuses it). */
function checkEnvelopeProperty(sink: DiagnosticSink, key: string, keyNode: Node, valueNode: Node | undefined, allKeys: Set<string>): void {
  const known = ENVELOPE_KEYS[key];
  if (!known) {
    if (IGNORED_KEYS.has(key)) return;
    const near = closest(
      key,
      Object.keys(ENVELOPE_KEYS).filter((k) => !allKeys.has(k)),
    );
    const range = sink.node(keyNode);
    // An error, not a warning: the loader refuses the file (a misspelt "localDir" must not be ignored).
    sink.add(
      'envelope-unknown-key',
      'error',
      range,
      `Unknown key “${abbreviate(key)}”${near ? `; did you mean “${near}”?` : `: a config file holds ${Object.keys(ENVELOPE_KEYS).join(', ')}`}`,
      pointerOf([key]),
      near ? { kind: 'rename-key', from: key, to: near, replaceEdit: { range, newText: JSON.stringify(near) } } : undefined,
    );
    return;
  }
  if (!valueNode) return;
  const actual = valueNode.type;
  if (known.type === 'boolean-or-string' ? actual !== 'boolean' && actual !== 'string' : actual !== known.type) {
    const words = {
      string: 'text in double quotes',
      boolean: 'true or false',
      object: 'an object { … }',
      'boolean-or-string': 'true, false, or text in double quotes',
    }[known.type];
    sink.add('envelope-type', 'error', sink.node(valueNode), `“${key}” must be ${words}`, pointerOf([key]));
  } else if (actual === 'string' && String(valueNode.value).trim() === '') {
    sink.add('envelope-type', 'error', sink.node(valueNode), `“${key}” must not be empty`, pointerOf([key]));
  } else if (key === 'version' || key === 'image') {
    // As the loader checks them: Docker is never asked with anything but a tag and a reference.
    const problem = key === 'version' ? imageTagProblem(String(valueNode.value)) : referenceProblem(String(valueNode.value));
    const what = key === 'version' ? 'a valid image tag' : 'a valid Docker image reference';
    if (problem) sink.add('image-reference', 'error', sink.node(valueNode), `“${key}” is not ${what}: ${problem}`, pointerOf([key]));
  } else if (key === 'dockerHost') {
    const problem = engineAddressProblem(String(valueNode.value));
    if (problem) sink.add('envelope-type', 'error', sink.node(valueNode), `“dockerHost” is not valid: ${problem}`, pointerOf([key]));
  }
}

function referenceProblem(reference: string): string | undefined {
  const parsed = parseImageReference(reference);
  return 'problem' in parsed ? parsed.problem : undefined;
}

function checkEnvelopeMissing(doc: ConfigDocument, root: Node, sink: DiagnosticSink, present: Set<string>): void {
  const unclosed = doc.syntaxErrors.length > 0;
  if (!present.has('connector') && !unclosed) {
    sink.add(
      'envelope-missing-connector',
      'error',
      rootBrace(doc, root),
      'Missing “connector”: name the connector to run, e.g. "connector": "destination-postgres"',
      '',
    );
  }
  if (!present.has('config') && !unclosed) {
    sink.add('envelope-missing-config', 'error', rootBrace(doc, root), 'Missing “config”: the connector\'s settings, "config": { … }', '');
  }
}

/** The connector's name (and version): a built-in, a registry name, or one the runtime cannot place. */
function checkConnectorName(doc: ConfigDocument, root: Node, sink: DiagnosticSink, context: ValidationContext): void {
  const connector = doc.envelope.connector;
  const connectorNode = findNodeAt(root, ['connector']);
  if (connector && connectorNode && connector.trim()) {
    if (isBuiltinName(connector)) checkBuiltinName(sink, connector, connectorNode);
    else if (!typeOfConfig(doc.envelope)) {
      // `check` and `spec` refuse such a file: the runtime cannot tell which kind of connector to run.
      const near = context.registry
        ? closest(
            connector,
            context.registry.list().map((e) => e.name),
          )
        : undefined;
      const range = sink.node(connectorNode);
      sink.add(
        'connector-unknown',
        'error',
        range,
        `Cannot tell whether “${abbreviate(connector)}” is a source or a destination: use its registry name (source-… or destination-…)${near ? `; did you mean “${near}”?` : ''}`,
        '/connector',
        near ? replaceValue(near, 'closest registry name', range) : undefined,
      );
    } else if (context.registry && !doc.envelope.image && !doc.envelope.pipUrl) {
      // An image or a pipUrl names what runs: such a connector need not be in the registry.
      checkRegistryName(doc, root, sink, context.registry, connectorNode);
    }
  }
  if (context.specProblem && connectorNode) {
    const imageNode = doc.envelope.image ? findNodeAt(root, ['image']) : undefined;
    sink.add(
      'spec-unavailable',
      'warning',
      sink.node(imageNode ?? connectorNode),
      context.specProblem,
      imageNode ? '/image' : '/connector',
    );
  }
}

function checkBuiltinName(sink: DiagnosticSink, connector: string, connectorNode: Node): void {
  if (findBuiltin(connector)) return;
  const names = listBuiltins().map((b) => b.name);
  const near = closest(connector, names);
  const range = sink.node(connectorNode);
  sink.add(
    'connector-unknown',
    'error',
    range,
    `Unknown built-in connector “${abbreviate(connector)}”${near ? `; did you mean “${near}”?` : names.length ? `; built-ins: ${names.join(', ')}` : `; names starting with ${BUILTIN_PREFIX} are reserved for built-ins`}`,
    '/connector',
    near ? replaceValue(near, 'closest built-in', range) : undefined,
  );
}

function checkRegistryName(doc: ConfigDocument, root: Node, sink: DiagnosticSink, registry: ConnectorCatalog, connectorNode: Node): void {
  const connector = doc.envelope.connector ?? '';
  const entry = registry.find(connector);
  const version = doc.envelope.version;
  if (!entry && version && !imageTagProblem(version) && !connector.includes(':')) {
    // Run as airbyte/<name>:<version>: a name that cannot make that reference is refused at run time.
    const problem = referenceProblem(imageOfUnlistedName(connector, version));
    if (problem) {
      sink.add(
        'image-reference',
        'error',
        sink.node(connectorNode),
        `“${abbreviate(connector)}” does not make a valid Docker image reference: ${problem}`,
        '/connector',
      );
      return;
    }
  }
  if (!entry) {
    const near = closest(
      connector,
      registry.list().map((e) => e.name),
    );
    const range = sink.node(connectorNode);
    sink.add(
      'connector-unknown',
      'warning',
      range,
      `“${abbreviate(connector)}” is not in the connector registry${near ? `; did you mean “${near}”?` : ''}`,
      '/connector',
      near ? replaceValue(near, 'closest registry name', range) : undefined,
    );
    return;
  }
  const versionNode = findNodeAt(root, ['version']);
  if (!doc.envelope.version || doc.envelope.version === entry.dockerImageTag || !versionNode) return;
  const range = sink.node(versionNode);
  sink.add(
    'version-unknown',
    'warning',
    range,
    `The registry only knows ${connector} at its pinned version ${entry.dockerImageTag}; version ${abbreviate(doc.envelope.version)} is not in the registry, so its spec is read from the image ${entry.dockerRepository}:${abbreviate(doc.envelope.version)}`,
    '/version',
    replaceValue(entry.dockerImageTag, "registry's pinned version", range),
  );
}

function replaceValue(to: string, reason: string, range: Range): DiagnosticData {
  return { kind: 'replace-value', to, reason, replaceEdit: { range, newText: JSON.stringify(to) } };
}

const CODES: Record<SchemaProblemKind, DiagnosticCode> = {
  'missing-required': 'config-missing-required',
  'unknown-property': 'config-unknown-property',
  type: 'config-type',
  enum: 'config-enum',
  const: 'config-const',
  pattern: 'config-pattern',
  format: 'config-format',
  range: 'config-range',
  length: 'config-length',
  items: 'config-items',
  'one-of': 'config-one-of',
  invalid: 'config-invalid',
  'secret-reference-type': 'secret-reference-type',
};

function checkConfig(doc: ConfigDocument, configNode: Node, spec: ConnectorSpecification, sink: DiagnosticSink): void {
  const rootSchema = spec.connectionSpecification as Schema;
  let problems: SchemaProblem[];
  try {
    problems = validateConfig(doc.envelope.config, rootSchema);
  } catch (error) {
    const keyNode = keyNodeOf(configNode) ?? configNode;
    sink.add('spec-unavailable', 'warning', sink.node(keyNode), isAirbyteError(error) ? error.message : String(error), '/config');
    return;
  }
  const ctx: SnippetContext = {
    root: rootSchema,
    connector: doc.envelope.connector,
    indentUnit: detectIndentUnit(doc.text),
    snippet: false,
    tabStop: 1,
  };
  const hasSyntaxErrorIn = (node: Node) => doc.syntaxErrors.some((e) => e.offset >= node.offset && e.offset <= node.offset + node.length);
  for (const problem of problems) {
    const path = parsePointer(problem.pointer);
    const { node, exact } = nodeAt(configNode, path);
    const pointer = `/config${problem.pointer}`;
    const code = CODES[problem.kind];
    if (problem.kind === 'missing-required') {
      // Half-typed objects are not "missing" anything yet: the syntax error is the message.
      if (!exact || hasSyntaxErrorIn(node)) continue;
      sink.add(code, 'error', keyRange(sink, doc, node), problem.message, pointer, missingData(doc, node, problem, ctx, path));
      continue;
    }
    if (problem.kind === 'unknown-property') {
      const keyNode = exact ? keyNodeOf(node) : undefined;
      const range = sink.node(keyNode ?? node);
      const data: DiagnosticData | undefined =
        keyNode && problem.suggestion
          ? {
              kind: 'rename-key',
              from: String(keyNode.value),
              to: problem.suggestion,
              replaceEdit: { range, newText: JSON.stringify(problem.suggestion) },
            }
          : undefined;
      sink.add(code, 'error', range, problem.message, pointer, data);
      continue;
    }
    if (problem.kind === 'one-of') {
      if (problem.discriminatorPointer) {
        const target = nodeAt(configNode, parsePointer(problem.discriminatorPointer));
        sink.add(code, 'error', sink.node(target.node), problem.message, pointer, oneOfData(doc, node, problem, ctx, path, pointer));
      } else if (node.type === 'object') {
        if (hasSyntaxErrorIn(node)) continue;
        sink.add(code, 'error', keyRange(sink, doc, node), problem.message, pointer, oneOfData(doc, node, problem, ctx, path, pointer));
      } else {
        sink.add(code, 'error', sink.node(node), problem.message, pointer, oneOfData(doc, node, problem, ctx, path, pointer));
      }
      continue;
    }
    sink.add(code, 'error', sink.node(node), problem.message, pointer);
  }
  walkFields(doc, configNode, doc.envelope.config, deref(rootSchema, rootSchema), rootSchema, [], sink);
}

/**
 * A key the spec does not name, close to one it does, in an object that allows extra keys: the
 * validator accepts it (so it raises nothing), but the connector will most likely ignore it.
 * Objects with `additionalProperties: false` get the validator's own error (with the same hint).
 */
function misspeltOpenKey(
  root: Schema,
  schema: Schema,
  value: Record<string, unknown>,
  keyNode: Node,
  pointer: string,
  sink: DiagnosticSink,
): void {
  const schemas = effectiveSchemas(root, schema, value);
  if (schemas.some((s) => s.additionalProperties === false)) return;
  const key = String(keyNode.value);
  const known = [...new Set(schemas.flatMap((s) => Object.keys(propertiesOf(root, s))))].filter((name) => !(name in value));
  const near = closest(key, known);
  if (!near) return;
  const range = sink.node(keyNode);
  sink.add(
    'config-unknown-key-near',
    'warning',
    range,
    `“${abbreviate(key)}” is not a field of this connector's spec; did you mean “${near}”? The connector accepts extra keys, so it would most likely ignore this one`,
    pointer,
    { kind: 'rename-key', from: key, to: near, replaceEdit: { range, newText: JSON.stringify(near) } },
  );
}

/** The node at a config-relative path, or its deepest existing ancestor. */
function nodeAt(configNode: Node, path: string[]): { node: Node; exact: boolean } {
  let node = configNode;
  for (let i = 0; i < path.length; i++) {
    const segment = node.type === 'array' ? Number(path[i]) : path[i];
    const next = findNodeAt(node, [segment]);
    if (!next) return { node, exact: false };
    node = next;
  }
  return { node, exact: true };
}

/** The key of the property holding an object (the `"config"` key for the config itself), else the object's opening brace. */
function keyRange(sink: DiagnosticSink, doc: ConfigDocument, node: Node): Range {
  const key = keyNodeOf(node);
  return key ? sink.node(key) : doc.lines.range(node.offset, 1);
}

function missingData(doc: ConfigDocument, objectNode: Node, problem: SchemaProblem, ctx: SnippetContext, path: string[]): DiagnosticData {
  const names = problem.missing ?? [];
  const schema = problem.schema ?? {};
  const properties = propertiesOf(ctx.root, schema);
  const childIndent = objectNode.children?.length
    ? doc.lines.indentAt(objectNode.children[0].offset)
    : doc.lines.indentAt(objectNode.offset) + ctx.indentUnit;
  const entries = names.map((n) => `${JSON.stringify(n)}: ${valueText(ctx, properties[n], childIndent, [...path, n])}`);
  return {
    kind: 'missing-required',
    properties: names,
    objectPointer: `/config${problem.pointer}`,
    insertText: entries.join(',\n'),
    insertEdit: insertPropertiesEdit(doc, objectNode, entries, childIndent),
  };
}

/** An edit adding property lines to an object, keeping commas and indentation right. */
export function insertPropertiesEdit(doc: ConfigDocument, objectNode: Node, entries: string[], childIndent: string): TextEdit {
  const children = objectNode.children ?? [];
  const body = entries.map((e) => `${childIndent}${e}`).join(',\n');
  if (children.length === 0) {
    const closingIndent = doc.lines.indentAt(objectNode.offset);
    return { range: doc.lines.range(objectNode.offset + 1, 0), newText: `\n${body}\n${closingIndent}` };
  }
  const last = children[children.length - 1];
  const end = last.offset + last.length;
  const after = /^[ \t]*,/.exec(doc.text.slice(end, end + 100));
  if (after) return { range: doc.lines.range(end + after[0].length, 0), newText: `\n${body}` };
  return { range: doc.lines.range(end, 0), newText: `,\n${body}` };
}

function oneOfData(
  doc: ConfigDocument,
  node: Node,
  problem: SchemaProblem,
  ctx: SnippetContext,
  path: string[],
  pointer: string,
): DiagnosticData {
  const indent = doc.lines.indentAt(node.offset);
  const choices: OneOfChoice[] = (problem.options ?? []).map((option, i) => ({
    title: option.title,
    discriminator: option.discriminator,
    value: option.value,
    objectText: problem.schema ? branchText(ctx, problem.schema, i, indent, path) : '{}',
  }));
  return { kind: 'one-of', pointer, choices, valueRange: doc.lines.range(node.offset, node.length) };
}

function walkFields(
  doc: ConfigDocument,
  node: Node,
  value: unknown,
  schema: Schema,
  root: Schema,
  path: (string | number)[],
  sink: DiagnosticSink,
): void {
  if (node.type === 'object' && isSchema(value)) {
    for (const property of node.children ?? []) {
      const [keyNode, valueNode] = property.children ?? [];
      if (!keyNode || !valueNode) continue;
      const key = String(keyNode.value);
      const child = childSchema(root, schema, value, key);
      const childPath = [...path, key];
      const pointer = pointerOf(['config', ...childPath]);
      if (!child) {
        misspeltOpenKey(root, schema, value, keyNode, pointer, sink);
        continue;
      }
      const childValue = value[key];
      const label = `“${schemaTitle(child) ?? key}” (${key})`;
      if (isDeprecatedSchema(child)) {
        sink.add(
          'field-deprecated',
          'warning',
          sink.node(keyNode),
          `${label} is deprecated${isHiddenSchema(child) ? ' and hidden' : ''}; the connector may ignore it`,
          pointer,
        );
      } else if (isHiddenSchema(child)) {
        sink.add('field-hidden', 'warning', sink.node(keyNode), `${label} is a hidden field, not meant to be set by hand`, pointer);
      }
      if (isSecretSchema(child) && typeof childValue === 'string' && childValue !== '' && !isSecretReference(childValue)) {
        const envVar = envVarNameFor(doc.envelope.connector, childPath);
        const range = sink.node(valueNode);
        sink.add(
          'secret-plaintext',
          'warning',
          range,
          `${label} is a secret written in plain text; use "\${env:${envVar}}" and set ${envVar} in the environment`,
          pointer,
          {
            kind: 'plaintext-secret',
            pointer,
            envVar,
            replaceEdit: { range, newText: JSON.stringify(`\${env:${envVar}}`) },
          },
        );
      }
      walkFields(doc, valueNode, childValue, child, root, childPath, sink);
    }
  } else if (node.type === 'array' && Array.isArray(value)) {
    (node.children ?? []).forEach((itemNode, i) => {
      const child = childSchema(root, schema, value, i);
      if (child) walkFields(doc, itemNode, value[i], child, root, [...path, i], sink);
    });
  }
}
