#!/usr/bin/env node
// A test destination speaking the real Airbyte protocol: spec / check / write.
// Writes <local>/<stream>.jsonl (local = $AIRBYTE_LOCAL_DIR or /local), honours overwrite, append,
// append_dedup (primary key) and generations (minimum_generation_id), echoes a STATE only after
// every record before it is flushed and fsync'ed, and fails like a Bulk-CDK destination when a
// configured stream ends without a STREAM_STATUS COMPLETE. Also a "count" mode for benchmarks.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { emit, exit, flush, hangForever, log, parseArgs, readJson, readLines, traceError, withUpstream } from './protocol.mjs';

const SPEC = {
  documentationUrl: 'https://example.invalid/test-destination',
  supportsIncremental: true,
  supported_destination_sync_modes: ['overwrite', 'append', 'append_dedup'],
  connectionSpecification: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Test Destination Spec',
    type: 'object',
    required: [],
    additionalProperties: true,
    properties: {
      api_key: { type: 'string', title: 'API key', airbyte_secret: true, order: 0 },
      mode: { type: 'string', enum: ['write', 'count'], default: 'write', order: 1 },
      fault: {
        type: 'string',
        // exit_at_start: fails before reading anything, as Airbyte's destination-sqlite does with a path it cannot open;
        // hang_at_end: reads and echoes everything, then never exits;
        // generic_trace: fails at fault_after with the old Python CDK's catch-all TRACE ("Something went wrong…"),
        //   the cause only in its internal_message and a FATAL log line, as destination-sqlite 0.2 does with a bad path;
        // bad_path: the same write failure, and a check that fails naming the cause (destination-sqlite's check).
        enum: ['none', 'crash', 'trace_error', 'garbage', 'hang', 'exit_at_start', 'hang_at_end', 'generic_trace', 'bad_path'],
        default: 'none',
        order: 2,
      },
      fault_after: { type: 'integer', minimum: 0, default: 0, description: 'Records received before the fault.', order: 3 },
      require_stream_status: {
        type: 'boolean',
        default: true,
        description: 'Fail when a stream gets no terminal STREAM_STATUS (Bulk CDK behaviour).',
        order: 4,
      },
      flush_every: { type: 'integer', minimum: 1, default: 1000, description: 'Records buffered per stream before a flush.', order: 5 },
      old_cdk: {
        type: 'boolean',
        default: false,
        description:
          'Behave like an old Python CDK destination: a STREAM_STATUS is logged as input it cannot deserialize, and none is required.',
        order: 7,
      },
      input_end_marker: {
        type: 'boolean',
        default: false,
        description: 'Write <local>/input-ended.marker when stdin ends (tests: a stopped run must never look like the end of its input).',
        order: 8,
      },
      echo_state: {
        type: 'boolean',
        default: true,
        description: 'Echo each STATE once durable; false writes everything and exits 0 without echoing any (a faulty destination).',
        order: 6,
      },
    },
  },
};

const { command, opts } = parseArgs(process.argv.slice(2));
const config = withUpstream(opts.config ? readJson(opts.config) : {});
const localDir = process.env.AIRBYTE_LOCAL_DIR || '/local';
// A fault can also come from the connector's environment (a disk that fills up, a crash), leaving
// the config, hence the destination's identity and state, the same for the rerun.
if (process.env.TEST_DESTINATION_FAULT) config.fault = process.env.TEST_DESTINATION_FAULT;
const fault = config.fault ?? 'none';

async function main() {
  if (config.api_key) {
    process.stderr.write(`DEBUG destination authenticating with ${config.api_key}\n`);
    log('INFO', `api_key=${config.api_key}`);
  }
  switch (command) {
    case 'spec':
      emit({ type: 'SPEC', spec: SPEC });
      break;
    case 'check':
      check();
      break;
    case 'write':
      if (config.input_end_marker)
        await readLines(() => undefined).then(() => writeFileSync(path.join(localDir, 'input-ended.marker'), 'EOF'));
      else if (config.mode === 'count') await count();
      else await write();
      break;
    default:
      process.stderr.write(`unknown command ${command}\n`);
      exit(2);
  }
  exit(0);
}

/** The cause destination-sqlite 0.2 reports for a destination_path outside /local. */
const BAD_PATH_CAUSE = `ValueError: destination_path=${config.destination_path ?? '/etc/x.db'} is not a valid path. A valid path shall start with /local or no / prefix`;

function check() {
  if (fault === 'bad_path') {
    emit({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'FAILED', message: `An exception occurred: ${BAD_PATH_CAUSE}` } });
    return;
  }
  if (config.api_key === 'invalid') {
    emit({
      type: 'CONNECTION_STATUS',
      connectionStatus: { status: 'FAILED', message: `Authentication failed: api_key ${config.api_key} was rejected (401).` },
    });
    return;
  }
  try {
    mkdirSync(localDir, { recursive: true });
    const probe = path.join(localDir, `.airbyte-check-${process.pid}`);
    writeFileSync(probe, 'ok');
    rmSync(probe);
    emit({ type: 'CONNECTION_STATUS', connectionStatus: { status: 'SUCCEEDED' } });
  } catch (e) {
    emit({
      type: 'CONNECTION_STATUS',
      connectionStatus: { status: 'FAILED', message: `Cannot write to ${localDir}: ${e.code ?? e.message}` },
    });
  }
}

// Parses and counts; each STATE is echoed at once (nothing is buffered, so everything before it is
// "durable"), and the arrival time of the first record is logged (benchmarks measure time to first record).
async function count() {
  let records = 0;
  let messages = 0;
  let bytes = 0;
  await readLines((line) => {
    bytes += line.length + 1;
    const m = JSON.parse(line);
    messages++;
    if (m.type === 'RECORD') {
      if (records === 0) {
        log('INFO', `first record at ${Date.now()}`);
        flush();
      }
      records++;
    } else if (m.type === 'STATE') {
      emit({ type: 'STATE', state: m.state });
      flush();
    }
  });
  log('INFO', `counted ${records} records in ${messages} messages (${bytes} bytes)`);
  emit({ type: 'TRACE', trace: { type: 'ANALYTICS', emitted_at: Date.now(), analytics: { type: 'count', value: String(records) } } });
}

async function write() {
  const catalog = readJson(opts.catalog);
  if (fault === 'exit_at_start') {
    traceError(`Could not open the database file /etc/x.db: permission denied`, 'config_error');
    exit(1);
  }
  mkdirSync(localDir, { recursive: true });
  const flushEvery = config.flush_every ?? 1000;
  const streams = new Map();
  for (const c of catalog.streams) {
    const name = c.stream.name;
    const file = path.join(localDir, `${name}.jsonl`);
    dropTornTail(file);
    if (c.destination_sync_mode === 'overwrite' && !existsSync(file)) writeFileSync(file, '');
    streams.set(name, {
      name,
      file,
      mode: c.destination_sync_mode,
      pk: c.primary_key ?? c.stream.source_defined_primary_key ?? [],
      generation: c.generation_id ?? 0,
      minGeneration: c.minimum_generation_id ?? 0,
      // Legacy overwrite: rows that existed before this run are dropped when the stream completes.
      keepFrom:
        c.destination_sync_mode === 'overwrite' && existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0,
      buffer: [],
      sinceState: 0,
      total: 0,
      status: undefined,
    });
    if (c.destination_sync_mode === 'append_dedup' && !(c.primary_key ?? c.stream.source_defined_primary_key)?.length) {
      traceError(`Stream ${name} uses append_dedup but has no primary key.`, 'config_error');
      exit(1);
    }
  }
  let received = 0;
  let sinceGlobal = 0;

  const flushStream = (s) => {
    if (s.buffer.length === 0) return;
    const fd = openSync(s.file, 'a');
    try {
      writeSync(fd, s.buffer.join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    s.buffer = [];
  };

  await readLines(async (line) => {
    let m;
    try {
      m = JSON.parse(line);
    } catch {
      process.stderr.write(`WARN skipping a line that is not JSON: ${line.slice(0, 80)}\n`);
      return;
    }
    if (m.type === 'RECORD') {
      if (fault !== 'none' && received === (config.fault_after ?? 0)) await faultNow();
      received++;
      const s = streams.get(m.record.stream);
      if (!s) {
        traceError(`Received a record for stream ${m.record.stream}, which is not in the configured catalog.`, 'system_error');
        exit(1);
      }
      s.buffer.push(
        `${JSON.stringify({ ...m.record.data, _airbyte_extracted_at: m.record.emitted_at, _airbyte_generation_id: s.generation })}\n`,
      );
      s.sinceState++;
      s.total++;
      sinceGlobal++;
      if (s.buffer.length >= flushEvery) flushStream(s);
    } else if (m.type === 'STATE') {
      const st = m.state;
      let recordCount;
      if (st.type === 'STREAM') {
        const s = streams.get(st.stream.stream_descriptor.name);
        // Durability: flush every stream, since records of other streams may precede this state.
        for (const x of streams.values()) flushStream(x);
        recordCount = s ? s.sinceState : 0;
        if (s) s.sinceState = 0;
      } else {
        for (const x of streams.values()) flushStream(x);
        recordCount = sinceGlobal;
        sinceGlobal = 0;
        for (const x of streams.values()) x.sinceState = 0;
      }
      if (config.echo_state !== false) {
        emit({ type: 'STATE', state: { ...st, destinationStats: { recordCount } } });
        flush();
      }
    } else if (m.type === 'TRACE' && m.trace.type === 'STREAM_STATUS' && config.old_cdk) {
      // The old Python CDK's words for a message type its models do not know.
      log('WARN', `ignoring input which can't be deserialized as Airbyte Message: ${line}`);
    } else if (m.type === 'TRACE' && m.trace.type === 'STREAM_STATUS') {
      const s = streams.get(m.trace.stream_status.stream_descriptor.name);
      if (s && (m.trace.stream_status.status === 'COMPLETE' || m.trace.stream_status.status === 'INCOMPLETE'))
        s.status = m.trace.stream_status.status;
    }
  });

  for (const s of streams.values()) flushStream(s);
  const missing = [...streams.values()].filter((s) => !s.status).map((s) => s.name);
  const requireStatus = config.require_stream_status !== false && !config.old_cdk;
  for (const s of streams.values()) if (s.status === 'COMPLETE' || (!s.status && !requireStatus)) finalize(s);
  log('INFO', `wrote ${received} records`);
  if (missing.length > 0 && requireStatus) {
    traceError(
      'Input was fully read, but some streams did not receive a terminal stream status message. This likely indicates an error in the source or platform.',
      'system_error',
      `Streams without a terminal status: ${missing.join(', ')}`,
    );
    exit(1);
  }
  const incomplete = [...streams.values()].filter((s) => s.status === 'INCOMPLETE').map((s) => s.name);
  if (incomplete.length > 0) log('WARN', `streams marked INCOMPLETE were not finalized: ${incomplete.join(', ')}`);
  if (fault === 'hang_at_end') await hangForever();
}

// A run killed in the middle of a write may leave its last line cut short: as a destination's own
// recovery would, the next run drops it (it was never confirmed: no STATE was echoed after it).
function dropTornTail(file) {
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  if (text.length === 0 || text.endsWith('\n')) return;
  writeFileSync(file, text.slice(0, text.lastIndexOf('\n') + 1));
}

// End of a complete stream: drop old generations, deduplicate by primary key.
function finalize(s) {
  if (!existsSync(s.file)) return;
  if (s.minGeneration <= 0 && s.mode !== 'append_dedup' && s.mode !== 'overwrite') return;
  let rows = readFileSync(s.file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  if (s.mode === 'overwrite') rows = rows.slice(s.keepFrom);
  if (s.minGeneration > 0) rows = rows.filter((r) => (r._airbyte_generation_id ?? 0) >= s.minGeneration);
  if (s.mode === 'append_dedup') {
    const byKey = new Map();
    for (const r of rows) byKey.set(JSON.stringify(s.pk.map((p) => p.reduce((v, k) => v?.[k], r))), r);
    rows = [...byKey.values()];
  }
  const tmp = `${s.file}.tmp`;
  const fd = openSync(tmp, 'w');
  writeSync(fd, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, s.file);
}

async function faultNow() {
  if (fault === 'crash') {
    flush();
    process.stderr.write('FATAL out of memory (simulated crash mid-write)\n');
    process.exit(3);
  }
  if (fault === 'trace_error') {
    traceError(`Destination rejected the batch: quota exceeded for key ${config.api_key ?? '(none)'}`, 'transient_error');
    exit(1);
  }
  if (fault === 'garbage') {
    flush();
    process.stdout.write('garbage line from the destination\n{"not":"a message"}\n');
  }
  if (fault === 'hang') await hangForever();
  if (fault === 'generic_trace' || fault === 'bad_path') {
    log('FATAL', BAD_PATH_CAUSE);
    traceError('Something went wrong in the connector. See the logs for more details.', 'system_error', BAD_PATH_CAUSE);
    exit(1);
  }
}

main().catch((e) => {
  traceError(`Unexpected error: ${e.message}`, 'system_error');
  process.stderr.write(`${e.stack}\n`);
  exit(1);
});
