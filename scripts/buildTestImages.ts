/**
 * Builds the test connector images locally, with no registry: `FROM scratch` + the node binary and
 * the shared libraries `ldd` lists + the connector files from test/connectors. Built through
 * dockerode's buildImage with a tar context. An image is rebuilt only when its inputs changed
 * (their hash is stored as an image label).
 *
 *   node --import tsx scripts/buildTestImages.ts      (needs DOCKER_HOST or a default engine)
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { pack } from 'tar-stream';
import { connectDocker } from '../src/core/docker/dockerClient';
import { inspectImage } from '../src/core/docker/inspectImage';

export const TEST_SOURCE_IMAGE = 'airbyte-write-test/source-test:dev';
export const TEST_DESTINATION_IMAGE = 'airbyte-write-test/destination-test:dev';
export const TEST_DESTINATION_UID1000_IMAGE = 'airbyte-write-test/destination-test-uid1000:dev';
const BASE_IMAGE = 'airbyte-write-test/node-base:dev';
const HASH_LABEL = 'io.airbyte-write.test-inputs';
const NODE_IN_IMAGE = '/usr/local/bin/node';

const root = path.resolve(__dirname, '..');
const connectorsDir = path.join(root, 'test', 'connectors');

interface ContextFile {
  name: string;
  data: Buffer;
  mode: number;
}

function nodeRootFs(): ContextFile[] {
  const nodeBin = realpathSync(process.execPath);
  const files: ContextFile[] = [{ name: `rootfs${NODE_IN_IMAGE}`, data: readFileSync(nodeBin), mode: 0o755 }];
  const ldd = execFileSync('ldd', [nodeBin], { encoding: 'utf8' });
  for (const line of ldd.split('\n')) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)" or "/lib64/ld-linux-x86-64.so.2 (0x…)"
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (!m) continue;
    files.push({ name: `rootfs${m[1]}`, data: readFileSync(realpathSync(m[1])), mode: 0o755 });
  }
  return files;
}

function connectorFiles(): ContextFile[] {
  return readdirSync(connectorsDir)
    .filter((f) => f.endsWith('.mjs'))
    .sort()
    .map((f) => ({ name: `app/${f}`, data: readFileSync(path.join(connectorsDir, f)), mode: 0o644 }));
}

function hashOf(files: ContextFile[], extra: string): string {
  const h = createHash('sha256');
  h.update(extra);
  for (const f of files) {
    h.update(f.name);
    h.update(f.data);
  }
  return h.digest('hex').slice(0, 16);
}

async function build(docker: Docker, tag: string, dockerfile: string, files: ContextFile[], dirs: string[] = []): Promise<void> {
  const tar = pack();
  tar.entry({ name: 'Dockerfile', mode: 0o644 }, dockerfile);
  for (const d of dirs) tar.entry({ name: d, type: 'directory', mode: 0o1777 });
  for (const f of files) tar.entry({ name: f.name, mode: f.mode, size: f.data.length }, f.data);
  tar.finalize();
  const stream = await docker.buildImage(tar as unknown as NodeJS.ReadableStream, { t: tag, rm: true, forcerm: true });
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null, events: Array<{ error?: string }>) => {
      const failed = events?.find((e) => e.error);
      if (error || failed) reject(new Error(`building ${tag} failed: ${failed?.error ?? error?.message}`));
      else resolve();
    });
  });
}

interface ImageSpec {
  tag: string;
  entry: string;
  user?: string;
}

const APP_IMAGES: ImageSpec[] = [
  { tag: TEST_SOURCE_IMAGE, entry: 'source.mjs' },
  { tag: TEST_DESTINATION_IMAGE, entry: 'destination.mjs' },
  { tag: TEST_DESTINATION_UID1000_IMAGE, entry: 'destination.mjs', user: '1000' },
];

/** Builds whatever test image is missing or stale; returns what it did, one line per image. */
export async function ensureTestImages(docker: Docker, log: (line: string) => void = () => undefined): Promise<string[]> {
  const report: string[] = [];
  const say = (line: string) => {
    report.push(line);
    log(line);
  };
  const base = nodeRootFs();
  const baseHash = hashOf(base, 'base-v1');
  const baseFacts = await inspectImage(docker, BASE_IMAGE);
  if (baseFacts?.labels[HASH_LABEL] === baseHash) {
    say(`${BASE_IMAGE}: up to date`);
  } else {
    const t0 = Date.now();
    await build(docker, BASE_IMAGE, `FROM scratch\nCOPY rootfs/ /\nLABEL ${HASH_LABEL}=${baseHash}\n`, base, ['rootfs/tmp/']);
    say(`${BASE_IMAGE}: built in ${((Date.now() - t0) / 1000).toFixed(1)} s (node ${process.version} + ${base.length - 1} libraries)`);
  }
  const app = connectorFiles();
  for (const spec of APP_IMAGES) {
    const hash = hashOf(app, `${baseHash}:${spec.entry}:${spec.user ?? ''}:app-v1`);
    const facts = await inspectImage(docker, spec.tag);
    if (facts?.labels[HASH_LABEL] === hash) {
      say(`${spec.tag}: up to date`);
      continue;
    }
    const t0 = Date.now();
    const entry = `/app/${spec.entry}`;
    const dockerfile = [
      `FROM ${BASE_IMAGE}`,
      'COPY app/ /app/',
      `ENV AIRBYTE_ENTRYPOINT="${NODE_IN_IMAGE} ${entry}"`,
      `ENTRYPOINT ["${NODE_IN_IMAGE}", "${entry}"]`,
      `LABEL ${HASH_LABEL}=${hash}`,
      ...(spec.user ? [`USER ${spec.user}`] : []),
      '',
    ].join('\n');
    await build(docker, spec.tag, dockerfile, app);
    say(`${spec.tag}: built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  return report;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const docker = await connectDocker();
  await ensureTestImages(docker, (line) => console.log(`test images: ${line}`));
  console.log(`test images: ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`test images: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
