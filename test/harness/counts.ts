// The per-tier counts file scripts/test-all.sh sums up: .test-artifacts/counts/<tier>.json.
import fs from 'node:fs';
import path from 'node:path';
import { countsDir } from './paths';

/** `{"passed":N,"failed":N,"skipped":N,"failures":["…"]}` */
export interface TierCounts {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
}

export function writeCounts(tier: string, counts: TierCounts): string {
  fs.mkdirSync(countsDir, { recursive: true });
  const file = path.join(countsDir, `${tier}.json`);
  fs.writeFileSync(file, JSON.stringify(counts));
  return file;
}

/** Parses a counts file written by the extension-host suite; undefined when absent or malformed. */
export function readCounts(file: string): TierCounts | undefined {
  try {
    const c = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<TierCounts>;
    if (typeof c.passed !== 'number' || typeof c.failed !== 'number') return undefined;
    return {
      passed: c.passed,
      failed: c.failed,
      skipped: c.skipped ?? 0,
      failures: Array.isArray(c.failures) ? c.failures.map(String) : [],
    };
  } catch {
    return undefined;
  }
}
