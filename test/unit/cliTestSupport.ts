// Running `airbyte-write` commands in process (through `main`) with their output captured.
import type { CliIo } from '../../src/cli/cliIo';

/** A {@link CliIo} that keeps what a command printed: one entry per `out`/`outJson` (stdout) or `err` (stderr) call. */
export interface CapturedIo extends CliIo {
  stdout: string[];
  stderr: string[];
}

/** A non-TTY io that records output; `signal` lets a test cancel the command. */
export function captureIo(signal = new AbortController().signal): CapturedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return {
    stdout,
    stderr,
    isTty: false,
    json: false,
    signal,
    out: (t) => stdout.push(t),
    err: (t) => stderr.push(t),
    outJson: (v) => stdout.push(JSON.stringify(v)),
    status: () => undefined,
  };
}
