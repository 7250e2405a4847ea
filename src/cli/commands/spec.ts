import type { ConnectorSpecification } from '../../core/protocol/messages';
import type { CliCommand } from '../cliIo';
import { parseCommandArgs, UsageError } from '../cliIo';
import { REF_OPTIONS, REF_USAGE, resolveRef } from '../resolveRef';
import { installProgressPrinter } from './installProgress';

export const specCommand: CliCommand = {
  summary: "Print a connector's specification (its config schema)",
  usage: `Usage: airbyte-write spec <ref> [--json] [options]

Runs the connector's "spec" command and prints what it accepts. With --json, stdout is exactly the
ConnectorSpecification object.

${REF_USAGE}
  --json               print the specification as JSON`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      allowPositionals: true,
      options: { ...REF_OPTIONS, json: { type: 'boolean' } },
    });
    if (positionals.length > 1) throw new UsageError(`Expected one connector, got: ${positionals.join(' ')}`);
    io.json = values.json === true;
    const connector = await resolveRef(positionals[0], values, {
      signal: io.signal,
      onInstallProgress: installProgressPrinter(io),
      onNotice: (m) => io.err(m),
    });
    const spec = await connector.spec({ signal: io.signal });
    if (io.json) {
      io.outJson(spec);
      return 0;
    }
    io.out(renderSpec(connector.name, connector.executor.displayName, spec));
    return 0;
  },
};

function renderSpec(name: string, runs: string, spec: ConnectorSpecification): string {
  const lines = [`${name} (${runs})`];
  if (spec.documentationUrl) lines.push(`Documentation: ${spec.documentationUrl}`);
  if (spec.supported_destination_sync_modes?.length) lines.push(`Sync modes: ${spec.supported_destination_sync_modes.join(', ')}`);
  const schema = spec.connectionSpecification as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  const required = new Set(schema.required ?? []);
  const props = Object.entries(schema.properties ?? {}).sort(([, a], [, b]) => Number(a.order ?? 1e9) - Number(b.order ?? 1e9));
  lines.push('', 'Config fields (* required):');
  for (const [key, p] of props) {
    const type = Array.isArray(p.type) ? p.type.join('|') : String(p.type ?? (p.oneOf ? 'one of' : 'any'));
    const flags = [
      p.airbyte_secret === true || p.airbyte_secret === 'true' ? 'secret' : '',
      p.default !== undefined ? `default ${JSON.stringify(p.default)}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    const title = typeof p.title === 'string' ? p.title : '';
    lines.push(`  ${required.has(key) ? '*' : ' '} ${key.padEnd(24)} ${type.padEnd(10)} ${title}${flags ? ` (${flags})` : ''}`);
  }
  if (props.length === 0) lines.push('  (none)');
  return lines.join('\n');
}
