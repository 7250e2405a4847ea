// The two output channels: `Airbyte` (the extension's own log, a LogOutputChannel whose level
// the user sets with "Developer: Set Log Level…") and `Airbyte Connectors` (connector log lines,
// already secret-masked by the core, filtered by `airbyte.logLevel`).
import * as vscode from 'vscode';
import type { Config } from './config';
import type { LogLevel } from './logLevels';
import { protocolLevel, shouldLog } from './logLevels';

export class OutputChannels implements vscode.Disposable {
  readonly log: vscode.LogOutputChannel;
  readonly connectors: vscode.OutputChannel;

  constructor(private readonly config: Config) {
    this.log = vscode.window.createOutputChannel('Airbyte', { log: true });
    this.connectors = vscode.window.createOutputChannel('Airbyte Connectors');
  }

  /** A core log line (protocol levels FATAL…TRACE) of a connector. */
  connectorLog(connector: string, line: { level: string; text: string }): void {
    this.connectorLine(connector, protocolLevel(line.level), line.text);
  }

  /** One connector log line, prefixed with the connector and level. */
  connectorLine(connector: string, level: LogLevel, line: string): void {
    if (!shouldLog(level, this.config.logLevel)) return;
    const time = new Date().toISOString().slice(11, 23);
    this.connectors.appendLine(`${time} [${connector}] ${level.toUpperCase().padEnd(5)} ${line}`);
  }

  /** A heading between runs, so one run's lines are easy to find. */
  connectorHeading(text: string): void {
    this.connectors.appendLine('');
    this.connectors.appendLine(`──── ${text} ────`);
  }

  showConnectors(): void {
    this.connectors.show(true);
  }

  dispose(): void {
    this.log.dispose();
    this.connectors.dispose();
  }
}
