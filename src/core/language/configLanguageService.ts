/**
 * The `*.airbyte.jsonc` language service: diagnostics, completion, hover and quick fixes over the
 * text of a config file, as plain data (see `languageTypes.ts`). No `vscode` import: hosts (the
 * extension, the CLI) inject a registry and a spec provider and convert the results.
 */
import type { ConnectorCatalog } from '../registry/registryTypes';
import type { ResolvedSpec, SpecProvider } from '../spec/specTypes';
import type { CodeAction, CompletionList, ConfigDiagnostic, Hover } from './languageTypes';

export type { ConnectorCatalog } from '../registry/registryTypes';

export interface ConfigLanguageServiceOptions {
  /** Connector names, pinned versions and registry specs. Without it only `builtin:*` connectors are known. */
  registry?: ConnectorCatalog;
  /** Spec resolution (registry → image → error). Default: built-ins and registry specs only, never running a container. */
  specProvider?: SpecProvider;
}

export interface LanguageRequestOptions {
  signal?: AbortSignal;
}

/** Which spec a document is checked against, for a status bar item or a "why no diagnostics" hint. */
export interface SpecStatus {
  connector?: string;
  resolved?: ResolvedSpec;
  /** Why no spec applies (unknown connector, no image, spec run failed), in plain words. */
  problem?: string;
}

export interface ConfigLanguageService {
  /** Every problem of the file: syntax, envelope, connector/version, config against its spec. Never throws on bad text. */
  doValidation(text: string, options?: LanguageRequestOptions): Promise<ConfigDiagnostic[]>;
  /** Completion at a 0-based offset: envelope keys, connector names, config properties and values. */
  doComplete(text: string, offset: number, options?: LanguageRequestOptions): Promise<CompletionList>;
  /** Markdown for the key or value at a 0-based offset, or undefined. */
  doHover(text: string, offset: number, options?: LanguageRequestOptions): Promise<Hover | undefined>;
  /** Quick fixes for one diagnostic previously returned by `doValidation` on the same text. */
  getCodeActions(text: string, diagnostic: ConfigDiagnostic): CodeAction[];
  /** The spec this text is checked against. */
  getSpecStatus(text: string, options?: LanguageRequestOptions): Promise<SpecStatus>;
  /** Swap the registry (after a refresh) and drop cached lookups. */
  setRegistry(registry: ConnectorCatalog | undefined): void;
}
