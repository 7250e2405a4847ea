// Shared helpers of the test connectors: argument parsing, message output with backpressure,
// and a line reader for stdin. Plain Node, no dependencies (they run in a FROM-scratch image).
import { existsSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';

export function parseArgs(argv) {
  const [command, ...rest] = argv;
  const opts = {};
  for (let i = 0; i < rest.length; i += 2) {
    if (!rest[i].startsWith('--')) throw new Error(`unexpected argument ${rest[i]}`);
    opts[rest[i].slice(2)] = rest[i + 1];
  }
  return { command, opts };
}

export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/**
 * The config with `upstream.json` of the local folder ($AIRBYTE_LOCAL_DIR or /local) laid over it:
 * the data and faults of the system a connector talks to, which change without its config changing
 * (so its identity, hence its state, stays the same between runs).
 */
export function withUpstream(config) {
  const file = path.join(process.env.AIRBYTE_LOCAL_DIR || '/local', 'upstream.json');
  return existsSync(file) ? { ...config, ...readJson(file) } : config;
}

let pending = [];
let pendingSize = 0;

/** Queues one line for stdout; flushed in 64 KB chunks, synchronously (like a connector's print). */
export function emitLine(line) {
  pending.push(line, '\n');
  pendingSize += line.length + 1;
  if (pendingSize >= 65536) flush();
}

export function emit(message) {
  emitLine(JSON.stringify(message));
}

export function flush() {
  if (pendingSize === 0) return;
  const buf = Buffer.from(pending.join(''));
  pending = [];
  pendingSize = 0;
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(1, buf, off);
    } catch (e) {
      // stdout is a non-blocking pipe in some setups: wait until it drains.
      if (e.code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}

export function log(level, message) {
  emit({ type: 'LOG', log: { level, message } });
}

export function traceError(message, failureType = 'system_error', internal) {
  const error = { message, failure_type: failureType };
  if (internal) error.internal_message = internal;
  emit({ type: 'TRACE', trace: { type: 'ERROR', emitted_at: Date.now(), error } });
}

export function streamStatus(name, status) {
  emit({ type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: Date.now(), stream_status: { stream_descriptor: { name }, status } } });
}

export function exit(code) {
  flush();
  process.exit(code);
}

export function hangForever() {
  flush();
  setInterval(() => {}, 1 << 30);
  return new Promise(() => {});
}

/** Calls onLine for each line of stdin (CRLF tolerated); resolves at EOF. */
export async function readLines(onLine) {
  let rest = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) {
    const text = rest + chunk;
    const last = text.lastIndexOf('\n');
    if (last < 0) {
      rest = text;
      continue;
    }
    rest = text.slice(last + 1);
    const lines = text.slice(0, last).split('\n');
    for (const line of lines) {
      const l = line.endsWith('\r') ? line.slice(0, -1) : line;
      if (l.length > 0) {
        const r = onLine(l);
        if (r && typeof r.then === 'function') await r;
      }
    }
  }
  if (rest.length > 0) {
    const r = onLine(rest);
    if (r && typeof r.then === 'function') await r;
  }
}
