// The workspace every extension and UI test opens: a temp copy of test/fixtures-workspace/ plus
// the registry sample from test/fixtures, so tests never dirty the repository.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fixturesWorkspaceDir, registrySamplePath } from './paths';

/** A disposable copy of the fixture workspace. */
export interface TestWorkspace {
  /** Absolute path of the workspace folder. */
  readonly dir: string;
  remove(): Promise<void>;
}

/**
 * Environment the fixture configs refer to: destination.airbyte.jsonc takes its secret api_key from
 * `${env:AIRBYTE_WRITE_TEST_API_KEY}`. Passed to code-server, hence to the extension host.
 */
export function fixtureEnv(): Record<string, string> {
  return { AIRBYTE_WRITE_TEST_API_KEY: process.env.AIRBYTE_WRITE_TEST_API_KEY ?? 'harness-secret-api-key' };
}

export const registrySampleSource = registrySamplePath;

/** Copies the fixture workspace and the registry sample (as `registry.sample.json`) into a temp dir. */
export async function createTestWorkspace(): Promise<TestWorkspace> {
  const parent = await fs.mkdtemp(path.join(os.tmpdir(), 'airbyte-write-ws-'));
  // A readable folder name: it is shown in the workbench title and in screenshots.
  const dir = path.join(parent, 'sample-workspace');
  try {
    await fs.cp(fixturesWorkspaceDir, dir, { recursive: true });
    await fs.copyFile(registrySampleSource, path.join(dir, 'registry.sample.json'));
  } catch (err) {
    await fs.rm(parent, { recursive: true, force: true });
    throw new Error(`could not prepare the test workspace from ${fixturesWorkspaceDir} and ${registrySampleSource}: ${String(err)}`);
  }
  return {
    dir,
    remove: () => fs.rm(parent, { recursive: true, force: true, maxRetries: 3 }),
  };
}
