// The ssh host key check against known_hosts files written as OpenSSH writes them (ssh-keygen makes
// the keys and hashes the names).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { checkHostKey } from '../../../src/core/docker/knownHosts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'known-hosts-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A new ed25519 key: its known_hosts fields and the wire-format blob a server offers. */
function hostKey(name: string): { type: string; base64: string; blob: Buffer } {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, name)]);
  const [type, base64] = readFileSync(path.join(dir, `${name}.pub`), 'utf8')
    .trim()
    .split(/\s+/);
  return { type, base64, blob: Buffer.from(base64, 'base64') };
}

describe('known_hosts', () => {
  const box = hostKey('box');
  const other = hostKey('other');

  it('a listed key is known, on port 22 by name and on other ports as [host]:port', () => {
    const file = path.join(dir, 'plain');
    writeFileSync(file, `# comment\nbig-box,10.0.0.5 ${box.type} ${box.base64}\n[10.0.0.5]:2222 ${box.type} ${box.base64}\n`);
    assert.equal(checkHostKey(file, 'big-box', 22, box.blob), 'known');
    assert.equal(checkHostKey(file, '10.0.0.5', 2222, box.blob), 'known');
    assert.equal(checkHostKey(file, '10.0.0.5', 2223, box.blob), 'unknown', 'another port is another host');
    assert.equal(checkHostKey(file, 'big-box', 22, other.blob), 'changed', 'a different key for a listed host');
    assert.equal(checkHostKey(path.join(dir, 'missing'), 'big-box', 22, box.blob), 'unknown');
  });

  it('hashed names (ssh-keygen -H, HashKnownHosts) are matched', () => {
    const file = path.join(dir, 'hashed');
    writeFileSync(file, `big-box ${box.type} ${box.base64}\n[10.0.0.5]:2222 ${box.type} ${box.base64}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    assert.ok(!readFileSync(file, 'utf8').includes('big-box'), 'the names are hashed');
    assert.equal(checkHostKey(file, 'big-box', 22, box.blob), 'known');
    assert.equal(checkHostKey(file, '10.0.0.5', 2222, box.blob), 'known');
    assert.equal(checkHostKey(file, 'big-box', 22, other.blob), 'changed');
  });

  it('a revoked key is refused even when also listed', () => {
    const file = path.join(dir, 'revoked');
    writeFileSync(file, `big-box ${box.type} ${box.base64}\n@revoked big-box ${box.type} ${box.base64}\n`);
    assert.equal(checkHostKey(file, 'big-box', 22, box.blob), 'revoked');
  });
});
