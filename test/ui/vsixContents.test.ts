// What the packaged VSIX ships (built by `npm run package`, which scripts/tier-ui.sh runs first):
// only the runtime files the allowlist .vscodeignore names, every file the manifest points at, and
// nothing from sources, tests, caches or node_modules.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { vsixPath } from '../harness/paths';
import { readZipEntries, readZipEntry } from '../harness/zipEntries';

const allowed = [
  /^extension\.vsixmanifest$/,
  /^\[Content_Types\]\.xml$/,
  /^extension\/package\.json$/,
  /^extension\/readme\.md$/i,
  /^extension\/changelog\.md$/i,
  /^extension\/LICENSE(\.txt)?$/,
  /^extension\/language-configuration\.json$/,
  /^extension\/dist\/extension\.js$/,
  /^extension\/dist\/sql-wasm\.wasm$/,
  /^extension\/dist\/webview\/[\w./-]+\.(js|css|ttf|woff2?|svg|png)$/,
  /^extension\/media\/[\w./-]+\.(svg|png|md)$/,
  /^extension\/syntaxes\/[\w./-]+\.json$/,
];

// A VSIX of more than this is a sign that something unintended got bundled or packed.
const sizeBudgetBytes = 5 * 1024 * 1024;

/** Every relative file path the manifest refers to (main, icons, grammars, language configuration…). */
function manifestFiles(value: unknown, key = ''): string[] {
  if (typeof value === 'string') {
    const looksLikeFile = /^(\.\/)?(dist|media|syntaxes|images|resources)\/[^\s*]+\.\w+$|^(\.\/)?[\w-]+\.(json|png|svg)$/.test(value);
    return looksLikeFile && ['main', 'icon', 'path', 'configuration', 'light', 'dark', 'default', 'markdown'].includes(key)
      ? [value.replace(/^\.\//, '')]
      : [];
  }
  if (Array.isArray(value)) return value.flatMap((v) => manifestFiles(v, key));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => manifestFiles(v, k));
  return [];
}

describe('packaged VSIX', () => {
  const present = existsSync(vsixPath);

  it('exists (npm run package)', () => {
    assert.ok(present, `${vsixPath} is missing: run npm run package`);
  });

  it('holds only allowlisted runtime files: no sources, tests, maps, caches or node_modules', { skip: !present }, () => {
    const names = readZipEntries(vsixPath).map((e) => e.name);
    const unexpected = names.filter((n) => !allowed.some((re) => re.test(n)));
    assert.deepEqual(unexpected, [], `files the VSIX should not ship:\n${unexpected.join('\n')}`);
    for (const n of names) {
      assert.doesNotMatch(n, /node_modules|\/(src|test|bench|scripts|webview-ui)\/|\.vscode-test|\.test-artifacts|\.map$|\.tsx?$/, n);
    }
  });

  it('holds the extension bundle, the sql.js wasm, the webview app, the grammar and the icons', { skip: !present }, () => {
    const names = new Set(readZipEntries(vsixPath).map((e) => e.name));
    for (const required of [
      'extension/package.json',
      'extension/dist/extension.js',
      'extension/dist/sql-wasm.wasm',
      'extension/dist/webview/main.js',
      'extension/dist/webview/preview.js',
      'extension/syntaxes/airbyte-jsonc.tmLanguage.json',
      'extension/media/airbyte.svg',
      'extension/media/walkthrough/sample-configs.md',
      'extension/language-configuration.json',
    ]) {
      assert.ok(names.has(required), `${required} is missing from the VSIX`);
    }
  });

  it('holds every file its manifest refers to', { skip: !present }, () => {
    const manifest = JSON.parse(readZipEntry(vsixPath, 'extension/package.json')!.toString('utf8')) as Record<string, unknown>;
    const names = new Set(readZipEntries(vsixPath).map((e) => e.name));
    const referenced = [...new Set(manifestFiles({ main: manifest.main, icon: manifest.icon, contributes: manifest.contributes }))];
    assert.ok(referenced.includes('dist/extension.js'), `the manifest's main is ${String(manifest.main)}`);
    const missing = referenced.filter((f) => !names.has(`extension/${f}`));
    assert.deepEqual(missing, [], `the manifest refers to files the VSIX lacks: ${missing.join(', ')}`);
  });

  it('ships the production build (minified, no source maps) and stays under the size budget', { skip: !present }, () => {
    const bundle = readZipEntry(vsixPath, 'extension/dist/extension.js')!.toString('utf8');
    assert.doesNotMatch(bundle, /sourceMappingURL=/, 'dist/extension.js carries a source map: package with --production');
    const lines = bundle.split('\n').length;
    assert.ok(
      bundle.length < 2_000 || lines < bundle.length / 500,
      `dist/extension.js does not look minified (${lines} lines for ${bundle.length} bytes)`,
    );
    const webview = readZipEntry(vsixPath, 'extension/dist/webview/main.js')!.toString('utf8');
    assert.doesNotMatch(webview, /sourceMappingURL=/, 'the webview bundle carries a source map');
    const size = statSync(vsixPath).size;
    assert.ok(size < sizeBudgetBytes, `the VSIX is ${(size / 1048576).toFixed(2)} MB, over the ${sizeBudgetBytes / 1048576} MB budget`);
    console.log(`VSIX ${path.basename(vsixPath)}: ${(size / 1024).toFixed(0)} KiB, ${readZipEntries(vsixPath).length} entries`);
  });
});
