// Security: a config's `localDir` is mounted read-write at /local. Run as root with an image whose
// user is uid 1000, a plain `check` of a config with `"localDir": "../../../../etc"` used to chown
// every file under that folder to uid 1000. Now a localDir outside the workspace needs the user's
// consent (--allow-local-dir-outside-workspace, or the airbyte.allowLocalDirOutsideWorkspace
// setting) and nothing the project did not create is ever chowned. Real CLI checks, real engine.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TEST_DESTINATION_UID1000_IMAGE } from '../../../scripts/buildTestImages';
import { testDocker } from '../../docker/runtime/dockerHelpers';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { cliBundle, jsonOf, runCli } from '../badInput/cliProcess';

let root: string;
let ws: string;
const FLAG = '--allow-local-dir-outside-workspace';

/** A folder of "user files": a 0640 file and a nested one, owned by this process's user. */
function userFolder(dir: string): void {
  mkdirSync(path.join(dir, 'nested'), { recursive: true });
  writeFileSync(path.join(dir, 'secret.conf'), 'password=1');
  chmodSync(path.join(dir, 'secret.conf'), 0o640);
  writeFileSync(path.join(dir, 'nested', 'more.conf'), 'x');
}

/** Owner uid of every entry under `dir` (and of `dir`), by path. */
function owners(dir: string): Map<string, number> {
  const found = new Map<string, number>([[dir, statSync(dir).uid]]);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    found.set(p, statSync(p).uid);
    if (e.isDirectory()) for (const [k, v] of owners(p)) found.set(k, v);
  }
  return found;
}

before(async () => {
  await testDocker();
  await cliBundle();
  root = await makeTempDir('aw-fault-localdir-');
  ws = path.join(root, 'ws');
  mkdirSync(path.join(ws, '.airbyte'), { recursive: true });
  userFolder(path.join(root, 'victim'));
  userFolder(path.join(ws, 'data'));
  symlinkSync(path.join(root, 'victim'), path.join(ws, 'link'));
});
after(() => removeTempDir(root));

async function check(localDir: string, flags: string[] = []): Promise<{ code: number | null; message: string }> {
  const file = path.join(ws, 'dest.airbyte.jsonc');
  writeFileSync(file, JSON.stringify({ connector: 'destination-test', image: TEST_DESTINATION_UID1000_IMAGE, localDir, config: {} }));
  const outcome = await runCli(['check', file, '--json', ...flags], { cwd: ws, env: { DOCKER_HOST: process.env.DOCKER_HOST } });
  const json = jsonOf(outcome) as { error?: { message?: string; guidance?: string } } | undefined;
  return { code: outcome.code, message: `${json?.error?.message ?? ''} ${json?.error?.guidance ?? ''} ${outcome.stderr}` };
}

test('a localDir outside the workspace needs consent, and no user file is ever chowned', async (t) => {
  if (process.getuid?.() !== 0) t.diagnostic('not root: chown cannot happen here; only consent is checked');
  const victim = path.join(root, 'victim');
  const cases: Array<{ name: string; localDir: string; flags?: string[]; refused: boolean; folder: string }> = [
    { name: '../victim, no consent', localDir: '../victim', refused: true, folder: victim },
    { name: 'absolute path, no consent', localDir: victim, refused: true, folder: victim },
    { name: 'symlink in the workspace to outside, no consent', localDir: './link', refused: true, folder: victim },
    { name: '../victim with the flag', localDir: '../victim', flags: [FLAG], refused: false, folder: victim },
    { name: 'absolute path with the flag', localDir: victim, flags: [FLAG], refused: false, folder: victim },
    { name: 'a user folder inside the workspace', localDir: './data', refused: false, folder: path.join(ws, 'data') },
  ];
  const failures: string[] = [];
  for (const c of cases) {
    const before = owners(c.folder);
    const result = await check(c.localDir, c.flags);
    const changed = [...owners(c.folder)].filter(([p, uid]) => before.get(p) !== undefined && before.get(p) !== uid).map(([p]) => p);
    if (changed.length > 0) failures.push(`${c.name}: ${changed.length} user files chowned`);
    else if (c.refused && (result.code !== 1 || !result.message.includes(victim) || !result.message.includes(FLAG)))
      failures.push(`${c.name}: not refused with a clear message (exit ${result.code}): ${result.message.slice(0, 160)}`);
    else if (!c.refused && result.code !== 0)
      failures.push(`${c.name}: check failed (exit ${result.code}): ${result.message.slice(0, 200)}`);
  }
  recordFaultFigure({
    area: 'security',
    case: 'localDir outside the workspace / user folders (check as root, uid-1000 image)',
    trials: cases.length,
    failures: failures.length,
    worst: failures.length ? failures[0] : '0 files chowned; outside the workspace refused without consent, allowed with it',
  });
  assert.deepEqual(failures, []);
});
