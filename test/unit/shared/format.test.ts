import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatCount, formatDuration } from '../../../src/shared/format';

describe('formatCount', () => {
  it('groups thousands with commas whatever the machine locale', () => {
    assert.equal(formatCount(0), '0');
    assert.equal(formatCount(999), '999');
    assert.equal(formatCount(12_345), '12,345');
    assert.equal(formatCount(2_000_000), '2,000,000');
  });
});

describe('formatDuration', () => {
  it('says milliseconds under a second', () => {
    assert.equal(formatDuration(0), '0 ms');
    assert.equal(formatDuration(850), '850 ms');
    assert.equal(formatDuration(999.9), '999 ms');
  });
  it('says seconds with a tenth, and whole seconds without one', () => {
    assert.equal(formatDuration(1_000), '1 s');
    assert.equal(formatDuration(2_000), '2 s');
    assert.equal(formatDuration(4_200), '4.2 s');
    assert.equal(formatDuration(4_249), '4.2 s');
    assert.equal(formatDuration(59_999), '59.9 s', 'never rounded up to 60.0 s');
  });
  it('says minutes and two-digit seconds, and whole minutes alone', () => {
    assert.equal(formatDuration(60_000), '1 min');
    assert.equal(formatDuration(120_000), '2 min');
    assert.equal(formatDuration(185_000), '3 min 05 s');
    assert.equal(formatDuration(185_999), '3 min 05 s');
    assert.equal(formatDuration(3_599_999), '59 min 59 s');
  });
  it('says hours and two-digit minutes, and whole hours alone', () => {
    assert.equal(formatDuration(3_600_000), '1 h');
    assert.equal(formatDuration(7_260_000), '2 h 01 min');
    assert.equal(formatDuration(7_260_000 + 59_000), '2 h 01 min');
  });
  it('says it does not know for a negative or unknown duration', () => {
    assert.equal(formatDuration(-1), '–');
    assert.equal(formatDuration(Number.NaN), '–');
    assert.equal(formatDuration(Number.POSITIVE_INFINITY), '–');
  });

  it('formats sizes in bytes, KB, MB and GB', () => {
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(12 * 1024 * 1024), '12 MB');
    assert.equal(formatBytes(3 * 1024 ** 3), '3.0 GB');
  });
});
