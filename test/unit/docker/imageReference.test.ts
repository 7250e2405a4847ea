// The image reference grammar (Docker's distribution/reference), on its own test vectors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertImageReference, imageTagProblem, parseImageReference } from '../../../src/core/docker/imageReference';
import { isAirbyteError } from '../../../src/core/errors';

const HEX64 = 'f'.repeat(64);

test('valid references parse into domain, path, tag and digest', () => {
  const cases: Array<[string, { domain?: string; path: string; tag?: string; digest?: string }]> = [
    ['airbyte/destination-duckdb:0.4.0', { path: 'airbyte/destination-duckdb', tag: '0.4.0' }],
    ['test_com', { path: 'test_com' }],
    ['test.com:tag', { path: 'test.com', tag: 'tag' }],
    ['test.com:5000', { path: 'test.com', tag: '5000' }],
    ['test.com/repo:tag', { domain: 'test.com', path: 'repo', tag: 'tag' }],
    ['test:5000/repo', { domain: 'test:5000', path: 'repo' }],
    [`test:5000/repo@sha256:${HEX64}`, { domain: 'test:5000', path: 'repo', digest: `sha256:${HEX64}` }],
    [`test:5000/repo:tag@sha256:${HEX64}`, { domain: 'test:5000', path: 'repo', tag: 'tag', digest: `sha256:${HEX64}` }],
    ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', { domain: 'sub-dom1.foo.com', path: 'bar/baz/quux', tag: 'some-long-tag' }],
    ['b.gcr.io/test.example.com/my-app:test.example.com', { domain: 'b.gcr.io', path: 'test.example.com/my-app', tag: 'test.example.com' }],
    ['xn--n3h.com/myimage:xn--n3h.com', { domain: 'xn--n3h.com', path: 'myimage', tag: 'xn--n3h.com' }],
    ['[2001:db8::1]:5000/repo', { domain: '[2001:db8::1]:5000', path: 'repo' }],
    ['localhost/x:dev', { domain: 'localhost', path: 'x', tag: 'dev' }],
    ['lowercase:Uppercase', { path: 'lowercase', tag: 'Uppercase' }],
    ['a__b/c---d.e_f', { path: 'a__b/c---d.e_f' }],
    ['airbyte-write-test/destination-test:dev', { path: 'airbyte-write-test/destination-test', tag: 'dev' }],
  ];
  for (const [ref, expected] of cases) assert.deepEqual(parseImageReference(ref), expected, ref);
});

test('malformed references say why', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    [':justtag', /empty part/],
    [`@sha256:${HEX64}`, /empty part/],
    ['repo@sha256:ffff', /not a digest/],
    ['Uppercase:tag', /lowercase/],
    ['test:5000/Uppercase/lowercase:tag', /lowercase/],
    ['aa/asdf$$^/aa', /not a valid name part/],
    ['a-/a', /not a valid name part/],
    ['-a', /not a valid name part/],
    ['a..b', /not a valid name part/],
    ['../../etc/passwd', /registry host/],
    ['a//b', /empty part/],
    ['x:', /tag "" is not valid/],
    ['x:-y', /tag "-y" is not valid/],
    ['a b', /white space/],
    ['localhost:abc/x', /port "abc"/],
    [`${'a'.repeat(256)}`, /longer than 255/],
    [`x:${'t'.repeat(129)}`, /is not valid/],
  ];
  for (const [ref, why] of cases) {
    const parsed = parseImageReference(ref);
    assert.ok('problem' in parsed, `${ref} should be rejected`);
    assert.match(parsed.problem, why, ref);
  }
});

test('tags: 1 to 128 word characters, dots and dashes, not starting with "." or "-"', () => {
  for (const ok of ['1', 'dev', '3.0.16', 'v1_2-rc.3', 'x'.repeat(128)]) assert.equal(imageTagProblem(ok), undefined, ok);
  for (const bad of ['', '/', '..', '.x', '-x', 'a b', 'a/b', 'a:b', 'a@b', 'x'.repeat(129)]) assert.ok(imageTagProblem(bad), bad);
});

test('assertImageReference throws CONFIG_INVALID naming the field and the value', () => {
  assert.throws(
    () => assertImageReference('../../etc/passwd', 'image'),
    (e: unknown) =>
      isAirbyteError(e, 'CONFIG_INVALID') && e.message.startsWith('"image" "../../etc/passwd"') && e.context.field === 'image',
  );
  assert.doesNotThrow(() => assertImageReference('airbyte/destination-sqlite:0.1.0', 'image'));
});
