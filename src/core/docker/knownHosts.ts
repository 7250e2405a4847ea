/**
 * The ssh host key check the docker CLI gets from OpenSSH: an engine reached over ssh is trusted only
 * when its host key is listed for that host in `~/.ssh/known_hosts` (plain or hashed names, `[host]:port`
 * for ports other than 22). Config, catalog and state (secrets included) travel over that connection,
 * so an unknown or changed key is refused, never accepted on first use.
 */
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** How a host's key compared with known_hosts. */
export type HostKeyVerdict = 'known' | 'unknown' | 'changed' | 'revoked';

/** The name known_hosts uses for a host and port. */
function hostPattern(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

function matchesName(field: string, name: string): boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return field.split(',').some((n) => n === name);
}

/** Compares `key` (the ssh wire-format public key the server offered) with `knownHostsFile`'s entries for the host. */
export function checkHostKey(knownHostsFile: string, host: string, port: number, key: Buffer): HostKeyVerdict {
  if (!existsSync(knownHostsFile)) return 'unknown';
  const name = hostPattern(host, port);
  let listed = false;
  let known = false;
  for (const raw of readFileSync(knownHostsFile, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const parts = line.split(/\s+/);
    const marker = parts[0].startsWith('@') ? parts.shift() : undefined;
    const [names, , blob] = parts;
    if (!names || !blob || !matchesName(names, name) || marker === '@cert-authority') continue;
    const same = Buffer.from(blob, 'base64').equals(key);
    // A revoked key is refused wherever its line is, as OpenSSH does.
    if (marker === '@revoked') {
      if (same) return 'revoked';
      continue;
    }
    listed = true;
    known ||= same;
  }
  return known ? 'known' : listed ? 'changed' : 'unknown';
}

/** The user's known_hosts file. */
export function knownHostsFileOf(homeDir: string): string {
  return path.join(homeDir, '.ssh', 'known_hosts');
}
