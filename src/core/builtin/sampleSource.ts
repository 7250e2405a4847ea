/**
 * `builtin:sample`: a deterministic sample-data source (faker-like users, products, purchases) that
 * needs no Docker. Record `id` n always has the same content for a given seed; `updated_at` grows
 * with `id`, so incremental reads pick up exactly the records added when `count` grows.
 */
import type { AirbyteCatalog, AirbyteStateMessage, AirbyteStream, ConnectorSpecification } from '../protocol/messages';
import { streamKey } from '../protocol/messages';
import type { BuiltinConnector } from './builtinConnector';
import type { ProgramContext } from './inProcessExecutor';
import { BuiltinFailure, InProcessExecutor } from './inProcessExecutor';

export const SAMPLE_SPEC: ConnectorSpecification = {
  documentationUrl: 'https://github.com/airbyte-write/airbyte-write#built-in-connectors',
  connectionSpecification: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Sample Data (built-in)',
    type: 'object',
    additionalProperties: false,
    properties: {
      count: {
        type: 'integer',
        title: 'Records per stream',
        description:
          'How many records each stream (users, products, purchases) holds. A different count is a different source config, with its own state.',
        minimum: 0,
        default: 1000,
        order: 0,
      },
      seed: { type: 'integer', title: 'Seed', description: 'Same seed, same data.', default: 0, order: 1 },
      state_every: {
        type: 'integer',
        title: 'Checkpoint interval',
        description: 'Emit a STATE after this many records of a stream.',
        minimum: 1,
        default: 10000,
        order: 2,
      },
    },
  },
  supportsIncremental: true,
};

const BASE_TIME = Date.UTC(2024, 0, 1);
const FIRST = [
  'Ada',
  'Grace',
  'Alan',
  'Edsger',
  'Barbara',
  'Donald',
  'Margaret',
  'Ken',
  'Dennis',
  'Frances',
  'John',
  'Radia',
  'Tim',
  'Hedy',
  'Linus',
  'Sophie',
];
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Hamilton',
  'Thompson',
  'Ritchie',
  'Allen',
  'Backus',
  'Perlman',
  'Berners-Lee',
  'Lamarr',
  'Torvalds',
  'Wilson',
];
const CITIES = ['Lisbon', 'Nairobi', 'Osaka', 'Lima', 'Oslo', 'Toronto', 'Pune', 'Berlin', 'Austin', 'Hobart'];
const ADJ = ['Red', 'Quiet', 'Swift', 'Tiny', 'Grand', 'Clever', 'Sturdy', 'Bright'];
const NOUN = ['Lamp', 'Chair', 'Kettle', 'Notebook', 'Backpack', 'Headphones', 'Bicycle', 'Mug'];
const CATEGORIES = ['home', 'office', 'outdoor', 'audio', 'kitchen'];

/** mulberry32 over (seed, stream, id): the same record for the same inputs, whatever was read before. */
function rng(seed: number, salt: number, id: number): () => number {
  let a = (seed * 0x9e3779b1) ^ (salt * 0x85ebca6b) ^ Math.imul(id, 0xc2b2ae35);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, list: readonly T[]): T => list[Math.floor(r() * list.length)];

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

interface SampleStream {
  name: string;
  salt: number;
  properties: Record<string, unknown>;
  make(id: number, seed: number, count: number): Record<string, unknown>;
}

const updatedAt = (id: number) => iso(BASE_TIME + id * 1000);

const STREAMS: SampleStream[] = [
  {
    name: 'users',
    salt: 1,
    properties: {
      id: { type: 'integer' },
      name: { type: 'string' },
      email: { type: 'string' },
      age: { type: 'integer' },
      city: { type: 'string' },
      created_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
    },
    make(id, seed) {
      const r = rng(seed, this.salt, id);
      const first = pick(r, FIRST);
      const last = pick(r, LAST);
      return {
        id,
        name: `${first} ${last}`,
        email: `${first}.${last}${id}@example.com`.toLowerCase(),
        age: 18 + Math.floor(r() * 60),
        city: pick(r, CITIES),
        created_at: iso(BASE_TIME + id * 1000 - Math.floor(r() * 86_400_000)),
        updated_at: updatedAt(id),
      };
    },
  },
  {
    name: 'products',
    salt: 2,
    properties: {
      id: { type: 'integer' },
      name: { type: 'string' },
      category: { type: 'string' },
      price: { type: 'number' },
      in_stock: { type: 'boolean' },
      updated_at: { type: 'string', format: 'date-time' },
    },
    make(id, seed) {
      const r = rng(seed, this.salt, id);
      return {
        id,
        name: `${pick(r, ADJ)} ${pick(r, NOUN)}`,
        category: pick(r, CATEGORIES),
        price: Math.round(r() * 50000) / 100,
        in_stock: r() > 0.2,
        updated_at: updatedAt(id),
      };
    },
  },
  {
    name: 'purchases',
    salt: 3,
    properties: {
      id: { type: 'integer' },
      user_id: { type: 'integer' },
      product_id: { type: 'integer' },
      quantity: { type: 'integer' },
      purchased_at: { type: 'string', format: 'date-time' },
      updated_at: { type: 'string', format: 'date-time' },
    },
    make(id, seed, count) {
      const r = rng(seed, this.salt, id);
      const max = Math.max(1, count);
      return {
        id,
        user_id: 1 + Math.floor(r() * max),
        product_id: 1 + Math.floor(r() * max),
        quantity: 1 + Math.floor(r() * 5),
        purchased_at: iso(BASE_TIME + id * 1000 - Math.floor(r() * 3_600_000)),
        updated_at: updatedAt(id),
      };
    },
  },
];

/** The catalog `discover` returns. */
export function sampleCatalog(): AirbyteCatalog {
  return {
    streams: STREAMS.map((s): AirbyteStream => ({
      name: s.name,
      json_schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: s.properties },
      supported_sync_modes: ['full_refresh', 'incremental'],
      source_defined_cursor: true,
      default_cursor_field: ['updated_at'],
      source_defined_primary_key: [['id']],
      is_resumable: true,
    })),
  };
}

interface SampleConfig {
  count: number;
  seed: number;
  stateEvery: number;
}

// Values from `${env:…}` references arrive as strings: accept integers written as text.
const intLike = (v: unknown): unknown => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v);

function readConfig(config: Record<string, unknown>): SampleConfig {
  const count = intLike(config.count ?? 1000);
  const seed = intLike(config.seed ?? 0);
  const stateEvery = intLike(config.state_every ?? 10000);
  for (const [k, v, min] of [
    ['count', count, 0],
    ['seed', seed, -Infinity],
    ['state_every', stateEvery, 1],
  ] as const) {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new BuiltinFailure(
        `"${k}" must be an integer${min > -Infinity ? ` of at least ${min}` : ''} (got ${JSON.stringify(v)}).`,
        'config_error',
      );
    }
  }
  return { count: count as number, seed: seed as number, stateEvery: stateEvery as number };
}

/** The id after which an incremental read resumes, from the state messages the source was started with. */
function cursorIds(states: AirbyteStateMessage[]): Map<string, number> {
  const out = new Map<string, number>();
  const take = (name: string, value: unknown) => {
    const cursor = (value as { updated_at?: unknown } | null)?.updated_at;
    if (typeof cursor === 'string') {
      const ms = Date.parse(cursor);
      if (!Number.isNaN(ms)) out.set(name, Math.max(0, Math.floor((ms - BASE_TIME) / 1000)));
    }
  };
  for (const s of states) {
    if (s.type === 'STREAM' && s.stream) take(streamKey(s.stream.stream_descriptor), s.stream.stream_state);
    const g = s.global ?? s.global_;
    if (s.type === 'GLOBAL' && g) for (const ss of g.stream_states ?? []) take(streamKey(ss.stream_descriptor), ss.stream_state);
    if ((s.type === 'LEGACY' || s.type === undefined) && s.data) for (const [k, v] of Object.entries(s.data)) take(k, v);
  }
  return out;
}

async function run(ctx: ProgramContext): Promise<void> {
  switch (ctx.command) {
    case 'spec':
      await ctx.emit({ type: 'SPEC', spec: SAMPLE_SPEC });
      return;
    case 'check':
      try {
        readConfig(ctx.config);
        await ctx.emit({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } });
      } catch (error) {
        await ctx.emit({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'FAILED', message: (error as Error).message } });
      }
      return;
    case 'discover':
      readConfig(ctx.config);
      await ctx.emit({ type: 'CATALOG', catalog: sampleCatalog() });
      return;
    case 'read':
      await read(ctx);
      return;
    default:
      throw new BuiltinFailure(`builtin:sample is a source; it cannot "${ctx.command}".`, 'config_error');
  }
}

async function read(ctx: ProgramContext): Promise<void> {
  const config = readConfig(ctx.config);
  if (!ctx.catalog) throw new BuiltinFailure('read needs a configured catalog.', 'config_error');
  const cursors = cursorIds(ctx.state);
  for (const configured of ctx.catalog.streams) {
    const stream = STREAMS.find((s) => s.name === configured.stream.name);
    if (!stream)
      throw new BuiltinFailure(
        `Unknown stream "${configured.stream.name}"; builtin:sample has ${STREAMS.map((s) => s.name).join(', ')}.`,
        'config_error',
      );
    const incremental = configured.sync_mode === 'incremental';
    const after = incremental ? Math.min(cursors.get(stream.name) ?? 0, config.count) : 0;
    const descriptor = { name: stream.name };
    await ctx.emit({
      type: 'TRACE',
      trace: { type: 'STREAM_STATUS', emitted_at: Date.now(), stream_status: { stream_descriptor: descriptor, status: 'STARTED' } },
    });
    await ctx.emit({
      type: 'TRACE',
      trace: {
        type: 'ESTIMATE',
        emitted_at: Date.now(),
        estimate: { name: stream.name, type: 'STREAM', row_estimate: config.count - after },
      },
    });
    const prefix = `{"type":"RECORD","record":{"stream":${JSON.stringify(stream.name)},"data":`;
    let emittedAt = Date.now();
    let sinceState = 0;
    const state = (id: number, recordCount: number): AirbyteStateMessage => ({
      type: 'STREAM',
      stream: { stream_descriptor: descriptor, stream_state: { updated_at: updatedAt(id) } },
      sourceStats: { recordCount },
    });
    for (let id = after + 1; id <= config.count; id++) {
      if ((id & 1023) === 0) {
        if (ctx.signal.aborted) return;
        emittedAt = Date.now();
      }
      await ctx.emit(`${prefix}${JSON.stringify(stream.make(id, config.seed, config.count))},"emitted_at":${emittedAt}}}`);
      if (++sinceState >= config.stateEvery) {
        await ctx.emit({ type: 'STATE', state: state(id, sinceState) });
        sinceState = 0;
      }
    }
    if (incremental || sinceState > 0 || config.count === after) {
      await ctx.emit({ type: 'STATE', state: state(Math.max(after, config.count), sinceState) });
    }
    await ctx.emit({
      type: 'TRACE',
      trace: { type: 'STREAM_STATUS', emitted_at: Date.now(), stream_status: { stream_descriptor: descriptor, status: 'COMPLETE' } },
    });
  }
}

export const sampleSource: BuiltinConnector = {
  name: 'builtin:sample',
  type: 'source',
  displayName: 'Sample Data (built-in)',
  description: 'Deterministic users, products and purchases with primary key `id` and cursor `updated_at`; no Docker needed.',
  spec: SAMPLE_SPEC,
  createExecutor: ({ baseDir }) => new InProcessExecutor('builtin:sample', run, baseDir),
};
