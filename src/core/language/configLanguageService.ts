/**
 * The `*.airbyte.jsonc` language service: diagnostics, completion, hover and quick fixes over the
 * text of a config file, as plain data (see `languageTypes.ts`). No `vscode` import: hosts (the
 * extension, the CLI) inject a registry and a spec provider and convert the results.
 */
import { isBuiltinName } from '../builtin/builtinRegistry';
import type { AirbyteErrorCode } from '../errors';
import { isAirbyteError } from '../errors';
import type { ConnectorCatalog } from '../registry/registryTypes';
import { SpecResolver } from '../spec/specResolver';
import type { ResolvedSpec, SpecProvider } from '../spec/specTypes';
import { codeActionsFor } from './configCodeActions';
import { completeConfig } from './configCompletion';
import type { ConfigDocument } from './configDocument';
import { parseConfigDocument } from './configDocument';
import { hoverConfig } from './configHover';
import { validateConfigDocument } from './configValidation';
import type { CodeAction, CompletionList, ConfigDiagnostic, Hover } from './languageTypes';

export interface ConfigLanguageServiceOptions {
  /** Connector names, pinned versions and registry specs. Without it only `builtin:*` connectors are known. */
  registry?: ConnectorCatalog;
  /** Spec resolution (registry → image → error). Default: built-ins and registry specs only, never running a container. */
  specProvider?: SpecProvider;
  /** The images present in the Docker engine, offered when completing `image`; hosts cache them. A failure offers none. */
  localImages?: () => Promise<Iterable<string>>;
}

export interface LanguageRequestOptions {
  signal?: AbortSignal;
  /**
   * False: never start a container to read a spec for this request (e.g. while the user is still
   * typing a version); an unknown spec is then reported as not checked. Default true.
   */
  allowRun?: boolean;
}

/** Which spec a document is checked against, for a status bar item or a "why no diagnostics" hint. */
export interface SpecStatus {
  connector?: string;
  resolved?: ResolvedSpec;
  /** Why no spec applies (unknown connector, no image, spec run failed), in plain words. */
  problem?: string;
  /** The error code behind `problem` (`CONNECTOR_UNKNOWN`, `SPEC_FAILED`, `DOCKER_UNREACHABLE`…). */
  problemCode?: AirbyteErrorCode;
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

/**
 * Creates the language service. Hosts keep one per workspace and call it on each change; parsing
 * is per call, compiled validators and resolved specs are cached.
 */
export function getConfigLanguageService(options: ConfigLanguageServiceOptions = {}): ConfigLanguageService {
  let registry = options.registry;
  let provider: SpecProvider = options.specProvider ?? new SpecResolver({ registry });

  async function status(doc: ConfigDocument, signal?: AbortSignal, allowRun?: boolean): Promise<SpecStatus> {
    const { connector, version, image } = doc.envelope;
    if (!connector || !connector.trim()) return { problem: 'The file names no connector.' };
    try {
      const resolved = await provider.resolve({ connector, version, image }, { signal, allowRun });
      return { connector, resolved };
    } catch (error) {
      if (signal?.aborted) throw error;
      const text = isAirbyteError(error) ? error.describe().replace(/\n/g, ' ') : String(error);
      return { connector, problem: text, problemCode: isAirbyteError(error) ? error.code : undefined };
    }
  }

  return {
    async doValidation(text, requestOptions = {}) {
      const doc = parseConfigDocument(text);
      const spec = doc.envelope.connector ? await status(doc, requestOptions.signal, requestOptions.allowRun) : undefined;
      // An unknown connector is already reported on its name (when there is a registry to say so,
      // or it is a built-in name); the spec problem would say it twice.
      const unknown = spec?.problemCode === 'CONNECTOR_UNKNOWN' && (registry !== undefined || isBuiltinName(doc.envelope.connector ?? ''));
      return validateConfigDocument(doc, {
        spec: spec?.resolved?.spec,
        specProblem: spec?.problem && !unknown ? `The config is not checked: ${spec.problem}` : undefined,
        registry,
      });
    },
    async doComplete(text, offset, requestOptions = {}) {
      const doc = parseConfigDocument(text);
      const spec = doc.envelope.connector ? await status(doc, requestOptions.signal, requestOptions.allowRun) : undefined;
      const localImages = options.localImages ? [...(await options.localImages().catch(() => []))] : undefined;
      return completeConfig(doc, offset, { spec: spec?.resolved?.spec, registry, localImages });
    },
    async doHover(text, offset, requestOptions = {}) {
      const doc = parseConfigDocument(text);
      const spec = doc.envelope.connector ? await status(doc, requestOptions.signal, requestOptions.allowRun) : undefined;
      return hoverConfig(doc, offset, { spec: spec?.resolved?.spec, registry });
    },
    getCodeActions(_text, diagnostic) {
      return codeActionsFor(diagnostic);
    },
    async getSpecStatus(text, requestOptions = {}) {
      return status(parseConfigDocument(text), requestOptions.signal, requestOptions.allowRun);
    },
    setRegistry(next) {
      registry = next;
      if (!options.specProvider) provider = new SpecResolver({ registry });
    },
  };
}
