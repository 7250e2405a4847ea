/** Quick fixes for diagnostics, built from the data each diagnostic carries. */
import type { CodeAction, ConfigDiagnostic, TextEdit } from './languageTypes';

/** The quick fixes of one diagnostic (none when it has no fix data). */
export function codeActionsFor(diagnostic: ConfigDiagnostic): CodeAction[] {
  const data = diagnostic.data;
  if (!data) return [];
  switch (data.kind) {
    case 'missing-required':
      return [
        preferredFix(
          diagnostic,
          data.properties.length === 1
            ? `Add required field "${data.properties[0]}"`
            : `Add required fields: ${data.properties.join(', ')}`,
          data.insertEdit,
        ),
      ];
    case 'plaintext-secret':
      return [preferredFix(diagnostic, `Read it from the environment variable ${data.envVar}`, data.replaceEdit)];
    case 'one-of':
      return data.choices.map((choice) => ({
        title: `Use “${choice.title}”${choice.discriminator && choice.value !== undefined && String(choice.value) !== choice.title ? ` (${choice.discriminator}: ${JSON.stringify(choice.value)})` : ''}`,
        kind: 'quickfix' as const,
        diagnosticCode: diagnostic.code,
        edits: [{ range: data.valueRange, newText: choice.objectText }],
      }));
    case 'rename-key':
      return [preferredFix(diagnostic, `Rename to "${data.to}"`, data.replaceEdit)];
    case 'replace-value':
      return [preferredFix(diagnostic, `Use "${data.to}" (${data.reason})`, data.replaceEdit)];
    default:
      return [];
  }
}

/** The single fix of a diagnostic kind that has one, marked preferred (applied by "Fix all" style commands). */
function preferredFix(diagnostic: ConfigDiagnostic, title: string, edit: TextEdit): CodeAction {
  return { title, kind: 'quickfix', diagnosticCode: diagnostic.code, edits: [edit], isPreferred: true };
}
