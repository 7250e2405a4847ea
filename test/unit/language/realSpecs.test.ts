// Every real spec in test/fixtures/specs: configs built from the spec are valid, and each
// kind of mistake is reported once, on the exact key or value, with the field's title.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listBuiltins } from '../../../src/core/builtin/builtinRegistry';
import { validateConfigText } from '../../../src/core/language/configValidation';
import type { ConfigDiagnostic } from '../../../src/core/language/languageTypes';
import { configFileText, lineColOf, loadSpec, sampleObject, specNames, topLevelOneOfs, validConfig } from '../spec/specFixtures';

const errorsOf = (d: ConfigDiagnostic[]) => d.filter((x) => x.severity === 'error');
const show = (d: ConfigDiagnostic[]) => d.map((x) => `${x.range.start.line}:${x.range.start.character} ${x.code} ${x.message}`).join('\n');

type S = Record<string, unknown>;

describe('validation over every real spec', () => {
  const names = specNames();
  it('finds the 15 fixture specs', () => {
    assert.ok(names.length >= 15, `found ${names.length} specs`);
  });

  for (const name of names) {
    describe(name, () => {
      const spec = loadSpec(name);
      const root = spec.connectionSpecification as S;
      const props = (root.properties ?? {}) as Record<string, S>;
      const required = (root.required ?? []) as string[];

      it('accepts a config built from required fields, defaults and examples', () => {
        const text = configFileText(name, validConfig(spec));
        const diagnostics = validateConfigText(text, { spec });
        assert.deepEqual(errorsOf(diagnostics), [], show(diagnostics));
      });

      for (const { name: field, branches } of topLevelOneOfs(spec)) {
        it(`accepts each of the ${branches} branches of "${field}"`, () => {
          for (let b = 0; b < branches; b++) {
            const text = configFileText(name, validConfig(spec, field, b));
            const diagnostics = validateConfigText(text, { spec });
            assert.deepEqual(errorsOf(diagnostics), [], `branch ${b}:\n${show(diagnostics)}`);
          }
        });
      }

      for (const field of required) {
        it(`reports missing "${field}" once, on the "config" key, with its title`, () => {
          const config = validConfig(spec);
          delete config[field];
          const text = configFileText(name, config);
          const errors = errorsOf(validateConfigText(text, { spec }));
          assert.equal(errors.length, 1, show(errors));
          assert.equal(errors[0].code, 'config-missing-required');
          assert.deepEqual(errors[0].range.start, lineColOf(text, text.indexOf('"config"')));
          assert.equal(errors[0].range.length, '"config"'.length);
          const title = typeof props[field]?.title === 'string' ? (props[field].title as string) : field;
          assert.equal(errors[0].message, `Missing required field “${title}” (${field})`);
          assert.deepEqual(errors[0].data && errors[0].data.kind === 'missing-required' ? errors[0].data.properties : undefined, [field]);
        });
      }

      const numeric = Object.entries(props).filter(([, s]) => s.type === 'integer' || s.type === 'number');
      for (const [field, schema] of numeric) {
        it(`reports text in number field "${field}" on the value`, () => {
          const config = validConfig(spec);
          config[field] = 'not-a-number';
          const text = configFileText(name, config);
          const errors = errorsOf(validateConfigText(text, { spec }));
          assert.equal(errors.length, 1, show(errors));
          const valueOffset = text.indexOf(`"${field}": "not-a-number"`) + `"${field}": `.length;
          assert.deepEqual(errors[0].range.start, lineColOf(text, valueOffset));
          assert.equal(errors[0].range.length, '"not-a-number"'.length);
          assert.equal(errors[0].code, 'config-type');
          assert.ok(errors[0].message.startsWith(`${(schema.title as string) ?? field} must be`), errors[0].message);
        });
      }

      const enums = Object.entries(props).filter(([, s]) => Array.isArray(s.enum) && (s.enum as unknown[]).length > 1);
      for (const [field, schema] of enums) {
        it(`reports a value outside the enum of "${field}" and lists the choices`, () => {
          const config = validConfig(spec);
          config[field] = 'zz-not-a-choice';
          const text = configFileText(name, config);
          const errors = errorsOf(validateConfigText(text, { spec }));
          assert.equal(errors.length, 1, show(errors));
          assert.equal(errors[0].code, 'config-enum');
          assert.deepEqual(errors[0].range.start, lineColOf(text, text.indexOf('"zz-not-a-choice"')));
          const values = schema.enum as unknown[];
          assert.ok(errors[0].message.includes(String(values[1])), errors[0].message);
        });
      }

      if (root.additionalProperties === false) {
        it('reports an unknown field on its key (the spec forbids extra fields)', () => {
          const config = { ...validConfig(spec), not_a_field: 1 };
          const text = configFileText(name, config);
          const errors = errorsOf(validateConfigText(text, { spec }));
          assert.equal(errors.length, 1, show(errors));
          assert.equal(errors[0].code, 'config-unknown-property');
          assert.deepEqual(errors[0].range.start, lineColOf(text, text.indexOf('"not_a_field"')));
          assert.equal(errors[0].range.length, '"not_a_field"'.length);
        });
      } else {
        it('accepts an unknown field (the spec allows extra fields)', () => {
          const text = configFileText(name, { ...validConfig(spec), not_a_field: 1 });
          assert.deepEqual(errorsOf(validateConfigText(text, { spec })), []);
        });
      }
    });
  }
});

describe('validation of built-in connector configs', () => {
  for (const builtin of listBuiltins()) {
    it(`${builtin.name}: a config built from its spec is valid, an empty required field is reported`, () => {
      const root = builtin.spec.connectionSpecification as S;
      const config = sampleObject(root);
      const text = configFileText(builtin.name, config);
      assert.deepEqual(errorsOf(validateConfigText(text, { spec: builtin.spec })), []);
      const required = (root.required ?? []) as string[];
      if (required.length > 0) {
        delete config[required[0]];
        const errors = errorsOf(validateConfigText(configFileText(builtin.name, config), { spec: builtin.spec }));
        assert.equal(errors.length, 1);
        assert.equal(errors[0].code, 'config-missing-required');
      }
    });
  }
});
