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

  it('values that came from references do not shape it, and numbers equal to them stay intact', () => {
    const ref = (count: string) => connectorIdentity('s', { count, state_every: 10 }, undefined, new SecretMasker([count]));
    assert.equal(ref('10'), ref('50'), 'a reference value (e.g. from ${env:…}) can change without resetting state');
    assert.notEqual(
      connectorIdentity('s', { state_every: 10 }, undefined, new SecretMasker(['10'])),
      connectorIdentity('s', { state_every: 11 }, undefined, new SecretMasker(['10'])),
    );
  });
});
