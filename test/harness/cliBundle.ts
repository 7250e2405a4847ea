// The CLI bundled from this checkout's sources (esbuild, the CLI only, as scripts/build.mjs does), so
// that a test's CLI process starts in a second rather than the three tsx needs. Built once per test
// process and folder, removed when the process exits.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { artifactsDir, repoRoot } from './paths';

const bundles = new Map<string, Promise<string>>();

/** Path of the bundled `cli.js` under `.test-artifacts/fault/<folder>/<pid>/` (built on first use). */
export function bundleCli(folder: string): Promise<string> {
  let bundle = bundles.get(folder);
  if (!bundle) {
    bundle = build(path.join(artifactsDir, 'fault', folder, String(process.pid)));
    bundles.set(folder, bundle);
  }
  return bundle;
}

async function build(outdir: string): Promise<string> {
  mkdirSync(outdir, { recursive: true });
  process.once('exit', () => rmSync(outdir, { recursive: true, force: true }));
  await esbuild.build({
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    external: ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node'],
    mainFields: ['module', 'main'],
    entryPoints: { cli: path.join(repoRoot, 'src/cli/main.ts') },
    outdir,
  });
  copyFileSync(path.join(repoRoot, 'node_modules/sql.js/dist/sql-wasm.wasm'), path.join(outdir, 'sql-wasm.wasm'));
  return path.join(outdir, 'cli.js');
}
