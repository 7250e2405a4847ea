import type { CliCommand } from '../cliIo';
import { parseCommandArgs, UsageError } from '../cliIo';
import { REF_OPTIONS, REF_USAGE, resolveRef } from '../resolveRef';
import { installProgressPrinter } from './installProgress';

export const checkCommand: CliCommand = {
  summary: 'Test that a connector can connect with its config',
  usage: `Usage: airbyte-write check <ref> [--json] [--timeout SECONDS] [-v] [options]

Runs the connector's "check" command. Exit code 0 when the connection succeeds, 1 with the
connector's message when it does not, 2 on a usage error.

${REF_USAGE}
  --json               print the outcome as JSON
  --timeout SECONDS    give up after this long (default 300)
  -v, --verbose        print the connector's log lines (secrets masked)`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      allowPositionals: true,
      options: { ...REF_OPTIONS, json: { type: 'boolean' }, timeout: { type: 'string' }, verbose: { type: 'boolean', short: 'v' } },
    });
    if (positionals.length > 1) throw new UsageError(`Expected one connector, got: ${positionals.join(' ')}`);
    io.json = values.json === true;
    let timeoutMs: number | undefined;
    if (values.timeout !== undefined) {
      const seconds = Number(values.timeout);
      if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout takes a number of seconds, not "${values.timeout}".`);
      timeoutMs = seconds * 1000;
    }
    const connector = await resolveRef(positionals[0], values, {
      signal: io.signal,
      onInstallProgress: installProgressPrinter(io),
      onNotice: (m) => io.err(m),
      needsConfig: true,
    });
    const result = await connector.check({
      signal: io.signal,
      timeoutMs,
      onLog: values.verbose ? (line) => io.err(`[${connector.name}] ${line.level} ${line.text}`) : undefined,
    });
    if (io.json) io.outJson({ ok: true, connector: connector.name, status: result.status, message: result.message });
    else io.out(`Connection check of ${connector.name} succeeded${result.message ? `: ${result.message}` : '.'}`);
    return 0;
  },
};
