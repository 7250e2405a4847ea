// Connector list entries and the Connectors view filter (pure: unit-tested).
import { entryImage } from '../core/registry/entryImage';
import type { RegistryEntry } from '../core/registry/registryTypes';
import { pypiPackageOf } from '../core/registry/pypiPackage';

export interface ConnectorInfo {
  /** `destination-postgres` or `builtin:sqlite`. */
  name: string;
  type: 'source' | 'destination';
  displayName: string;
  builtin: boolean;
  image?: string;
  version?: string;
  supportLevel?: string;
  releaseStage?: string;
  documentationUrl?: string;
  description?: string;
  /** The PyPI package the registry publishes it as (it can run from a venv). */
  pypiPackage?: string;
}

export function connectorInfoFromEntry(e: RegistryEntry): ConnectorInfo {
  return {
    name: e.name,
    type: e.type,
    displayName: e.displayName,
    builtin: false,
    image: entryImage(e),
    version: e.dockerImageTag,
    supportLevel: e.supportLevel,
    releaseStage: e.releaseStage,
    documentationUrl: e.documentationUrl,
    pypiPackage: pypiPackageOf(e)?.enabled ? pypiPackageOf(e)?.packageName : undefined,
  };
}

/** True when `filter` (words, case-insensitive) matches the connector's name or display name. */
export function matchesFilter(info: ConnectorInfo, filter: string): boolean {
  const hay = `${info.name} ${info.displayName}`.toLowerCase();
  return filter
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => hay.includes(word));
}
