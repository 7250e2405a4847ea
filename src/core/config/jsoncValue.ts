/**
 * JSONC text to a plain value, safely: bounded nesting (a 10,000-level array would overflow the
 * stack of any recursive parser, jsonc-parser's included) and keys kept as own data properties, so
 * that a `"__proto__"` key is a key like any other (the spec check then sees it) instead of
 * replacing the object's prototype. A duplicated key keeps its last value, as `validate` says and as
 * connectors' JSON parsers do; the duplicates are reported.
 */
import type { Node, ParseError } from 'jsonc-parser';
import { createScanner, parseTree } from 'jsonc-parser';

// jsonc-parser's SyntaxKind is a const enum, which isolated modules cannot read: its values.
const OPEN_BRACE = 1;
const CLOSE_BRACE = 2;
const OPEN_BRACKET = 3;
const CLOSE_BRACKET = 4;
const EOF = 17;

/** Deeper than any real connector config; deep enough for any real schema-driven value. */
export const MAX_NESTING = 100;

export interface JsoncValue {
  value: unknown;
  errors: ParseError[];
  /** Offset of the first bracket past {@link MAX_NESTING}, when the text nests deeper. */
  tooDeepAt?: number;
  /** Keys that appear twice in one object: where the ignored (earlier) occurrence is. */
  duplicates: Array<{ key: string; offset: number }>;
}

/** Offset of the first `{` or `[` nested deeper than `max`, found without recursion. */
export function nestingTooDeepAt(text: string, max = MAX_NESTING): number | undefined {
  const scanner = createScanner(text, false);
  let depth = 0;
  for (let token = scanner.scan(); token !== EOF; token = scanner.scan()) {
    if (token === OPEN_BRACE || token === OPEN_BRACKET) {
      if (++depth > max) return scanner.getTokenOffset();
    } else if (token === CLOSE_BRACE || token === CLOSE_BRACKET) {
      depth = Math.max(0, depth - 1);
    }
  }
  return undefined;
}

/** The value of a parse tree node, keys as own properties. */
export function nodeValue(node: Node, duplicates: JsoncValue['duplicates'] = []): unknown {
  switch (node.type) {
    case 'array':
      return (node.children ?? []).map((child) => nodeValue(child, duplicates));
    case 'object': {
      const out: Record<string, unknown> = {};
      const seen = new Map<string, number>();
      for (const property of node.children ?? []) {
        const [keyNode, valueNode] = property.children ?? [];
        // A property still being typed (`"key":` and nothing yet) has no value: leave it out.
        if (!keyNode || !valueNode || typeof keyNode.value !== 'string') continue;
        const key = keyNode.value;
        const earlier = seen.get(key);
        if (earlier !== undefined) duplicates.push({ key, offset: earlier });
        seen.set(key, keyNode.offset);
        Object.defineProperty(out, key, {
          value: nodeValue(valueNode, duplicates),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    default:
      return node.value;
  }
}

/**
 * The text with a leading byte order mark blanked (one space: offsets stay). Editors on Windows write
 * one, and VS Code hides it, so a file the editor found valid must not fail at 1:1 in the CLI.
 */
export function blankBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text;
}

/** Parses JSONC (comments and trailing commas allowed, a leading BOM ignored) into a plain value; see the module doc. */
export function parseJsoncValue(bomText: string): JsoncValue {
  const text = blankBom(bomText);
  const tooDeepAt = nestingTooDeepAt(text);
  if (tooDeepAt !== undefined) return { value: undefined, errors: [], tooDeepAt, duplicates: [] };
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const duplicates: JsoncValue['duplicates'] = [];
  return { value: root ? nodeValue(root, duplicates) : undefined, errors, duplicates };
}
