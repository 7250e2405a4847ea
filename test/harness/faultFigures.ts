// The fault tier's figures: each case records how many trials it ran, how many went wrong and its
// worst case; scripts/tier-fault.sh prints them as one table once the tier has run.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { artifactsDir } from './paths';

export const faultFiguresFile = path.join(artifactsDir, 'fault', 'figures.jsonl');

export interface FaultFigure {
  /** The fault, as the table shows it ("destination exits 0 without echoing a STATE"). */
  case: string;
  /** Group in the table: data loss and duplicates, hangs and leftovers, security, bad input. */
  area: string;
  trials: number;
  /** Trials in which the product did the wrong thing (lost, duplicated, hung, leaked, crashed…). */
  failures: number;
  /** The worst trial, in words with its figure ("0 lost, 0 duplicated", "ended in 2.1 s"). */
  worst: string;
}

/** Appends one case's figures (the test still asserts; this only reports). */
export function recordFaultFigure(figure: FaultFigure): void {
  mkdirSync(path.dirname(faultFiguresFile), { recursive: true });
  appendFileSync(faultFiguresFile, `${JSON.stringify(figure)}\n`);
}
