// The project's temp folders: one private root, one folder per process named after its pid, the
// folders of dead processes removed at start; connector files 0600 unless a container needs more.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isAirbyteError } from '../../../src/core/errors';
import { writeConnectorFiles } from '../../../src/core/executors/connectorFiles';
import { makeProcessTempDir, projectTempRoot, removeDeadProcessTempDirs } from '../../../src/core/executors/tempFolders';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

let tmp: string;
const savedTmpdir = process.env.TMPDIR;
before(async () => {
  tmp = await makeTempDir('aw-tempfolders-');
  // os.tmpdir() follows TMPDIR: this test's root is private to it.
  process.env.TMPDIR = tmp;
});
after(async () => {
  process.env.TMPDIR = savedTmpdir;
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  await removeTempDir(tmp);
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('project temp folders', () => {
  it('live under <tmp>/airbyte-write-<uid>, 0700, named after this process', async () => {
    const dir = await makeProcessTempDir();
    assert.equal(path.dirname(dir), projectTempRoot());
    assert.match(path.basename(dir), new RegExp(`^${process.pid}-[0-9a-f]{8}-`));
    assert.equal(statSync(projectTempRoot()).mode & 0o777, 0o700);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
  });

  it('the folders of dead processes are removed at start; live ones stay', async () => {
    const root = projectTempRoot();
    const host = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);
    const pid = deadPid();
    const dead = path.join(root, `${pid}-${host}-abcdef`);
    // Same pid on another machine sharing this temp folder (a container): not ours to judge.
    const otherHost = path.join(root, `${pid}-00000000-abcdef`);
    for (const dir of [dead, otherHost]) {
      mkdirSync(path.join(dir, 'io'), { recursive: true });
      writeFileSync(path.join(dir, 'io', 'config.json'), '{"password":"x"}');
    }
    const mine = await makeProcessTempDir();
    const removed = removeDeadProcessTempDirs();
    assert.deepEqual(removed, [dead]);
    assert.ok(!existsSync(dead));
    assert.ok(existsSync(otherHost));
    assert.ok(existsSync(mine));
  });

  it("earlier versions' folders (<tmp>/airbyte-write-XXXXXX/io/) are removed once a day old", () => {
    const old = path.join(tmp, 'airbyte-write-Ab12Cd');
    const recent = path.join(tmp, 'airbyte-write-Ef34Gh');
    const notOurs = path.join(tmp, 'airbyte-write-Ij56Kl');
    for (const dir of [old, recent]) mkdirSync(path.join(dir, 'io'), { recursive: true });
    mkdirSync(path.join(notOurs, 'other'), { recursive: true });
    const dayAndAMinute = (Date.now() - 24 * 3600 * 1000 - 60_000) / 1000;
    utimesSync(old, dayAndAMinute, dayAndAMinute);
    utimesSync(notOurs, dayAndAMinute, dayAndAMinute);
    assert.deepEqual(removeDeadProcessTempDirs(), [old]);
    assert.ok(existsSync(recent) && existsSync(notOurs));
  });

  it('a root that is not a private folder of this user is refused', async () => {
    const elsewhere = path.join(tmp, 'elsewhere');
    mkdirSync(elsewhere);
    rmSync(projectTempRoot(), { recursive: true, force: true });
    symlinkSync(elsewhere, projectTempRoot());
    try {
      await assert.rejects(makeProcessTempDir(), (e: unknown) => isAirbyteError(e, 'CONNECTOR_FAILED') && /symlink/.test(e.message));
      assert.deepEqual(readdirSync(elsewhere), []);
    } finally {
      rmSync(projectTempRoot());
    }
  });
});

describe('connector files', () => {
  const request = { command: 'check' as const, config: { password: 'x' } };

  it('are 0600 in a 0700 folder for this user', async () => {
    const files = await writeConnectorFiles(request);
    try {
      assert.equal(statSync(files.hostDir).mode & 0o777, 0o700);
      assert.equal(statSync(path.join(files.hostDir, 'config.json')).mode & 0o777, 0o600);
    } finally {
      await files.cleanup();
    }
    assert.ok(!existsSync(files.hostDir));
  });

  it('are readable by a container user that cannot be named (inside the private folders), or handed to its uid by root', async () => {
    const shared = await writeConnectorFiles(request, '/airbyte/io', { shared: true });
    try {
      assert.equal(statSync(path.join(shared.hostDir, 'config.json')).mode & 0o777, 0o644);
      assert.equal(statSync(path.dirname(shared.hostDir)).mode & 0o777, 0o700, 'the per-process folder stays private');
    } finally {
      await shared.cleanup();
    }
    if (process.getuid?.() !== 0) return;
    const owned = await writeConnectorFiles(request, '/airbyte/io', { owner: 1000 });
    try {
      const info = statSync(path.join(owned.hostDir, 'config.json'));
      assert.equal(info.uid, 1000);
      assert.equal(info.mode & 0o777, 0o600);
      assert.equal(statSync(owned.hostDir).uid, 1000);
    } finally {
      await owned.cleanup();
    }
  });
});
