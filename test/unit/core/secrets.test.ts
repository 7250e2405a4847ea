import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { specsDir } from '../../harness/paths';
import { describe, it } from 'node:test';
import { collectSecretValues, MASK, SecretMasker } from '../../../src/core/secrets';

const spec = (name: string) => JSON.parse(readFileSync(path.join(specsDir, `${name}.spec.json`), 'utf8')).connectionSpecification as object;

describe('secrets', () => {
  it('collects airbyte_secret values through oneOf branches of a real spec (postgres)', () => {
    const config = {
      host: 'db.internal',
      port: 5432,
      username: 'loader',
      password: 'hunter2-pg',
      tunnel_method: {
        tunnel_method: 'SSH_PASSWORD_AUTH',
        tunnel_host: 'bastion',
        tunnel_user: 'ops',
        tunnel_user_password: 'ssh-pass-99',
      },
    };
    const secrets = collectSecretValues(config, spec('destination-postgres'));
    assert.ok(secrets.has('hunter2-pg'));
    assert.ok(secrets.has('ssh-pass-99'));
    assert.ok(!secrets.has('db.internal'));
    assert.ok(!secrets.has('loader'));
  });

  it('treats airbyte_secret: "true" (a string, as one real spec writes it) as a secret', () => {
    const schema = { type: 'object', properties: { deploy_key: { type: 'string', airbyte_secret: 'true' } } };
    assert.deepEqual([...collectSecretValues({ deploy_key: 'prod:abc' }, schema)], ['prod:abc']);
  });

  it('masks plain and JSON-escaped occurrences, longest first', () => {
    const masker = new SecretMasker(['pa"ss', 'pa"ss-long']);
    assert.equal(masker.mask('login with pa"ss-long then pa"ss'), `login with ${MASK} then ${MASK}`);
    assert.equal(masker.mask(JSON.stringify({ password: 'pa"ss' })), `{"password":"${MASK}"}`);
    assert.deepEqual(masker.maskConfig({ a: 'x pa"ss y', b: 3 }), { a: `x ${MASK} y`, b: 3 });
  });

  it('leaves text alone when there is no secret', () => {
    const masker = new SecretMasker();
    assert.equal(masker.size, 0);
    assert.equal(masker.mask('nothing to hide'), 'nothing to hide');
  });
});

describe('maskConfig', () => {
  it('masks string values only, so a number-like secret leaves numbers intact', () => {
    const masker = new SecretMasker(['10']);
    assert.deepEqual(masker.maskConfig({ password: '10', port: 10, note: 'retry 10 times', list: [10, '10'] }), {
      password: MASK,
      port: 10,
      note: `retry ${MASK} times`,
      list: [10, MASK],
    });
  });
});
