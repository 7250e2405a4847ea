/**
 * Connectors as objects: a name, a type, an executor, a config (references resolved) and the
 * masker that hides its secrets. `spec`, `check` and `discover` run the connector's command and
 * read its answer; `Source.read` / `Destination.write` hand the connector to the pipelines in
 * `src/core/write/`, which know it only as a `PipelineConnector`.
 */
import { AirbyteError, isAirbyteError } from '../errors';
import { DockerExecutor } from '../executors/dockerExecutor';
import type { ExecuteRequest, Executor, InstallProgress } from '../executors/executor';
import type { AirbyteCatalog, AirbyteConnectionStatus, ConnectorSpecification, JsonObject, MessageOf } from '../protocol/messages';
import type { ConnectorType, RegistryEntry } from '../registry/registryTypes';
import { SecretMasker, collectSecretValues } from '../secrets';
import { valueAtPointer } from '../spec/schemaNavigation';
import { readCachedSpec, writeCachedSpec } from '../spec/specResolver';
import type { SchemaProblem } from '../spec/specValidator';
import { assertValidConfig } from '../spec/specValidator';
import type { PipelineOptions } from '../write/pipelineOptions';
import { readSource, writeToDestination } from '../write/writePipeline';
import type { ReadResult, WriteResult } from '../write/writeResult';
import type { ConnectorRun, RunConnectorOptions } from './connectorProcess';
import { isGenericTraceMessage, runConnector } from './connectorProcess';
import type { CommandOptions, PipelineConnector, PipelineSource } from './pipelineConnector';

/** What a run started early is started with: what the pipeline's own `start` would give. */
export type EarlyStartOptions = Pick<RunConnectorOptions, 'signal' | 'onLog' | 'idleTimeoutMs'>;

/** What makes two starts the same run: the command and every file the connector reads. */
function earlyKey(request: Omit<ExecuteRequest, 'signal' | 'stdin'>): string {
  return JSON.stringify([request.command, request.config ?? null, request.catalog ?? null, request.state ?? null]);
}

const NO_INPUT: AsyncIterable<string> = (async function* () {})();

/** The stdin of a run started before its input exists: it waits for the input it is connected to. */
class DeferredInput implements AsyncIterable<Uint8Array | string> {
  private give!: (input: AsyncIterable<Uint8Array | string>) => void;
  private readonly input = new Promise<AsyncIterable<Uint8Array | string>>((resolve) => (this.give = resolve));

  connect(input: AsyncIterable<Uint8Array | string>): void {
    this.give(input);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array | string> {
    yield* await this.input;
  }
}

/** Default limits for commands that should answer quickly. `read`/`write` have none. */
export const DEFAULT_TIMEOUTS = {
  spec: 5 * 60_000,
  check: 5 * 60_000,
  discover: 10 * 60_000,
} as const;

export interface ConnectorTimeouts {
  spec?: number;
  check?: number;
  discover?: number;
}

export interface ConnectorInit {
  name: string;
  type: ConnectorType;
  executor: Executor;
  /** The config with secret references resolved. */
  config?: JsonObject;
  /** Values that came from secret references: masked whatever the spec says. */
  secretValues?: Iterable<string>;
  /** The spec when known without running the connector (registry, built-in). */
  knownSpec?: ConnectorSpecification;
  entry?: RegistryEntry;
  /** Pull a missing image before the first command. */
  installIfMissing?: boolean;
  onInstallProgress?: (p: InstallProgress) => void;
  timeouts?: ConnectorTimeouts;
  /** Config file this connector came from, if any. */
  configPath?: string;
  /** The host folder at `/local` (absolute), if any. */
  localDir?: string;
  /** Where a spec read from the connector's image is kept, per image id (see {@link ImageSpecs}). */
  imageSpecs?: ImageSpecs;
}

/**
 * A Docker connector's spec is read once per image id and kept, in memory and on disk: an image's
 * spec never changes, and each `spec` run is a container start before anything else can begin.
 */
export interface ImageSpecs {
  image: string;
  /** The disk cache folder (shared with the spec resolver of the editor and `validate`); memory only without it. */
  cacheDir?: string;
  /** The local id of `image`, undefined when the engine does not have it. */
  imageId(): Promise<string | undefined>;
}

// Specs by `image@id`, for every connector of this process.
const specsByImageId = new Map<string, ConnectorSpecification>();

export interface CheckResult {
  status: 'SUCCEEDED';
  message?: string;
  logTail: string[];
}

export class Connector implements PipelineConnector {
  readonly name: string;
  readonly type: ConnectorType;
  readonly executor: Executor;
  readonly config: JsonObject;
  readonly entry?: RegistryEntry;
  readonly configPath?: string;
  readonly localDir?: string;
  private secretMasker: SecretMasker;
  private readonly referenceSecrets: string[];
  private specCache?: ConnectorSpecification;
  private specRun?: Promise<ConnectorSpecification>;
  private readonly knownSpec?: ConnectorSpecification;
  private ready?: Promise<void>;
  /** A run started ahead of the pipeline that will ask for it (see {@link startEarly}). */
  private early?: { key: string; run: Promise<ConnectorRun>; stop: AbortController; input?: DeferredInput };
  /** Settles once every early run stopped so far is gone. */
  private discarded: Promise<void> = Promise.resolve();

  constructor(private readonly init: ConnectorInit) {
    this.name = init.name;
    this.type = init.type;
    this.executor = init.executor;
    this.config = init.config ?? {};
    this.entry = init.entry;
    this.configPath = init.configPath;
    this.localDir = init.localDir;
    // Not the registry entry's spec by default: that one belongs to its pinned version only (getConnector decides).
    this.knownSpec = init.knownSpec;
    this.referenceSecrets = [...(init.secretValues ?? [])];
    this.secretMasker = this.buildMasker(this.knownSpec);
  }

  /** Hides this connector's secrets: `airbyte_secret` fields of its spec and resolved references. */
  get masker(): SecretMasker {
    return this.secretMasker;
  }

  protected get timeouts(): ConnectorTimeouts {
    return this.init.timeouts ?? {};
  }

  /** Refresh-capable destinations take overwrite as generations (see the Airbyte contract). */
  get supportsRefreshes(): boolean {
    return this.entry?.supportsRefreshes === true;
  }

  /** The config as safe to show: secrets replaced by the mask. */
  runsOn(): string {
    return this.executor.runsOn();
  }

  maskedConfig(): JsonObject {
    return this.secretMasker.maskConfig(this.config);
  }

  /** Makes sure the connector can start (pulls a missing image when `installIfMissing`). Once per object. */
  async ensureReady(signal?: AbortSignal): Promise<void> {
    this.ready ??= this.executor.ensureReady({
      installIfMissing: this.init.installIfMissing,
      onProgress: this.init.onInstallProgress,
      signal,
    });
    try {
      await this.ready;
    } catch (error) {
      this.ready = undefined;
      throw error;
    }
  }

  /**
   * The connector's specification, from its `spec` command: run once per image id (kept in memory
   * and on disk, see {@link ImageSpecs}), once per object otherwise. Callers asking at the same
   * time share one run.
   */
  async spec(options: CommandOptions = {}): Promise<ConnectorSpecification> {
    if (this.specCache) return this.specCache;
    this.specRun ??= this.readSpec(options).finally(() => (this.specRun = undefined));
    return this.specRun;
  }

  private async readSpec(options: CommandOptions): Promise<ConnectorSpecification> {
    const kept = this.init.imageSpecs;
    const id = await this.imageId();
    let spec =
      kept && id ? (specsByImageId.get(`${kept.image}@${id}`) ?? (await readCachedSpec(kept.cacheDir, kept.image, id))) : undefined;
    if (!spec) {
      spec = (await this.single('spec', {}, 'SPEC', options, this.timeouts.spec ?? DEFAULT_TIMEOUTS.spec)).spec;
      // The run may have pulled the image: keep the spec under the id it has now.
      const idAfter = id ?? (await this.imageId());
      if (kept && idAfter) await writeCachedSpec(kept.cacheDir, kept.image, idAfter, spec);
      if (kept && idAfter) specsByImageId.set(`${kept.image}@${idAfter}`, spec);
    } else specsByImageId.set(`${kept!.image}@${id}`, spec);
    this.specCache = spec;
    this.secretMasker = this.buildMasker(spec);
    return spec;
  }

  /** The local id of the image this connector runs in; undefined when it does not run in Docker, or the engine does not have the image. */
  async imageId(): Promise<string | undefined> {
    return this.init.imageSpecs?.imageId().catch(() => undefined);
  }

  /** The spec if known without running anything (registry, built-in, or an earlier `spec()`). */
  specIfKnown(): ConnectorSpecification | undefined {
    return this.specCache ?? this.knownSpec;
  }

  /**
   * Runs `check`. A `CONNECTION_STATUS` of `FAILED` (which connectors report with exit 0) is a
   * `CHECK_FAILED` error carrying the connector's message; a crash is `CONNECTOR_FAILED`.
   */
  async check(options: CommandOptions = {}): Promise<CheckResult> {
    await this.secretsKnown(options);
    let answer: { connectionStatus: AirbyteConnectionStatus; logTail: string[] };
    try {
      answer = await this.single(
        'check',
        { config: this.config },
        'CONNECTION_STATUS',
        options,
        this.timeouts.check ?? DEFAULT_TIMEOUTS.check,
      );
    } catch (error) {
      // Many connectors report a rejected config as a TRACE ERROR and exit 1 instead of a FAILED
      // status: to the user that is the same answer, a failed check with the connector's reason.
      if (isAirbyteError(error, 'CONNECTOR_FAILED') && error.traceMessage) {
        // A catch-all TRACE names no cause: the headline the run's outcome made from its log says it.
        const reason = isGenericTraceMessage(error.traceMessage) ? error.message.slice(`${this.name} failed: `.length) : error.traceMessage;
        throw new AirbyteError('CHECK_FAILED', {
          message: `${this.name}: the connection check failed: ${reason}`,
          guidance: this.checkGuidance(),
          context: { ...error.context, connector: this.name },
          exitCode: error.exitCode,
          traceMessage: error.traceMessage,
          logTail: error.logTail,
          cause: error,
        });
      }
      throw error;
    }
    return this.checkOutcome(answer.connectionStatus, answer.logTail);
  }

  private checkOutcome(status: AirbyteConnectionStatus, logTail: string[]): CheckResult {
    const message = status.message === undefined ? undefined : this.secretMasker.mask(String(status.message));
    if (status.status === 'SUCCEEDED') return { status: 'SUCCEEDED', message, logTail };
    throw new AirbyteError('CHECK_FAILED', {
      message: `${this.name}: the connection check failed: ${message ?? '(the connector gave no reason)'}`,
      guidance: this.checkGuidance(),
      context: { connector: this.name },
      traceMessage: message,
      logTail,
    });
  }

  private checkGuidance(): string {
    return this.configPath
      ? `Fix the settings in ${this.configPath} and run the check again.`
      : 'Fix the connector settings and run the check again.';
  }

  /** Throws CONFIG_INVALID, naming every problem, when the config fails the spec (read first when not known). */
  async assertConfigValid(options: CommandOptions = {}): Promise<void> {
    await this.secretsKnown(options);
    this.assertConfigMatchesSpec();
  }

  /**
   * Starts `request` now, ahead of the pipeline that will ask for it once its plan is confirmed
   * (`write/earlyStart.ts`); `stdin` is taken later, from that `start`. A later {@link start} of
   * exactly the same command, config, catalog and state gets this run, already started; any other
   * `start`, or {@link discardEarly}, stops it (its container removed) before a byte of its output
   * was read or of its input written.
   */
  startEarly(request: Omit<ExecuteRequest, 'signal' | 'stdin'>, options: EarlyStartOptions): void {
    // Containers only: they take a while to start (an in-process or local connector starts at once),
    // and a stopped one is killed before its stdin closes. A built-in destination stopped early
    // would read the end of its input, and one holding a file lock would refuse its replacement.
    if (!(this.executor instanceof DockerExecutor)) return;
    void this.discardEarly();
    const stop = new AbortController();
    const input = request.command === 'write' ? new DeferredInput() : undefined;
    const run = this.start(
      { ...request, stdin: input },
      { ...options, signal: options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal },
    );
    run.catch(() => undefined);
    this.early = { key: earlyKey(request), run, stop, input };
  }

  /**
   * Stops a run started by {@link startEarly} that nobody took; resolves once every run stopped so
   * far is gone (its container removed), so that a process ending right after leaves none running.
   */
  discardEarly(): Promise<void> {
    const early = this.early;
    if (early) {
      this.early = undefined;
      early.stop.abort(new AirbyteError('ABORTED', { message: `${this.name}: a run started ahead of its plan was not needed.` }));
      early.input?.connect(NO_INPUT);
      // Its output is read to its end (none of it is used), so that its container is removed.
      const gone = early.run
        .then((r) => r.drain())
        .then(
          () => undefined,
          () => undefined,
        );
      this.discarded = Promise.all([this.discarded, gone]).then(() => undefined);
    }
    return this.discarded;
  }

  /** The early run of exactly this request, handed over to its caller: `stdin` feeds it, `signal` stops it from now on. */
  private takeEarly(request: Omit<ExecuteRequest, 'signal'>, signal: AbortSignal | undefined): Promise<ConnectorRun> | undefined {
    const early = this.early;
    if (!early) return undefined;
    if (early.key !== earlyKey(request) || (early.input === undefined) !== (request.stdin === undefined)) {
      // Its replacement waits for it to be gone (in `start`).
      void this.discardEarly();
      return undefined;
    }
    this.early = undefined;
    if (signal?.aborted) early.stop.abort(signal.reason);
    else signal?.addEventListener('abort', () => early.stop.abort(signal.reason), { once: true });
    if (request.stdin) early.input!.connect(request.stdin);
    return early.run;
  }

  /**
   * Starts any command with this connector's masker; the caller consumes the run. Used by
   * `discover`, and by the read/write pipelines.
   */
  async start(
    request: Omit<ExecuteRequest, 'signal'>,
    options: Omit<RunConnectorOptions, 'masker' | 'connectorName'> = {},
  ): Promise<ConnectorRun> {
    const early = this.takeEarly(request, options.signal);
    if (early) return early;
    // An early run this one replaces is gone first (a destination may lock what it writes to).
    await this.discarded;
    // A config that fails a spec known without running anything is refused before the image is
    // needed: fixing the config comes first, whether or not Docker is up.
    const specKnown = this.specIfKnown() !== undefined;
    if (request.config !== undefined && specKnown) this.assertConfigMatchesSpec();
    await this.ensureReady(options.signal);
    if (request.config !== undefined && !specKnown) {
      await this.secretsKnown({ signal: options.signal });
      this.assertConfigMatchesSpec();
    }
    return runConnector(this.executor, request, { ...options, masker: this.secretMasker, connectorName: this.name });
  }

  /**
   * Before passing the config to the connector, the secrets in it must be known so that its logs
   * can be masked: that takes the spec. When neither the registry nor a built-in gave one, ask
   * the connector (a quick `spec` run).
   */
  protected async secretsKnown(options: CommandOptions): Promise<void> {
    if (this.specIfKnown() || Object.keys(this.config).length === 0) return;
    await this.spec({ signal: options.signal, onLog: options.onLog });
  }

  /**
   * A config that fails its spec is stopped here, before a connector (or a whole sync) starts, with
   * every problem named; connectors' own answers to a bad config are often a bare stack trace.
   * A value resolved from `${env:…}` / `secret_reference::…` is always text: whether a number held
   * in one is acceptable is left to the connector (the editor flags it).
   */
  private assertConfigMatchesSpec(): void {
    const spec = this.specIfKnown();
    if (!spec) return;
    const fromReference = (problem: SchemaProblem) => {
      const value = valueAtPointer(this.config, problem.pointer);
      return typeof value === 'string' && this.referenceSecrets.includes(value);
    };
    try {
      assertValidConfig(this.config, spec, this.name, fromReference);
    } catch (error) {
      if (!isAirbyteError(error, 'CONFIG_INVALID')) throw error;
      const guidance = this.configPath
        ? `Fix ${this.configPath} (run "airbyte-write validate ${this.configPath}" for line numbers) and try again.`
        : error.guidance;
      throw new AirbyteError('CONFIG_INVALID', { message: this.secretMasker.mask(error.message), guidance, context: error.context });
    }
  }

  protected async single<T extends 'SPEC' | 'CONNECTION_STATUS' | 'CATALOG'>(
    command: 'spec' | 'check' | 'discover',
    request: Omit<ExecuteRequest, 'command' | 'signal'>,
    type: T,
    options: CommandOptions,
    defaultTimeout: number,
  ): Promise<MessageOf<T> & { logTail: string[] }> {
    const run = await this.start(
      { command, ...request },
      { signal: options.signal, onLog: options.onLog, timeoutMs: options.timeoutMs ?? defaultTimeout },
    );
    let found: MessageOf<T> | undefined;
    for await (const { message } of run.messages()) {
      if (message.type === type && !found) found = message as MessageOf<T>;
    }
    const result = await run.done;
    if (!found) {
      throw new AirbyteError('CONNECTOR_FAILED', {
        message: `${this.name} ${command} finished without a ${type} message.`,
        guidance: 'This is a bug in the connector or the wrong image: see its log lines.',
        context: { connector: this.name, command },
        exitCode: result.exitCode,
        logTail: result.logTail,
      });
    }
    return { ...found, logTail: result.logTail };
  }

  private buildMasker(spec: ConnectorSpecification | undefined): SecretMasker {
    const secrets = new Set<string>(this.referenceSecrets);
    if (spec) collectSecretValues(this.config, spec.connectionSpecification, secrets);
    if (this.knownSpec && this.knownSpec !== spec) collectSecretValues(this.config, this.knownSpec.connectionSpecification, secrets);
    return new SecretMasker(secrets);
  }
}

export class Source extends Connector implements PipelineSource {
  constructor(init: Omit<ConnectorInit, 'type'>) {
    super({ ...init, type: 'source' });
  }

  /** The source's catalog of streams, from its `discover` command. */
  async discover(options: CommandOptions = {}): Promise<AirbyteCatalog> {
    await this.secretsKnown(options);
    const found = await this.single(
      'discover',
      { config: this.config },
      'CATALOG',
      options,
      this.timeouts.discover ?? DEFAULT_TIMEOUTS.discover,
    );
    return found.catalog;
  }

  /** Reads into the workspace record cache; the next read is incremental (see `write/writePipeline.ts`). */
  read(options: PipelineOptions = {}): Promise<ReadResult> {
    return readSource(this, options);
  }
}

export class Destination extends Connector {
  constructor(init: Omit<ConnectorInit, 'type'>) {
    super({ ...init, type: 'destination' });
  }

  /**
   * Writes a source (through the cache by default, or streamed with `cache: false`) or a ReadResult
   * to this destination; only what it confirms is committed (see `write/writePipeline.ts`).
   */
  write(sourceData: Source | ReadResult, options: PipelineOptions = {}): Promise<WriteResult> {
    return writeToDestination(sourceData, this, options);
  }
}
