// What a newcomer reads when something fails (issue 14), at the core: a catch-all TRACE ERROR is
// headlined by its cause, STREAM_STATUS goes only to destinations that read it, and "auto" says
// per stream what it becomes and why.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGenericTraceMessage, traceHeadline } from '../../../src/core/connectors/connectorProcess';
import { takesStreamStatus } from '../../../src/core/write/streamStatusRule';
import { explainStrategy } from '../../../src/core/write/writeStrategy';
import { loadRegistryFile } from '../../../src/core/registry/registry';
import { registrySamplePath } from '../../harness/paths';

const CATCH_ALL = 'Something went wrong in the connector. See the logs for more details.';
const CAUSE = 'ValueError: destination_path=/etc/x.db is not a valid path. A valid path shall start with /local or no / prefix';

describe('failure headlines', () => {
  it('headlines a catch-all TRACE by its internal_message, else the last ERROR line, else the catch-all', () => {
    assert.ok(isGenericTraceMessage(CATCH_ALL));
    assert.ok(!isGenericTraceMessage('Destination rejected the batch: quota exceeded'));
    assert.equal(traceHeadline({ message: CATCH_ALL, internal_message: CAUSE }, 'ERROR something else'), CAUSE);
    assert.equal(traceHeadline({ message: CATCH_ALL }, `${CAUSE}\nTraceback (most recent call last):\n  File "x.py"`), CAUSE);
    assert.equal(traceHeadline({ message: CATCH_ALL }), CATCH_ALL);
    // A specific message stays the headline, whatever the log says.
    assert.equal(traceHeadline({ message: 'quota exceeded', internal_message: 'HTTP 429' }, CAUSE), 'quota exceeded');
  });
});

describe('STREAM_STATUS to destinations', () => {
  it('follows the spec protocol version, then the registry (Python CDK: no), else sends', async () => {
    const spec = (protocol_version?: string) => ({ connectionSpecification: {}, protocol_version });
    assert.equal(takesStreamStatus(spec('0.5.2'), undefined).send, true);
    assert.equal(takesStreamStatus(spec('0.2.0'), { language: 'java', raw: {} }).send, false);
    const registry = await loadRegistryFile(registrySamplePath);
    const sqlite = registry.find('destination-sqlite', 'destination');
    const postgres = registry.find('destination-postgres', 'destination');
    assert.ok(sqlite && postgres);
    const bySqlite = takesStreamStatus(spec(), sqlite);
    assert.equal(bySqlite.send, false);
    assert.match(bySqlite.why, /Python CDK destination \(python:6\.48\.10\)/);
    assert.equal(takesStreamStatus(spec(), postgres).send, true);
    assert.equal(takesStreamStatus(spec(), undefined).send, true, 'built-ins and unknown images get them');
  });
});

describe('strategy outcomes before a run', () => {
  it('says per stream what auto becomes and why, naming what the destination cannot do', () => {
    const users = { name: 'users', primaryKey: [['id']], cursorField: ['updated_at'] };
    const logs = { name: 'logs' };
    assert.deepEqual(explainStrategy('auto', users, ['overwrite', 'append'], 'destination-sqlite'), {
      mode: 'append',
      why: 'has a primary key; destination-sqlite cannot merge (it supports overwrite, append)',
    });
    assert.deepEqual(explainStrategy('auto', users, ['overwrite', 'append', 'append_dedup'], 'd'), {
      mode: 'append_dedup',
      why: 'has a primary key',
    });
    assert.deepEqual(explainStrategy('auto', logs, undefined, 'd'), { mode: 'overwrite', why: 'has no primary key or cursor' });
    const merge = explainStrategy('merge', logs, undefined, 'd');
    assert.equal(merge.mode, undefined);
    assert.match(merge.why, /no primary key, so it cannot be merged/);
  });
});
