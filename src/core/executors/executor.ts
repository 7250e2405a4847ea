/**
 * The executor contract: how one connector command runs. Executors know nothing about the
 * protocol; they start a process (a Docker container, a local program, or an in-process built-in),
 * hand over its raw stdout/stderr, feed its stdin, and clean up. Decoding, logs, secret masking
 * and error mapping live once, in `connectors/connectorProcess.ts`.
 */
import type { Readable } from 'node:stream';
import type { ExitInfo } from '../process/exitInfo';
import type { AirbyteStateMessage, ConfiguredAirbyteCatalog, JsonObject } from '../protocol/messages';

export type ConnectorCommand = 'spec' | 'check' | 'discover' | 'read' | 'write';

export interface ExecuteRequest {
  command: ConnectorCommand;
  /** Written to a private file and passed as `--config`. */
  config?: JsonObject;
  /** Written to a private file and passed as `--catalog`. */
  catalog?: ConfiguredAirbyteCatalog;
  /** The list of last committed state messages, written to a file and passed as `--state`. */
  state?: AirbyteStateMessage[];
  /** Bytes for the connector's stdin (newline-delimited messages), written with backpressure; stdin is closed at its end. */
  stdin?: AsyncIterable<Uint8Array | string>;
  /** Stops the process and removes what it used (container, temp files) within 10 s. */
  signal?: AbortSignal;
}

export interface RunningConnector {
  /** Raw bytes of the connector's stdout. Consumers must read it; it applies backpressure. */
  stdout: Readable;
  /** Raw bytes of the connector's stderr (logs only). */
  stderr: Readable;
  /** Settles after the process ended and every resource (container, temp folder) was removed. */
  exit: Promise<ExitInfo>;
}

/** Progress of making a connector ready (for Docker: pulling its image). */
export interface InstallProgress {
  /** e.g. "Pulling fs layer", "Downloading". */
  status: string;
  /** 0..1 when known. */
  fraction?: number;
  detail?: string;
  /** What is being made ready: an image pull (the default) or a venv install (pip's lines as `detail`). */
  phase?: 'pull' | 'venv';
}

export interface Executor {
  readonly kind: 'docker' | 'local' | 'builtin' | 'venv';
  /** Image reference, program path, or `builtin:<name>`: shown to users. */
  readonly displayName: string;
  /** Where its containers or processes run, for run history and messages: `docker tcp://host:2376`, `this machine`, `in process`, `venv python3.11`. */
  runsOn(): string;
  /** Makes sure the connector can start (image present, or pulled when allowed); a typed error otherwise. */
  ensureReady(options?: { installIfMissing?: boolean; onProgress?: (p: InstallProgress) => void; signal?: AbortSignal }): Promise<void>;
  execute(request: ExecuteRequest): Promise<RunningConnector>;
}
