/**
 * Errors are values with a reason, guidance and context. Only the hosts (CLI, extension) talk to
 * people; they render `message` + `guidance` and may show `logTail` behind a "Show Logs" action.
 * Every string here must already be secret-masked by whoever builds the error.
 */

export type AirbyteErrorCode =
  | 'DOCKER_UNREACHABLE'
  | 'IMAGE_MISSING'
  | 'CONNECTOR_FAILED'
  | 'SPEC_FAILED'
  | 'CHECK_FAILED'
  | 'CONFIG_INVALID'
  | 'CONFIG_FILE'
  | 'CONNECTOR_UNKNOWN'
  | 'REGISTRY_UNAVAILABLE'
  | 'STRATEGY_INVALID'
  | 'STORE_IN_USE'
  | 'STORE_CORRUPT'
  /** A file or folder could not be written or created (a full disk, read-only, a folder where a file belongs). */
  | 'FILE_SYSTEM'
  /** No Python interpreter matching the `python` choice (or one without `venv`). */
  | 'PYTHON_UNAVAILABLE'
  /** A Python connector is not installed in its venv, and installing was not asked for. */
  | 'NOT_INSTALLED'
  /** Creating a connector's venv or installing its package failed (pip's own error lines say why). */
  | 'INSTALL_FAILED'
  /** The Airbyte platform (Cloud or self-managed) could not be reached, or kept failing (timeouts, 429, 5xx) after retries. */
  | 'PLATFORM_UNAVAILABLE'
  /** The platform refused the credentials or the token (401, 403), or none were given. */
  | 'PLATFORM_AUTH'
  /** The platform answered a request with an error of its own (4xx): its message is carried. */
  | 'PLATFORM_REJECTED'
  /** A sync job on the platform ended failed (or incomplete). */
  | 'PLATFORM_JOB_FAILED'
  | 'ABORTED'
  | 'USAGE';

export interface AirbyteErrorInit {
  /** What happened, in plain words. */
  message: string;
  /** What the user can do about it. */
  guidance?: string;
  /** Connector name or image, socket, file: whatever locates the problem. */
  context?: Record<string, string | number | boolean | undefined>;
  /** Exit code of the connector process, when one ran. */
  exitCode?: number;
  /** The connector's TRACE ERROR message, when it sent one. */
  traceMessage?: string;
  /** The last log lines of the connector, secrets masked. */
  logTail?: string[];
  cause?: unknown;
}

export class AirbyteError extends Error {
  readonly code: AirbyteErrorCode;
  readonly guidance?: string;
  readonly context: Record<string, string | number | boolean | undefined>;
  readonly exitCode?: number;
  readonly traceMessage?: string;
  readonly logTail: string[];

  constructor(code: AirbyteErrorCode, init: AirbyteErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'AirbyteError';
    this.code = code;
    this.guidance = init.guidance;
    this.context = init.context ?? {};
    this.exitCode = init.exitCode;
    this.traceMessage = init.traceMessage;
    this.logTail = init.logTail ?? [];
  }

  /** Message and guidance on one or two lines, for notifications and terminals. */
  describe(): string {
    return this.guidance ? `${this.message}\n${this.guidance}` : this.message;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      guidance: this.guidance,
      context: this.context,
      exitCode: this.exitCode,
      traceMessage: this.traceMessage,
      logTail: this.logTail,
    };
  }
}

export function isAirbyteError(value: unknown, code?: AirbyteErrorCode): value is AirbyteError {
  return value instanceof AirbyteError && (code === undefined || value.code === code);
}

export function abortedError(what: string): AirbyteError {
  return new AirbyteError('ABORTED', { message: `${what} was cancelled.` });
}
