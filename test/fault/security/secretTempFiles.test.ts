// Secrets: a connector's config (secrets resolved, in plain text) is written to a temp folder for
// the connector to read. kill -9 of the CLI mid-run used to leave that folder in the system temp
// folder for good. Now those folders live under one known root, named after the owning pid, and
// the next start of the CLI removes the folders of dead processes. Real CLI processes, a real
// engine; each trial kills the CLI (SIGKILL) while its connector's container is running with the
// config, then starts another command and looks for the secret anywhere under the temp folder.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TEST_DESTINATION_UID1000_IMAGE, TEST_SOURCE_IMAGE } from '../../../scripts/buildTestImages';
import { reapOrphans } from '../../../src/core/docker/reapOrphans';
import { testDocker } from '../../docker/runtime/dockerHelpers';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { cliBundle, runCli, startCli } from '../badInput/cliProcess';

let root: string;
let tmp: string;
const secret = `s3cr3t-${randomBytes(8).toString('hex')}`;
const env = () => ({ TMPDIR: tmp, TEST_SECRET: secret, DOCKER_HOST: process.env.DOCKER_HOST });

before(async () => {
  await testDocker();
  await cliBundle();
  root = await makeTempDir('aw-fault-secrets-');
  // The CLI's temp folder (TMPDIR), private to this test, so that other processes' folders do not count.
  tmp = path.join(root, 'tmp');
  mkdirSync(tmp);
  const config = (extra: object) => ({ api_key: '${env:TEST_SECRET}', ...extra });
  writeFileSync(
    path.join(root, 'hanging-source.airbyte.jsonc'),
    JSON.stringify({
      connector: 'source-test',
      image: TEST_SOURCE_IMAGE,
      config: config({ record_count: 10, fault: 'hang', fault_command: 'check' }),
    }),
  );
  writeFileSync(path.join(root, 'sample.airbyte.jsonc'), JSON.stringify({ connector: 'builtin:sample', config: { count: 5 } }));
  writeFileSync(
    path.join(root, 'hanging-dest.airbyte.jsonc'),
    JSON.stringify({ connector: 'destination-test', image: TEST_DESTINATION_UID1000_IMAGE, config: config({ fault: 'hang' }) }),
  );
  writeFileSync(
    path.join(root, 'jsonl.airbyte.jsonc'),
    JSON.stringify({ connector: 'builtin:jsonl', config: { destination_path: 'out' } }),
  );
});
after(async () => {
  await reapOrphans(await testDocker());
  await removeTempDir(root);
});

/** Files under `dir` that hold the secret. */
function filesWithSecret(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && readFileSync(p, 'utf8').includes(secret)) found.push(p);
    }
  };
  walk(dir);
  return found;
}

/** Starts `args`, kills the CLI (SIGKILL) once its connector's config is on disk; what holds the secret then. */
async function killWhileConfigOnDisk(args: string[]): Promise<{ left: string[]; modes: string[] }> {
  const child = await startCli(args, { cwd: root, env: env() });
  let left: string[] = [];
  const deadline = Date.now() + 60_000;
  while (left.length === 0 && child.exitCode === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    left = filesWithSecret(tmp);
  }
  // A moment for the container to start with it: the kill lands mid-run, not mid-setup.
  await new Promise((r) => setTimeout(r, 300));
  const modes = left.map((f) => (statSync(f).mode & 0o777).toString(8));
  child.kill('SIGKILL');
  await child.outcome;
  return { left, modes };
}

test('kill -9 mid-run, then another command: no config with the secret is left in the temp folder', async () => {
  const runs = [
    ['check', 'hanging-source.airbyte.jsonc'],
    ['write', '--source', 'sample.airbyte.jsonc', '--destination', 'hanging-dest.airbyte.jsonc', '--no-cache'],
  ];
  let trials = 0;
  let failures = 0;
  let worst = 0;
  const modes = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const { left, modes: m } = await killWhileConfigOnDisk(runs[i % 2]);
    assert.ok(left.length > 0, 'the connector config was on disk while the connector ran');
    for (const mode of m) modes.add(mode);
    trials++;
    // The next start: any command (here a check of a built-in, which writes no temp files).
    const next = await runCli(['check', 'jsonl.airbyte.jsonc'], { cwd: root, env: env() });
    assert.equal(next.code, 0, next.stderr);
    const after = filesWithSecret(tmp);
    if (after.length > 0) failures++;
    worst = Math.max(worst, after.length);
    await reapOrphans(await testDocker());
  }
  recordFaultFigure({
    area: 'security',
    case: 'kill -9 of a CLI check / write, then another command: plaintext config left in the temp folder',
    trials,
    failures,
    worst: failures
      ? `${worst} config files with the secret left (modes ${[...modes].join(', ')})`
      : `0 left (config files were mode ${[...modes].join(', ')} while in use)`,
  });
  assert.equal(failures, 0);
});
