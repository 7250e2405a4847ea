import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureStoreIgnored, ignoresStore } from '../../../src/core/store/gitignore';

describe('keeping .airbyte/ out of git', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'aw-gitignore-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('creates .gitignore with the entry (readable by all) when there is none, and adds nothing the second time', async () => {
    const folder = await mkdtemp(path.join(dir, 'new-'));
    assert.equal(await ensureStoreIgnored(folder), true);
    const text = await readFile(path.join(folder, '.gitignore'), 'utf8');
    assert.match(text, /^# Airbyte Write: .*\n\.airbyte\/\n$/);
    assert.equal((await stat(path.join(folder, '.gitignore'))).mode & 0o777, 0o644);
    assert.equal(await ensureStoreIgnored(folder), false);
    assert.equal(await readFile(path.join(folder, '.gitignore'), 'utf8'), text);
  });

  it('appends to an existing file after its last line, keeping its CRLF line ends and its contents', async () => {
    const folder = await mkdtemp(path.join(dir, 'crlf-'));
    await writeFile(path.join(folder, '.gitignore'), 'node_modules\r\ndist');
    assert.equal(await ensureStoreIgnored(folder), true);
    const text = await readFile(path.join(folder, '.gitignore'), 'utf8');
    assert.ok(text.startsWith('node_modules\r\ndist\r\n\r\n# Airbyte Write'), JSON.stringify(text));
    assert.ok(text.endsWith('\r\n.airbyte/\r\n'), JSON.stringify(text));
    assert.doesNotMatch(text.replace(/\r\n/g, ''), /\n/);
  });

  it('recognises the entry the user already wrote, in its usual spellings, and not a deeper or negated one', () => {
    for (const line of ['.airbyte', '.airbyte/', '/.airbyte/', '/.airbyte', '.airbyte/*', '.airbyte/**', '  .airbyte/  '])
      assert.equal(ignoresStore(`dist\n${line}\n`), true, line);
    for (const line of ['!.airbyte/', 'x/.airbyte/', '.airbyte/state.sqlite', '# .airbyte/'])
      assert.equal(ignoresStore(`${line}\n`), false, line);
  });
});
