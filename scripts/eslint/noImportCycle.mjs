// @ts-check
/**
 * ESLint rule `no-import-cycle`: a module may not import a module that imports it back, directly
 * or through others, type-only imports included.
 *
 * Why not import-x/no-cycle: it skips every `import type` edge (hard-wired, no option), and a type
 * import is exactly how layering cycles close here (connectors/connector.ts ⇄ write/writePipeline.ts
 * and builtinRegistry.ts ⇄ the built-ins were both closed by one). A type-only cycle costs nothing
 * at run time, but the two modules can no longer be read, moved or tested apart.
 *
 * Only relative specifiers are followed (the project has no path aliases; packages cannot import
 * it back). The file being linted is read from its AST; the others from disk with TypeScript's
 * import scanner, cached by modification time.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts'];
const TYPESCRIPT_FILE = /\.[cm]?tsx?$/;

/** @type {Map<string, { mtimeMs: number; deps: string[] }>} */
const graph = new Map();

/** @param {string} file */
function modifiedAt(file) {
  try {
    const stat = statSync(file);
    return stat.isFile() ? stat.mtimeMs : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The project file a relative specifier names (`./x`, `./x.js`, `./dir`), if it is TypeScript.
 * @param {string} fromFile
 * @param {string} specifier
 */
function resolveRelative(fromFile, specifier) {
  if (!/^\.\.?(\/|$)/.test(specifier)) return undefined;
  const base = path.resolve(path.dirname(fromFile), specifier);
  const candidates = [
    base,
    // `./x.js` written for ESM output names `./x.ts`.
    ...(/\.[cm]?js$/.test(base) ? [base.replace(/js$/, 'ts')] : []),
    ...EXTENSIONS.map((ext) => base + ext),
    ...EXTENSIONS.map((ext) => path.join(base, `index${ext}`)),
  ];
  return candidates.find((file) => TYPESCRIPT_FILE.test(file) && modifiedAt(file) !== undefined);
}

/**
 * The project files `file` imports, as it is on disk. `fresh` holds the files already checked for
 * changes during this lint of one file, so that a long-lived ESLint (an editor) sees edits.
 * @param {string} file
 * @param {Set<string>} fresh
 */
function dependencies(file, fresh) {
  const known = graph.get(file);
  if (known && fresh.has(file)) return known.deps;
  fresh.add(file);
  const mtimeMs = modifiedAt(file);
  if (mtimeMs === undefined) return [];
  if (known && known.mtimeMs === mtimeMs) return known.deps;
  const scanned = ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles;
  const deps = [...new Set(scanned.map((i) => resolveRelative(file, i.fileName)).filter((f) => f !== undefined))];
  graph.set(file, { mtimeMs, deps });
  return deps;
}

/**
 * The shortest import path from `start` to `goal` (both included), if there is one.
 * @param {string} start
 * @param {string} goal
 * @param {Set<string>} fresh
 */
function importPath(start, goal, fresh) {
  /** @type {Map<string, string | undefined>} */
  const cameFrom = new Map([[start, undefined]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const file = queue[i];
    if (file === goal) {
      const route = [];
      for (let f = /** @type {string | undefined} */ (file); f !== undefined; f = cameFrom.get(f)) route.unshift(f);
      return route;
    }
    for (const next of dependencies(file, fresh)) {
      if (cameFrom.has(next)) continue;
      cameFrom.set(next, file);
      queue.push(next);
    }
  }
  return undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
export const noImportCycle = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid imports (type-only ones included) that lead back to the importing module.' },
    schema: [],
    messages: {
      cycle: 'Import cycle: {{route}}. Move what both sides need into a module below them.',
    },
  },
  create(context) {
    const filename = context.physicalFilename;
    if (!path.isAbsolute(filename)) return {};
    /** @type {Set<string>} */
    const fresh = new Set([filename]);
    const name = (/** @type {string} */ file) => path.relative(context.cwd, file).split(path.sep).join('/');

    /**
     * @param {import('estree').Node} node
     * @param {unknown} specifier
     */
    function check(node, specifier) {
      if (typeof specifier !== 'string') return;
      const target = resolveRelative(filename, specifier);
      if (!target) return;
      const route = importPath(target, filename, fresh);
      if (route) context.report({ node, messageId: 'cycle', data: { route: [filename, ...route].map(name).join(' → ') } });
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      /** @param {any} node `import x = require('./y')` (a TypeScript node, unknown to estree's types). */
      TSImportEqualsDeclaration(node) {
        const ref = node.moduleReference;
        if (ref.type === 'TSExternalModuleReference') check(node, ref.expression.value);
      },
    };
  },
};
