/**
 * Plain-data results of the `*.airbyte.jsonc` language service (diagnostics, completion, hover,
 * quick fixes). No `vscode` types: every position is given both as a 0-based line/character
 * pair (VS Code / LSP style, UTF-16 code units) and as a 0-based offset + length into the text,
 * so any host converts them in one line.
 */

/** 0-based line and character (UTF-16 code units), as in LSP and VS Code. */
export interface Position {
  line: number;
  character: number;
}

/** A span of the document: `start`/`end` positions plus `offset`/`length` of the same span. */
export interface Range {
  start: Position;
  end: Position;
  offset: number;
  length: number;
}

export type DiagnosticSeverity = 'error' | 'warning' | 'info';

/**
 * Machine-readable reason of a diagnostic, stable across releases (hosts key quick fixes on it).
 * - `syntax`: the text is not valid JSONC.
 * - `envelope-*`: the file's own keys (`connector`, `version`, `image`, `useHostNetwork`, `localDir`, `dockerHost`, `config`).
 * - `image-reference`: a `version` that is not an image tag, an `image` (or a connector name) that makes no image reference.
 * - `config-*`: the connector config against the connector's `connectionSpecification`.
 */
export type DiagnosticCode =
  | 'syntax'
  | 'duplicate-key'
  | 'envelope-not-object'
  | 'envelope-missing-connector'
  | 'envelope-missing-config'
  | 'envelope-type'
  | 'envelope-unknown-key'
  | 'image-reference'
  | 'connector-unknown'
  | 'version-unknown'
  | 'spec-unavailable'
  | 'config-missing-required'
  | 'config-unknown-property'
  | 'config-unknown-key-near'
  | 'config-type'
  | 'config-enum'
  | 'config-const'
  | 'config-pattern'
  | 'config-format'
  | 'config-range'
  | 'config-length'
  | 'config-items'
  | 'config-one-of'
  | 'config-invalid'
  | 'secret-reference-type'
  | 'secret-plaintext'
  | 'field-hidden'
  | 'field-deprecated';

/** Data for the `config-missing-required` quick fix: insert the missing properties. */
export interface MissingRequiredData {
  kind: 'missing-required';
  /** Property names missing from the object, in the order the spec lists them. */
  properties: string[];
  /** JSON pointer of the object that lacks them (`/config`, `/config/tunnel_method`). */
  objectPointer: string;
  /** Text that inserts all of them (`"host": "",\n"port": 5432`), ready for `insertEdit`. */
  insertText: string;
  /** Where to insert `insertText` so the result stays valid JSONC (indentation and commas included). */
  insertEdit: TextEdit;
}

/** Data for the `secret-plaintext` quick fix: move the value to an environment variable. */
export interface PlaintextSecretData {
  kind: 'plaintext-secret';
  /** JSON pointer of the field (`/config/password`). */
  pointer: string;
  /** Suggested variable name derived from the connector and field (`POSTGRES_PASSWORD`). */
  envVar: string;
  /** Replaces the value with `"${env:<envVar>}"`. */
  replaceEdit: TextEdit;
}

/** One option of a `oneOf` (for `config-one-of`): what to write to choose it. */
export interface OneOfChoice {
  title: string;
  /** The discriminator property (`mode`, `format_type`, `tunnel_method`…), when the branches have one. */
  discriminator?: string;
  /** The discriminator value that selects this branch. */
  value?: unknown;
  /** The whole object for this branch (discriminator + required fields with defaults), as JSONC text. */
  objectText: string;
}

/** Data for the `config-one-of` quick fix: replace the object with one branch. */
export interface OneOfChoiceData {
  kind: 'one-of';
  pointer: string;
  choices: OneOfChoice[];
  /** Range of the whole object value to replace with a choice's `objectText`. */
  valueRange: Range;
}

/** Data for `config-unknown-property` / `envelope-unknown-key` when a known name is close: rename the key. */
export interface RenameKeyData {
  kind: 'rename-key';
  /** The misspelt key as written. */
  from: string;
  /** The known name it most likely means. */
  to: string;
  /** Replaces the key (quotes included) with the known name. */
  replaceEdit: TextEdit;
}

/** Data for `connector-unknown` (a close registry name) and `version-unknown` (the pinned version): replace the value. */
export interface ReplaceValueData {
  kind: 'replace-value';
  /** What the fix writes (without quotes): `destination-postgres`, `3.0.16`. */
  to: string;
  /** Why, for the fix's title: `closest connector name`, `registry's pinned version`. */
  reason: string;
  replaceEdit: TextEdit;
}

export type DiagnosticData = MissingRequiredData | PlaintextSecretData | OneOfChoiceData | RenameKeyData | ReplaceValueData;

export interface ConfigDiagnostic {
  range: Range;
  severity: DiagnosticSeverity;
  code: DiagnosticCode;
  /** One sentence in plain words, using the field's title (`Port must be an integer from 0 to 65536`). */
  message: string;
  /** JSON pointer of the value concerned, from the file root (`/config/ssl_mode/mode`); `""` for the file. */
  pointer: string;
  /** Present when a quick fix exists. */
  data?: DiagnosticData;
  /** Always `airbyte-write`, for hosts that show a source. */
  source: 'airbyte-write';
}

export interface TextEdit {
  range: Range;
  newText: string;
}

export type CompletionItemKind = 'property' | 'value' | 'enum' | 'snippet' | 'connector' | 'keyword';

export interface CompletionItem {
  label: string;
  kind: CompletionItemKind;
  /** Short text beside the label (field title, connector type, `required`). */
  detail?: string;
  /** Markdown. */
  documentation?: string;
  /** Text inserted in place of `range`. */
  insertText: string;
  /** `snippet`: `insertText` uses `${1:placeholder}` tab stops (TextMate / VS Code snippet syntax). */
  insertTextFormat: 'plain' | 'snippet';
  /** What the item replaces (the word or string under the cursor; empty at the cursor). */
  range: Range;
  /** Ordering key (required properties first, then by the spec's `order`). */
  sortText: string;
  /** Text matched against what was typed (defaults to `label`). */
  filterText?: string;
  /** Ask the host to re-trigger completion after insert (after a property name, for its value). */
  retrigger?: boolean;
  deprecated?: boolean;
  preselect?: boolean;
}

export interface CompletionList {
  items: CompletionItem[];
  /** True when typing more may change the list beyond filtering. */
  isIncomplete: boolean;
}

export interface Hover {
  /** Markdown. */
  contents: string;
  range: Range;
}

/** A quick fix for a diagnostic: a title and the edits that apply it. */
export interface CodeAction {
  title: string;
  kind: 'quickfix';
  diagnosticCode: DiagnosticCode;
  edits: TextEdit[];
  /** The fix most people want (applied by "Fix all" style commands). */
  isPreferred?: boolean;
}
