/**
 * An Executor that runs a built-in connector inside this process, speaking the protocol over the
 * same byte streams a container would: newline-delimited JSON on stdout (with backpressure), logs on
 * stderr, messages read from stdin. Everything above (decoding, masking, errors) is shared with Docker.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ExecuteRequest, Executor, RunningConnector } from '../executors/executor';
import type { ExitInfo } from '../process/exitInfo';
import type { DecodedMessage } from '../protocol/lineCodec';
import { decodeBatches, isDecodedMessage } from '../protocol/lineCodec';
import type { AirbyteMessage, AirbyteStateMessage, ConfiguredAirbyteCatalog, FailureType, JsonObject } from '../protocol/messages';

/** A failure a built-in reports as a TRACE ERROR (then exit code 1). */
export class BuiltinFailure extends Error {
  constructor(
    message: string,
    readonly failureType: FailureType = 'system_error',
  ) {
    super(message);
  }
}

export interface ProgramContext {
  command: ExecuteRequest['command'];
  config: JsonObject;
  catalog?: ConfiguredAirbyteCatalog;
  state: AirbyteStateMessage[];
  /** Folder relative paths in the config resolve against. */
  baseDir: string;
  signal: AbortSignal;
  /** Protocol messages from stdin, in batches (non-protocol lines are skipped). */
  input(): AsyncIterable<DecodedMessage[]>;
  /** Queues one message (or an already-encoded line); written in large chunks. */
  emit(message: AirbyteMessage | string): Promise<void>;
  /** Writes what is queued now, waiting for the reader (backpressure). */
  flush(): Promise<void>;
  log(text: string): void;
}

export type BuiltinProgram = (ctx: ProgramContext) => Promise<void>;

const CHUNK_CHARS = 64 * 1024;
/** How long a built-in writes output before it lets the event loop turn (see `ProgramOutput.flush`). */
const LOOP_TURN_MS = 10;

// In-process streams hand data on in microtasks and nextTicks: a built-in source feeding a built-in
// destination never returns to the event loop by itself, so timers, I/O and signal handlers
// (Ctrl-C, SIGTERM) would wait until the run ends. Programs give the loop a turn this often.
const YIELD_EVERY_MS = 20;
let lastYield = Date.now();

/** Lets the event loop run (a `setImmediate` turn) when the last turn is more than YIELD_EVERY_MS ago. */
async function letEventLoopRun(): Promise<void> {
  if (Date.now() - lastYield < YIELD_EVERY_MS) return;
  await new Promise((resolve) => setImmediate(resolve));
  lastYield = Date.now();
}

export class InProcessExecutor implements Executor {
  readonly kind = 'builtin' as const;

  constructor(
    readonly displayName: string,
    private readonly program: BuiltinProgram,
    private readonly baseDir: string,
  ) {}

  async ensureReady(): Promise<void> {
    // Nothing to install: the code is part of this program.
  }

  async execute(request: ExecuteRequest): Promise<RunningConnector> {
    const output = new ProgramOutput();
    // The program always gets a signal; without the caller's, one that never aborts.
    const signal = request.signal ?? new AbortController().signal;
    // Held here so that stdin is closed when the program ends early, as a dead process's pipe would be.
    const stdinIterator = request.stdin?.[Symbol.asyncIterator]();
    const ctx: ProgramContext = {
      command: request.command,
      config: request.config ?? {},
      catalog: request.catalog,
      state: request.state ?? [],
      baseDir: this.baseDir,
      signal,
      input: () => readInput(stdinIterator, signal),
      emit: (message) => output.emit(message, signal),
      flush: () => output.flush(signal),
      log: (text) => output.log(text),
    };
    const exit = this.run(ctx, output, stdinIterator);
    return { stdout: output.stdout, stderr: output.stderr, exit };
  }

  /** Runs the program to its end (exit code 0, 1 after a TRACE ERROR, null when stopped), then closes its output. */
  private async run(ctx: ProgramContext, output: ProgramOutput, stdinIterator?: AsyncIterator<Uint8Array | string>): Promise<ExitInfo> {
    // Let the caller attach its readers before the first byte.
    await new Promise((r) => setImmediate(r));
    let exitCode: number | null = 0;
    try {
      await this.program(ctx);
      await output.flush(ctx.signal);
    } catch (error) {
      if (ctx.signal.aborted || error instanceof BuiltinAborted) {
        exitCode = null;
      } else {
        output.fail(error);
        exitCode = 1;
      }
    } finally {
      // Not awaited: the producer may be mid-read; the request is queued and honoured at its next step.
      void stdinIterator?.return?.()?.catch(() => undefined);
    }
    const aborted = ctx.signal.aborted;
    output.close(aborted);
    return { exitCode: aborted ? null : exitCode, aborted };
  }
}

/** Protocol messages from stdin, in batches (non-protocol lines are skipped). */
async function* readInput(
  stdinIterator: AsyncIterator<Uint8Array | string> | undefined,
  signal: AbortSignal,
): AsyncGenerator<DecodedMessage[]> {
  if (!stdinIterator) return;
  const chunks: AsyncIterable<Uint8Array | string> = { [Symbol.asyncIterator]: () => stdinIterator };
  for await (const items of decodeBatches(chunks)) {
    await letEventLoopRun();
    if (signal.aborted) throw new BuiltinAborted();
    const batch = items.filter(isDecodedMessage);
    if (batch.length > 0) yield batch;
  }
}

/** A program's stdout and stderr: messages queued and written in large chunks, waiting for the reader (backpressure). */
class ProgramOutput {
  readonly stdout = new PassThrough({ highWaterMark: 1 << 20 });
  readonly stderr = new PassThrough();
  private parts: string[] = [];
  private size = 0;

  async emit(message: AirbyteMessage | string, signal: AbortSignal): Promise<void> {
    const line = typeof message === 'string' ? message : JSON.stringify(message);
    this.parts.push(line, '\n');
    this.size += line.length + 1;
    if (this.size >= CHUNK_CHARS) await this.flush(signal);
  }

  async flush(signal: AbortSignal): Promise<void> {
    if (this.parts.length === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    await letEventLoopRun();
    if (signal.aborted) throw new BuiltinAborted();
    if (!this.stdout.write(text))
      await once(this.stdout, 'drain', { signal }).catch(() => {
        throw new BuiltinAborted();
      });
    // A built-in's output flows through promises alone, which never let the event loop reach its
    // I/O phase: without a turn now and then, the store's saves and signals wait for the run to stall.
    if (Date.now() - this.turn >= LOOP_TURN_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      this.turn = Date.now();
    }
  }

  private turn = Date.now();

  log(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  /** Drops what is queued and writes the TRACE ERROR a failed connector sends. */
  fail(error: unknown): void {
    this.parts = [];
    const failure = error instanceof BuiltinFailure ? error : undefined;
    const text = error instanceof Error ? error.message : String(error);
    this.stdout.write(
      `${JSON.stringify({ type: 'TRACE', trace: { type: 'ERROR', emitted_at: Date.now(), error: { message: text, failure_type: failure?.failureType ?? 'system_error', internal_message: failure ? undefined : (error as Error)?.stack } } })}\n`,
    );
  }

  /** Ends both streams; a stopped program's are destroyed, as a killed process's pipes would be. */
  close(aborted: boolean): void {
    if (aborted) {
      this.stdout.destroy();
      this.stderr.destroy();
    } else {
      this.stdout.end();
      this.stderr.end();
    }
  }
}

class BuiltinAborted extends Error {
  constructor() {
    super('aborted');
  }
}
