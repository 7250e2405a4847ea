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
    const masker = new SecretMasker(['1000']);
    assert.deepEqual(masker.maskConfig({ password: '1000', port: 1000, note: 'retry 1000 times', list: [1000, '1000'] }), {
      password: MASK,
      port: 1000,
      note: `retry ${MASK} times`,
      list: [1000, MASK],
    });
  });

  it('masks a short secret where it stands alone, never inside other text', () => {
    const masker = new SecretMasker(['R']);
    assert.equal(masker.tooShort, 1);
    assert.deepEqual(masker.maskConfig({ token: 'R', note: 'Rate limit exceeded' }), { token: MASK, note: 'Rate limit exceeded' });
    assert.equal(masker.mask('Rate limit exceeded'), 'Rate limit exceeded');
  });
});

describe('SecretMasker by exact value', () => {
  it('masks a 40,000-character secret, also JSON-escaped, and leaves the text around it', () => {
    const secret = 'k"'.repeat(20_000);
    const masker = new SecretMasker([secret]);
    assert.equal(masker.mask(`token=${secret};`), `token=${MASK};`);
    assert.equal(masker.mask(JSON.stringify({ token: secret })), `{"token":"${MASK}"}`);
  });

  it('treats regular-expression metacharacters as plain text', () => {
    const masker = new SecretMasker(['a.*b(c|d)[x]$^\\']);
    assert.equal(masker.mask('pw a.*b(c|d)[x]$^\\ end'), `pw ${MASK} end`);
    assert.equal(masker.mask('aXXb(c|d)[x]'), 'aXXb(c|d)[x]');
  });

  it('masks overlapping and adjacent occurrences without leaking a character between them', () => {
    const masker = new SecretMasker(['abcd', 'cdef']);
    assert.equal(masker.mask('xabcdefy'), `x${MASK}y`);
    assert.equal(masker.mask('abcdabcd'), MASK);
    assert.equal(masker.mask('abcd-abcd'), `${MASK}-${MASK}`);
  });

  it('never leaves any character of a secret in masked text (seeded random texts)', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let trial = 0; trial < 200; trial++) {
      const alphabet = 'ab"\\';
      const pick = (n: number) => Array.from({ length: n }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
      const secrets = [pick(4 + Math.floor(rand() * 4)), pick(4 + Math.floor(rand() * 4))];
      const masker = new SecretMasker(secrets);
      const text = Array.from({ length: 6 }, () => (rand() < 0.5 ? secrets[Math.floor(rand() * 2)] : pick(3))).join(' ');
      const masked = masker.mask(text);
      for (const s of secrets)
        assert.ok(!masked.includes(s), `${JSON.stringify(s)} leaked from ${JSON.stringify(text)}: ${JSON.stringify(masked)}`);
    }
  });
});
