// 1,000 seeded random mutations of real configs (delete keys, change types, insert garbage,
// truncate): validation, completion and hover never throw, every range is inside the text and
// consistent with its offset, and each mutation that must produce an error does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigDocument } from '../../../src/core/language/configDocument';
import { completeConfig } from '../../../src/core/language/configCompletion';
import { hoverConfig } from '../../../src/core/language/configHover';
import { validateConfigDocument } from '../../../src/core/language/configValidation';
import type { Range } from '../../../src/core/language/languageTypes';
import type { ConnectorSpecification } from '../../../src/core/protocol/messages';
import { configFileText, lineColOf, loadSpec, specNames, topLevelOneOfs, validConfig } from '../spec/specFixtures';
import { prng } from '../prng';

type S = Record<string, unknown>;
interface Base {
  connector: string;
  spec: ConnectorSpecification;
  config: S;
}

function bases(): Base[] {
  const out: Base[] = [];
  for (const name of specNames()) {
    const spec = loadSpec(name);
    out.push({ connector: name, spec, config: validConfig(spec) });
    for (const { name: field, branches } of topLevelOneOfs(spec))
      for (let b = 0; b < branches; b++) out.push({ connector: name, spec, config: validConfig(spec, field, b) });
  }
  return out;
}

function assertRangeSane(text: string, range: Range, what: string): void {
  assert.ok(
    range.offset >= 0 && range.length >= 0 && range.offset + range.length <= text.length,
    `${what}: range ${range.offset}+${range.length} outside text of ${text.length}`,
  );
  assert.deepEqual(range.start, lineColOf(text, range.offset), `${what}: start does not match offset`);
  assert.deepEqual(range.end, lineColOf(text, range.offset + range.length), `${what}: end does not match offset`);
}

describe('1,000 random mutations of real configs', () => {
  it('never throws, keeps ranges sane, and reports what must be reported', () => {
    const random = prng(0xa1b2c3);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
    const all = bases();
    const counts: Record<string, number> = {};
    for (let i = 0; i < 1000; i++) {
      const base = pick(all);
      const config = structuredClone(base.config);
      const root = base.spec.connectionSpecification as S;
      const props = (root.properties ?? {}) as Record<string, S>;
      const required = ((root.required ?? []) as string[]).filter((r) => r in config);
      let text: string;
      let mustError: boolean;
      const kind = pick(['delete-required', 'change-type', 'garbage', 'truncate', 'delete-any', 'nested'] as const);
      counts[kind] = (counts[kind] ?? 0) + 1;
      switch (kind) {
        case 'delete-required': {
          if (required.length === 0) {
            text = configFileText(base.connector, config);
            mustError = false;
            break;
          }
          delete config[pick(required)];
          text = configFileText(base.connector, config);
          mustError = true;
          break;
        }
        case 'delete-any': {
          const keys = Object.keys(config);
          if (keys.length) delete config[pick(keys)];
          text = configFileText(base.connector, config);
          mustError = false;
          break;
        }
        case 'change-type': {
          const typed = Object.keys(config).filter((k) => typeof props[k]?.type === 'string');
          if (typed.length === 0) {
            text = configFileText(base.connector, config);
            mustError = false;
            break;
          }
          const key = pick(typed);
          const type = props[key].type;
          // A value no declared type accepts: a list for scalars, a number for text/objects/lists.
          config[key] = type === 'string' || type === 'object' || type === 'array' ? 12345 : ['x'];
          text = configFileText(base.connector, config);
          mustError = true;
          break;
        }
        case 'garbage': {
          const lines = configFileText(base.connector, config).split('\n');
          const at = 1 + Math.floor(random() * (lines.length - 1));
          lines.splice(at, 0, pick(['@#!', '}{', '"unterminated', ':::', ']', '{{', ',,']));
          text = lines.join('\n');
          mustError = true;
          break;
        }
        case 'nested': {
          // Somewhere inside a nested object (oneOf branches included): drop a key or give it a wild value.
          const objects: S[] = [];
          const collect = (v: unknown) => {
            if (v && typeof v === 'object' && !Array.isArray(v)) {
              objects.push(v as S);
              for (const child of Object.values(v as S)) collect(child);
            }
          };
          for (const v of Object.values(config)) collect(v);
          const target = objects.length ? pick(objects) : config;
          const keys = Object.keys(target);
          if (keys.length) {
            const key = pick(keys);
            if (random() < 0.5) delete target[key];
            else target[key] = pick([null, 42, -1.5, 'zz', true, [], {}, ['a', 1], '${env:X}', 'secret_reference::Y']);
          }
          text = configFileText(base.connector, config);
          mustError = false;
          break;
        }
        case 'truncate': {
          const full = configFileText(base.connector, config);
          text = full.slice(0, Math.floor(random() * (full.length - 1)));
          mustError = true;
          break;
        }
      }
      const doc = parseConfigDocument(text);
      const diagnostics = validateConfigDocument(doc, { spec: base.spec });
      for (const d of diagnostics) {
        assertRangeSane(text, d.range, `#${i} ${kind} ${d.code}`);
        assert.ok(
          d.message.length > 0 && !/undefined|\[object Object\]|NaN/.test(d.message),
          `#${i} ${kind}: unreadable message "${d.message}"`,
        );
      }
      if (mustError)
        assert.ok(
          diagnostics.some((d) => d.severity === 'error'),
          `#${i} ${kind} of ${base.connector} gave no error:\n${text}`,
        );
      const offset = Math.floor(random() * (text.length + 1));
      const completion = completeConfig(doc, offset, { spec: base.spec });
      for (const item of completion.items) assertRangeSane(text, item.range, `#${i} completion ${item.label}`);
      const hover = hoverConfig(doc, offset, { spec: base.spec });
      if (hover) assertRangeSane(text, hover.range, `#${i} hover`);
    }
    for (const kind of ['delete-required', 'change-type', 'garbage', 'truncate', 'delete-any', 'nested'])
      assert.ok((counts[kind] ?? 0) > 100, `${kind} ran ${counts[kind]} times`);
  });
});
