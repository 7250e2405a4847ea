/**
 * Loading `*.airbyte.jsonc` files (comments and trailing commas allowed) and resolving the secret
 * references in them at run time. Editor diagnostics live elsewhere; this is the runtime loader.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { printParseErrorCode } from 'jsonc-parser';
import { abbreviate } from '../../shared/format';
import { imageTagProblem, parseImageReference } from '../docker/imageReference';
import { engineAddressProblem } from '../docker/engineEndpoint';
import { AirbyteError } from '../errors';
import type { JsonObject } from '../protocol/messages';
import type { ConnectorConfigFile } from './configFileTypes';
import { MAX_NESTING, parseJsoncValue } from './jsoncValue';
import { resolvePipUrl } from '../python/venvInstall';
import { absolutePythonChoice } from '../python/pythonInterpreter';

/** A loaded config file: its content, with `localDir` made absolute. */
export interface LoadedConfigFile extends ConnectorConfigFile {
  /** Absolute path of the file. */
  filePath: string;
  /** Folder of the file: what relative paths are relative to. */
  baseDir: string;
}

const KNOWN_KEYS = new Set([
  'connector',
  'version',
  'image',
  'useHostNetwork',
  'localDir',
  'dockerHost',
  'python',
  'pipUrl',
  'installRoot',
  'config',
]);
const IGNORED_KEYS = new Set(['$schema', '$comment']);

/** Reads and checks a config file. Syntax and shape problems are `CONFIG_FILE` errors naming file:line:col. */
export async function loadConfigFile(filePath: string): Promise<LoadedConfigFile> {
  const absolute = path.resolve(filePath);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AirbyteError('CONFIG_FILE', {
      message:
        code === 'ENOENT'
          ? `The config file ${absolute} does not exist.`
          : `Cannot read the config file ${absolute}: ${code ?? (error as Error).message}.`,
      guidance: 'Check the path; config files are named <name>.airbyte.jsonc.',
      context: { file: absolute },
      cause: error,
    });
  }
  return parseConfigFileText(text, absolute);
}

/** Parses config file text; `filePath` is used for messages and to resolve `localDir`. */
export function parseConfigFileText(text: string, filePath: string): LoadedConfigFile {
  const { value, errors, tooDeepAt } = parseJsoncValue(text);
  const fail = (message: string, offset?: number, guidance?: string): never => {
    const where = offset === undefined ? '' : `:${lineCol(text, offset)}`;
    throw new AirbyteError('CONFIG_FILE', {
      message: `${filePath}${where}: ${message}`,
      guidance: guidance ?? 'A config file is a JSON object: { "connector": "destination-…", "config": { … } }.',
      context: { file: filePath, position: where ? where.slice(1) : undefined },
    });
  };
  if (tooDeepAt !== undefined) {
    fail(
      `values are nested more than ${MAX_NESTING} levels deep.`,
      tooDeepAt,
      'A connector config is a few levels deep; check for a runaway array or object.',
    );
  }
  if (errors.length > 0) {
    const e = errors[0];
    fail(
      `${describeParseError(printParseErrorCode(e.error))}`,
      e.offset,
      'Fix the JSON syntax (comments and trailing commas are allowed).',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('the file must hold one JSON object.');
  const doc = value as Record<string, unknown>;
  const offsetOf = (key: string) => {
    const i = text.indexOf(`"${key}"`);
    return i >= 0 ? i : undefined;
  };
  if (typeof doc.connector !== 'string' || doc.connector.trim() === '') {
    fail('"connector" is missing: name the connector, e.g. "destination-duckdb" or "builtin:sample".', offsetOf('connector'));
  }
  if (typeof doc.config !== 'object' || doc.config === null || Array.isArray(doc.config)) {
    fail('"config" must be an object holding the connector\'s settings.', offsetOf('config'));
  }
  for (const key of ['version', 'image', 'localDir', 'dockerHost', 'pipUrl', 'installRoot'] as const) {
    if (doc[key] !== undefined && (typeof doc[key] !== 'string' || (doc[key] as string).trim() === ''))
      fail(`"${key}" must be a non-empty string.`, offsetOf(key));
  }
  checkImageFields(doc, (message, key) =>
    fail(
      message,
      offsetOf(key),
      `Give "${key}" ${key === 'version' ? 'an image tag such as "1.2.3"' : 'an image reference such as "airbyte/destination-duckdb:0.4.0"'}.`,
    ),
  );
  if (doc.useHostNetwork !== undefined && typeof doc.useHostNetwork !== 'boolean')
    fail('"useHostNetwork" must be true or false.', offsetOf('useHostNetwork'));
  if (doc.python !== undefined && typeof doc.python !== 'boolean' && (typeof doc.python !== 'string' || doc.python.trim() === ''))
    fail('"python" must be true, false, a version such as "3.11", or the path of a Python interpreter.', offsetOf('python'));
  const engineProblem = typeof doc.dockerHost === 'string' && doc.dockerHost.trim() ? engineAddressProblem(doc.dockerHost) : undefined;
  if (engineProblem)
    fail(`"dockerHost" ${JSON.stringify(abbreviate(doc.dockerHost as string))} is not valid: ${engineProblem}.`, offsetOf('dockerHost'));
  for (const key of Object.keys(doc)) {
    if (!KNOWN_KEYS.has(key) && !IGNORED_KEYS.has(key))
      fail(`unknown key "${abbreviate(key)}" (known keys: ${[...KNOWN_KEYS].join(', ')}).`, offsetOf(key));
  }
  const baseDir = path.dirname(filePath);
  const file: LoadedConfigFile = {
    connector: (doc.connector as string).trim(),
    config: doc.config as JsonObject,
    filePath,
    baseDir,
  };
  if (doc.version !== undefined) file.version = doc.version as string;
  if (doc.image !== undefined) file.image = doc.image as string;
  if (doc.useHostNetwork !== undefined) file.useHostNetwork = doc.useHostNetwork as boolean;
  if (doc.localDir !== undefined) file.localDir = path.resolve(baseDir, expandHome(doc.localDir as string));
  if (doc.dockerHost !== undefined) file.dockerHost = (doc.dockerHost as string).trim();
  if (doc.python !== undefined)
    file.python = absolutePythonChoice(typeof doc.python === 'string' ? expandHome(doc.python.trim()) : (doc.python as boolean), baseDir);
  if (doc.pipUrl !== undefined) file.pipUrl = resolvePipUrl(expandHome((doc.pipUrl as string).trim()), baseDir);
  if (doc.installRoot !== undefined) file.installRoot = path.resolve(baseDir, expandHome(doc.installRoot as string));
  return file;
}

/** `version` must be an image tag and `image` an image reference: Docker is never asked with anything else. */
function checkImageFields(doc: Record<string, unknown>, fail: (message: string, key: string) => void): void {
  if (typeof doc.version === 'string') {
    const problem = imageTagProblem(doc.version);
    if (problem) fail(`"version" ${JSON.stringify(doc.version)} is not a valid image tag: ${problem}.`, 'version');
  }
  if (typeof doc.image === 'string') {
    const parsed = parseImageReference(doc.image);
    if ('problem' in parsed)
      fail(`"image" ${JSON.stringify(doc.image)} is not a valid Docker image reference: ${parsed.problem}.`, 'image');
  }
}

function expandHome(p: string): string {
  return p === '~' || p.startsWith('~/') ? path.join(process.env.HOME ?? '', p.slice(1)) : p;
}

/** 1-based "line:col" of an offset. */
export function lineCol(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `${line}:${offset - lineStart + 1}`;
}

function describeParseError(code: string): string {
  const words: Record<string, string> = {
    InvalidSymbol: 'unexpected character',
    InvalidNumberFormat: 'invalid number',
    PropertyNameExpected: 'a property name (in double quotes) was expected',
    ValueExpected: 'a value was expected',
    ColonExpected: 'a colon was expected',
    CommaExpected: 'a comma was expected',
    CloseBraceExpected: 'a closing } was expected',
    CloseBracketExpected: 'a closing ] was expected',
    EndOfFileExpected: 'nothing more was expected after the object',
    InvalidCommentToken: 'invalid comment',
    UnexpectedEndOfComment: 'a comment is not closed',
    UnexpectedEndOfString: 'a string is not closed',
    UnexpectedEndOfNumber: 'a number is cut off',
    InvalidUnicode: 'invalid unicode escape',
    InvalidEscapeCharacter: 'invalid escape character',
    InvalidCharacter: 'invalid character',
  };
  return `invalid JSON: ${words[code] ?? code}`;
}

/** The config with its references replaced, and the values that came from references (to mask). */
export interface ResolvedConfig {
  config: JsonObject;
  /** Every value substituted for a reference: secrets by definition. */
  resolvedValues: string[];
}

const ENV_REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;
const SECRET_REFERENCE = /^secret_reference::([A-Za-z_][A-Za-z0-9_]*)$/;

/**
 * Replaces `${env:NAME}` (anywhere in a string) and PyAirbyte's `secret_reference::NAME` (a whole
 * string) by the variable's value, in every string of the config. Done at run time only: files
 * keep the references. A missing variable is a CONFIG_INVALID error naming it and the field.
 */
export function resolveSecretReferences(config: JsonObject, env: NodeJS.ProcessEnv = process.env): ResolvedConfig {
  const resolvedValues = new Set<string>();
  const lookup = (name: string, at: string): string => {
    const value = env[name];
    if (value === undefined || value === '') {
      throw new AirbyteError('CONFIG_INVALID', {
        message: `The config field ${at} refers to the environment variable ${name}, which is not set.`,
        guidance: `Set ${name} in the environment of the command (e.g. "export ${name}=…", or an .env file loaded by your shell), then run again.`,
        context: { variable: name, field: at },
      });
    }
    resolvedValues.add(value);
    return value;
  };
  const walk = (value: unknown, at: string): unknown => {
    if (typeof value === 'string') {
      const whole = SECRET_REFERENCE.exec(value);
      if (whole) return lookup(whole[1], at);
      if (!value.includes('${env:')) return value;
      return value.replace(ENV_REFERENCE, (_m, name: string) => lookup(name, at));
    }
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${at}[${i}]`));
    if (typeof value === 'object' && value !== null) {
      // Built from entries, so a "__proto__" key stays a key instead of replacing the prototype.
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v, at ? `${at}.${k}` : k)]));
    }
    return value;
  };
  const resolved = walk(config, '') as JsonObject;
  return { config: resolved, resolvedValues: [...resolvedValues] };
}
