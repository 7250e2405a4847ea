/**
 * CONTROL `CONNECTOR_CONFIG`: a connector asks for its updated config (a rotated OAuth token) to be
 * persisted. The new config is checked, then written into its `*.airbyte.jsonc` with edits to the
 * changed values only, so comments and formatting survive; the file is replaced atomically.
 */
import { promises as fs } from 'node:fs';
import { applyEdits, modify, parse as parseJsonc } from 'jsonc-parser';
import type { ParseError } from 'jsonc-parser';
import { AirbyteError } from '../errors';
import type { JsonObject } from '../protocol/messages';
import { valueAtPath } from '../spec/schemaNavigation';
import { writeFileAtomic } from '../store/atomicFile';

export interface ConfigWriteBackOptions {
  /** Validates the new config (e.g. against the connector spec); returns problems, empty when fine. */
  validate?: (config: JsonObject) => string[];
  /** The config the connector was started with (references resolved): what the connector changed is diffed against it. */
  previous: JsonObject;
}

export interface ConfigWriteBackResult {
  file: string;
  /** JSON paths (dotted) written. */
  updated: string[];
  /** Paths left alone because the file holds a reference there (`${env:…}`, `secret_reference::…`). */
  skippedReferences: string[];
}

const isReference = (v: unknown) => typeof v === 'string' && (/\$\{env:[^}]+\}/.test(v) || v.startsWith('secret_reference::'));

type Path = Array<string | number>;

function diff(before: unknown, after: unknown, path: Path, out: Array<{ path: Path; value: unknown }>): void {
  if (JSON.stringify(before) === JSON.stringify(after)) return;
  const bothObjects =
    before && after && typeof before === 'object' && typeof after === 'object' && !Array.isArray(before) && !Array.isArray(after);
  if (!bothObjects) {
    out.push({ path, value: after });
    return;
  }
  const b = before as JsonObject;
  const a = after as JsonObject;
  for (const k of new Set([...Object.keys(b), ...Object.keys(a)])) diff(b[k], a[k], [...path, k], out);
}

/** Applies a connector's config update to its config file. Never logs or returns secret values. */
export async function writeBackConnectorConfig(
  file: string,
  update: unknown,
  options: ConfigWriteBackOptions,
): Promise<ConfigWriteBackResult> {
  if (!update || typeof update !== 'object' || Array.isArray(update)) {
    throw new AirbyteError('CONFIG_INVALID', {
      message: 'The connector sent a config update that is not an object; it was ignored.',
      context: { file },
    });
  }
  const problems = options.validate?.(update as JsonObject) ?? [];
  if (problems.length > 0) {
    throw new AirbyteError('CONFIG_INVALID', {
      message: `The connector sent a config update that does not match its spec; ${file} was left unchanged.`,
      guidance: problems.slice(0, 5).join('; '),
      context: { file },
    });
  }
  const text = await fs.readFile(file, 'utf8');
  const errors: ParseError[] = [];
  const current = parseJsonc(text, errors, { allowTrailingComma: true }) as { config?: JsonObject } | undefined;
  if (errors.length > 0 || !current || typeof current !== 'object') {
    throw new AirbyteError('CONFIG_FILE', {
      message: `${file} could not be parsed, so the connector's config update was not saved.`,
      context: { file },
    });
  }
  const changes: Array<{ path: Path; value: unknown }> = [];
  diff(options.previous, update, [], changes);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const indent = /\n( +|\t)"/.exec(text)?.[1] ?? '  ';
  let next = text;
  const result: ConfigWriteBackResult = { file, updated: [], skippedReferences: [] };
  for (const change of changes) {
    // A value held in an environment variable or secret store cannot be updated from here.
    if (isReference(valueAtPath(current.config, change.path))) {
      result.skippedReferences.push(change.path.join('.'));
      continue;
    }
    const edits = modify(next, ['config', ...change.path], change.value, {
      formattingOptions: { insertSpaces: indent !== '\t', tabSize: indent === '\t' ? 1 : indent.length, eol },
    });
    next = applyEdits(next, edits);
    result.updated.push(change.path.join('.'));
  }
  if (next !== text) await writeFileAtomic(file, next, (await fs.stat(file)).mode & 0o777);
  return result;
}
