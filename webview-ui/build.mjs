// Builds the webview apps: src/main.ts (run details) → dist/main.js and src/preview.ts (Records
// Preview) → dist/preview.js (+ the shared protocols), and copies their styles. The result is also copied to ../dist/webview/, where the extension serves
// it from (and where the VSIX allowlist picks it up).
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, rmSync, copyFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const production = process.argv.includes('--production');
const out = path.join(here, 'dist');

// This package has its own dependencies (the webview UI toolkit); install them on a fresh clone.
if (!existsSync(path.join(here, 'node_modules/@vscode/webview-ui-toolkit/package.json'))) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: here, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('webview-ui: npm ci failed; run it in webview-ui/ by hand');
    process.exit(r.status ?? 1);
  }
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await esbuild.build({
  entryPoints: { main: path.join(here, 'src/main.ts'), preview: path.join(here, 'src/preview.ts') },
  outdir: out,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: production,
  sourcemap: production ? false : 'inline',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(path.join(here, 'src/styles.css'), path.join(out, 'styles.css'));
copyFileSync(path.join(here, 'src/preview.css'), path.join(out, 'preview.css'));

const served = path.join(here, '../dist/webview');
rmSync(served, { recursive: true, force: true });
mkdirSync(served, { recursive: true });
cpSync(out, served, { recursive: true });
