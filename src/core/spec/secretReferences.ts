/**
 * Secret references a config may hold instead of a value: `${env:NAME}` (an environment variable,
 * resolved at run time) and `secret_reference::NAME` (Airbyte's secret-store syntax). Their final
 * value is unknown while editing, so text checks (pattern, format, enum, length) are skipped.
 */

const ENV_REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/;
const SECRET_REFERENCE = /^secret_reference::\S+$/;

/** True when a string is, or contains, a secret reference. */
export function isSecretReference(value: unknown): value is string {
  return typeof value === 'string' && (ENV_REFERENCE.test(value) || SECRET_REFERENCE.test(value));
}

/**
 * An environment variable name for a secret field: connector name without its `source-` /
 * `destination-` prefix, then the field path, upper snake case (`POSTGRES_PASSWORD`,
 * `S3_SECRET_ACCESS_KEY`, `GITHUB_CREDENTIALS_PERSONAL_ACCESS_TOKEN`).
 */
export function envVarNameFor(connector: string | undefined, fieldPath: readonly (string | number)[]): string {
  const base = (connector ?? '').replace(/^builtin:/, '').replace(/^(source|destination)-/, '');
  const parts = [base, ...fieldPath.filter((p) => typeof p === 'string')].map((p) =>
    String(p)
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .toUpperCase(),
  );
  const name = parts.filter(Boolean).join('_');
  return /^[A-Z_]/.test(name) ? name : `SECRET_${name}`;
}
