// Regenerates src/core/platform/airbyteApi.gen.ts (the platform client's types) from the official API
// description in test/fixtures/airbyte-api/api.yaml with openapi-typescript. The operations holding a
// dangling `$ref` are left out first (see test/harness/platformApiSpec.ts). Run: npm run gen:platform-api
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../test/harness/paths';
import { loadablePlatformApi } from '../test/harness/platformApiSpec';

const out = path.join(repoRoot, 'src', 'core', 'platform', 'airbyteApi.gen.ts');
const { spec, dropped } = loadablePlatformApi();
const dir = mkdtempSync(path.join(os.tmpdir(), 'airbyte-api-'));
try {
  const json = path.join(dir, 'api.json');
  writeFileSync(json, JSON.stringify(spec));
  for (const d of dropped) console.error(`left out (dangling $ref): ${d}`);
  const bin = (name: string) => path.join(repoRoot, 'node_modules', '.bin', name);
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: repoRoot, stdio: 'inherit' });
    if (r.status !== 0) process.exit(r.status ?? 1);
  };
  // Fields with a default stay optional in requests (the server fills them in), as the description means;
  // untyped objects (connector configurations) are open records.
  run(bin('openapi-typescript'), [json, '-o', out, '--default-non-nullable', 'false', '--empty-objects-unknown']);
  run(bin('prettier'), ['--write', out]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
