// The Airbyte public API description (test/fixtures/airbyte-api/api.yaml, copied unchanged) made loadable
// by tools: the official file has dangling `$ref`s (to schemas and responses it never defines), which
// Prism and openapi-typescript refuse. This drops exactly the operations that hold one (today POST
// /dataplanes and GET /embedded/organizations, neither used here) and keeps everything else as it is,
// so the file in the repository stays the official one and nothing is edited by hand.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from './paths';

/** The official description as copied into the repository. */
export const platformApiYaml = path.join(repoRoot, 'test', 'fixtures', 'airbyte-api', 'api.yaml');

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];

type Json = Record<string, unknown>;

/** The value a local `#/…` reference points at, or undefined when it dangles. */
function resolvePointer(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return doc;
  let at: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof at !== 'object' || at === null || !(key in at)) return undefined;
    at = (at as Json)[key];
  }
  return at;
}

/** Every `$ref` under `value` that points nowhere, following references into components. */
function danglingRefs(doc: Json, value: unknown, seen = new Set<string>(), out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) danglingRefs(doc, v, seen, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string') {
        if (seen.has(v)) continue;
        seen.add(v);
        const target = resolvePointer(doc, v);
        if (target === undefined) out.push(v);
        else danglingRefs(doc, target, seen, out);
      } else danglingRefs(doc, v, seen, out);
    }
  }
  return out;
}

/** The loadable description and what was left out of it (`METHOD /path: $ref`). */
export function loadablePlatformApi(file = platformApiYaml): { spec: Json; dropped: string[] } {
  const spec = parse(readFileSync(file, 'utf8')) as Json;
  const paths = spec.paths as Record<string, Json>;
  const dropped: string[] = [];
  for (const [p, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      if (!(method in item)) continue;
      // Path-level parameters are part of each operation.
      const refs = danglingRefs(spec, [item[method], item.parameters]);
      if (refs.length === 0) continue;
      dropped.push(`${method.toUpperCase()} ${p}: ${refs.join(', ')}`);
      delete item[method];
    }
    if (!METHODS.some((m) => m in item)) delete paths[p];
  }
  return { spec, dropped };
}
