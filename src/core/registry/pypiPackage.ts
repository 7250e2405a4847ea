/** What the registry says about a connector's Python package (`remoteRegistries.pypi`). */
import type { RegistryEntry } from './registryTypes';

export interface PypiPackage {
  /** `airbyte-source-faker`. */
  packageName: string;
  /** The registry publishes it (PyAirbyte installs only enabled packages). */
  enabled: boolean;
}

/** The entry's PyPI package, when the registry lists one. */
export function pypiPackageOf(entry: RegistryEntry | undefined): PypiPackage | undefined {
  const remote = entry?.raw.remoteRegistries as { pypi?: { packageName?: unknown; enabled?: unknown } } | undefined;
  const name = remote?.pypi?.packageName;
  return typeof name === 'string' && name.trim() ? { packageName: name.trim(), enabled: remote?.pypi?.enabled === true } : undefined;
}
