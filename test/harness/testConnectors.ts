// The test connectors (test/connectors) as local programs: this Node running their script, the
// way a `localExecutable` names a connector installed on the machine.
import path from 'node:path';
import { testConnectorsDir } from './paths';

/** `source-test`: records of users, orders and events, with faults on request. */
export const localTestSource: readonly string[] = [process.execPath, path.join(testConnectorsDir, 'source.mjs')];

/** `destination-test`: writes JSONL files under its local folder, with faults on request. */
export const localTestDestination: readonly string[] = [process.execPath, path.join(testConnectorsDir, 'destination.mjs')];
