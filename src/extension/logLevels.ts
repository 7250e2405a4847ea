// The four levels of the `airbyte.logLevel` setting and how connector log lines map onto them (pure: unit-tested).

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

export const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

/** True when a line of `level` passes the `threshold` setting (`info` shows error, warn and info). */
export function shouldLog(level: LogLevel, threshold: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(threshold);
}

/** The Airbyte protocol's log levels onto the setting's four. */
export function protocolLevel(level: string): LogLevel {
  switch (level.toUpperCase()) {
    case 'FATAL':
    case 'ERROR':
      return 'error';
    case 'WARN':
    case 'WARNING':
      return 'warn';
    case 'DEBUG':
    case 'TRACE':
      return 'debug';
    default:
      return 'info';
  }
}
