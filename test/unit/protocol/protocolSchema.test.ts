// Every message this project writes must be valid against the official Airbyte protocol schema:
// the builders in messages.ts, the encoder's output, and everything the test connectors print.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { protocolSchemaPath, testConnectorsDir } from '../../harness/paths';
import { after, before, describe, it } from 'node:test';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';
import { decodeItems, encodeMessages, isDecodedMessage } from '../../../src/core/protocol/lineCodec';
import type { AirbyteMessage } from '../../../src/core/protocol/messages';
import { message } from '../../../src/core/protocol/messages';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';

let validateMessage: ValidateFunction;
let validateCatalog: ValidateFunction;
let tmp: string;

before(async () => {
  const schema = JSON.parse(await readFile(protocolSchemaPath, 'utf8'));
  // The schema carries Java code-generation keywords (existingJavaType); they are not validation rules.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(schema, 'protocol');
  validateMessage = ajv.getSchema('protocol#/definitions/AirbyteMessage')!;
  validateCatalog = ajv.getSchema('protocol#/definitions/ConfiguredAirbyteCatalog')!;
  tmp = await makeTempDir('protocol-schema-');
});
after(async () => removeTempDir(tmp));

function assertValid(m: unknown, what: string): void {
  const ok = validateMessage(m);
  assert.ok(ok, `${what} is not a valid AirbyteMessage: ${JSON.stringify(validateMessage.errors)}\n${JSON.stringify(m).slice(0, 500)}`);
}

async function run(
  script: string,
  args: string[],
  stdin?: string,
  env: Record<string, string> = {},
): Promise<{ messages: AirbyteMessage[]; logs: string[]; code: number | null }> {
  const child = spawn(process.execPath, [path.join(testConnectorsDir, script), ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(stdin ?? '');
  child.stderr.resume();
  const messages: AirbyteMessage[] = [];
  const logs: string[] = [];
  for await (const item of decodeItems(child.stdout)) {
    if (isDecodedMessage(item)) messages.push(item.message);
    else logs.push(item.log);
  }
  const code = await new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('close', resolve),
  );
  return { messages, logs, code };
}

const catalog = {
  streams: ['users', 'orders', 'events'].map((name) => ({
    stream: { name, json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'] },
    sync_mode: 'incremental',
    destination_sync_mode: name === 'events' ? 'append' : 'append_dedup',
    primary_key: name === 'events' ? undefined : [['id']],
    cursor_field: [name === 'events' ? 'seq' : 'updated_at'],
    generation_id: 1,
    minimum_generation_id: 0,
    sync_id: 7,
  })),
};

describe('messages written by this project validate against airbyte_protocol.json', () => {
  it('builders in messages.ts', () => {
    assertValid(message.record('users', { id: 1 }, Date.now(), 'public'), 'record');
    assertValid(
      message.state({ type: 'STREAM', stream: { stream_descriptor: { name: 'users' }, stream_state: { cursor: 1 } } }),
      'stream state',
    );
    assertValid(
      message.state({
        type: 'GLOBAL',
        global: { shared_state: { lsn: 1 }, stream_states: [{ stream_descriptor: { name: 'users' }, stream_state: { c: 1 } }] },
      }),
      'global state',
    );
    assertValid(message.streamStatus({ name: 'users' }, 'COMPLETE'), 'stream status');
    assertValid(message.log('INFO', 'hello'), 'log');
    assertValid(message.errorTrace('boom', 'config_error'), 'error trace');
    // The validator is not vacuous: broken messages are rejected.
    assert.equal(validateMessage({ type: 'RECORD', record: { data: {}, emitted_at: 1 } }), false);
    assert.equal(
      validateMessage({ type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: 1, stream_status: { status: 'DONE' } } }),
      false,
    );
  });

  it('encoder output, line by line', async () => {
    const chunks: Buffer[] = [];
    const input = [
      message.record('users', { id: 1 }, 1),
      message.streamStatus({ name: 'users' }, 'STARTED'),
      message.state({ type: 'STREAM', stream: { stream_descriptor: { name: 'users' } } }),
    ];
    for await (const c of encodeMessages(input)) chunks.push(c);
    const lines = Buffer.concat(chunks).toString().trimEnd().split('\n');
    assert.equal(lines.length, 3);
    for (const l of lines) assertValid(JSON.parse(l), 'encoded line');
  });

  it('the test source: spec, check (both outcomes), discover, read in STREAM and GLOBAL modes, CONTROL', async () => {
    const cfg = path.join(tmp, 'source.json');
    const cat = path.join(tmp, 'catalog.json');
    assert.ok(validateCatalog(catalog), JSON.stringify(validateCatalog.errors));
    await writeFile(cat, JSON.stringify(catalog));
    const seen = new Set<string>();
    const check = async (args: string[], config?: object) => {
      if (config) await writeFile(cfg, JSON.stringify(config));
      const r = await run('source.mjs', config ? [...args, '--config', cfg] : args);
      assert.equal(r.code, 0);
      for (const m of r.messages) {
        assertValid(m, `source ${args[0]} ${m.type}`);
        seen.add(m.type === 'TRACE' ? `TRACE:${m.trace.type}` : m.type === 'STATE' ? `STATE:${m.state.type}` : m.type);
      }
      return r;
    };
    await check(['spec']);
    await check(['check'], { record_count: 1, api_key: 'invalid' });
    await check(['check'], { record_count: 1 });
    await check(['discover'], { record_count: 1 });
    const read = await check(['read', '--catalog', cat], { record_count: 25, state_every: 10, emit_control: true, api_key: 'k' });
    assert.equal(read.messages.filter((m) => m.type === 'RECORD').length, 75);
    await check(['read', '--catalog', cat], { record_count: 5, state_mode: 'GLOBAL' });
    for (const t of [
      'SPEC',
      'CONNECTION_STATUS',
      'CATALOG',
      'RECORD',
      'STATE:STREAM',
      'STATE:GLOBAL',
      'TRACE:STREAM_STATUS',
      'CONTROL',
      'LOG',
    ])
      assert.ok(seen.has(t), `no ${t} seen`);
  });

  it('the test source and destination in their failure modes (TRACE ERROR, garbage)', async () => {
    const cfg = path.join(tmp, 'fault.json');
    const cat = path.join(tmp, 'catalog.json');
    await writeFile(cat, JSON.stringify(catalog));
    await writeFile(cfg, JSON.stringify({ record_count: 5, fault: 'trace_error', fault_after: 2 }));
    const failed = await run('source.mjs', ['read', '--config', cfg, '--catalog', cat]);
    assert.equal(failed.code, 1);
    const trace = failed.messages.find((m) => m.type === 'TRACE' && m.trace.type === 'ERROR');
    assert.ok(trace);
    for (const m of failed.messages) assertValid(m, `faulty source ${m.type}`);
    await writeFile(cfg, JSON.stringify({ record_count: 5, fault: 'garbage', fault_after: 2 }));
    const garbage = await run('source.mjs', ['read', '--config', cfg, '--catalog', cat]);
    assert.equal(garbage.code, 0);
    assert.ok(garbage.logs.length >= 3, 'garbage lines arrive as logs');
    for (const m of garbage.messages) assertValid(m, `garbage source ${m.type}`);
  });

  it('the test destination: spec, check, and the STATE echoes of a write', async () => {
    const local = path.join(tmp, 'local');
    const srcCfg = path.join(tmp, 'src.json');
    const dstCfg = path.join(tmp, 'dst.json');
    const cat = path.join(tmp, 'catalog.json');
    await writeFile(cat, JSON.stringify(catalog));
    await writeFile(srcCfg, JSON.stringify({ record_count: 30, state_every: 7 }));
    await writeFile(dstCfg, JSON.stringify({ api_key: 'x' }));
    const source = await run('source.mjs', ['read', '--config', srcCfg, '--catalog', cat]);
    const input = source.messages.map((m) => JSON.stringify(m)).join('\n') + '\n';
    for (const args of [['spec'], ['check', '--config', dstCfg]]) {
      const r = await run('destination.mjs', args, undefined, { AIRBYTE_LOCAL_DIR: local });
      assert.equal(r.code, 0);
      for (const m of r.messages) assertValid(m, `destination ${args[0]} ${m.type}`);
    }
    const w = await run('destination.mjs', ['write', '--config', dstCfg, '--catalog', cat], input, { AIRBYTE_LOCAL_DIR: local });
    assert.equal(w.code, 0);
    const states = w.messages.filter((m) => m.type === 'STATE');
    assert.equal(states.length, source.messages.filter((m) => m.type === 'STATE').length);
    for (const m of w.messages) assertValid(m, `destination write ${m.type}`);
    assert.equal(
      states.reduce((n, s) => n + (s.type === 'STATE' ? (s.state.destinationStats?.recordCount ?? 0) : 0), 0),
      90,
    );
  });
});
