/** Airbyte OSS registry entries, as far as this project reads them. The format grows: parse leniently. */
import type { ConnectorSpecification } from '../protocol/messages';

export type ConnectorType = 'source' | 'destination';

export interface RegistryEntry {
  type: ConnectorType;
  /** `destination-postgres`: the last path segment of `dockerRepository`. */
  name: string;
  displayName: string;
  dockerRepository: string;
  dockerImageTag: string;
  definitionId?: string;
  spec?: ConnectorSpecification;
  documentationUrl?: string;
  iconUrl?: string;
  supportLevel?: string;
  releaseStage?: string;
  supportsRefreshes?: boolean;
  language?: string;
  tags?: string[];
  /** The raw entry, for fields this project does not model. */
  raw: Record<string, unknown>;
}

/** What connector resolution needs of a registry. `registry.ts` implements it over the real file. */
export interface RegistryLookup {
  find(name: string, type?: ConnectorType): RegistryEntry | undefined;
}

/** A registry that can also list its entries (connector-name completion, `registry list`). `Registry` implements it. */
export interface ConnectorCatalog extends RegistryLookup {
  list(type?: ConnectorType): readonly RegistryEntry[];
}
