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
import { cliBundle, inPool, jsonOf, runCli } from '../badInput/cliProcess';

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

/** Paths under `root` whose name holds `token`, outside `base` (where the trial may write). */
function entriesOutside(token: string, base: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (p === base) continue;
      if (e.name.includes(token)) found.push(path.relative(root, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(root);
  return found;
}

async function write(
  connector: string,
  destinationPath: string,
  options: { localDir?: string; n?: number } = {},
): Promise<{ code: number | null; message: string }> {
  const n = options.n ?? 0;
  const file = path.join(ws, `dest-${n}.airbyte.jsonc`);
  writeFileSync(
    file,
    JSON.stringify({
      connector,
      ...(options.localDir ? { localDir: options.localDir } : {}),
      config: { destination_path: destinationPath },
    }),
  );
  // A store per trial: trials run four at a time.
  const store = path.join(ws, 'stores', String(n), 'state.sqlite');
  const outcome = await runCli(['write', '--source', 'source.airbyte.jsonc', '--destination', file, '--state-file', store, '--json'], {
    cwd: ws,
  });
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
  const cases = ['builtin:sqlite', 'builtin:jsonl'].flatMap((connector) =>
    [undefined, './data'].flatMap((localDir) => escapes('TOKEN').map((dest) => ({ connector, dest, localDir }))),
  );
  const results = await inPool(cases, 4, async (c, n) => {
    // Each trial's paths carry its own token, so what it wrote can be told apart.
    const token = `tk${n}x${c.connector === 'builtin:sqlite' ? '.db' : ''}`;
    const dest = c.dest.replace('TOKEN', token);
    const result = await write(c.connector, dest, { localDir: c.localDir, n });
    const outside = entriesOutside(`tk${n}x`, c.localDir ? path.join(ws, 'data') : ws);
    const what = `${c.connector} ${dest}${c.localDir ? ` (localDir ${c.localDir})` : ''}`;
    if (outside.length > 0) return `${what}: wrote ${outside[0]}`;
    if (result.code !== 1 || !/destination_path/.test(result.message))
      return `${what}: exit ${result.code}, ${result.message.slice(0, 160)}`;
    return undefined;
  });
  const failures = results.filter((r): r is string => r !== undefined);
  recordFaultFigure({
    area: 'security',
    case: 'builtin:sqlite / builtin:jsonl destination_path outside its folder (absolute, ../, /local/../.., symlink)',
    trials: cases.length,
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
