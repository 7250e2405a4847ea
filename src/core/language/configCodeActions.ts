/** Quick fixes for diagnostics, built from the data each diagnostic carries. */
import type { CodeAction, ConfigDiagnostic } from './languageTypes';

/** The quick fixes of one diagnostic (none when it has no fix data). */
export function codeActionsFor(diagnostic: ConfigDiagnostic): CodeAction[] {
  const data = diagnostic.data;
  if (!data) return [];
  switch (data.kind) {
    case 'missing-required':
      return [
        {
          title: data.properties.length === 1 ? `Add required field "${data.properties[0]}"` : `Add required fields: ${data.properties.join(', ')}`,
          kind: 'quickfix',
          diagnosticCode: diagnostic.code,
          edits: [data.insertEdit],
          isPreferred: true,
        },
      ];
    case 'plaintext-secret':
      return [
        {
          title: `Read it from the environment variable ${data.envVar}`,
          kind: 'quickfix',
          diagnosticCode: diagnostic.code,
          edits: [data.replaceEdit],
          isPreferred: true,
        },
      ];
    case 'one-of':
      return data.choices.map((choice) => ({
        title: `Use “${choice.title}”${choice.discriminator && choice.value !== undefined && String(choice.value) !== choice.title ? ` (${choice.discriminator}: ${JSON.stringify(choice.value)})` : ''}`,
        kind: 'quickfix' as const,
        diagnosticCode: diagnostic.code,
        edits: [{ range: data.valueRange, newText: choice.objectText }],
      }));
    case 'rename-key':
      return [
        {
          title: `Rename to "${data.to}"`,
          kind: 'quickfix',
          diagnosticCode: diagnostic.code,
          edits: [data.replaceEdit],
          isPreferred: true,
        },
      ];
    case 'replace-value':
      return [
        {
          title: `Use "${data.to}" (${data.reason})`,
          kind: 'quickfix',
          diagnosticCode: diagnostic.code,
          edits: [data.replaceEdit],
          isPreferred: true,
        },
      ];
    default:
      return [];
  }
}
