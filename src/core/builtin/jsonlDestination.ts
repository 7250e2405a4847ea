/**
 * `builtin:jsonl`: one newline-delimited JSON file per stream (`<folder>/<stream>.jsonl`), each line a
 * record's data exactly as the source sent it. overwrite writes a temp file renamed over the old one
 * when the stream completes; append_dedup rewrites the file keeping the last line per primary key.
 * Files are fsynced before any STATE is echoed.
 */
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { makeDirectory } from '../makeDirectory';
import type { AirbyteRecordMessage, ConfiguredAirbyteStream, ConnectorSpecification } from '../protocol/messages';
import { streamKey } from '../protocol/messages';
import { fsyncDir } from '../store/atomicFile';
import type { BuiltinConnector } from './builtinConnector';
import type { DestinationWriter } from './destinationLoop';
import { runDestinationLoop, truncates } from './destinationLoop';
import type { ProgramContext } from './inProcessExecutor';
import { BuiltinFailure, InProcessExecutor } from './inProcessExecutor';
import { confinedLocalPath } from './localPath';

export const JSONL_SPEC: ConnectorSpecification = {
  documentationUrl: 'https://github.com/airbyte-write/airbyte-write#built-in-connectors',
  connectionSpecification: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'JSON Lines files (built-in)',
    type: 'object',
    additionalProperties: false,
    required: ['destination_path'],
    properties: {
      destination_path: {
        type: 'string',
        title: 'Folder',
        description:
          "Folder that receives one <stream>.jsonl file per stream: relative, or starting with /local/; both resolve against the config file's localDir, else its folder, and must stay inside it.",
        examples: ['out/jsonl'],
        order: 0,
      },
    },
  },
  supportsIncremental: true,
  supported_destination_sync_modes: ['overwrite', 'append', 'append_dedup'],
};

interface OpenFile {
  handle: fs.FileHandle;
  temp?: string;
  final: string;
  stream: ConfiguredAirbyteStream;
  pending: string[];
}

class JsonlWriter implements DestinationWriter {
  private readonly files = new Map<ConfiguredAirbyteStream, OpenFile>();

  constructor(private readonly dir: string) {}

  private async open(stream: ConfiguredAirbyteStream): Promise<OpenFile> {
    const base = streamKey(stream.stream);
    const final = path.join(this.dir, `${base.replace(/[/\\]/g, '_')}.jsonl`);
    const temp = truncates(stream) ? `${final}.tmp-${process.pid}` : undefined;
    const handle = await fs.open(temp ?? final, temp ? 'w' : 'a', 0o644);
    const f: OpenFile = { handle, temp, final, stream, pending: [] };
    this.files.set(stream, f);
    return f;
  }

  async write(stream: ConfiguredAirbyteStream, records: AirbyteRecordMessage[]): Promise<void> {
    const f = this.files.get(stream) ?? (await this.open(stream));
    for (const r of records) f.pending.push(JSON.stringify(r.data));
    if (f.pending.length >= 10_000) await this.flushFile(f);
  }

  private async flushFile(f: OpenFile): Promise<void> {
    if (f.pending.length === 0) return;
    const text = f.pending.join('\n') + '\n';
    f.pending = [];
    await f.handle.write(text);
  }

  async streamComplete(stream: ConfiguredAirbyteStream): Promise<void> {
    const f = this.files.get(stream) ?? (await this.open(stream));
    await this.flushFile(f);
    if (f.temp) {
      await f.handle.sync();
      await f.handle.close();
      await fs.rename(f.temp, f.final);
      f.temp = undefined;
      f.handle = await fs.open(f.final, 'a', 0o644);
    }
    if (stream.destination_sync_mode === 'append_dedup') await this.dedup(f);
  }

  private async dedup(f: OpenFile): Promise<void> {
    const keys = (f.stream.primary_key ?? f.stream.stream.source_defined_primary_key ?? []).map((p) => p[0]);
    if (keys.length === 0)
      throw new BuiltinFailure(`Stream "${f.stream.stream.name}" is append_dedup but has no primary key.`, 'config_error');
    await f.handle.sync();
    await f.handle.close();
    const latest = new Map<string, string>();
    const lines = createInterface({ input: createReadStream(f.final), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      const data = JSON.parse(line) as Record<string, unknown>;
      const key = JSON.stringify(keys.map((k) => data[k]));
      latest.delete(key);
      latest.set(key, line);
    }
    const temp = `${f.final}.dedup-${process.pid}`;
    await fs.writeFile(temp, [...latest.values()].map((l) => `${l}\n`).join(''));
    const h = await fs.open(temp, 'r+');
    await h.sync();
    await h.close();
    await fs.rename(temp, f.final);
    f.handle = await fs.open(f.final, 'a', 0o644);
  }

  async commit(): Promise<void> {
    for (const f of this.files.values()) {
      await this.flushFile(f);
      await f.handle.sync();
    }
    await fsyncDir(this.dir);
  }

  async close(): Promise<void> {
    for (const f of this.files.values()) {
      await f.handle.close().catch(() => undefined);
      if (f.temp) await fs.rm(f.temp, { force: true });
    }
  }
}

async function run(ctx: ProgramContext): Promise<void> {
  switch (ctx.command) {
    case 'spec':
      await ctx.emit({ type: 'SPEC', spec: JSONL_SPEC });
      return;
    case 'check': {
      const folder = await outputFolder(ctx);
      await ctx.emit({
        type: 'CONNECTION_STATUS',
        connectionStatus: 'problem' in folder ? { status: 'FAILED', message: folder.problem } : { status: 'SUCCEEDED' },
      });
      return;
    }
    case 'write': {
      const folder = await outputFolder(ctx);
      if ('problem' in folder) throw new BuiltinFailure(folder.problem, 'config_error');
      // Committing is an fsync of the open files: cheap enough to confirm every STATE at once.
      await runDestinationLoop(ctx, new JsonlWriter(folder.dir), { commitEveryMs: 0 });
      return;
    }
    default:
      throw new BuiltinFailure(`builtin:jsonl is a destination; it cannot "${ctx.command}".`, 'config_error');
  }
}

/** The folder to write (created if missing), or why it cannot be used: the check's answer, a write's failure. */
async function outputFolder(ctx: ProgramContext): Promise<{ dir: string } | { problem: string }> {
  const p = ctx.config.destination_path;
  if (typeof p !== 'string' || p.length === 0) return { problem: '"destination_path" must name the folder to write, e.g. "out/jsonl".' };
  let dir: string;
  try {
    dir = await confinedLocalPath(ctx.baseDir, p);
  } catch (error) {
    return { problem: (error as Error).message };
  }
  try {
    await makeDirectory(dir);
    await fs.access(dir, fs.constants.W_OK);
  } catch (error) {
    return { problem: `Cannot write to ${dir}: ${(error as Error).message}` };
  }
  return { dir };
}

export const jsonlDestination: BuiltinConnector = {
  name: 'builtin:jsonl',
  type: 'destination',
  displayName: 'JSON Lines files (built-in)',
  description: 'One <stream>.jsonl file per stream; append, overwrite and append_dedup; no Docker needed.',
  spec: JSONL_SPEC,
  createExecutor: ({ baseDir }) => new InProcessExecutor('builtin:jsonl', run, baseDir),
};
