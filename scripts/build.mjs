// Bundles the extension and the CLI with esbuild and copies the sql.js wasm beside them.
// Type checking is separate (`npm run typecheck`), as esbuild only strips types.
import * as esbuild from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const dist = path.join(root, 'dist');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  // ssh2 (through docker-modem) loads optional native addons inside try/catch; they are not needed.
  external: ['vscode', 'cpu-features', './crypto/build/Release/sshcrypto.node'],
  // jsonc-parser's UMD build requires its modules dynamically, which esbuild cannot follow: use its ESM build.
  mainFields: ['module', 'main'],
};

await mkdir(dist, { recursive: true });
const builds = [
  esbuild.build({
    ...common,
    entryPoints: { cli: path.join(root, 'src/cli/main.ts') },
    outdir: dist,
    banner: { js: '#!/usr/bin/env node' },
  }),
];
if (existsSync(path.join(root, 'src/extension/extension.ts'))) {
  builds.push(esbuild.build({ ...common, entryPoints: { extension: path.join(root, 'src/extension/extension.ts') }, outdir: dist }));
}
await Promise.all(builds);
await copyFile(path.join(root, 'node_modules/sql.js/dist/sql-wasm.wasm'), path.join(dist, 'sql-wasm.wasm'));

// The webview app is its own small package with its own build.
const webviewBuild = path.join(root, 'webview-ui/build.mjs');
if (existsSync(webviewBuild)) {
  const r = spawnSync(process.execPath, [webviewBuild, ...(production ? ['--production'] : [])], {
    stdio: 'inherit',
    cwd: path.join(root, 'webview-ui'),
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
