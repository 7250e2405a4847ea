/** What spec resolution takes and gives. `specResolver.ts` implements it. */
import type { ConnectorSpecification } from '../protocol/messages';
import type { ConnectorType, RegistryEntry } from '../registry/registryTypes';

/** Which connector a config file names: the envelope fields that decide its spec. */
export interface ConnectorRef {
  /** Registry name (`destination-postgres`) or `builtin:<name>`. */
  connector: string;
  /** Image tag pinned by the config; absent means the registry's `dockerImageTag`. */
  version?: string;
  /** Full image reference; when set, the spec comes from this image. */
  image?: string;
}

/** Where a spec came from: a built-in connector, the registry entry, or running `spec` in the image (now or cached on disk). */
export type SpecOrigin = 'builtin' | 'registry' | 'image' | 'image-cache';

export interface ResolvedSpec {
  spec: ConnectorSpecification;
  origin: SpecOrigin;
  connector: string;
  /** The image the spec belongs to (absent for built-ins). */
  image?: string;
  type?: ConnectorType;
  entry?: RegistryEntry;
}

export interface ResolveSpecOptions {
  signal?: AbortSignal;
  /** False: never start a container, fail with SPEC_FAILED instead (editors typing a version). Default true. */
  allowRun?: boolean;
}

/** Finds the spec of a connector; throws `AirbyteError` (`CONNECTOR_UNKNOWN`, `SPEC_FAILED`) with guidance. */
export interface SpecProvider {
  resolve(ref: ConnectorRef, options?: ResolveSpecOptions): Promise<ResolvedSpec>;
}

/**
 * Runs the connector's `spec` command in `image` (the runtime's `Connector.spec()`). The resolver
 * calls it without a signal: a run serves every request waiting for that image and is cached.
 */
export type RunSpec = (image: string, signal?: AbortSignal) => Promise<ConnectorSpecification>;
