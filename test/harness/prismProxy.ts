// Prism (@stoplight/prism-cli) in validating proxy mode in front of an upstream (the fake platform):
// every request is checked against the official Airbyte API description before it is forwarded, and
// every response before it is returned. With --errors a violation becomes an error answer (422 for a
// request, 500 for a response), and `violations()` lists what Prism logged, so a test can fail on it.
// The description is test/fixtures/airbyte-api/api.yaml made loadable (platformApiSpec.ts: only the
// operations with a dangling $ref are left out).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './codeServer';
import { repoRoot } from './paths';
import { loadablePlatformApi } from './platformApiSpec';

export interface PrismProxy {
  url: string;
  /** Everything Prism printed. */
  output(): string;
  /** The request/response violations Prism reported. */
  violations(): string[];
  close(): Promise<void>;
}

/** Starts Prism proxying to `upstream`; resolves once it listens (Prism takes a few seconds to load the description). */
export async function startPrismProxy(upstream: string): Promise<PrismProxy> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prism-'));
  const spec = path.join(dir, 'api.json');
  writeFileSync(spec, JSON.stringify(loadablePlatformApi().spec));
  const port = await freePort();
  const bin = path.join(repoRoot, 'node_modules', '.bin', 'prism');
  const child = spawn(bin, ['proxy', spec, upstream, '--errors', '-h', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
  });
  let text = '';
  const listening = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      text += d.toString('utf8');
      if (/Prism is listening on/.test(text)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`prism exited (${code}) before listening:\n${text}`)));
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  try {
    await listening;
  } finally {
    clearTimeout(timer);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => text,
    violations: () => text.split('\n').filter((l) => /violation/i.test(l) && !/^\s*$/.test(l)),
    close: async () => {
      // Once (a killed child has a signalCode and no exitCode).
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
