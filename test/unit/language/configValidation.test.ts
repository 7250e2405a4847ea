// Diagnostics on hand-written config files against real specs: exact ranges and plain messages,
// oneOf branch selection, secret references, warnings, envelope and syntax problems.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateConfigText } from '../../../src/core/language/configValidation';
import type { ConfigDiagnostic } from '../../../src/core/language/languageTypes';
import { codeActionsFor } from '../../../src/core/language/configCodeActions';
import { loadRegistryFile } from '../../../src/core/registry/registry';
import { lineColOf, loadSpec, registrySample } from '../spec/specFixtures';

const pg = loadSpec('destination-postgres');
const show = (d: ConfigDiagnostic[]) =>
  d.map((x) => `${x.range.start.line}:${x.range.start.character} ${x.severity} ${x.code} ${x.message}`).join('\n');
const errors = (d: ConfigDiagnostic[]) => d.filter((x) => x.severity === 'error');

/** Applies text edits (non-overlapping) to a text. */
function applyEdits(text: string, edits: { range: { offset: number; length: number }; newText: string }[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.range.offset - a.range.offset))
    out = out.slice(0, e.range.offset) + e.newText + out.slice(e.range.offset + e.range.length);
  return out;
}

/** Offset of the n-th (0-based) occurrence of `needle` plus `delta`. */
function at(text: string, needle: string, delta = 0, nth = 0): number {
  let i = -1;
  for (let k = 0; k <= nth; k++) i = text.indexOf(needle, i + 1);
  assert.ok(i >= 0, `"${needle}" not in text`);
  return i + delta;
}

function pgText(body: string): string {
  return `{
  // a postgres destination
  "connector": "destination-postgres",
  "config": {
    "host": "db.internal",
    "port": 5432,
    "database": "analytics",
    "schema": "public",
    "username": "loader",
${body}
  }
}`;
}

describe('config validation: ranges and messages', () => {
  it('accepts a complete postgres config with secrets as references', () => {
    const text = pgText(`    "password": "\${env:PG_PASSWORD}",\n    "ssl_mode": { "mode": "require" }`);
    assert.deepEqual(validateConfigText(text, { spec: pg }), []);
  });

  it('puts an out-of-range port on the value, with the title and bounds', () => {
    const text = pgText('    "ssl_mode": { "mode": "disable" }').replace('"port": 5432', '"port": 99999');
    const [d, ...rest] = errors(validateConfigText(text, { spec: pg }));
    assert.equal(rest.length, 0);
    assert.equal(d.message, 'Port must be an integer from 0 to 65536');
    assert.deepEqual(d.range.start, lineColOf(text, at(text, '99999')));
    assert.equal(d.range.length, 5);
    assert.equal(d.pointer, '/config/port');
  });

  it("reports a missing field inside a nested object on that object's key", () => {
    const text = pgText('    "ssl_mode": { "mode": "verify-ca" }');
    const [d, ...rest] = errors(validateConfigText(text, { spec: pg }));
    assert.equal(rest.length, 0, show(rest));
    assert.equal(d.code, 'config-missing-required');
    assert.equal(d.message, 'Missing required field “CA Certificate” (ca_certificate)');
    assert.deepEqual(d.range.start, lineColOf(text, at(text, '"ssl_mode"')));
    assert.equal(d.range.length, '"ssl_mode"'.length);
  });

  it('quick fix for missing fields inserts them and the result validates', () => {
    const text = pgText('    "ssl_mode": { "mode": "disable" }')
      .replace('    "database": "analytics",\n', '')
      .replace('    "schema": "public",\n', '');
    const [d] = errors(validateConfigText(text, { spec: pg }));
    assert.equal(d.message, 'Missing required fields “Database Name” (database), “Default Schema” (schema)');
    const [action] = codeActionsFor(d);
    assert.equal(action.title, 'Add required fields: database, schema');
    const fixed = applyEdits(text, action.edits);
    assert.deepEqual(errors(validateConfigText(fixed, { spec: pg })), [], fixed);
    assert.match(fixed, /"schema": "public"/);
  });
});

describe('oneOf: only the chosen branch is reported', () => {
  it('postgres ssl_mode: a wrong mode lists the choices on the mode value', () => {
    const text = pgText('    "ssl_mode": { "mode": "verify-everything" }');
    const [d, ...rest] = errors(validateConfigText(text, { spec: pg }));
    assert.equal(rest.length, 0, show(rest));
    assert.equal(d.code, 'config-one-of');
    assert.equal(
      d.message,
      '“verify-everything” is not a valid SSL Modes; set “mode” to one of: disable, allow, prefer, require, verify-ca, verify-full',
    );
    assert.deepEqual(d.range.start, lineColOf(text, at(text, '"verify-everything"')));
    assert.equal(d.data?.kind, 'one-of');
    const actions = codeActionsFor(d);
    assert.equal(actions.length, 6);
    const fixed = applyEdits(text, codeActionsFor(d).find((a) => a.title.includes('require'))!.edits);
    assert.deepEqual(errors(validateConfigText(fixed, { spec: pg })), [], fixed);
  });

  it("postgres ssl_mode verify-full: only that branch's three missing fields, not the other branches'", () => {
    const text = pgText('    "ssl_mode": { "mode": "verify-full", "client_key_password": 7 }');
    const d = errors(validateConfigText(text, { spec: pg }));
    assert.deepEqual(
      d.map((x) => x.message),
      [
        'Missing required fields “CA Certificate” (ca_certificate), “Client Certificate” (client_certificate), “Client Key” (client_key)',
        'Client Key Password must be text, not a whole number',
      ],
      show(d),
    );
  });

  it('s3 format: JSONL branch errors only (compression choice inside it)', () => {
    const s3 = loadSpec('destination-s3');
    const text = JSON.stringify(
      {
        connector: 'destination-s3',
        config: {
          s3_bucket_name: 'b',
          s3_bucket_path: 'p',
          s3_bucket_region: 'us-east-1',
          format: { format_type: 'JSONL', flattening: 'Deep', compression: { compression_type: 'ZIP' } },
        },
      },
      null,
      2,
    );
    const d = errors(validateConfigText(text, { spec: s3 }));
    assert.deepEqual(
      d.map((x) => [x.code, x.pointer]),
      [
        ['config-enum', '/config/format/flattening'],
        ['config-one-of', '/config/format/compression'],
      ],
      show(d),
    );
    assert.equal(d[0].message, 'Flattening must be one of: No flattening, Root level flattening');
    assert.deepEqual(d[1].range.start, lineColOf(text, at(text, '"ZIP"')));
  });

  it('s3 format without format_type: one diagnostic listing the choices by title', () => {
    const s3 = loadSpec('destination-s3');
    const text = JSON.stringify(
      {
        connector: 'destination-s3',
        config: { s3_bucket_name: 'b', s3_bucket_path: 'p', s3_bucket_region: 'us-east-1', format: { flattening: 'No flattening' } },
      },
      null,
      2,
    );
    const d = errors(validateConfigText(text, { spec: s3 }));
    assert.equal(d.length, 1, show(d));
    assert.match(
      d[0].message,
      /^Output Format needs “format_type” to choose one of: CSV: Comma-Separated Values \(CSV\), JSON Lines: Newline-delimited JSON \(JSONL\), Avro: Apache Avro \(Avro\), Parquet: Columnar Storage \(Parquet\)$/,
    );
    assert.deepEqual(d[0].range.start, lineColOf(text, at(text, '"format"')));
  });

  it('dev-null test_destination: THROTTLED needs millis_per_record; LOGGING branch fields are not asked for', () => {
    const spec = loadSpec('destination-dev-null');
    const text = JSON.stringify(
      { connector: 'destination-dev-null', config: { test_destination: { test_destination_type: 'THROTTLED' } } },
      null,
      2,
    );
    const d = errors(validateConfigText(text, { spec }));
    assert.equal(d.length, 1, show(d));
    assert.match(d[0].message, /^Missing required field “.*” \(millis_per_record\)$/);
    const ok = JSON.stringify(
      { connector: 'destination-dev-null', config: { test_destination: { test_destination_type: 'SILENT' } } },
      null,
      2,
    );
    assert.deepEqual(errors(validateConfigText(ok, { spec })), []);
  });

  it('source-file provider: SFTP branch (no type: object in the option) asks for host and user', () => {
    const spec = loadSpec('source-file');
    const text = JSON.stringify(
      { connector: 'source-file', config: { dataset_name: 'd', format: 'csv', url: 'x', provider: { storage: 'SFTP' } } },
      null,
      2,
    );
    const d = errors(validateConfigText(text, { spec }));
    assert.equal(d.length, 1, show(d));
    assert.match(d[0].message, /\(user\).*\(host\)|\(host\).*\(user\)/);
    assert.deepEqual(d[0].range.start, lineColOf(text, at(text, '"provider"')));
  });

  it('mysql tunnel_method: SSH_PASSWORD_AUTH with a text port reports the port and the missing password only', () => {
    const spec = loadSpec('destination-mysql');
    const config = {
      host: 'h',
      port: 3306,
      username: 'u',
      database: 'd',
      tunnel_method: { tunnel_method: 'SSH_PASSWORD_AUTH', tunnel_host: 'b', tunnel_port: 'twenty-two', tunnel_user: 'ops' },
    };
    const text = JSON.stringify({ connector: 'destination-mysql', config }, null, 2);
    const d = errors(validateConfigText(text, { spec }));
    assert.deepEqual(
      d.map((x) => x.code),
      ['config-missing-required', 'config-type'],
      show(d),
    );
    assert.match(d[0].message, /\(tunnel_user_password\)$/);
    assert.deepEqual(d[1].range.start, lineColOf(text, at(text, '"twenty-two"')));
  });

  it('csv delimiter: the literal \\u002c const is accepted, a real comma is not', () => {
    const spec = loadSpec('destination-csv');
    const good =
      '{ "connector": "destination-csv", "config": { "destination_path": "/local", "delimiter_type": { "delimiter": "\\\\u002c" } } }';
    assert.deepEqual(validateConfigText(good, { spec }), []);
    const bad = '{ "connector": "destination-csv", "config": { "destination_path": "/local", "delimiter_type": { "delimiter": "," } } }';
    const d = errors(validateConfigText(bad, { spec }));
    assert.equal(d.length, 1, show(d));
    assert.equal(
      d[0].message,
      '“,” is not a valid Delimiter; set “delimiter” to one of: Comma (\\u002c), Semicolon (\\u003b), Pipe (\\u007c), Tab (\\u0009), Space (\\u0020)',
    );
    assert.deepEqual(d[0].range.start, lineColOf(bad, at(bad, '","')));
  });

  it('a oneOf given as text asks for an object and lists the choices on the value', () => {
    const text = pgText('    "ssl_mode": "require"');
    const d = errors(validateConfigText(text, { spec: pg }));
    assert.equal(d.length, 1, show(d));
    assert.equal(d[0].message, 'SSL Modes must be an object choosing one of: disable, allow, prefer, require, verify-ca, verify-full');
    assert.deepEqual(d[0].range.start, lineColOf(text, at(text, '"require"')));
  });
});

describe('secret references and secret warnings', () => {
  it('skips pattern/format checks for references but rejects one in an integer field', () => {
    const gh = loadSpec('source-github');
    const config = {
      credentials: { option_title: 'PAT Credentials', personal_access_token: 'secret_reference::GH_TOKEN' },
      repositories: ['${env:GH_REPO}'],
      start_date: '${env:START}',
      port: 1,
    };
    const text = JSON.stringify({ connector: 'source-github', config }, null, 2);
    assert.deepEqual(errors(validateConfigText(text, { spec: gh })), []);
    const pgRef = pgText('    "ssl_mode": { "mode": "disable" }').replace('"port": 5432', '"port": "${env:PG_PORT}"');
    const [d] = errors(validateConfigText(pgRef, { spec: pg }));
    assert.equal(d.code, 'secret-reference-type');
    assert.equal(d.message, 'Port must be an integer; a secret reference can only stand for text');
  });

  it('warns on a plaintext secret, suggests an env var, and the fix replaces the value', () => {
    const text = pgText('    "password": "hunter2",\n    "ssl_mode": { "mode": "disable" }');
    const d = validateConfigText(text, { spec: pg });
    assert.equal(d.length, 1, show(d));
    assert.equal(d[0].severity, 'warning');
    assert.equal(d[0].code, 'secret-plaintext');
    assert.deepEqual(d[0].range.start, lineColOf(text, at(text, '"hunter2"')));
    assert.ok(d[0].data?.kind === 'plaintext-secret' && d[0].data.envVar === 'POSTGRES_PASSWORD');
    const fixed = applyEdits(text, codeActionsFor(d[0])[0].edits);
    assert.match(fixed, /"password": "\$\{env:POSTGRES_PASSWORD\}"/);
    assert.deepEqual(validateConfigText(fixed, { spec: pg }), []);
  });

  it('treats airbyte_secret: "true" (a string, as one real spec writes it) as a secret', () => {
    const spec = {
      connectionSpecification: { type: 'object', properties: { api_key: { type: 'string', title: 'API Key', airbyte_secret: 'true' } } },
    };
    const d = validateConfigText('{ "connector": "source-x", "config": { "api_key": "abc123" } }', { spec });
    assert.deepEqual(
      d.map((x) => [x.code, x.severity]),
      [['secret-plaintext', 'warning']],
    );
    assert.ok(d[0].data?.kind === 'plaintext-secret' && d[0].data.envVar === 'X_API_KEY');
  });

  it('warns on hidden and deprecated fields (source-github "branch")', () => {
    const gh = loadSpec('source-github');
    const text = JSON.stringify(
      {
        connector: 'source-github',
        config: {
          credentials: { option_title: 'PAT Credentials', personal_access_token: '${env:T}' },
          repositories: ['a/b'],
          branch: 'a/b/main',
        },
      },
      null,
      2,
    );
    const d = validateConfigText(text, { spec: gh });
    assert.deepEqual(
      d.map((x) => [x.severity, x.code]),
      [['warning', 'field-deprecated']],
      show(d),
    );
    assert.deepEqual(d[0].range.start, lineColOf(text, at(text, '"branch"')));
  });

  it('pattern errors on list items name the list and its expected shape', () => {
    const gh = loadSpec('source-github');
    const text = JSON.stringify(
      {
        connector: 'source-github',
        config: {
          credentials: { option_title: 'PAT Credentials', personal_access_token: '${env:T}' },
          repositories: ['airbytehq/airbyte', 'airbytehq/airbyte.git'],
        },
      },
      null,
      2,
    );
    const d = errors(validateConfigText(text, { spec: gh }));
    assert.equal(d.length, 1, show(d));
    assert.equal(d[0].message, 'GitHub Repositories item 2 must look like org/repo org/another-repo org/* org/a*');
    assert.deepEqual(d[0].range.start, lineColOf(text, at(text, '"airbytehq/airbyte.git"')));
  });
});

describe('envelope, connector and syntax', () => {
  it('turns syntax errors into diagnostics with positions, never exceptions', () => {
    const text = '{\n  "connector": "destination-postgres",\n  "config": {\n    "host": "x" "port": 1\n  }\n}';
    const d = validateConfigText(text, { spec: pg });
    const syntax = d.filter((x) => x.code === 'syntax');
    assert.equal(syntax.length, 1, show(d));
    assert.equal(syntax[0].message, 'A comma is expected');
    assert.deepEqual(syntax[0].range.start, lineColOf(text, at(text, '"port"')));
    // Half-typed objects are not reported as missing fields.
    assert.equal(d.filter((x) => x.code === 'config-missing-required').length, 0, show(d));
  });

  it('reports an empty file, a non-object, wrong envelope types and unknown keys', () => {
    assert.equal(validateConfigText('')[0].code, 'syntax');
    assert.equal(validateConfigText('[1]')[0].code, 'envelope-not-object');
    const text = '{ "connector": 5, "useHostNetwork": "yes", "confg": {} }';
    const d = validateConfigText(text);
    assert.deepEqual(
      d.map((x) => [x.code, x.severity]),
      [
        ['envelope-missing-config', 'error'],
        ['envelope-type', 'error'],
        ['envelope-type', 'error'],
        ['envelope-unknown-key', 'error'],
      ],
      show(d),
    );
    assert.equal(d[3].message, 'Unknown key “confg”; did you mean “config”?');
    assert.equal(d[1].message, '“connector” must be text in double quotes');
    assert.equal(d[2].message, '“useHostNetwork” must be true or false');
    assert.deepEqual(
      validateConfigText('{ "config": {} }').map((x) => x.code),
      ['envelope-missing-connector'],
    );
  });

  it('suggests only names that are really close to an unknown connector', async () => {
    const registry = await loadRegistryFile(registrySample);
    const message = (connector: string) =>
      validateConfigText(`{ "connector": "${connector}", "config": {} }`, { registry }).map((x) => x.message);
    // Long names far from every registry entry: no far-fetched "did you mean".
    assert.deepEqual(message('source-company-internal-api'), ['“source-company-internal-api” is not in the connector registry']);
    assert.deepEqual(message('source-faker-extra'), [
      '“source-faker-extra” is not in the connector registry; did you mean “source-faker”?',
    ]);
    assert.deepEqual(message('destination-snowflak'), [
      '“destination-snowflak” is not in the connector registry; did you mean “destination-snowflake”?',
    ]);
  });

  it('warns on a connector the registry does not know and on a version it does not pin', async () => {
    const registry = await loadRegistryFile(registrySample);
    const unknown = validateConfigText('{ "connector": "destination-postgress", "config": {} }', { registry });
    assert.deepEqual(
      unknown.map((x) => [x.severity, x.code, x.message]),
      [['warning', 'connector-unknown', '“destination-postgress” is not in the connector registry; did you mean “destination-postgres”?']],
    );
    const text = '{ "connector": "destination-postgres", "version": "2.0.0", "config": {} }';
    const d = validateConfigText(text, { registry, specProblem: 'The config is not checked: no Docker.' });
    assert.deepEqual(
      d.map((x) => [x.severity, x.code]),
      [
        ['warning', 'spec-unavailable'],
        ['warning', 'version-unknown'],
      ],
    );
    assert.equal(
      d[1].message,
      'The registry only knows destination-postgres at its pinned version 3.0.16; version 2.0.0 is not in the registry, so its spec is read from the image airbyte/destination-postgres:2.0.0',
    );
    assert.deepEqual(d[1].range.start, lineColOf(text, at(text, '"2.0.0"')));
    const pin = codeActionsFor(d[1]);
    assert.equal(pin[0].title, 'Use "3.0.16" (registry\'s pinned version)');
    assert.match(applyEdits(text, pin[0].edits), /"version": "3\.0\.16"/);
    const rename = codeActionsFor(unknown[0]);
    assert.equal(
      applyEdits('{ "connector": "destination-postgress", "config": {} }', rename[0].edits),
      '{ "connector": "destination-postgres", "config": {} }',
    );
  });

  it('warns on duplicate keys (only the last counts)', () => {
    const text = pgText('    "ssl_mode": { "mode": "disable" },\n    "host": "other"');
    const d = validateConfigText(text, { spec: pg });
    assert.deepEqual(
      d.map((x) => x.code),
      ['duplicate-key'],
    );
    assert.deepEqual(d[0].range.start, lineColOf(text, at(text, '"host"', 0, 1)));
  });

  it('offers to rename a misspelt key (config field on a closed spec, and file keys)', () => {
    const sqlite = loadSpec('destination-sqlite');
    const text = '{ "conector": "destination-sqlite", "connector": "destination-sqlite", "config": { "destination_pth": "/local/x.db" } }';
    const d = validateConfigText(text, { spec: sqlite });
    const unknownField = d.find((x) => x.code === 'config-unknown-property')!;
    assert.equal(unknownField.message, 'Unknown field “destination_pth”; did you mean “destination_path”?');
    const unknownKey = d.find((x) => x.code === 'envelope-unknown-key')!;
    // "connector" is already present, so it is not the suggestion for "conector".
    assert.equal(unknownKey.data, undefined);
    const fixed = text.replace('"conector": "destination-sqlite", ', '');
    const d2 = validateConfigText(fixed, { spec: sqlite });
    const rename = codeActionsFor(d2.find((x) => x.code === 'config-unknown-property')!);
    assert.equal(rename[0].title, 'Rename to "destination_path"');
    assert.deepEqual(validateConfigText(applyEdits(fixed, rename[0].edits), { spec: sqlite }), []);
    const confg = '{ "connector": "destination-sqlite", "confg": { "destination_path": "/local/x.db" } }';
    const envFix = codeActionsFor(validateConfigText(confg, { spec: sqlite }).find((x) => x.code === 'envelope-unknown-key')!);
    assert.deepEqual(validateConfigText(applyEdits(confg, envFix[0].edits), { spec: sqlite }), []);
  });

  it('hints at a misspelt key where the spec allows extra keys (source-faker "paralelism"), with a rename fix', () => {
    const faker = loadSpec('source-faker');
    const text = '{ "connector": "source-faker", "config": { "count": 10, "paralelism": 4, "my_note": "kept" } }';
    const d = validateConfigText(text, { spec: faker });
    // The validator accepts both extra keys (additionalProperties: true); only the near miss is flagged.
    assert.deepEqual(
      d.map((x) => [x.code, x.severity, x.pointer]),
      [['config-unknown-key-near', 'warning', '/config/paralelism']],
    );
    assert.match(d[0].message, /did you mean “parallelism”\?/);
    const [rename] = codeActionsFor(d[0]);
    assert.equal(rename.title, 'Rename to "parallelism"');
    assert.deepEqual(validateConfigText(applyEdits(text, rename.edits), { spec: faker }), []);
    // A key already present is not offered again ("parallelism" set, "paralelism" beside it).
    const both = '{ "connector": "source-faker", "config": { "parallelism": 4, "paralelism": 4 } }';
    assert.deepEqual(validateConfigText(both, { spec: faker }), []);
  });

  it('counts lines right with CRLF line ends and characters in UTF-16 units (emoji before the error)', () => {
    const text = pgText('    "ssl_mode": { "mode": "disable" }')
      .replace('"db.internal"', '"db-😀.internal"')
      .replace('"port": 5432', '"port": -1')
      .replace(/\n/g, '\r\n');
    const [d] = validateConfigText(text, { spec: pg });
    assert.equal(d.message, 'Port must be an integer from 0 to 65536');
    assert.deepEqual(d.range.start, { line: 5, character: 12 });
    assert.equal(text.slice(d.range.offset, d.range.offset + d.range.length), '-1');
  });

  it('accepts comments and trailing commas (JSONC)', () => {
    const text = pgText('    /* tls */ "ssl_mode": { "mode": "disable", },');
    assert.deepEqual(validateConfigText(text, { spec: pg }), []);
  });
});
