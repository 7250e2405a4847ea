import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { registrySamplePath } from '../../harness/paths';
import { describe, it } from 'node:test';
import { parse, type ParseError } from 'jsonc-parser';
import type { RunRecord } from '../../../src/core/store/runHistory';
import { connectorInfoFromEntry, matchesFilter } from '../../../src/extension/connectorFilter';
import { defaultFileName, scaffoldSnippet } from '../../../src/extension/configScaffold';
import { protocolLevel, shouldLog } from '../../../src/extension/logLevels';
import { groupRuns, identityChanged, relativeTime } from '../../../src/extension/syncHistory';
import { parseRegistry } from '../../../src/core/registry/registry';
import type { Schema } from '../../../src/core/spec/schemaNavigation';

const registry = parseRegistry(JSON.parse(readFileSync(registrySamplePath, 'utf8')));

/** A snippet with its placeholders replaced by their default text, as the editor shows it. */
function expandSnippet(snippet: string): string {
  return snippet
    .replace(/\$\{\d+\}/g, '')
    .replace(/\$\{\d+:((?:\\.|[^}\\])*)\}/g, (_, text: string) => text.replace(/\\(.)/g, '$1'))
    .replace(/\\\$/g, '$');
}

describe('connector filter', () => {
  const infos = registry.map(connectorInfoFromEntry);
  it('matches every word against the name and display name, case-insensitively', () => {
    const hits = (f: string) =>
      infos
        .filter((i) => matchesFilter(i, f))
        .map((i) => i.name)
        .sort();
    assert.deepEqual(hits('postgres'), ['destination-postgres']);
    assert.deepEqual(hits('LOCAL json'), ['destination-local-json']);
    assert.deepEqual(hits('duck'), ['destination-duckdb', 'destination-motherduck']);
    assert.equal(hits('').length, infos.length);
    assert.deepEqual(hits('no-such-thing'), []);
  });
  it('gives each registry entry its pinned image', () => {
    const pg = infos.find((i) => i.name === 'destination-postgres')!;
    assert.equal(pg.image, 'airbyte/destination-postgres:3.0.16');
    assert.equal(pg.supportLevel, 'certified');
  });
});

describe('new config scaffold', () => {
  it('is valid JSONC naming the connector, with the required fields of the real postgres spec', () => {
    const entry = registry.find((e) => e.name === 'destination-postgres')!;
    const spec = entry.spec!.connectionSpecification as Schema;
    const text = expandSnippet(scaffoldSnippet('destination-postgres', spec));
    const errors: ParseError[] = [];
    const doc = parse(text, errors, { allowTrailingComma: true }) as { connector: string; config: Record<string, unknown> };
    assert.deepEqual(errors, []);
    assert.equal(doc.connector, 'destination-postgres');
    for (const key of spec.required as string[]) assert.ok(key in doc.config, `required ${key} scaffolded`);
    assert.ok(!('jdbc_url_params' in doc.config), 'optional fields left to completion');
  });
  it('puts each string placeholder inside its quotes, so typing keeps them', () => {
    const spec = registry.find((e) => e.name === 'destination-postgres')!.spec!.connectionSpecification as Schema;
    const snippet = scaffoldSnippet('destination-postgres', spec);
    // `${1:""}` would select the quotes and typing would replace them (a syntax error per field).
    assert.doesNotMatch(snippet, /\$\{\d+:"/);
    assert.match(snippet, /"host": "\$\{\d+\}"/);
    assert.match(snippet, /"schema": "\$\{\d+:public\}"/);
    assert.match(snippet, /"port": \$\{\d+:5432\}/);
  });
  it('puts secrets in ${env:…} references', () => {
    const spec: Schema = { type: 'object', required: ['api_key'], properties: { api_key: { type: 'string', airbyte_secret: true } } };
    const text = expandSnippet(scaffoldSnippet('destination-test', spec, { image: 'x/y:1' }));
    const doc = parse(text) as { image: string; config: { api_key: string } };
    assert.match(doc.config.api_key, /^\$\{env:[A-Z0-9_]+\}$/);
    assert.equal(doc.image, 'x/y:1');
  });
  it('derives the file name from the connector', () => {
    assert.equal(defaultFileName('destination-postgres'), 'destination-postgres.airbyte.jsonc');
    assert.equal(defaultFileName('builtin:sqlite'), 'sqlite.airbyte.jsonc');
  });
});

describe('sync history', () => {
  const folder = { uri: { fsPath: '/ws' }, name: 'ws', index: 0 } as never;
  const run = (
    id: number,
    kind: 'read' | 'write',
    sourceId: string,
    destinationId: string | undefined,
    status: RunRecord['status'],
    recorded: Partial<RunRecord> = {},
  ): RunRecord => ({
    id,
    kind,
    source: 'builtin:sample',
    sourceId,
    destination: destinationId ? 'destination-test' : undefined,
    destinationId,
    streams: [],
    startedAt: id * 1000,
    status,
    recordsRead: 0,
    recordsSent: 0,
    recordsConfirmed: 0,
    bytes: 0,
    streamStats: [],
    ...recorded,
  });
  const source = { sourceLabel: 'source', sourceConfigPath: '/ws/source.airbyte.jsonc' };
  it('groups runs (newest first) into pairs named as run history recorded them, two configs of one connector apart, reads under the pair they fed', () => {
    const runs = [
      run(5, 'write', 's#1', 'd#2', 'succeeded', {
        ...source,
        destinationLabel: 'dest-b',
        destinationConfigPath: '/ws/dest-b.airbyte.jsonc',
      }),
      run(4, 'read', 's#1', undefined, 'cancelled', { ...source, forDestinationId: 'd#1' }),
      run(3, 'write', 's#1', 'd#1', 'failed', { ...source, destinationLabel: 'dest-a', destinationConfigPath: '/ws/dest-a.airbyte.jsonc' }),
      // A row from before run history kept labels: connector names.
      run(2, 'read', 's#9', undefined, 'succeeded'),
    ];
    const pairs = groupRuns(runs, folder);
    assert.deepEqual(
      pairs.map((p) => [p.source, p.destination, p.runs.map((r) => r.id)]),
      [
        ['source', 'dest-b', [5]],
        ['source', 'dest-a', [4, 3]],
        ['builtin:sample', 'cache', [2]],
      ],
    );
    assert.deepEqual(
      pairs.map((p) => [p.sourceConfigPath, p.destinationConfigPath]),
      [
        ['/ws/source.airbyte.jsonc', '/ws/dest-b.airbyte.jsonc'],
        ['/ws/source.airbyte.jsonc', '/ws/dest-a.airbyte.jsonc'],
        [undefined, undefined],
      ],
    );
    assert.deepEqual(
      pairs.map((p) => p.destinationId),
      ['d#2', 'd#1', ''],
    );
  });
  it('names the destination of a read whose write never started by what the read recorded', () => {
    const pairs = groupRuns(
      [run(7, 'read', 's#1', undefined, 'cancelled', { ...source, forDestinationId: 'd#3', destinationLabel: 'sqlite' })],
      folder,
    );
    assert.deepEqual(
      pairs.map((p) => [p.source, p.destination, p.destinationId]),
      [['source', 'sqlite', 'd#3']],
    );
  });
  it('keeps one pair per pair of config files when a config is edited, and marks the run whose identity changed', () => {
    const dest = { ...source, destinationLabel: 'destination', destinationConfigPath: '/ws/destination.airbyte.jsonc' };
    const runs = [
      run(4, 'write', 's#1', 'd#2', 'succeeded', { ...dest, parentRunId: 3 }),
      run(3, 'read', 's#1', undefined, 'succeeded', { ...dest, forDestinationId: 'd#2' }),
      run(2, 'write', 's#1', 'd#1', 'succeeded', dest),
      // Older than recorded paths: joins by its identities.
      run(1, 'write', 's#1', 'd#1', 'failed'),
    ];
    const pairs = groupRuns(runs, folder);
    assert.deepEqual(
      pairs.map((p) => p.runs.map((r) => r.id)),
      [[4, 3, 2, 1]],
    );
    const [r4, r3, r2, r1] = pairs[0].runs;
    assert.equal(identityChanged(r4, r3), undefined, 'a write and the read that fed it');
    assert.equal(identityChanged(r3, r2), 'destination');
    assert.equal(identityChanged(r2, r1), undefined);
    assert.equal(identityChanged(r1, undefined), undefined);
  });
  it('says how long ago', () => {
    assert.equal(relativeTime(1_000_000, 1_010_000), 'just now');
    assert.equal(relativeTime(0, 5 * 60_000), '5 min ago');
    assert.equal(relativeTime(0, 3 * 3_600_000), '3 h ago');
  });
});

describe('connector log levels', () => {
  it('maps protocol levels onto the setting and filters by it', () => {
    assert.deepEqual(['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE', 'whatever'].map(protocolLevel), [
      'error',
      'error',
      'warn',
      'info',
      'debug',
      'debug',
      'info',
    ]);
    assert.ok(shouldLog('error', 'info'));
    assert.ok(shouldLog('info', 'info'));
    assert.ok(!shouldLog('debug', 'info'));
    assert.ok(!shouldLog('warn', 'error'));
    assert.ok(shouldLog('debug', 'debug'));
  });
});
