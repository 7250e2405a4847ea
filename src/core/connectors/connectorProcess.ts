/**
 * One connector command, from the protocol's point of view: decodes stdout into messages, turns
 * everything else (stdout noise, stderr, LOG messages) into masked log lines, remembers the TRACE
 * ERROR, and maps the end of the process to a result or a typed error. Executors stay protocol-free.
 */
import type { Readable } from 'node:stream';
import { formatDuration } from '../../shared/format';
import { AirbyteError } from '../errors';
import type { ExecuteRequest, Executor, ExitInfo, RunningConnector } from '../executors/executor';
import type { DecodedMessage, DecodedRecordLine, RoutedItem } from '../protocol/lineCodec';
import { LineDecoder, decodeBatches, decodeRoutedBatches, isDecodedMessage, isDecodedRecordLine } from '../protocol/lineCodec';
import type { AirbyteErrorTraceMessage, AirbyteLogLevel } from '../protocol/messages';
import { SecretMasker } from '../secrets';

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
}

export interface ConnectorRun {
  /**
   * Protocol messages from stdout (LOG messages are routed to `onLog` instead), one array per chunk
   * read. Iterate once. Breaking out early discards the rest of stdout but lets the process finish.
   */
  batches(): AsyncIterable<DecodedMessage[]>;
  /**
   * The same as {@link batches}, for callers that forward RECORD lines without reading their data:
   * a RECORD line whose stream can be read without parsing it comes as a {@link DecodedRecordLine}
   * (stream, namespace, exact line), sparing a JSON.parse per record; every other message is
   * parsed as in `batches()`. Iterate once (either this or `batches()`).
   */
  routedBatches(): AsyncIterable<Array<DecodedMessage | DecodedRecordLine>>;
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

/** Starts `request` on `executor` and follows it. Never throws: failures reject `done`. */
export function runConnector(executor: Executor, request: ExecuteRequest, options: RunConnectorOptions = {}): ConnectorRun {
  const masker = options.masker ?? new SecretMasker();
  const tailSize = options.logTailSize ?? DEFAULT_TAIL;
  const name = options.connectorName ?? executor.displayName;
  const tail: string[] = [];
  let trace: AirbyteErrorTraceMessage | undefined;
  let messageCount = 0;
  let consumed = false;

  const log = (level: AirbyteLogLevel, text: string, source: ConnectorLogSource) => {
    // Mask before cutting, so that a secret on the cut is never half shown.
    const masked = truncate(masker.mask(text));
    tail.push(masked);
    if (tail.length > tailSize) tail.shift();
    options.onLog?.({ level, text: masked, source });
  };

  // Our own controller, so that a timeout stops the process exactly like a user's cancel.
  const controller = new AbortController();
  let timedOut = false;
  const onUserAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) controller.abort(options.signal.reason);
  else options.signal?.addEventListener('abort', onUserAbort, { once: true });
  const timer =
    options.timeoutMs !== undefined && options.timeoutMs > 0
      ? setTimeout(() => {
          timedOut = true;
          controller.abort(new Error('timeout'));
        }, options.timeoutMs)
      : undefined;
  const cleanupSignals = () => {
    if (timer) clearTimeout(timer);
    options.signal?.removeEventListener('abort', onUserAbort);
  };

  const started: Promise<RunningConnector> = executor.execute({ ...request, signal: controller.signal });
  // `done` may be awaited before anything else; avoid an unhandled rejection on the start promise.
  started.catch(() => undefined);

  let resolveDone!: (r: ConnectorResult) => void;
  let rejectDone!: (e: unknown) => void;
  const done = new Promise<ConnectorResult>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  // `done` may settle while the caller is still busy with the last batch and has not awaited it
  // yet: that must not count as an unhandled rejection. Callers still see the rejection.
  done.catch(() => undefined);

  const stderrFinished = started.then((running) => readStderr(running.stderr, log)).catch(() => undefined);

  const finish = async (exitPromise: Promise<ExitInfo>) => {
    const exit = await exitPromise;
    await stderrFinished;
    cleanupSignals();
    if (timedOut) {
      throw new AirbyteError('CONNECTOR_FAILED', {
        message: `${name} did not answer "${request.command}" within ${formatDuration(options.timeoutMs ?? 0)}; it was stopped.`,
        guidance:
          'Check that the connector can reach what it connects to (host networking for a database on this machine?), or allow more time.',
        context: { connector: name, command: request.command },
        exitCode: exit.exitCode ?? undefined,
        logTail: [...tail],
      });
    }
    if (exit.aborted || controller.signal.aborted) {
      throw new AirbyteError('ABORTED', {
        message: `${name} ${request.command} was cancelled.`,
        context: { connector: name, command: request.command },
        logTail: [...tail],
      });
    }
    if (exit.exitCode !== 0 || trace) {
      const how = exit.exitCode === null ? 'was killed' : `exited with code ${exit.exitCode}`;
      throw new AirbyteError('CONNECTOR_FAILED', {
        message: trace ? `${name} failed: ${trace.message}` : `${name} ${request.command} ${how}.`,
        guidance: guidanceFor(trace),
        context: { connector: name, command: request.command, failureType: trace?.failure_type },
        exitCode: exit.exitCode ?? undefined,
        traceMessage: trace?.message,
        logTail: [...tail],
      });
    }
    return { exitCode: 0, logTail: [...tail], messageCount };
  };

  function batches(): AsyncGenerator<DecodedMessage[]> {
    return follow(decodeBatches) as AsyncGenerator<DecodedMessage[]>;
  }

  function routedBatches(): AsyncGenerator<Array<DecodedMessage | DecodedRecordLine>> {
    return follow(decodeRoutedBatches);
  }

  async function* follow(
    decode: (source: AsyncIterable<Uint8Array | string>) => AsyncIterable<RoutedItem[]>,
  ): AsyncGenerator<Array<DecodedMessage | DecodedRecordLine>> {
    if (consumed) throw new Error('runConnector: stdout can be consumed only once');
    consumed = true;
    let running: RunningConnector;
    try {
      running = await started;
    } catch (error) {
      cleanupSignals();
      rejectDone(error);
      return;
    }
    const exitPromise = running.exit;
    let stopped = false;
    try {
      // Not destroying stdout on an early break: the process must be able to finish writing.
      for await (const items of decode(running.stdout.iterator({ destroyOnReturn: false }))) {
        const out: Array<DecodedMessage | DecodedRecordLine> = [];
        for (const item of items) {
          if (isDecodedRecordLine(item)) {
            messageCount++;
            out.push(item);
            continue;
          }
          if (!isDecodedMessage(item)) {
            log('INFO', item.log, 'stdout');
            continue;
          }
          const m = item.message;
          if (m.type === 'LOG') {
            log(m.log.level ?? 'INFO', m.log.stack_trace ? `${m.log.message}\n${m.log.stack_trace}` : String(m.log.message), 'protocol');
            continue;
          }
          if (m.type === 'TRACE' && m.trace.type === 'ERROR' && m.trace.error) {
            const e = m.trace.error;
            // Keep the first error: later ones tend to be consequences of it.
            trace ??= {
              ...e,
              message: masker.mask(String(e.message ?? '')),
              internal_message: e.internal_message ? masker.mask(e.internal_message) : undefined,
            };
            log('ERROR', `TRACE ERROR: ${e.message}${e.internal_message ? ` (${e.internal_message})` : ''}`, 'protocol');
            if (e.stack_trace) log('ERROR', e.stack_trace, 'protocol');
          }
          messageCount++;
          out.push(item);
        }
        if (out.length > 0 && !stopped) {
          stopped = true;
          yield out;
          stopped = false;
        }
      }
    } catch (error) {
      // A consumer that breaks out lands in `finally` with `stopped` set; real stream errors land here.
      if (!controller.signal.aborted) log('ERROR', `reading the connector's output failed: ${(error as Error).message}`, 'stdout');
    } finally {
      if (stopped) {
        // The consumer stopped early: keep reading so the process is not blocked on a full pipe.
        running.stdout.resume();
      }
      finish(exitPromise).then(resolveDone, rejectDone);
    }
  }

  async function* messages(): AsyncGenerator<DecodedMessage> {
    for await (const batch of batches()) yield* batch;
  }

  return {
    batches,
    routedBatches,
    messages,
    done,
    async drain() {
      for await (const _batch of batches()) {
        // discard
      }
      return done;
    },
    logTail: () => [...tail],
    traceError: () => trace,
  };
}

async function readStderr(
  stderr: Readable,
  log: (level: AirbyteLogLevel, text: string, source: ConnectorLogSource) => void,
): Promise<void> {
  const decoder = new LineDecoder({ maxLineBytes: 1024 * 1024 });
  const emit = (items: ReturnType<LineDecoder['push']>) => {
    for (const item of items) {
      if (isDecodedMessage(item)) {
        if (item.message.type === 'LOG') log(item.message.log.level ?? 'INFO', String(item.message.log.message), 'protocol');
        else log('INFO', item.raw, 'stderr');
      } else {
        log(levelOf(item.log), item.log, 'stderr');
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
