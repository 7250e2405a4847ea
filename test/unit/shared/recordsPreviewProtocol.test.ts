import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPreviewToHostMessage } from '../../../src/shared/recordsPreviewProtocol';

describe('Records Preview messages from the webview', () => {
  it('accepts only well-formed messages', () => {
    for (const ok of [
      { type: 'ready' },
      { type: 'stream', stream: 'users' },
      { type: 'page', offset: 900_000 },
      { type: 'filter', query: 'id = 7' },
      { type: 'cancelFilter' },
      { type: 'export', scope: 'stream', format: 'csv' },
      { type: 'copy', format: 'jsonl' },
    ])
      assert.ok(isPreviewToHostMessage(ok), JSON.stringify(ok));
    for (const bad of [
      'ready',
      null,
      { type: 'page', offset: -1 },
      { type: 'page', offset: 1.5 },
      { type: 'page' },
      { type: 'stream' },
      { type: 'export', scope: 'all', format: 'csv' },
      { type: 'export', scope: 'shown', format: 'xlsx' },
      { type: 'copy', format: 'html' },
      { type: 'eval', code: 'x' },
    ])
      assert.ok(!isPreviewToHostMessage(bad), JSON.stringify(bad));
  });
});
