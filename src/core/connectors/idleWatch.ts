/**
 * The idle timeout of one connector run: the connector is stopped when the run has been waiting on
 * it, with nothing coming from it, for the whole timeout. "Waiting on it" is precise, so that a
 * connector held up by the other side is never blamed:
 * - its output is awaited (the reader asked for the next chunk of stdout and none came), or
 * - a chunk of its input is blocked on a full pipe (it does not read), or
 * - its input has ended and its output has too, or is awaited (it does not finish or exit).
 * Output chunks (any protocol message, LOG included) and input it takes are progress; stderr is not,
 * so a connector logging "retrying…" forever still times out.
 */

/** What the connector was not doing when it timed out. */
export type IdleReason = 'no-output' | 'not-reading' | 'not-finishing' | 'not-exiting';

export class IdleWatch {
  /** Aborted when the connector has been idle for the whole timeout. */
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private lastProgress = Date.now();
  private waitingSince: number | undefined;
  private awaitingOutput = false;
  private outputDone = false;
  private inputBlocked = false;
  private inputDone = false;
  private reasonSeen: IdleReason | undefined;

  constructor(
    /** The timeout in ms (> 0). */
    readonly timeoutMs: number,
    /** True when the connector is fed on stdin (a destination's `write`). */
    private readonly hasInput: boolean,
  ) {
    this.signal = this.controller.signal;
  }

  /** Why it timed out, once it has. */
  get reason(): IdleReason | undefined {
    return this.reasonSeen;
  }

  /** Starts watching (once the process runs). */
  start(): void {
    if (this.timer || this.controller.signal.aborted) return;
    this.lastProgress = Date.now();
    this.timer = setInterval(() => this.check(), Math.max(50, Math.min(1000, this.timeoutMs / 4)));
    this.timer.unref();
  }

  /** Stops watching (the process is gone). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** `output` (the connector's stdout) with every chunk counted as progress and every wait for one watched. */
  async *watchOutput<T>(output: AsyncIterable<T>): AsyncGenerator<T> {
    const iterator = output[Symbol.asyncIterator]();
    try {
      for (;;) {
        this.awaitingOutput = true;
        const next = await iterator.next();
        this.awaitingOutput = false;
        if (next.done) {
          this.outputDone = true;
          return;
        }
        this.progress();
        yield next.value;
      }
    } finally {
      this.awaitingOutput = false;
      await iterator.return?.();
    }
  }

  /** `input` (the connector's stdin) with each chunk watched until the connector has taken it. */
  async *watchInput<T>(input: AsyncIterable<T>): AsyncGenerator<T> {
    try {
      for await (const chunk of input) {
        // Held until the feeder asks for the next chunk, i.e. until the connector took this one.
        this.inputBlocked = true;
        yield chunk;
        this.inputBlocked = false;
        this.progress();
      }
      this.inputDone = true;
    } finally {
      this.inputBlocked = false;
    }
  }

  private progress(): void {
    this.lastProgress = Date.now();
  }

  /** The reason the run is waiting on the connector now, if it is. */
  private waitingFor(): IdleReason | undefined {
    if (!this.hasInput) return this.outputDone ? 'not-exiting' : this.awaitingOutput ? 'no-output' : undefined;
    if (this.inputBlocked) return 'not-reading';
    // With input still to come from the other side, a quiet destination is waiting, not idle.
    if (!this.inputDone) return undefined;
    return this.outputDone ? 'not-exiting' : this.awaitingOutput ? 'not-finishing' : undefined;
  }

  private check(): void {
    const reason = this.waitingFor();
    const now = Date.now();
    if (!reason) {
      this.waitingSince = undefined;
      return;
    }
    this.waitingSince ??= now;
    if (now - Math.max(this.lastProgress, this.waitingSince) < this.timeoutMs) return;
    this.reasonSeen = reason;
    this.stop();
    this.controller.abort(new Error(`idle: ${reason}`));
  }
}

/** What an idle connector was not doing, as the end of a sentence ("… for 10 min"). */
export function idleWords(reason: IdleReason): string {
  switch (reason) {
    case 'not-reading':
      return 'stopped reading its input';
    case 'not-finishing':
      return 'got all of its input but neither answered nor exited';
    case 'not-exiting':
      return 'ended its output but did not exit';
    default:
      return 'sent nothing (more) and did not exit';
  }
}
