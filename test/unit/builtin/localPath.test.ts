// Where built-in destinations may write: /local/… and relative paths under their folder, nowhere else.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { BuiltinFailure } from '../../../src/core/builtin/inProcessExecutor';
import { confinedLocalPath } from '../../../src/core/builtin/localPath';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

let root: string;
let base: string;
before(async () => {
  root = await makeTempDir('aw-localpath-');
  base = path.join(root, 'base');
  mkdirSync(path.join(base, 'sub'), { recursive: true });
  symlinkSync(root, path.join(base, 'up'));
  symlinkSync(path.join(base, 'sub'), path.join(base, 'inner'));
});
after(() => removeTempDir(root));

test('relative and /local/ paths resolve inside the folder', async () => {
  assert.equal(await confinedLocalPath(base, 'x.db'), path.join(base, 'x.db'));
  assert.equal(await confinedLocalPath(base, 'out/new/x.db'), path.join(base, 'out/new/x.db'));
  assert.equal(await confinedLocalPath(base, '/local/x.db'), path.join(base, 'x.db'));
  assert.equal(await confinedLocalPath(base, '/local'), base);
  assert.equal(await confinedLocalPath(base, '/local/sub/../y.db'), path.join(base, 'y.db'));
  assert.equal(await confinedLocalPath(base, 'sub/./../z.db'), path.join(base, 'z.db'));
  assert.equal(await confinedLocalPath(base, '.'), base);
  // A symlink that stays inside the folder is fine.
  assert.equal(await confinedLocalPath(base, 'inner/x.db'), path.join(base, 'inner/x.db'));
});

test('absolute paths, ../ and symlinks out of the folder are config errors naming the field', async () => {
  for (const bad of [
    '/etc/x.db',
    '/tmp/x.db',
    '/localx/y.db',
    '../x.db',
    'sub/../../x.db',
    '/local/../x.db',
    '/local/../../etc',
    'up/x.db',
    'C:\\x.db',
    '\\\\server\\x',
  ]) {
    await assert.rejects(
      confinedLocalPath(base, bad),
      (e: unknown) =>
        e instanceof BuiltinFailure &&
        e.failureType === 'config_error' &&
        e.message.startsWith(`"destination_path" ${JSON.stringify(bad)}`),
      bad,
    );
  }
});
