#!/usr/bin/env node
// A test source speaking the real Airbyte protocol: spec / check / discover / read [--state].
// Streams: users and orders (primary key id, cursor updated_at), events (append-only, cursor seq).
// Config drives record counts and fault modes (see SPEC below).
import { emit, emitLine, exit, flush, hangForever, log, parseArgs, readJson, streamStatus, traceError, withUpstream } from './protocol.mjs';

const SPEC = {
  documentationUrl: 'https://example.invalid/test-source',
  connectionSpecification: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Test Source Spec',
    type: 'object',
    required: ['record_count'],
    additionalProperties: true,
    properties: {
      record_count: {
        type: 'integer',
        minimum: 0,
        title: 'Records per stream',
        description: 'Cursor values 1..record_count are produced per stream.',
        order: 0,
      },
      api_key: { type: 'string', title: 'API key', airbyte_secret: true, order: 1 },
      state_every: { type: 'integer', minimum: 1, default: 100, title: 'Emit a STATE every N records of a stream', order: 2 },
      state_mode: { type: 'string', enum: ['STREAM', 'GLOBAL'], default: 'STREAM', order: 3 },
      fault: {
        type: 'string',
        enum: ['none', 'crash', 'trace_error', 'garbage', 'hang', 'error_logs_exit_0'],
        default: 'none',
        description: 'error_logs_exit_0: three ERROR lines on stderr (one naming the api_key), then exit 0 with no TRACE ERROR.',
        order: 4,
      },
      fault_after: { type: 'integer', minimum: 0, default: 0, description: 'Records emitted before the fault.', order: 5 },
      fault_command: { type: 'string', enum: ['read', 'check', 'discover', 'spec'], default: 'read', order: 6 },
      emit_control: { type: 'boolean', default: false, description: 'Emit a CONTROL CONNECTOR_CONFIG with a rotated api_key.', order: 7 },
      unknown_stream_records: {
        type: 'integer',
        minimum: 0,
        default: 0,
        description: 'Records of a stream "ghost" (never discovered) emitted after the first selected stream.',
        order: 8,
      },
      ignore_catalog: { type: 'boolean', default: false, description: 'Emit every stream, selected or not.', order: 9 },
      stream_count: {
        type: 'integer',
        minimum: 1,
        description: 'Instead of users/orders/events: this many streams s0001, s0002, … shaped like users (benchmarks).',
        order: 10,
      },
    },
  },
};

const { command, opts } = parseArgs(process.argv.slice(2));
// Upstream data growing and an upstream outage happen outside the config (which is the source's
// identity): tests set them in upstream.json under /local or in the connector's environment, as a
// real API's data would change.
const config = withUpstream(opts.config ? readJson(opts.config) : {});
if (process.env.TEST_SOURCE_RECORD_COUNT) config.record_count = Number(process.env.TEST_SOURCE_RECORD_COUNT);
if (process.env.TEST_SOURCE_FAULT) config.fault = process.env.TEST_SOURCE_FAULT;
const fault = config.fault ?? 'none';
const faultCommand = config.fault_command ?? 'read';

const STREAMS = config.stream_count
  ? Array.from({ length: config.stream_count }, (_, i) => ({
      name: `s${String(i + 1).padStart(4, '0')}`,
      pk: [['id']],
      cursor: ['updated_at'],
    }))
  : [
      { name: 'users', pk: [['id']], cursor: ['updated_at'] },
      { name: 'orders', pk: [['id']], cursor: ['updated_at'] },
      { name: 'events', pk: undefined, cursor: ['seq'] },
    ];
// Generated streams (stream_count) have the users shape.
const shapeOf = (name) => (name === 'orders' || name === 'events' ? name : 'users');

function airbyteStream(s) {
  const props =
    shapeOf(s.name) === 'events'
      ? { seq: { type: 'integer' }, kind: { type: 'string' }, payload: { type: 'object' } }
      : shapeOf(s.name) === 'users'
        ? { id: { type: 'integer' }, name: { type: 'string' }, email: { type: 'string' }, updated_at: { type: 'integer' } }
        : { id: { type: 'integer' }, user_id: { type: 'integer' }, amount: { type: 'number' }, updated_at: { type: 'integer' } };
  // A schema that changes upstream (a column added to the users table): tests set `users_plan` in upstream.json.
  if (s.name === 'users' && config.users_plan) props.plan = { type: 'string' };
  const stream = {
    name: s.name,
    json_schema: { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: props },
    supported_sync_modes: ['full_refresh', 'incremental'],
    source_defined_cursor: true,
    default_cursor_field: s.cursor,
    is_resumable: true,
  };
  if (s.pk) stream.source_defined_primary_key = s.pk;
  return stream;
}

function recordData(stream, i) {
  if (shapeOf(stream) === 'users') return { id: i, name: `user ${i}`, email: `user${i}@example.com`, updated_at: i };
  if (shapeOf(stream) === 'orders') return { id: i, user_id: ((i - 1) % 7) + 1, amount: Math.round(i * 1.5 * 100) / 100, updated_at: i };
  return { seq: i, kind: i % 2 ? 'click' : 'view', payload: { n: i } };
}

async function faultNow() {
  if (fault === 'crash') {
    flush();
    process.stderr.write('Segmentation fault (simulated crash)\n');
    process.exit(3);
  }
  if (fault === 'trace_error') {
    traceError(`Rate limit exceeded for key ${config.api_key ?? '(none)'}`, 'transient_error', 'HTTP 429 from the test API');
    exit(1);
  }
  if (fault === 'hang') await hangForever();
  if (fault === 'error_logs_exit_0') {
    flush();
    process.stderr.write(`ERROR Request to https://api.example.invalid failed: 401 Unauthorized (api_key=${config.api_key ?? '(none)'})\n`);
    process.stderr.write('ERROR Giving up on stream users after 3 attempts\n');
    process.stderr.write('Traceback (most recent call last): RuntimeError: no records read\n');
    exit(0);
  }
}

async function main() {
  if (config.api_key) {
    // Real connectors sometimes log their secrets; the host must mask them.
    process.stderr.write(`INFO connecting with api_key=${config.api_key}\n`);
    log('INFO', `Using api_key ${config.api_key}`);
  }
  if (fault !== 'none' && fault !== 'garbage' && faultCommand === command) {
    if (command !== 'read') await faultNow();
  }
  switch (command) {
    case 'spec':
      emit({ type: 'SPEC', spec: SPEC });
      break;
    case 'check':
      if (config.api_key === 'invalid' || (config.api_key === undefined && config.require_key)) {
        emit({
          type: 'CONNECTION_STATUS',
          connectionStatus: { status: 'FAILED', message: `Authentication failed: api_key ${config.api_key} was rejected (401).` },
        });
      } else {
        emit({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } });
      }
      break;
    case 'discover':
      emit({ type: 'CATALOG', catalog: { streams: STREAMS.map(airbyteStream) } });
      break;
    case 'read':
      await read();
      break;
    default:
      process.stderr.write(`unknown command ${command}\n`);
      exit(2);
  }
  exit(0);
}

async function read() {
  const catalog = readJson(opts.catalog);
  const stateList = opts.state ? readJson(opts.state) : [];
  const cursorOf = {};
  let sharedState = {};
  for (const s of Array.isArray(stateList) ? stateList : [stateList]) {
    if (s.type === 'STREAM') cursorOf[s.stream.stream_descriptor.name] = s.stream.stream_state?.cursor ?? 0;
    if (s.type === 'GLOBAL') {
      sharedState = s.global.shared_state ?? {};
      for (const ss of s.global.stream_states) cursorOf[ss.stream_descriptor.name] = ss.stream_state?.cursor ?? 0;
    }
  }
  const count = config.record_count ?? 10;
  const every = config.state_every ?? 100;
  const global = config.state_mode === 'GLOBAL';
  const selected = config.ignore_catalog
    ? STREAMS.map((s) => s.name)
    : catalog.streams.map((c) => c.stream.name).filter((n) => STREAMS.some((s) => s.name === n));
  const configured = config.ignore_catalog
    ? STREAMS.map((s) => catalog.streams.find((c) => c.stream.name === s.name) ?? { stream: { name: s.name }, sync_mode: 'full_refresh' })
    : catalog.streams;
  const position = {};
  for (const n of selected) position[n] = cursorOf[n] ?? 0;
  const planSelected = configured.some((c) => c.stream.name === 'users' && c.stream.json_schema?.properties?.plan !== undefined);
  let emitted = 0;

  const emitState = (stream, sinceLast) => {
    if (global) {
      emit({
        type: 'STATE',
        state: {
          type: 'GLOBAL',
          global: {
            shared_state: { ...sharedState, lsn: emitted },
            stream_states: selected.map((n) => ({ stream_descriptor: { name: n }, stream_state: { cursor: position[n] } })),
          },
          sourceStats: { recordCount: sinceLast },
        },
      });
    } else {
      emit({
        type: 'STATE',
        state: {
          type: 'STREAM',
          stream: { stream_descriptor: { name: stream }, stream_state: { cursor: position[stream] } },
          sourceStats: { recordCount: sinceLast },
        },
      });
    }
  };

  if (config.emit_control) {
    emit({
      type: 'CONTROL',
      control: {
        type: 'CONNECTOR_CONFIG',
        emitted_at: Date.now(),
        connectorConfig: { config: { ...config, emit_control: false, api_key: `${config.api_key ?? 'key'}-rotated` } },
      },
    });
  }
  const emittedAt = Date.now();
  let ghostsSent = false;
  for (const c of configured) {
    const name = c.stream.name;
    if (!selected.includes(name)) continue;
    const incremental = c.sync_mode === 'incremental';
    log('INFO', `reading ${name} as ${c.sync_mode}`);
    const start = incremental ? position[name] + 1 : 1;
    position[name] = start - 1;
    streamStatus(name, 'STARTED');
    let sinceLast = 0;
    for (let i = start; i <= count; i++) {
      if (fault !== 'none' && faultCommand === 'read' && emitted === (config.fault_after ?? 0)) {
        if (fault === 'garbage') {
          emitLine('this is not json');
          emitLine('{"half": "a JSON object that is not a message"}');
          emitLine('{"type":"RECORD","record":"payload is not an object"}');
          emitLine('   ');
          flush();
          process.stdout.write(Buffer.from([0xff, 0xfe, 0x41, 0x0a]));
        } else await faultNow();
      }
      const data = recordData(name, i);
      // Columns as selected: a users record has `plan` when its configured schema has it.
      if (planSelected && name === 'users') data.plan = 'pro';
      emit({ type: 'RECORD', record: { stream: name, data, emitted_at: emittedAt } });
      emitted++;
      sinceLast++;
      position[name] = i;
      if (sinceLast >= every) {
        emitState(name, sinceLast);
        sinceLast = 0;
        // A slow upstream (tests set `pause_ms` in upstream.json): what was read so far goes out first.
        if (config.pause_ms) {
          flush();
          await new Promise((resolve) => setTimeout(resolve, config.pause_ms));
        }
      }
    }
    if (sinceLast > 0 || start > count || incremental) emitState(name, sinceLast);
    streamStatus(name, 'COMPLETE');
    if (!ghostsSent) {
      // A stream the source never discovered: a misbehaving source, or one whose catalog changed.
      for (let i = 1; i <= (config.unknown_stream_records ?? 0); i++)
        emit({ type: 'RECORD', record: { stream: 'ghost', data: { id: i }, emitted_at: emittedAt } });
      ghostsSent = true;
    }
  }
  if (fault !== 'none' && fault !== 'garbage' && faultCommand === 'read' && emitted <= (config.fault_after ?? 0)) await faultNow();
  log('INFO', `Read ${emitted} records`);
}

main().catch((e) => {
  traceError(`Unexpected error: ${e.message}`, 'system_error');
  process.stderr.write(`${e.stack}\n`);
  exit(1);
});
