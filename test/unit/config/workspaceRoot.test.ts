// A config file's workspace, and the consent a localDir outside it needs.
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkLocalDir, workspaceRootOf } from '../../../src/core/config/workspaceRoot';
import { getConnectorFromFile } from '../../../src/core/connectors/getConnector';
import { isAirbyteError } from '../../../src/core/errors';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

let root: string;
before(async () => {
  root = await makeTempDir('aw-workspace-');
  mkdirSync(path.join(root, 'ws', '.airbyte'), { recursive: true });
  mkdirSync(path.join(root, 'ws', 'configs', 'deep'), { recursive: true });
  mkdirSync(path.join(root, 'loose'));
  mkdirSync(path.join(root, 'outside'));
  symlinkSync(path.join(root, 'outside'), path.join(root, 'ws', 'link'));
});
after(() => removeTempDir(root));

describe('workspaceRootOf', () => {
  it('is the folder holding the store (.airbyte/) upward from the file, else the file folder, or the host folder', () => {
    assert.equal(workspaceRootOf(path.join(root, 'ws', 'configs', 'deep', 'x.airbyte.jsonc')), path.join(root, 'ws'));
    assert.equal(workspaceRootOf(path.join(root, 'loose', 'x.airbyte.jsonc')), path.join(root, 'loose'));
    assert.equal(workspaceRootOf(path.join(root, 'loose', 'x.airbyte.jsonc'), root), root);
  });
});

describe('checkLocalDir', () => {
  const file = () => path.join(root, 'ws', 'configs', 'x.airbyte.jsonc');

  it('inside the workspace: allowed, not outside', async () => {
    assert.deepEqual(await checkLocalDir(file(), path.join(root, 'ws', 'data')), { outsideWorkspace: false });
    assert.deepEqual(await checkLocalDir(file(), path.join(root, 'ws')), { outsideWorkspace: false });
  });

  it('outside (as written, or through a symlink): refused naming the folder, the setting and the flag; allowed with consent', async () => {
    for (const dir of [path.join(root, 'outside'), path.join(root, 'ws', 'link', 'sub'), '/etc']) {
      await assert.rejects(
        checkLocalDir(file(), dir),
        (e: unknown) =>
          isAirbyteError(e, 'CONFIG_FILE') &&
          e.message.includes(dir) &&
          /airbyte\.allowLocalDirOutsideWorkspace/.test(e.guidance ?? '') &&
          /--allow-local-dir-outside-workspace/.test(e.guidance ?? ''),
        dir,
      );
      assert.deepEqual(await checkLocalDir(file(), dir, { allowOutside: true }), { outsideWorkspace: true });
    }
  });

  it('getConnectorFromFile applies it to built-ins too (their files land in localDir)', async () => {
    const config = path.join(root, 'ws', 'configs', 'sqlite.airbyte.jsonc');
    writeFileSync(config, JSON.stringify({ connector: 'builtin:sqlite', localDir: '../../outside', config: { destination_path: 'x.db' } }));
    await assert.rejects(getConnectorFromFile(config), (e: unknown) => isAirbyteError(e, 'CONFIG_FILE'));
    const allowed = await getConnectorFromFile(config, { allowLocalDirOutsideWorkspace: true });
    assert.equal(allowed.name, 'builtin:sqlite');
  });
});
