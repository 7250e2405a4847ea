import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecretMasker } from '../../../src/core/secrets';
import { connectorIdentity } from '../../../src/core/write/connectorIdentity';

const spec = { type: 'object', properties: { host: { type: 'string' }, password: { type: 'string', airbyte_secret: true } } };

describe('connector identity', () => {
  it('is stable, order-independent, and differs for two configs of one connector', () => {
    const a = connectorIdentity('destination-postgres', { host: 'a', password: 'p' }, spec);
    assert.equal(connectorIdentity('destination-postgres', { password: 'p', host: 'a' }, spec), a);
    assert.notEqual(connectorIdentity('destination-postgres', { host: 'b', password: 'p' }, spec), a);
    assert.notEqual(connectorIdentity('destination-mysql', { host: 'a', password: 'p' }, spec), a);
    assert.match(a, /^destination-postgres#[0-9a-f]{16}$/);
  });

  it('ignores secret values (a rotated token keeps the state) and never contains them', () => {
    const a = connectorIdentity('d', { host: 'a', password: 'old-secret' }, spec);
    assert.equal(connectorIdentity('d', { host: 'a', password: 'new-secret' }, spec), a);
    assert.ok(!a.includes('secret'));
  });

  it('without a spec, values that came from references do not shape it, and numbers equal to them stay intact', () => {
    const ref = (count: string) => connectorIdentity('s', { count, state_every: 10 }, undefined, new SecretMasker([count]));
    assert.equal(ref('1000'), ref('5000'), 'a reference value (e.g. from ${env:…}) can change without resetting state');
    assert.notEqual(
      connectorIdentity('s', { state_every: 1000 }, undefined, new SecretMasker(['1000'])),
      connectorIdentity('s', { state_every: 1001 }, undefined, new SecretMasker(['1000'])),
    );
  });

  it('with a spec, a referenced value in a plain field shapes it (two output files), one in a secret field does not', () => {
    const spec = {
      type: 'object',
      properties: { destination_path: { type: 'string' }, api_key: { type: 'string', airbyte_secret: true } },
    };
    // What `${env:OUT}` and `${env:KEY}` resolved to: the connector's masker holds both values.
    const id = (out: string, key: string) =>
      connectorIdentity('d', { destination_path: out, api_key: key }, spec, new SecretMasker([out, key]));
    assert.notEqual(id('/local/a.db', 'key-1111'), id('/local/b.db', 'key-1111'), 'OUT=a.db and OUT=b.db are two destinations');
    assert.equal(id('/local/a.db', 'key-1111'), id('/local/a.db', 'key-2222'), 'a rotated secret keeps its state');
  });
});
