// Compiles the extension-host mocha suite (test/extension/suite/**/*.ts) into .vscode-test/suite/
// as CommonJS the extension host can require: `vscode` is provided by the host, and mocha is
// resolved from the repository's node_modules (the output folder is inside the repository).
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { compiledSuiteDir, repoRoot } from './paths';

function findSources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...findSources(p));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/**
 * Bundles every `*.ts` under `srcDir` (the runner entry `index.ts` and each `*.test.ts`) into
 * `outDir`, keeping the folder layout. Returns the path of the compiled runner entry.
 */
export async function buildExtensionSuite(
  srcDir = path.join(repoRoot, 'test', 'extension', 'suite'),
  outDir = compiledSuiteDir,
): Promise<string> {
  const entryPoints = findSources(srcDir);
  if (!entryPoints.some((p) => path.basename(p) === 'index.ts')) throw new Error(`no index.ts (the mocha runner entry) in ${srcDir}`);
  fs.rmSync(outDir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints,
    outbase: srcDir,
    outdir: outDir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: 'inline',
    logLevel: 'warning',
    // The extension host provides vscode; mocha is one shared copy from node_modules so the test
    // files and the runner see the same describe/it globals.
    external: ['vscode', 'mocha', 'cpu-features', './crypto/build/Release/sshcrypto.node'],
  });
  return path.join(outDir, 'index.js');
}

if (require.main === module) {
  buildExtensionSuite().then(
    (entry) => console.log(`extension suite built: ${path.relative(repoRoot, entry)}`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
