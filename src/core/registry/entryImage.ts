import type { RegistryEntry } from './registryTypes';

/**
 * The image a registry entry runs: its repository at the pinned `dockerImageTag`
 * (`airbyte/destination-postgres:3.0.16`), or at `version` when a config pins another tag.
 */
export function entryImage(entry: Pick<RegistryEntry, 'dockerRepository' | 'dockerImageTag'>, version?: string): string {
  return `${entry.dockerRepository}:${version ?? entry.dockerImageTag}`;
}
