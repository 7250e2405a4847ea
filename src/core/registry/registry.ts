/**
 * The Airbyte OSS connector registry: loaded from the network (cached on disk with its ETag /
 * Last-Modified and revalidated at most once a day), from a local file, or from the disk cache
 * when offline. Parsed leniently: unknown fields stay in each entry's `raw`.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { AirbyteError } from '../errors';
import type { ConnectorSpecification } from '../protocol/messages';
import { writeFileAtomic } from '../store/atomicFile';
import type { ConnectorType, RegistryEntry, RegistryLookup } from './registryTypes';

export const DEFAULT_REGISTRY_URL = 'https://connectors.airbyte.com/files/registries/v0/oss_registry.json';
/** PyAirbyte's variable: a local registry file (or URL) used instead of the default URL. */
export const LOCAL_REGISTRY_ENV = 'AIRBYTE_LOCAL_REGISTRY';
/** A cached copy younger than this is used without asking the server. */
export const REGISTRY_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const FETCH_TIMEOUT_MS = 20_000;

/**
 * Where the entries came from:
 * - `network`: downloaded now;
 * - `revalidated`: the server answered 304 Not Modified, the cached copy is current;
 * - `cache`: the cached copy is less than a day old, the server was not asked;
 * - `offline-cache`: the server could not be reached, the (possibly outdated) cached copy is used;
 * - `file`: a local registry file.
 */
export type RegistrySource = 'network' | 'revalidated' | 'cache' | 'offline-cache' | 'file';

export interface LoadRegistryOptions {
  /** Registry URL; default `AIRBYTE_LOCAL_REGISTRY` when it holds a URL, else the Airbyte OSS registry. */
  url?: string;
  /** A local registry JSON file; wins over `url`. Default `AIRBYTE_LOCAL_REGISTRY` when it holds a path. */
  file?: string;
  /** Folder for the cached copy (created when missing). */
  cacheDir: string;
  /** Injected for tests and hosts; default the global `fetch`. */
  fetch?: typeof fetch;
  /** Clock, for the daily revalidation. */
  now?: () => number;
  /** Never touch the network: use the cached copy or fail. */
  offline?: boolean;
  /** Ask the server even when the cached copy is younger than a day (still a conditional GET). */
  refresh?: boolean;
  /** Environment to read `AIRBYTE_LOCAL_REGISTRY` from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

interface CacheMeta {
  url: string;
  etag?: string;
  lastModified?: string;
  /** When the server last confirmed this copy (200 or 304), epoch ms. */
  fetchedAt: number;
}

interface RawRegistry {
  sources?: unknown;
  destinations?: unknown;
}

/** A loaded registry: lookup by connector name (`destination-postgres`) or image repository, listing by type. */
export class Registry implements RegistryLookup {
  private readonly byName = new Map<string, RegistryEntry[]>();
  private readonly all: RegistryEntry[];

  /**
   * @param entries parsed entries (see `parseRegistry`)
   * @param source where they came from
   * @param location the URL or file path
   * @param fetchedAt when the copy was last confirmed by its server (epoch ms), for cached copies
   * @param notice a sentence for people when the copy may be outdated (offline)
   */
  constructor(
    entries: RegistryEntry[],
    readonly source: RegistrySource = 'file',
    readonly location = '',
    readonly fetchedAt?: number,
    readonly notice?: string,
  ) {
    this.all = entries;
    for (const entry of entries) {
      for (const key of new Set([entry.name, entry.dockerRepository])) {
        const list = this.byName.get(key);
        if (list) list.push(entry);
        else this.byName.set(key, [entry]);
      }
    }
  }

  /** True when the entries may be outdated because the server could not be reached. */
  get stale(): boolean {
    return this.source === 'offline-cache';
  }

  get size(): number {
    return this.all.length;
  }

  /** The entry named `name` (`destination-postgres`, or `airbyte/destination-postgres`), of `type` when given. */
  find(name: string, type?: ConnectorType): RegistryEntry | undefined {
    const list = this.byName.get(name);
    if (!list) return undefined;
    return type ? list.find((e) => e.type === type) : list[0];
  }

  /** Every entry, or those of one type, in registry order. */
  list(type?: ConnectorType): readonly RegistryEntry[] {
    return type ? this.all.filter((e) => e.type === type) : this.all;
  }
}

/**
 * Entries of a registry document. Lenient: a malformed entry is skipped, unknown fields are kept in `raw`.
 * Throws `REGISTRY_UNAVAILABLE` (its message a phrase the loaders quote) when the document is no registry at all.
 */
export function parseRegistry(document: unknown): RegistryEntry[] {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw notARegistry('the registry is not a JSON object');
  }
  const raw = document as RawRegistry;
  if (!Array.isArray(raw.sources) && !Array.isArray(raw.destinations)) {
    throw notARegistry('the registry has neither "sources" nor "destinations"');
  }
  const out: RegistryEntry[] = [];
  for (const [key, type] of [
    ['destinations', 'destination'],
    ['sources', 'source'],
  ] as const) {
    const list = raw[key];
    if (!Array.isArray(list)) continue;
    for (const item of list) {
      const entry = toEntry(item, type);
      if (entry) out.push(entry);
    }
  }
  return out;
}

function notARegistry(why: string): AirbyteError {
  return new AirbyteError('REGISTRY_UNAVAILABLE', {
    message: why,
    guidance: 'Use a copy of the Airbyte OSS registry (oss_registry.json): a JSON object with "sources" and "destinations" arrays.',
  });
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function toEntry(item: unknown, type: ConnectorType): RegistryEntry | undefined {
  if (typeof item !== 'object' || item === null) return undefined;
  const raw = item as Record<string, unknown>;
  const dockerRepository = str(raw.dockerRepository);
  if (!dockerRepository) return undefined;
  const name = dockerRepository.slice(dockerRepository.lastIndexOf('/') + 1);
  const spec = raw.spec as ConnectorSpecification | undefined;
  return {
    type,
    name,
    displayName: str(raw.name) ?? name,
    dockerRepository,
    dockerImageTag: str(raw.dockerImageTag) ?? 'latest',
    definitionId: str(type === 'source' ? raw.sourceDefinitionId : raw.destinationDefinitionId),
    spec: spec && typeof spec === 'object' && typeof spec.connectionSpecification === 'object' ? spec : undefined,
    documentationUrl: str(raw.documentationUrl),
    iconUrl: str(raw.iconUrl),
    supportLevel: str(raw.supportLevel),
    releaseStage: str(raw.releaseStage),
    supportsRefreshes: typeof raw.supportsRefreshes === 'boolean' ? raw.supportsRefreshes : undefined,
    language: str(raw.language),
    tags: Array.isArray(raw.tags) ? raw.tags.filter((t): t is string => typeof t === 'string') : undefined,
    raw,
  };
}

/** `AIRBYTE_LOCAL_REGISTRY` / `--registry` value → a file or URL option. */
export function registryLocation(value: string | undefined): { url?: string; file?: string } {
  if (!value) return {};
  return /^https?:\/\//i.test(value) ? { url: value } : { file: value };
}

/**
 * Loads the registry. Order: `file` option, `url` option, `AIRBYTE_LOCAL_REGISTRY`, the default URL.
 * A URL is cached in `cacheDir`; a copy younger than a day is used as is, an older one is
 * revalidated with a conditional GET; when the server cannot be reached the cached copy is used
 * and `notice` says so. Throws `AirbyteError('REGISTRY_UNAVAILABLE')` when there is nothing to use.
 */
export async function loadRegistry(options: LoadRegistryOptions): Promise<Registry> {
  const fromEnv = registryLocation((options.env ?? process.env)[LOCAL_REGISTRY_ENV]);
  const file = options.file ?? (options.url ? undefined : fromEnv.file);
  if (file) return loadRegistryFile(file);
  const url = options.url ?? fromEnv.url ?? DEFAULT_REGISTRY_URL;
  const now = options.now ?? Date.now;
  const cacheBase = path.join(options.cacheDir, `registry-${createHash('sha256').update(url).digest('hex').slice(0, 16)}`);
  const cached = await readCache(cacheBase, url);

  if (cached && (options.offline || (!options.refresh && now() - cached.meta.fetchedAt < REGISTRY_MAX_AGE_MS))) {
    const entries = tryParse(cached.body);
    if (entries) return new Registry(entries, 'cache', url, cached.meta.fetchedAt);
  }
  if (options.offline) {
    throw new AirbyteError('REGISTRY_UNAVAILABLE', {
      message: `No cached copy of the connector registry ${url} is available, and offline mode forbids downloading it.`,
      guidance: 'Run once with network access, or point --registry / AIRBYTE_LOCAL_REGISTRY at a registry JSON file.',
      context: { url },
    });
  }

  let failure: string;
  try {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (cached?.meta.etag) headers['if-none-match'] = cached.meta.etag;
    if (cached?.meta.lastModified) headers['if-modified-since'] = cached.meta.lastModified;
    const timeout = AbortSignal.timeout(FETCH_TIMEOUT_MS);
    const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
    const response = await (options.fetch ?? fetch)(url, { headers, signal });
    if (response.status === 304 && cached) {
      const entries = tryParse(cached.body);
      if (entries) {
        // A cache that cannot be written costs a revalidation next time, nothing more.
        await writeMeta(cacheBase, { ...cached.meta, fetchedAt: now() }).catch(() => undefined);
        return new Registry(entries, 'revalidated', url, now());
      }
      failure = 'the server answered 304 Not Modified but the cached copy is unreadable';
    } else if (response.ok) {
      const body = await response.text();
      const entries = parse(body);
      const meta: CacheMeta = {
        url,
        etag: response.headers.get('etag') ?? undefined,
        lastModified: response.headers.get('last-modified') ?? undefined,
        fetchedAt: now(),
      };
      await writeCache(cacheBase, body, meta).catch(() => undefined);
      return new Registry(entries, 'network', url, meta.fetchedAt);
    } else {
      failure = `the server answered HTTP ${response.status}`;
    }
  } catch (error) {
    if (options.signal?.aborted) throw error;
    failure = error instanceof Error ? describeFetchError(error) : String(error);
  }

  const entries = cached ? tryParse(cached.body) : undefined;
  if (cached && entries) {
    const when = new Date(cached.meta.fetchedAt).toISOString().replace('T', ' ').slice(0, 16);
    return new Registry(
      entries,
      'offline-cache',
      url,
      cached.meta.fetchedAt,
      `Offline: could not refresh the connector registry (${failure}); using the copy cached on ${when} UTC.`,
    );
  }
  throw new AirbyteError('REGISTRY_UNAVAILABLE', {
    message: `Could not download the connector registry from ${url}: ${failure}.`,
    guidance: `Check the network connection, or point --registry / ${LOCAL_REGISTRY_ENV} at a registry JSON file (a copy of ${DEFAULT_REGISTRY_URL}).`,
    context: { url },
  });
}

/** Reads a registry JSON file. Throws `REGISTRY_UNAVAILABLE` when it is missing or not a registry. */
export async function loadRegistryFile(file: string): Promise<Registry> {
  let body: string;
  try {
    body = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new AirbyteError('REGISTRY_UNAVAILABLE', {
      message: `Cannot read the registry file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      guidance: `Check the path given to --registry or ${LOCAL_REGISTRY_ENV}.`,
      context: { file },
      cause: error,
    });
  }
  try {
    return new Registry(parse(body), 'file', file);
  } catch (error) {
    // Not JSON, or JSON that is no registry: either way, say which file.
    throw new AirbyteError('REGISTRY_UNAVAILABLE', {
      message: `The registry file ${file} is not a connector registry: ${(error as Error).message}.`,
      guidance: 'Use a copy of the Airbyte OSS registry (oss_registry.json): a JSON object with "sources" and "destinations" arrays.',
      context: { file },
      cause: error,
    });
  }
}

function parse(body: string): RegistryEntry[] {
  return parseRegistry(JSON.parse(body) as unknown);
}

function tryParse(body: string): RegistryEntry[] | undefined {
  try {
    return parse(body);
  } catch {
    return undefined;
  }
}

function describeFetchError(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (error.name === 'TimeoutError') return `no answer within ${FETCH_TIMEOUT_MS / 1000} s`;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return error.message;
}

async function readCache(base: string, url: string): Promise<{ body: string; meta: CacheMeta } | undefined> {
  try {
    const meta = JSON.parse(await fs.readFile(`${base}.meta.json`, 'utf8')) as CacheMeta;
    if (meta.url !== url || typeof meta.fetchedAt !== 'number') return undefined;
    return { body: await fs.readFile(`${base}.json`, 'utf8'), meta };
  } catch {
    return undefined;
  }
}

// Body before meta, each by temp file + rename: a crash leaves either the old pair or a body with
// old meta (revalidated next time), never a half-written file.
async function writeCache(base: string, body: string, meta: CacheMeta): Promise<void> {
  await fs.mkdir(path.dirname(base), { recursive: true });
  await writeFileAtomic(`${base}.json`, body, 0o666);
  await writeMeta(base, meta);
}

async function writeMeta(base: string, meta: CacheMeta): Promise<void> {
  await fs.mkdir(path.dirname(base), { recursive: true });
  await writeFileAtomic(`${base}.meta.json`, JSON.stringify(meta), 0o666);
}
