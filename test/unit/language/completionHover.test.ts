// Completion and hover through the language service facade, on real specs and the registry
// sample: what is offered, in what order, and that inserting it yields a valid file.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { listBuiltins } from '../../../src/core/builtin/builtinRegistry';
import type { ConfigLanguageService } from '../../../src/core/language/configLanguageService';
import { getConfigLanguageService } from '../../../src/core/language/configLanguageService';
import type { CompletionItem } from '../../../src/core/language/languageTypes';
import { loadRegistryFile } from '../../../src/core/registry/registry';
import { registrySample } from '../spec/specFixtures';

/** Expands a VS Code snippet to the text it leaves when every placeholder keeps its default (first choice). */
function expandSnippet(snippet: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < snippet.length; i++) {
    const c = snippet[i];
    if (c === '\\' && i + 1 < snippet.length && '\\$}'.includes(snippet[i + 1])) {
      out += snippet[++i];
    } else if (c === '$' && snippet[i + 1] === '{') {
      const m = /^\$\{\d+(:|\||\})/.exec(snippet.slice(i));
      if (!m) throw new Error(`bad snippet at ${i}: ${snippet}`);
      i += m[0].length - 1;
      if (m[1] === '}') continue; // an empty tab stop: `${1}`
      if (m[1] === '|') {
        const end = snippet.indexOf('|}', i);
        out += snippet.slice(i + 1, end).split(',')[0];
        i = end + 1;
      } else depth++;
    } else if (c === '$' && /\d/.test(snippet[i + 1] ?? '')) {
      while (/\d/.test(snippet[i + 1] ?? '')) i++;
    } else if (c === '}' && depth > 0) {
      depth--;
    } else {
      out += c;
    }
  }
  return out;
}

function apply(text: string, item: CompletionItem): string {
  const inserted = item.insertTextFormat === 'snippet' ? expandSnippet(item.insertText) : item.insertText;
  return text.slice(0, item.range.offset) + inserted + text.slice(item.range.offset + item.range.length);
}

describe('completion', () => {
  let service: ConfigLanguageService;
  before(async () => {
    service = getConfigLanguageService({ registry: await loadRegistryFile(registrySample) });
  });

  it('offers the file keys in an empty object, connector and config first', async () => {
    const text = '{\n  \n}';
    const list = await service.doComplete(text, 4);
    const labels = [...list.items].sort((a, b) => a.sortText.localeCompare(b.sortText)).map((i) => i.label);
    assert.deepEqual(labels, [
      'connector',
      'config',
      'version',
      'image',
      'useHostNetwork',
      'localDir',
      'dockerHost',
      'python',
      'pipUrl',
      'installRoot',
    ]);
  });

  it('offers a skeleton in an empty file, and a new property right before an existing key', async () => {
    const empty = await service.doComplete('  \n', 1);
    assert.equal(empty.items.length, 1);
    assert.match(empty.items[0].insertText, /"connector": "\$1"/);
    const text = '{ "connector": "destination-postgres", "config": { "host": "db" } }';
    const before = (await service.doComplete(text, text.indexOf('"host"'))).items;
    const port = before.find((i) => i.label === 'port')!;
    assert.equal(port.range.length, 0);
    assert.equal(port.insertText, '"port": ${1:5432},');
    assert.ok(!before.some((i) => i.label === 'host'));
  });

  it('offers connector names from the registry and the built-ins, replacing the typed string', async () => {
    const text = '{ "connector": "dest" }';
    const offset = text.indexOf('dest') + 4;
    const list = await service.doComplete(text, offset);
    const labels = list.items.map((i) => i.label);
    for (const b of listBuiltins()) assert.ok(labels.includes(b.name));
    assert.ok(labels.includes('destination-postgres') && labels.includes('source-faker'));
    const pg = list.items.find((i) => i.label === 'destination-postgres')!;
    assert.equal(pg.detail, 'Postgres · destination');
    assert.equal(pg.range.offset, text.indexOf('"dest"'));
    assert.equal(pg.range.length, '"dest"'.length);
    assert.equal(apply(text, pg), '{ "connector": "destination-postgres" }');
  });

  it('offers missing config properties, required first then by order, as snippets', async () => {
    const text = '{\n  "connector": "destination-postgres",\n  "config": {\n    "host": "db",\n    \n  }\n}';
    const offset = text.indexOf('\n    \n') + 5;
    const list = await service.doComplete(text, offset);
    const sorted = [...list.items].sort((a, b) => a.sortText.localeCompare(b.sortText));
    assert.deepEqual(
      sorted.slice(0, 4).map((i) => i.label),
      ['port', 'database', 'schema', 'username'],
    );
    assert.ok(!sorted.some((i) => i.label === 'host'), 'present keys are not offered');
    const schema = sorted.find((i) => i.label === 'schema')!;
    assert.equal(schema.insertText, '"schema": "${1:public}"');
    assert.equal(schema.detail, 'Default Schema · required');
    assert.match(schema.documentation ?? '', /\*\*Default Schema\*\* `schema` · required/);
    const password = sorted.find((i) => i.label === 'password')!;
    assert.equal(expandSnippet(password.insertText), '"password": "${env:POSTGRES_PASSWORD}"');
  });

  it('inserting every required property through completion yields a valid file', async () => {
    const marker = '§';
    let text = `{\n  "connector": "destination-postgres",\n  "config": {\n    ${marker}\n  }\n}`;
    for (let round = 0; round < 10; round++) {
      const offset = text.indexOf(marker);
      const bare = text.replace(marker, '');
      const items = (await service.doComplete(bare, offset)).items.filter((i) => i.detail?.includes('required'));
      if (items.length === 0) {
        text = bare;
        break;
      }
      const item = items.sort((a, b) => a.sortText.localeCompare(b.sortText))[0];
      const applied = apply(bare, item);
      const end = offset + (applied.length - bare.length);
      text = `${applied.slice(0, end)},\n    ${marker}${applied.slice(end)}`;
    }
    text = text.replace(/,\n {4}§/, '');
    const errors = (await service.doValidation(text)).filter((d) => d.severity === 'error');
    assert.deepEqual(errors, [], text);
    assert.match(text, /"port": 5432,\n {4}"database": "",\n {4}"schema": "public",\n {4}"username": ""/);
  });

  it('offers the images present in the Docker engine for `image`, those naming the connector first, after the registry’s', async () => {
    const local = ['postgres:16', '<none>:<none>', 'me/source-faker:dev', 'airbyte/source-faker:6.2.38'];
    const withImages = getConfigLanguageService({ registry: await loadRegistryFile(registrySample), localImages: async () => local });
    const text = '{ "connector": "source-faker", "image": "" }';
    const items = (await withImages.doComplete(text, text.lastIndexOf('""') + 1)).items;
    const faker = (await loadRegistryFile(registrySample)).find('source-faker')!;
    assert.deepEqual(
      items.map((i) => [i.label, i.detail]),
      [
        [`airbyte/source-faker:${faker.dockerImageTag}`, 'the registry’s image'],
        ['airbyte/source-faker:6.2.38', 'present in the Docker engine'],
        ['me/source-faker:dev', 'present in the Docker engine'],
        ['postgres:16', 'present in the Docker engine'],
      ],
    );
    // No engine (the host's lookup fails): the registry's image alone, no error.
    const noEngine = getConfigLanguageService({
      registry: await loadRegistryFile(registrySample),
      localImages: () => Promise.reject(new Error('no engine')),
    });
    assert.equal((await noEngine.doComplete(text, text.lastIndexOf('""') + 1)).items.length, 1);
  });

  it('adds a comma when another property follows, and only the key when a colon is already there', async () => {
    const text = '{ "connector": "destination-postgres", "config": { "" "host": "db" } }';
    const list = await service.doComplete(text, text.indexOf('""') + 1);
    const port = list.items.find((i) => i.label === 'port')!;
    assert.equal(port.insertText, '"port": ${1:5432},');
    const withColon = '{ "connector": "destination-postgres", "config": { "po": 1 } }';
    const key = (await service.doComplete(withColon, withColon.indexOf('"po"') + 3)).items.find((i) => i.label === 'port')!;
    assert.equal(key.insertText, '"port"');
    assert.equal(apply(withColon, key), '{ "connector": "destination-postgres", "config": { "port": 1 } }');
  });

  it('offers oneOf branches as whole objects with their required fields (postgres ssl_mode)', async () => {
    const text = '{ "connector": "destination-postgres", "config": { "ssl_mode":  } }';
    const list = await service.doComplete(text, text.indexOf(':  }') + 2);
    assert.deepEqual(
      list.items.map((i) => i.label),
      ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'],
    );
    const verifyCa = list.items.find((i) => i.label === 'verify-ca')!;
    assert.equal(verifyCa.detail, 'mode: "verify-ca"');
    const applied = apply(text, verifyCa);
    assert.match(applied, /"mode": "verify-ca",\n\s+"ca_certificate": "\$\{env:POSTGRES_SSL_MODE_CA_CERTIFICATE\}"/);
    const errors = (await service.doValidation(applied)).filter((d) => d.severity === 'error' && d.pointer.startsWith('/config/ssl_mode'));
    assert.deepEqual(errors, []);
  });

  it('offers every discriminator value, even when the current one is wrong', async () => {
    const text = '{ "connector": "destination-postgres", "config": { "ssl_mode": { "mode": "x" } } }';
    const list = await service.doComplete(text, text.indexOf('"x"') + 1);
    assert.deepEqual(
      list.items.map((i) => i.insertText),
      ['"disable"', '"allow"', '"prefer"', '"require"', '"verify-ca"', '"verify-full"'],
    );
  });

  it('csv delimiter branches insert the literal \\u002c text the spec expects', async () => {
    const text = '{ "connector": "destination-csv", "config": { "destination_path": "/local", "delimiter_type":  } }';
    const comma = (await service.doComplete(text, text.indexOf(':  }') + 2)).items.find((i) => i.label === 'Comma')!;
    const applied = apply(text, comma);
    assert.match(applied, /"delimiter": "\\\\u002c"/);
    assert.deepEqual(await service.doValidation(applied), []);
  });

  it('offers enum values, booleans and defaults', async () => {
    const s3 = '{ "connector": "destination-s3", "config": { "s3_bucket_region": "" } }';
    const regions = (await service.doComplete(s3, s3.indexOf('""') + 1)).items.map((i) => i.label);
    assert.ok(regions.includes('us-east-1') && regions.includes('eu-west-1'));
    const mysql = '{ "connector": "destination-mysql", "config": { "ssl":  } }';
    const bools = (await service.doComplete(mysql, mysql.indexOf(':  }') + 2)).items;
    assert.deepEqual(
      bools.map((i) => i.label),
      ['true', 'false'],
    );
    assert.equal(bools.find((i) => i.preselect)?.label, 'true', 'the default is preselected');
  });
});

describe('hover', () => {
  let service: ConfigLanguageService;
  before(async () => {
    service = getConfigLanguageService({ registry: await loadRegistryFile(registrySample) });
  });
  const text = `{
  "connector": "destination-postgres",
  "config": {
    "port": 5432,
    "password": "\${env:PG}",
    "ssl_mode": { "mode": "require" }
  }
}`;

  it('describes a field from its key: title, description, type and bounds, examples, required', async () => {
    const hover = await service.doHover(text, text.indexOf('"port"') + 2);
    assert.ok(hover);
    assert.equal(hover.range.offset, text.indexOf('"port"'));
    assert.match(hover.contents, /^\*\*Port\*\* `port` · required\n\nPort of the database\./);
    assert.match(hover.contents, /Type: integer \(0–65536\)/);
    assert.match(hover.contents, /Examples?: `"?5432"?`/);
  });

  it('marks secrets and suggests a reference', async () => {
    const hover = await service.doHover(text, text.indexOf('"password"') + 2);
    assert.match(hover?.contents ?? '', /\*\*Password\*\* `password` · 🔒 secret/);
    assert.match(hover?.contents ?? '', /\$\{env:NAME\}/);
  });

  it('explains the chosen oneOf option on the discriminator value', async () => {
    const hover = await service.doHover(text, text.indexOf('"require"') + 2);
    assert.match(hover?.contents ?? '', /\*\*SSL Modes\*\* `mode`/);
    assert.match(hover?.contents ?? '', /Option: \*\*require\*\* — Require SSL mode\./);
  });

  it('describes the connector from the registry and the file keys', async () => {
    const hover = await service.doHover(text, text.indexOf('destination-postgres') + 3);
    assert.match(
      hover?.contents ?? '',
      /^\*\*Postgres\*\* `destination-postgres` · destination\n\nImage: `airbyte\/destination-postgres:3\.0\.16`/,
    );
    assert.match(hover?.contents ?? '', /\[Documentation\]\(https:\/\/docs\.airbyte\.com\/integrations\/destinations\/postgres\)/);
    const key = await service.doHover(text, text.indexOf('"config"') + 2);
    assert.match(key?.contents ?? '', /^\*\*config\*\*\n\nThe connector's configuration/);
  });

  it('turns HTML descriptions into markdown links (source-github start_date) and shows pattern_descriptor', async () => {
    const gh = '{ "connector": "source-github", "config": { "start_date": "2021-01-01T00:00:00Z" } }';
    const hover = await service.doHover(gh, gh.indexOf('"start_date"') + 2);
    assert.match(hover?.contents ?? '', /\[docs\]\(https:\/\/docs\.airbyte\.com\/integrations\/sources\/github\)/);
    assert.match(hover?.contents ?? '', /Format: `YYYY-MM-DDTHH:mm:ssZ`/);
  });

  it('says whether a version is the pinned one', async () => {
    const pinned = '{ "connector": "destination-postgres", "version": "3.0.16", "config": {} }';
    assert.match(
      (await service.doHover(pinned, pinned.indexOf('3.0.16')))?.contents ?? '',
      /pinned version of destination-postgres: its spec comes from the registry/,
    );
    const other = '{ "connector": "destination-postgres", "version": "2.0.0", "config": {} }';
    assert.match(
      (await service.doHover(other, other.indexOf('2.0.0'), { allowRun: false }))?.contents ?? '',
      /pins destination-postgres at `3\.0\.16`; this version's spec is read from the image `airbyte\/destination-postgres:2\.0\.0`/,
    );
  });

  it('reports which spec is in use', async () => {
    const status = await service.getSpecStatus(text);
    assert.equal(status.resolved?.origin, 'registry');
    assert.equal(status.resolved?.image, 'airbyte/destination-postgres:3.0.16');
    const pinned = await service.getSpecStatus('{ "connector": "destination-postgres", "version": "1.0.0", "config": {} }');
    assert.equal(pinned.problemCode, 'SPEC_FAILED');
  });
});
