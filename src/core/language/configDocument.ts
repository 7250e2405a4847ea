/**
 * A parsed `*.airbyte.jsonc` text with positions: the jsonc-parser tree (never throws on bad
 * text), its syntax errors, a line index for offset ↔ line/character, and the envelope fields.
 */
import type { Node, ParseError } from 'jsonc-parser';
import { parseTree, printParseErrorCode } from 'jsonc-parser';
import { MAX_NESTING, blankBom, nestingTooDeepAt, nodeValue } from '../config/jsoncValue';
import type { Position, Range } from './languageTypes';

/** Offsets of line starts, for 0-based line/character ↔ offset conversion (UTF-16 code units, as in JS strings and LSP). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 13 /* \r */) {
        if (text.charCodeAt(i + 1) === 10) i++;
        this.starts.push(i + 1);
      } else if (c === 10 /* \n */) {
        this.starts.push(i + 1);
      }
    }
  }

  positionAt(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo] };
  }

  offsetAt(position: Position): number {
    if (position.line >= this.starts.length) return this.text.length;
    if (position.line < 0) return 0;
    const lineEnd = position.line + 1 < this.starts.length ? this.starts[position.line + 1] : this.text.length;
    return Math.max(this.starts[position.line], Math.min(this.starts[position.line] + position.character, lineEnd));
  }

  range(offset: number, length: number): Range {
    const start = Math.max(0, Math.min(offset, this.text.length));
    const end = Math.max(start, Math.min(offset + length, this.text.length));
    return { start: this.positionAt(start), end: this.positionAt(end), offset: start, length: end - start };
  }

  /** The indentation (leading spaces/tabs) of the line holding `offset`. */
  indentAt(offset: number): string {
    const line = this.positionAt(offset).line;
    const start = this.starts[line];
    const match = /^[ \t]*/.exec(this.text.slice(start, start + 200));
    return match ? match[0] : '';
  }

  get lineCount(): number {
    return this.starts.length;
  }
}

export interface SyntaxProblem {
  offset: number;
  length: number;
  message: string;
}

/** The envelope fields as found in the text (each with its property node, when present). */
export interface ConfigEnvelope {
  connector?: string;
  version?: string;
  image?: string;
  /** What pip installs for a venv: such a connector need not be in the registry. */
  pipUrl?: string;
  /** The `config` object's node, when it is an object. */
  configNode?: Node;
  /** The value of `config` (partial when the text has syntax errors). */
  config?: unknown;
}

export interface ConfigDocument {
  text: string;
  lines: LineIndex;
  /** Undefined only for empty or unparseable text. */
  root?: Node;
  syntaxErrors: SyntaxProblem[];
  envelope: ConfigEnvelope;
}

const SYNTAX_MESSAGES: Record<string, string> = {
  InvalidSymbol: 'Invalid symbol',
  InvalidNumberFormat: 'Invalid number',
  PropertyNameExpected: 'A property name in double quotes is expected',
  ValueExpected: 'A value is expected',
  ColonExpected: 'A colon is expected after the property name',
  CommaExpected: 'A comma is expected',
  CloseBraceExpected: 'A closing brace } is expected',
  CloseBracketExpected: 'A closing bracket ] is expected',
  EndOfFileExpected: 'Nothing may follow the top-level object',
  InvalidCommentToken: 'Invalid comment',
  UnexpectedEndOfComment: 'Unterminated comment: */ is expected',
  UnexpectedEndOfString: 'Unterminated string: a closing " is expected',
  UnexpectedEndOfNumber: 'Unterminated number',
  InvalidUnicode: 'Invalid \\u escape',
  InvalidEscapeCharacter: 'Invalid escape character in string',
  InvalidCharacter: 'Invalid character in string (control characters must be escaped)',
};

/** Parses JSONC (comments and trailing commas allowed). Never throws. */
export function parseConfigDocument(text: string): ConfigDocument {
  // Parsed as the loader parses it (a leading BOM blanked); positions refer to the text as given.
  const parsed = blankBom(text);
  // Deeper text would overflow the parser's stack on every keystroke: one clear problem instead.
  const tooDeepAt = nestingTooDeepAt(parsed);
  if (tooDeepAt !== undefined) {
    const message = `Values are nested more than ${MAX_NESTING} levels deep; a connector config is a few levels deep`;
    return { text, lines: new LineIndex(text), root: undefined, syntaxErrors: [{ offset: tooDeepAt, length: 1, message }], envelope: {} };
  }
  const errors: ParseError[] = [];
  const root = parseTree(parsed, errors, { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false });
  const syntaxErrors = errors.map((e) => ({
    offset: e.offset,
    length: e.length,
    message: SYNTAX_MESSAGES[printParseErrorCode(e.error)] ?? printParseErrorCode(e.error),
  }));
  const envelope: ConfigEnvelope = {};
  if (root?.type === 'object') {
    const str = (key: string) => {
      const node = findNodeAt(root, [key]);
      return node?.type === 'string' ? (node.value as string) : undefined;
    };
    envelope.connector = str('connector');
    envelope.version = str('version');
    envelope.image = str('image');
    envelope.pipUrl = str('pipUrl');
    const configNode = findNodeAt(root, ['config']);
    if (configNode?.type === 'object') {
      envelope.configNode = configNode;
      envelope.config = nodeValue(configNode);
    }
  }
  return { text, lines: new LineIndex(text), root, syntaxErrors, envelope };
}

/**
 * The node at a path, as jsonc-parser's `findNodeAtLocation` finds it, except that a duplicated key
 * finds its last occurrence: the one whose value counts, for the runtime loader as for connectors.
 */
export function findNodeAt(root: Node | undefined, path: readonly (string | number)[]): Node | undefined {
  let node = root;
  for (const segment of path) {
    if (!node?.children) return undefined;
    if (typeof segment === 'number') {
      node = node.type === 'array' ? node.children[segment] : undefined;
      continue;
    }
    if (node.type !== 'object') return undefined;
    let found: Node | undefined;
    for (const property of node.children) {
      const [key, value] = property.children ?? [];
      if (key?.value === segment && value) found = value;
    }
    node = found;
  }
  return node;
}

/** The property node (`"key": value`) holding a value node, if the value is a property value. */
export function propertyOf(node: Node): Node | undefined {
  return node.parent?.type === 'property' ? node.parent : undefined;
}

/** The key node of the property holding a value node. */
export function keyNodeOf(node: Node): Node | undefined {
  const property = propertyOf(node);
  return property?.children?.[0];
}

/** JSON path from the document root to a node. */
export function pathOfNode(node: Node): (string | number)[] {
  const path: (string | number)[] = [];
  let current: Node | undefined = node;
  while (current?.parent) {
    const parent: Node = current.parent;
    if (parent.type === 'property') {
      path.unshift(parent.children?.[0]?.value as string);
      current = parent.parent;
    } else if (parent.type === 'array') {
      path.unshift(parent.children?.indexOf(current) ?? 0);
      current = parent;
    } else {
      current = parent;
    }
  }
  return path;
}
