// Security: builtin:sqlite and builtin:jsonl wrote wherever destination_path pointed (absolute,
// `../`, `/local/../..`, through a symlink). The rule now mirrors Airbyte's destination-sqlite ("a
// valid path shall start with /local"): `/local/…` and relative paths land under the destination's
// folder (its localDir, else its config file's folder) and must stay there; anything else is a
// config error. Each trial is a real CLI write; a trial fails when anything appears outside.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { recordFaultFigure } from '../../harness/faultFigures';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { cliBundle, jsonOf, runCli } from '../badInput/cliProcess';

let root: string;
let ws: string;
before(async () => {
  await cliBundle();
  root = await makeTempDir('aw-fault-paths-');
  ws = path.join(root, 'ws');
  mkdirSync(path.join(ws, '.airbyte'), { recursive: true });
  mkdirSync(path.join(root, 'elsewhere'));
  symlinkSync(path.join(root, 'elsewhere'), path.join(ws, 'link'));
  mkdirSync(path.join(ws, 'data'));
  symlinkSync(path.join(root, 'elsewhere'), path.join(ws, 'data', 'link'));
  writeFileSync(path.join(ws, 'source.airbyte.jsonc'), JSON.stringify({ connector: 'builtin:sample', config: { count: 5 } }));
});
after(() => removeTempDir(root));

/** Everything under `root` outside the workspace, other than the folder the symlink points at. */
function outsideEntries(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (p === ws) continue;
      if (e.isDirectory()) {
        if (p !== path.join(root, 'elsewhere')) found.push(path.relative(root, p));
        walk(p);
      } else found.push(path.relative(root, p));
    }
  };
  walk(root);
  return found;
}

async function write(connector: string, destinationPath: string, localDir?: string): Promise<{ code: number | null; message: string }> {
  const file = path.join(ws, 'dest.airbyte.jsonc');
  writeFileSync(file, JSON.stringify({ connector, ...(localDir ? { localDir } : {}), config: { destination_path: destinationPath } }));
  const outcome = await runCli(['write', '--source', 'source.airbyte.jsonc', '--destination', file, '--json'], { cwd: ws });
  const error = jsonOf(outcome)?.error as { message?: string } | undefined;
  return { code: outcome.code, message: error?.message ?? outcome.stderr.slice(0, 300) };
}

test('builtin:sqlite and builtin:jsonl never write outside their folder', async () => {
  const escapes = (name: string) => [
    path.join(root, `abs-${name}`),
    `../up-${name}`,
    `/local/../../local-up-${name}`,
    `sub/../../../deep-${name}`,
    `/local/../sibling-${name}`,
    `link/through-symlink-${name}`,
    `/etc/../${path.relative('/', root)}/abs2-${name}`,
  ];
  const failures: string[] = [];
  let trials = 0;
  for (const connector of ['builtin:sqlite', 'builtin:jsonl']) {
    const name = connector === 'builtin:sqlite' ? 'x.db' : 'jsonl';
    for (const p of [...escapes(name), ...escapes(`ld-${name}`).map((e) => ({ p: e, localDir: './data' }))]) {
      trials++;
      const [dest, localDir] = typeof p === 'string' ? [p, undefined] : [p.p, p.localDir];
      const before = outsideEntries().length + readdirSync(path.join(root, 'elsewhere')).length;
      const result = await write(connector, dest, localDir);
      const after = outsideEntries().length + readdirSync(path.join(root, 'elsewhere')).length;
      if (after > before) failures.push(`${connector} ${dest}${localDir ? ` (localDir ${localDir})` : ''}: wrote outside`);
      else if (result.code !== 1 || !/destination_path/.test(result.message))
        failures.push(`${connector} ${dest}: exit ${result.code}, ${result.message.slice(0, 160)}`);
    }
  }
  recordFaultFigure({
    area: 'security',
    case: 'builtin:sqlite / builtin:jsonl destination_path outside its folder (absolute, ../, /local/../.., symlink)',
    trials,
    failures: failures.length,
    worst: failures.length
      ? `${failures.length} wrote or were not refused; first: ${failures[0]}`
      : 'every one refused with a config error, nothing written outside',
  });
  assert.deepEqual(failures, []);
});

test('relative and /local/ paths inside the folder still work', async () => {
  for (const [connector, dest, expected] of [
    ['builtin:sqlite', 'out/a.db', 'out/a.db'],
    ['builtin:sqlite', '/local/b.db', 'b.db'],
    ['builtin:jsonl', './jsonl-out', 'jsonl-out/users.jsonl'],
    ['builtin:jsonl', '/local/sub/../jsonl2', 'jsonl2/users.jsonl'],
  ]) {
    const result = await write(connector, dest);
    assert.equal(result.code, 0, `${connector} ${dest}: ${result.message}`);
    assert.ok(existsSync(path.join(ws, expected)), `${expected} exists`);
  }
});
