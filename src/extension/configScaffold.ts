// The text of a new `*.airbyte.jsonc` made from a connector's spec (pure: unit-tested).
import { objectText } from '../core/language/configSnippets';
import type { Schema } from '../core/spec/schemaNavigation';

/** The snippet text of a new config file for `connector` with the required fields of `connectionSpecification`. */
export function scaffoldSnippet(connector: string, connectionSpecification: Schema, extra: { image?: string } = {}): string {
  const config = objectText(
    { root: connectionSpecification, connector, indentUnit: '  ', snippet: true, tabStop: 1 },
    connectionSpecification,
    '  ',
    [],
  );
  const envelope = [`  "connector": ${JSON.stringify(connector)}`];
  if (extra.image) envelope.push(`  "image": ${JSON.stringify(extra.image)}`);
  const intro = `// ${connector}: fill in the placeholders (Tab moves to the next). Completion (Ctrl+Space) offers every field of the spec;\n// secrets are best kept in environment variables: "\${env:NAME}".\n`;
  return `${intro.replace(/\$/g, '\\$')}{\n${envelope.join(',\n')},\n  "config": ${config}\n}\n`;
}

export function defaultFileName(connector: string): string {
  const base = connector.replace(/^builtin:/, '').replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${base}.airbyte.jsonc`;
}
