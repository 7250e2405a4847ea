import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import { noImportCycle } from './scripts/eslint/noImportCycle.mjs';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'dist-vsix/**',
      'node_modules/**',
      '.vscode-test/**',
      '.test-artifacts/**',
      'webview-ui/node_modules/**',
      'webview-ui/dist/**',
      'test/connectors/**',
      '**/*.mjs',
      '**/*.js',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['webview-ui/*.ts'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's describe/it return promises the runner itself awaits.
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The runtime core is shared by the CLI and the extension: it must never depend on VS Code.
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: 'src/core must not import vscode: pass what it needs as a narrow interface.' }] },
      ],
    },
  },
  {
    // Imports point down: no module imports one that imports it back (type-only imports count), and the
    // Docker layer stands below the executors that use it.
    files: ['src/**/*.ts'],
    plugins: { local: { rules: { 'no-import-cycle': noImportCycle } }, 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.d.ts', '.js', '.json'] })] },
    rules: {
      'local/no-import-cycle': 'error',
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/core/docker',
              from: './src/core/executors',
              message: 'docker/ stands below the executors: put what both need in src/core/process (or in docker/ itself).',
            },
            {
              target: './src/core',
              from: ['./src/extension', './src/cli'],
              message: 'The core is shared by the hosts and never imports them: pass what it needs as a narrow interface.',
            },
          ],
        },
      ],
    },
  },
);
