/**
 * One connector command, from the protocol's point of view: decodes stdout into messages, turns
 * everything else (stdout noise, stderr, LOG messages) into masked log lines, remembers the TRACE
 * ERROR, and maps the end of the process to a result or a typed error. Executors stay protocol-free.
 */
import type { Readable } from 'node:stream';
import { formatDuration } from '../../shared/format';
import { AirbyteError } from '../errors';
import type { ExecuteRequest, Executor, RunningConnector } from '../executors/executor';
import type { ExitInfo } from '../process/exitInfo';
import type { DecodedMessage, DecodedRecordLines, RoutedItem } from '../protocol/lineCodec';
import { LineDecoder, decodeBatches, decodeRoutedBatches, isDecodedMessage, isDecodedRecordLines } from '../protocol/lineCodec';
import type { AirbyteErrorTraceMessage, AirbyteLogLevel } from '../protocol/messages';
import { SecretMasker } from '../secrets';
import { IdleWatch, idleWords } from './idleWatch';

export type ConnectorLogSource = 'stdout' | 'stderr' | 'protocol';

/** A log line of a connector, already secret-masked. */
export interface ConnectorLogLine {
  level: AirbyteLogLevel;
  text: string;
  /** Where it came from: a non-protocol stdout line, stderr, or a LOG message. */
  source: ConnectorLogSource;
}

export interface RunConnectorOptions {
  /** Hides secrets in every log line, the log tail and errors. */
  masker?: SecretMasker;
  onLog?: (line: ConnectorLogLine) => void;
  /** Stops the connector (its container is removed) and rejects `done` with an ABORTED error. */
  signal?: AbortSignal;
  /** Fails the run with "did not answer within …" after this many ms. No limit by default. */
  timeoutMs?: number;
  /**
   * Stops the connector and fails the run when the run has waited this many ms on it with nothing
   * coming (see `idleWatch.ts`: no output awaited, input not read, no exit). No limit by default.
   */
  idleTimeoutMs?: number;
  /** How many masked log lines to keep for errors. Default 50. */
  logTailSize?: number;
  /** Name shown in errors; defaults to the executor's display name. */
  connectorName?: string;
}

export interface ConnectorResult {
  exitCode: number;
  /** The masked log tail, also available on success. */
  logTail: string[];
  /** Protocol messages seen on stdout (LOG messages excluded). */
  messageCount: number;
  /** ERROR and FATAL log lines (stderr lines and LOG messages): how many, and the first few, masked. */
  errorLines: ErrorLines;
}

/** A connector's ERROR and FATAL log lines: a successful run may still have some (see `write/runWarnings.ts`). */
export interface ErrorLines {
  count: number;
  /** The first {@link FIRST_ERROR_LINES}, masked. */
  first: string[];
}

/** How many of a run's ERROR lines are kept to be named. */
export const FIRST_ERROR_LINES = 5;

export interface ConnectorRun {
  /**
   * Protocol messages from stdout (LOG messages are routed to `onLog` instead), one array per chunk
   * read. Iterate once. Breaking out early discards the rest of stdout but lets the process finish.
   */
  batches(): AsyncIterable<DecodedMessage[]>;
  /**
   * The same as {@link batches}, for callers that forward RECORD lines without reading their data:
   * consecutive RECORD lines whose stream can be read without parsing them come as one
   * {@link DecodedRecordLines} (stream, namespace, their exact bytes), sparing a JSON.parse and a
   * string per record; every other message is parsed as in `batches()`. Iterate once (either this
   * or `batches()`).
   */
  routedBatches(): AsyncIterable<Array<DecodedMessage | DecodedRecordLines>>;
  /** The same messages one at a time. */
  messages(): AsyncIterable<DecodedMessage>;
  /** Reads and discards stdout, for callers that only want the outcome. */
  drain(): Promise<ConnectorResult>;
  /**
   * Settles once stdout was read to its end and the process (and its container) is gone. Rejects
   * with CONNECTOR_FAILED on a non-zero exit or a TRACE ERROR, ABORTED when cancelled, or whatever
   * typed error the executor raised when starting. Only settles if stdout is consumed.
   */
  done: Promise<ConnectorResult>;
  /** The masked log tail so far. */
  logTail(): string[];
  /** The connector's TRACE ERROR, if it sent one (message masked). */
  traceError(): AirbyteErrorTraceMessage | undefined;
}

const DEFAULT_TAIL = 50;

/** What one run has seen so far: its masked log tail, its TRACE ERROR, how many messages. */
interface RunState {
  readonly name: string;
  readonly command: ExecuteRequest['command'];
  readonly masker: SecretMasker;
  readonly logs: LogTail;
  trace?: AirbyteErrorTraceMessage;
  messageCount: number;
}

/** Starts `request` on `executor` and follows it. Never throws: failures reject `done`. */
export function runConnector(executor: Executor, request: ExecuteRequest, options: RunConnectorOptions = {}): ConnectorRun {
  const state = newRunState(executor, request, options);
  const idle = options.idleTimeoutMs ? new IdleWatch(options.idleTimeoutMs, request.stdin !== undefined) : undefined;
  const stop = stopSignal(options.signal, options.timeoutMs, idle);
  const stdin = idle && request.stdin ? idle.watchInput(request.stdin) : request.stdin;
  const started: Promise<RunningConnector> = executor.execute({ ...request, stdin, signal: stop.signal });
  // `done` may be awaited before anything else; avoid an unhandled rejection on the start promise.
  started.then(() => idle?.start()).catch(() => undefined);
  const stderrRead = started.then((running) => readStderr(running.stderr, state.logs)).catch(() => undefined);

  let settle!: { resolve: (r: ConnectorResult) => void; reject: (e: unknown) => void };
  const done = new Promise<ConnectorResult>((resolve, reject) => (settle = { resolve, reject }));
  // `done` may settle while the caller is still busy with the last batch and has not awaited it
  // yet: that must not count as an unhandled rejection. Callers still see the rejection.
  done.catch(() => undefined);

  let consumed = false;
  async function* follow(decode: Decode): AsyncGenerator<Array<DecodedMessage | DecodedRecordLines>> {
    if (consumed) {
      throw new AirbyteError('USAGE', {
        message: "runConnector: a connector's stdout can be consumed only once.",
        guidance: 'Iterate one of batches(), routedBatches(), messages() or drain(), and only once per run.',
      });
    }
    consumed = true;
    let running: RunningConnector;
    try {
      running = await started;
    } catch (error) {
      settle.reject(error);
      return;
    }
    try {
      yield* readStdout(running, decode, state, stop);
    } finally {
      outcome(running.exit, stderrRead, state, stop).then(settle.resolve, settle.reject);
    }
  }

  const batches = () => follow(decodeBatches) as AsyncGenerator<DecodedMessage[]>;
  return {
    batches,
    routedBatches: () => follow(decodeRoutedBatches),
    async *messages() {
      for await (const batch of batches()) yield* batch;
    },
    done,
    async drain() {
      for await (const _batch of batches()) {
        // discard
      }
      return done;
    },
    logTail: () => state.logs.lines(),
    traceError: () => state.trace,
  };
}

function newRunState(executor: Executor, request: ExecuteRequest, options: RunConnectorOptions): RunState {
  const masker = options.masker ?? new SecretMasker();
  return {
    name: options.connectorName ?? executor.displayName,
    command: request.command,
    masker,
    logs: new LogTail(masker, options.logTailSize ?? DEFAULT_TAIL, options.onLog),
    messageCount: 0,
  };
}

type Decode = (source: AsyncIterable<Uint8Array | string>) => AsyncIterable<RoutedItem[]>;

interface StopSignal {
  signal: AbortSignal;
  /** The time limit, 0 for none. */
  timeoutMs: number;
  /** True when the time limit, not the caller, stopped the run. */
  timedOut(): boolean;
  /** The idle watch, if the run has an idle timeout. */
  idle?: IdleWatch;
  /** True when the idle timeout, not the caller, stopped the run. */
  idled(): boolean;
}

/**
 * The signal the executor gets: the caller's, the time limit's or the idle timeout's, whichever
 * fires first, so that a timeout stops the process exactly like a cancel.
 */
function stopSignal(signal: AbortSignal | undefined, timeoutMs = 0, idle?: IdleWatch): StopSignal {
  const timeout = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
  const stop = AbortSignal.any([signal, timeout, idle?.signal].filter((s): s is AbortSignal => s !== undefined));
  const firedBy = (s: AbortSignal | undefined) => s !== undefined && stop.aborted && stop.reason === s.reason;
  return { signal: stop, timeoutMs, timedOut: () => firedBy(timeout), idle, idled: () => firedBy(idle?.signal) };
}

/** Yields the protocol messages of stdout in batches; everything else becomes log lines. */
async function* readStdout(
  running: RunningConnector,
  decode: Decode,
  state: RunState,
  stop: StopSignal,
): AsyncGenerator<Array<DecodedMessage | DecodedRecordLines>> {
  const signal = stop.signal;
  let stopped = false;
  // Not destroying stdout on an early break: the process must be able to finish writing.
  const stdout: AsyncIterable<Uint8Array | string> = running.stdout.iterator({ destroyOnReturn: false });
  try {
    for await (const items of decode(stop.idle ? stop.idle.watchOutput(stdout) : stdout)) {
      const out = routeItems(items, state);
      if (out.length > 0) {
        stopped = true;
        yield out;
        stopped = false;
      }
    }
  } catch (error) {
    // A consumer that breaks out lands in `finally` with `stopped` set; real stream errors land here.
    if (!signal.aborted) state.logs.add('ERROR', `reading the connector's output failed: ${(error as Error).message}`, 'stdout');
  } finally {
    // The consumer stopped early: keep reading so the process is not blocked on a full pipe.
    if (stopped) running.stdout.resume();
  }
}

/** The items to hand on (protocol messages, RECORD lines); stdout noise and LOG messages go to the log, a TRACE ERROR is kept. */
function routeItems(items: RoutedItem[], state: RunState): Array<DecodedMessage | DecodedRecordLines> {
  const out: Array<DecodedMessage | DecodedRecordLines> = [];
  for (const item of items) {
    if (isDecodedRecordLines(item)) {
      state.messageCount += item.count;
      out.push(item);
      continue;
    }
    if (!isDecodedMessage(item)) {
      state.logs.add('INFO', item.log, 'stdout');
      continue;
    }
    const m = item.message;
    if (m.type === 'LOG') {
      state.logs.add(
        m.log.level ?? 'INFO',
        m.log.stack_trace ? `${m.log.message}\n${m.log.stack_trace}` : String(m.log.message),
        'protocol',
      );
      continue;
    }
    if (m.type === 'TRACE' && m.trace.type === 'ERROR' && m.trace.error) noteTraceError(m.trace.error, state);
    state.messageCount++;
    out.push(item);
  }
  return out;
}

function noteTraceError(e: AirbyteErrorTraceMessage, state: RunState): void {
  // Keep the first error: later ones tend to be consequences of it.
  state.trace ??= {
    ...e,
    message: state.masker.mask(String(e.message ?? '')),
    internal_message: e.internal_message ? state.masker.mask(e.internal_message) : undefined,
  };
  // Our own echo of the TRACE is not a cause the connector logged: it is kept out of `lastError`.
  state.logs.add('ERROR', `TRACE ERROR: ${e.message}${e.internal_message ? ` (${e.internal_message})` : ''}`, 'protocol', false);
  if (e.stack_trace) state.logs.add('ERROR', e.stack_trace, 'protocol', false);
}

/** Once the process is gone and stderr read: the result, or the typed error that says why there is none. */
async function outcome(
  exitPromise: Promise<ExitInfo>,
  stderrRead: Promise<void>,
  state: RunState,
  stop: StopSignal,
): Promise<ConnectorResult> {
  const exit = await exitPromise;
  stop.idle?.stop();
  await stderrRead;
  const { name, command, trace } = state;
  const context = { connector: name, command };
  const logTail = state.logs.lines();
  if (stop.idled()) throw idleError(state, stop.idle!, exit, logTail);
  if (stop.timedOut()) {
    throw new AirbyteError('CONNECTOR_FAILED', {
      message: `${name} did not answer "${command}" within ${formatDuration(stop.timeoutMs)}; it was stopped.`,
      guidance:
        'Check that the connector can reach what it connects to (host networking for a database on this machine?), or allow more time.',
      context,
      exitCode: exit.exitCode ?? undefined,
      logTail,
    });
  }
  if (exit.aborted || stop.signal.aborted) {
    throw new AirbyteError('ABORTED', { message: `${name} ${command} was cancelled.`, context, logTail });
  }
  if (exit.exitCode !== 0 || trace) {
    const how = exit.exitCode === null ? 'was killed' : `exited with code ${exit.exitCode}`;
    throw new AirbyteError('CONNECTOR_FAILED', {
      message: trace ? `${name} failed: ${traceHeadline(trace, state.logs.lastError())}` : `${name} ${command} ${how}.`,
      guidance: guidanceFor(trace),
      context: { ...context, failureType: trace?.failure_type },
      exitCode: exit.exitCode ?? undefined,
      traceMessage: trace?.message,
      logTail,
    });
  }
  return { exitCode: 0, logTail, messageCount: state.messageCount, errorLines: state.logs.errorLines() };
}

/** The error of a connector stopped by its idle timeout: which side, what it was not doing, for how long. */
function idleError(state: RunState, idle: IdleWatch, exit: ExitInfo, logTail: string[]): AirbyteError {
  const side = state.command === 'write' ? 'the destination' : state.command === 'read' ? 'the source' : `"${state.command}"`;
  return new AirbyteError('CONNECTOR_FAILED', {
    message: `${state.name} (${side}) ${idleWords(idle.reason ?? 'no-output')} for ${formatDuration(idle.timeoutMs)}; it was stopped (idle timeout).`,
    guidance:
      'See its last log lines for what it was waiting for. If it is only slow, allow it more time: --idle-timeout SECONDS on the CLI, the airbyte.idleTimeoutSeconds setting in VS Code (0 turns the timeout off). Nothing past the last confirmed state was committed.',
    context: { connector: state.name, command: state.command, idleTimeoutMs: idle.timeoutMs },
    exitCode: exit.exitCode ?? undefined,
    logTail,
  });
}

/** The masked log lines of one run: each goes to `onLog`, the last `size` are kept for errors. */
class LogTail {
  private readonly tail: string[] = [];
  private readonly errors: ErrorLines = { count: 0, first: [] };
  private lastErrorLine: string | undefined;

  constructor(
    private readonly masker: SecretMasker,
    private readonly size: number,
    private readonly onLog?: (line: ConnectorLogLine) => void,
  ) {}

  /** `cause` false: a line this module wrote itself (the echo of a TRACE), never the connector's own cause. */
  add(level: AirbyteLogLevel, text: string, source: ConnectorLogSource, cause = true): void {
    // Mask before cutting, so that a secret on the cut is never half shown.
    const masked = truncate(this.masker.mask(text));
    if (level === 'ERROR' || level === 'FATAL') {
      this.errors.count++;
      if (this.errors.first.length < FIRST_ERROR_LINES) this.errors.first.push(masked);
      if (cause && masked.trim()) this.lastErrorLine = masked;
    }
    this.tail.push(masked);
    if (this.tail.length > this.size) this.tail.shift();
    this.onLog?.({ level, text: masked, source });
  }

  lines(): string[] {
    return [...this.tail];
  }

  /** The connector's last ERROR or FATAL line (masked), if any. */
  lastError(): string | undefined {
    return this.lastErrorLine;
  }

  errorLines(): ErrorLines {
    return { count: this.errors.count, first: [...this.errors.first] };
  }
}

async function readStderr(stderr: Readable, logs: LogTail): Promise<void> {
  const decoder = new LineDecoder({ maxLineBytes: 1024 * 1024 });
  const emit = (items: ReturnType<LineDecoder['push']>) => {
    for (const item of items) {
      if (isDecodedMessage(item)) {
        if (item.message.type === 'LOG') logs.add(item.message.log.level ?? 'INFO', String(item.message.log.message), 'protocol');
        else logs.add('INFO', item.raw, 'stderr');
      } else {
        logs.add(levelOf(item.log), item.log, 'stderr');
      }
    }
  };
  for await (const chunk of stderr) emit(decoder.push(chunk as Buffer));
  emit(decoder.end());
}

/** Longest log line kept; a connector printing a huge blob must not fill the log view or memory. */
export const MAX_LOG_LINE_CHARS = 8000;

function truncate(text: string): string {
  if (text.length <= MAX_LOG_LINE_CHARS) return text;
  return `${text.slice(0, MAX_LOG_LINE_CHARS)}… (${text.length - MAX_LOG_LINE_CHARS} more characters)`;
}

function levelOf(line: string): AirbyteLogLevel {
  if (/\b(FATAL|CRITICAL)\b/.test(line)) return 'FATAL';
  if (/\b(ERROR|Error|Exception|Traceback)\b/.test(line)) return 'ERROR';
  if (/\bWARN(ING)?\b/.test(line)) return 'WARN';
  if (/\bDEBUG\b/.test(line)) return 'DEBUG';
  return 'INFO';
}

/**
 * TRACE ERROR messages that name no cause: the Python CDK's (and the Java CDK's) catch-all. When a
 * connector sends one, the cause is in its `internal_message` or its log.
 */
const GENERIC_TRACE_MESSAGES = [/^something went wrong in the connector\b/i, /^an (unexpected|unknown) error (has )?occurred\.?$/i];

/** Whether a TRACE ERROR message is a catch-all that names no cause. */
export function isGenericTraceMessage(message: string): boolean {
  return GENERIC_TRACE_MESSAGES.some((re) => re.test(message.trim()));
}

/**
 * What a failed connector's headline says: its TRACE message, unless that is a catch-all; then the
 * TRACE's `internal_message`, else the last ERROR/FATAL line it logged (its first line: a stack
 * trace's last frame says less than its message), else the catch-all itself. All masked already.
 */
export function traceHeadline(trace: Pick<AirbyteErrorTraceMessage, 'message' | 'internal_message'>, lastError?: string): string {
  const message = String(trace.message ?? '');
  if (!isGenericTraceMessage(message)) return message;
  const cause =
    trace.internal_message?.trim() ||
    lastError
      ?.split('\n')
      .find((l) => l.trim())
      ?.trim();
  return cause ? cause : message;
}

function guidanceFor(trace: AirbyteErrorTraceMessage | undefined): string {
  switch (trace?.failure_type) {
    case 'config_error':
      return 'The connector rejected its configuration: fix the config file and run again ("airbyte-write check" tests it).';
    case 'transient_error':
      return 'The connector reports a temporary problem: run again; nothing past the last confirmed state was committed.';
    default:
      return "See the connector's last log lines for the cause. Nothing past the last confirmed state was committed.";
  }
}
