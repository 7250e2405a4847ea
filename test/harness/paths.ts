// Locations the test harness shares: the repository, its test fixtures, the
// code-server install and the artifacts folder that CI keeps.
import path from 'node:path';

/** The repository root (this file is test/harness/paths.ts). */
export const repoRoot = path.resolve(__dirname, '..', '..');

/** Data the tests read: real connector specs, a registry sample, the protocol schema (see its SOURCE.md). */
export const fixturesDir = path.join(repoRoot, 'test', 'fixtures');

/** The 15-entry excerpt of the Airbyte OSS registry. */
export const registrySamplePath = path.join(fixturesDir, 'registry', 'oss_registry.sample.json');

/** Real connector specs, one `<connector>.spec.json` each. */
export const specsDir = path.join(fixturesDir, 'specs');

/** The official Airbyte protocol schema (JSON rendering). */
export const protocolSchemaPath = path.join(fixturesDir, 'airbyte-protocol', 'airbyte_protocol.json');

/** The test connectors (source.mjs, destination.mjs and their protocol helpers), run locally or in the test images. */
export const testConnectorsDir = path.join(repoRoot, 'test', 'connectors');

/** Where scripts/provision-code-server.sh installs code-server. */
export const codeServerDir = path.join(repoRoot, '.vscode-test', 'code-server');

/** code-server's Node entry point (the `code-server` bin), run with this process's Node. */
export const codeServerEntry = path.join(codeServerDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** Everything CI keeps after a run: counts, screenshots, logs. */
export const artifactsDir = path.join(repoRoot, '.test-artifacts');
export const screenshotsDir = path.join(artifactsDir, 'screenshots');
export const countsDir = path.join(artifactsDir, 'counts');
export const logsDir = path.join(artifactsDir, 'logs');

/** The compiled extension-host mocha suite (built by buildExtensionSuite.ts). */
export const compiledSuiteDir = path.join(repoRoot, '.vscode-test', 'suite');

/** The packaged extension (`npm run package`). */
export const vsixPath = path.join(repoRoot, 'dist-vsix', 'airbyte-write.vsix');

/** The workspace every extension and UI test opens (copied to a temp folder per run). */
export const fixturesWorkspaceDir = path.join(repoRoot, 'test', 'fixtures-workspace');
