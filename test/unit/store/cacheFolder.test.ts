// Each store file has its own cache folder, and a store deletes only segment files it could have
// written: two state files in one folder never remove each other's cached records.
import assert from 'node:assert/strict';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RecordCache } from '../../../src/core/store/recordCache';
import { WorkspaceStore } from '../../../src/core/store/workspaceStore';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

const line = (id: number) => JSON.stringify({ type: 'RECORD', record: { stream: 'users', data: { id }, emitted_at: 1 } });

describe('cache folder per store file', () => {
  let dir: string;
  before(async () => {
    dir = await makeTempDir('aw-cachefolder-');
  });
  after(async () => removeTempDir(dir));

  it('state.sqlite keeps cache/; any other store file has <file>.cache/', async () => {
    const names = ['state.sqlite', 'a.sqlite', 'b.sqlite'];
    const dirs: string[] = [];
    for (const name of names) {
      const store = await WorkspaceStore.open({ path: path.join(dir, 'd', name) });
      dirs.push(store.cacheDir);
      await store.close();
    }
    assert.deepEqual(
      dirs.map((d) => path.relative(dir, d)),
      [path.join('d', 'cache'), path.join('d', 'a.sqlite.cache'), path.join('d', 'b.sqlite.cache')],
    );
  });

  it("b's orphan removal leaves a's segments, and only removes files named like its own segments", async () => {
    const a = await WorkspaceStore.open({ path: path.join(dir, 'e', 'a.sqlite') });
    const b = await WorkspaceStore.open({ path: path.join(dir, 'e', 'b.sqlite') });
    try {
      const cacheA = new RecordCache(a);
      const ingest = cacheA.beginIngest('src', [{ streamKey: 'users', replace: false }]);
      await ingest.append('users', [line(1), line(2)]);
      await ingest.commit();
      const cacheB = new RecordCache(b);
      const stray = path.join(cacheB.dir, 'notes', 'kept.jsonl');
      const orphan = path.join(cacheB.dir, 'src-x', 'users-y', '000000000000-lq3x-42.jsonl');
      for (const f of [stray, orphan]) {
        await fs.mkdir(path.dirname(f), { recursive: true });
        await fs.writeFile(f, `${line(9)}\n`);
      }
      assert.equal(await cacheB.removeOrphans(), 1);
      assert.ok(existsSync(stray), 'a file not named like a segment is not the store’s to delete');
      assert.ok(!existsSync(orphan));
      assert.equal(await cacheA.dropIfIncomplete('src'), false, "a's segments are all there");
      assert.equal(cacheA.recordCount('src', 'users'), 2);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
