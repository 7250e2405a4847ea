/**
 * Finds a connector's spec: a built-in's own spec; the registry entry's spec when the config runs
 * the registry's pinned version; otherwise the output of `spec` in the image (run through an
 * injected `runSpec`, cached in memory and on disk per image id, or per immutable reference when
 * no id lookup is given); else a clear error.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { BuiltinConnector } from '../builtin/builtinConnector';
import { findBuiltin, isBuiltinName, listBuiltins } from '../builtin/builtinRegistry';
import { abortedError, AirbyteError, isAirbyteError } from '../errors';
import type { ConnectorSpecification } from '../protocol/messages';
import type { RegistryLookup } from '../registry/registryTypes';
import { writeFileAtomic } from '../store/atomicFile';
import type { ConnectorRef, ResolvedSpec, ResolveSpecOptions, RunSpec, SpecProvider } from './specTypes';

export interface SpecResolverOptions {
  /** Without a registry only built-ins and explicit `image`s resolve. */
  registry?: RegistryLookup;
  /** Runs `spec` in an image; without it, specs not in the registry cannot be had. */
  runSpec?: RunSpec;
  /** Folder for specs read from images (one JSON file per image reference). */
  cacheDir?: string;
  /** Built-in lookup; default the project's built-in registry. */
  findBuiltin?: (name: string) => BuiltinConnector | undefined;
  /**
   * The local image id of a reference (`docker inspect`), undefined when not present locally.
   * With it, specs are cached per image id — mutable tags such as `:dev` included, re-read when
   * the tag points at a new build; without it, per immutable reference only.
   */
  imageId?: (image: string) => Promise<string | undefined>;
}

const ID_TTL_MS = 5_000;

/** Waits for `promise` unless `signal` aborts first (the promise itself keeps running). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(abortedError('Reading the connector spec'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError('Reading the connector spec'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

// A failed image spec is not retried for this long, so an editor re-validating on each keystroke does not restart containers.
const FAILURE_TTL_MS = 60_000;

/** True for tags that name different images over time; their specs are not cached on disk. */
export function isMutableImage(image: string): boolean {
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  if (lastSegment.includes('@')) return false;
  const colon = lastSegment.indexOf(':');
  if (colon < 0) return true;
  const tag = lastSegment.slice(colon + 1);
  return tag === 'latest' || tag === 'dev';
}

export class SpecResolver implements SpecProvider {
  private readonly memory = new Map<string, Promise<ConnectorSpecification>>();
  private readonly failures = new Map<string, { error: unknown; at: number }>();
  private readonly ids = new Map<string, { id: string | undefined; at: number }>();

  constructor(private readonly options: SpecResolverOptions = {}) {}

  /** The spec for a config's connector/version/image. Throws `CONNECTOR_UNKNOWN` or `SPEC_FAILED` with guidance. */
  async resolve(ref: ConnectorRef, options: ResolveSpecOptions = {}): Promise<ResolvedSpec> {
    const connector = ref.connector;
    if (isBuiltinName(connector)) {
      const builtin = (this.options.findBuiltin ?? findBuiltin)(connector);
      if (!builtin) {
        throw new AirbyteError('CONNECTOR_UNKNOWN', {
          message: `There is no built-in connector named "${connector}".`,
          guidance: `Built-ins: ${
            listBuiltins()
              .map((b) => b.name)
              .join(', ') || '(none)'
          }.`,
          context: { connector },
        });
      }
      return { spec: builtin.spec, origin: 'builtin', connector, type: builtin.type };
    }
    if (ref.image) {
      const entry = this.options.registry?.find(connector);
      return { ...(await this.fromImage(ref.image, connector, options)), entry, type: entry?.type };
    }
    const entry = this.options.registry?.find(connector);
    if (!entry) {
      throw new AirbyteError('CONNECTOR_UNKNOWN', {
        message: this.options.registry
          ? `"${connector}" is not in the connector registry.`
          : `No connector registry is loaded to look up "${connector}".`,
        guidance:
          'Check the connector name (e.g. destination-postgres), or set "image" to run a connector image that is not in the registry.',
        context: { connector },
      });
    }
    const version = ref.version ?? entry.dockerImageTag;
    if (version === entry.dockerImageTag && entry.spec) {
      return {
        spec: entry.spec,
        origin: 'registry',
        connector,
        image: `${entry.dockerRepository}:${entry.dockerImageTag}`,
        type: entry.type,
        entry,
      };
    }
    const image = `${entry.dockerRepository}:${version}`;
    return { ...(await this.fromImage(image, connector, options)), type: entry.type, entry };
  }

  private async idOf(image: string, fresh = false): Promise<string | undefined> {
    if (!this.options.imageId) return undefined;
    // Editors resolve on every keystroke: ask the engine at most every few seconds per image.
    const known = this.ids.get(image);
    if (!fresh && known && Date.now() - known.at < ID_TTL_MS) return known.id;
    let id: string | undefined;
    try {
      id = await this.options.imageId(image);
    } catch {
      id = undefined;
    }
    this.ids.set(image, { id, at: Date.now() });
    return id;
  }

  private async fromImage(image: string, connector: string, options: ResolveSpecOptions): Promise<ResolvedSpec> {
    const id = await this.idOf(image);
    const key = id ? `${image}@${id}` : image;
    const cached = this.memory.get(key);
    if (cached) return { spec: await abortable(cached, options.signal), origin: 'image-cache', connector, image };
    const fromDisk = await this.readDisk(key, image, id);
    if (fromDisk) {
      this.memory.set(key, Promise.resolve(fromDisk));
      return { spec: fromDisk, origin: 'image-cache', connector, image };
    }
    const failure = this.failures.get(key);
    if (failure && Date.now() - failure.at < FAILURE_TTL_MS) throw failure.error;
    const runSpec = this.options.runSpec;
    if (options.allowRun === false || !runSpec) {
      throw new AirbyteError('SPEC_FAILED', {
        message: `The spec of ${image} is not known yet: it is not the registry's pinned version, and reading it needs the image.`,
        guidance:
          options.allowRun === false
            ? `Run "airbyte-write spec ${connector}" (or validate from the command line) to read it from the image once; it is cached afterwards.`
            : 'Docker is needed to read the spec from the image; or remove "version" to use the registry\'s pinned version.',
        context: { connector, image },
      });
    }
    // The run belongs to the cache, not to this request: an editor cancels requests on every
    // keystroke, and a spec run aborted each time would never finish. It has its own time limit.
    const run = (async () => {
      const spec = await runSpec(image);
      if (!spec || typeof spec.connectionSpecification !== 'object') {
        throw new AirbyteError('SPEC_FAILED', {
          message: `The image ${image} returned no connectionSpecification from "spec".`,
          context: { connector, image },
        });
      }
      // The run may have pulled the image: key the disk copy by the id it has now.
      const idAfter = id ?? (await this.idOf(image, true));
      if (idAfter && !id) this.memory.set(`${image}@${idAfter}`, Promise.resolve(spec));
      await this.writeDisk(idAfter ? `${image}@${idAfter}` : image, image, idAfter, spec);
      return spec;
    })().catch((error: unknown) => {
      const wrapped = isAirbyteError(error)
        ? error
        : new AirbyteError('SPEC_FAILED', {
            message: `Could not read the spec of ${image}: ${(error as Error).message ?? String(error)}`,
            context: { connector, image },
            cause: error,
          });
      if (this.memory.get(key) === run) this.memory.delete(key);
      this.failures.set(key, { error: wrapped, at: Date.now() });
      throw wrapped;
    });
    this.memory.set(key, run);
    return { spec: await abortable(run, options.signal), origin: 'image', connector, image };
  }

  private readDisk(_key: string, image: string, id: string | undefined): Promise<ConnectorSpecification | undefined> {
    return readCachedSpec(this.options.cacheDir, image, id);
  }

  private writeDisk(_key: string, image: string, id: string | undefined, spec: ConnectorSpecification): Promise<void> {
    return writeCachedSpec(this.options.cacheDir, image, id, spec);
  }
}

/** The key a spec read from an image is kept under: the reference and, when known, the local image id. */
function specKey(image: string, id: string | undefined): string {
  return id ? `${image}@${id}` : image;
}

function specFile(cacheDir: string | undefined, image: string, id: string | undefined): string | undefined {
  // A mutable tag (`:dev`, `:latest`) without its image id may name another build tomorrow.
  if (!cacheDir || (!id && isMutableImage(image))) return undefined;
  return path.join(cacheDir, `spec-${createHash('sha256').update(specKey(image, id)).digest('hex').slice(0, 24)}.json`);
}

/**
 * The spec read earlier from `image` (local image id `id`), kept in `cacheDir` by this module (the
 * editor's validation, `airbyte-write validate` and connector runs share it); undefined when not kept.
 */
export async function readCachedSpec(
  cacheDir: string | undefined,
  image: string,
  id: string | undefined,
): Promise<ConnectorSpecification | undefined> {
  const file = specFile(cacheDir, image, id);
  if (!file) return undefined;
  try {
    const saved = JSON.parse(await fs.readFile(file, 'utf8')) as { key?: string; spec?: ConnectorSpecification };
    return saved.key === specKey(image, id) && saved.spec && typeof saved.spec.connectionSpecification === 'object'
      ? saved.spec
      : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps a spec read from `image` (see {@link readCachedSpec}); a cache that cannot be written is skipped. */
export async function writeCachedSpec(
  cacheDir: string | undefined,
  image: string,
  id: string | undefined,
  spec: ConnectorSpecification,
): Promise<void> {
  const file = specFile(cacheDir, image, id);
  if (!file) return;
  const key = specKey(image, id);
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, JSON.stringify({ key, image, imageId: id, savedAt: new Date().toISOString(), spec }), 0o666);
  } catch {
    // An unwritable cache only means the spec is read from the image again next time.
  }
}
