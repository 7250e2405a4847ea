// Remote engines for real, through the CLI as users run it: a second Docker engine on
// tcp://127.0.0.1:<port> that only speaks TLS with client certificates, an sshd through which
// ssh:// reaches an engine, and a docker context made with `docker context create`. Through each:
// spec, check, a streamed write and a write through the cache; the destination's output lands in
// `localDir` on this machine (copied back: the engine cannot see this disk); abort removes the
// remote container; wrong certificates, refused ssh keys and unreachable ports fail clearly and
// quickly.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TEST_DESTINATION_IMAGE, TEST_SOURCE_IMAGE, ensureTestImages } from '../../../scripts/buildTestImages';
import { managedFilter } from '../../../src/core/docker/labels';
import type { CliOutcome } from '../../harness/cliProcess';
import { ensureCli, jsonOf, runCli, startCli } from '../../harness/cliProcess';
import type { PodmanEngine, SshEngine, TlsEngine } from '../../harness/remoteEngines';
import { freePort, startPodmanEngine, startSshEngine, startTlsEngine } from '../../harness/remoteEngines';
import { makeTempDir, removeTempDir } from '../../harness/tempDir';
import { testDocker } from '../runtime/dockerHelpers';

// Only on the TLS engine: a run that finds them went there.
const TLS_ONLY_IMAGE = 'airbyte-write-test/source-only-on-tls:dev';
const TLS_ONLY_DESTINATION = 'airbyte-write-test/destination-only-on-tls:dev';
// The engine this test process was given (the private engine), with no TLS variables.
const LOCAL_ENGINE = process.env.DOCKER_HOST ?? '';

let tls: TlsEngine;
let ssh: SshEngine;
let podman: PodmanEngine;
let tmp: string;

before(async () => {
  if (!LOCAL_ENGINE.startsWith('unix://')) throw new Error('the remote-engine tests need DOCKER_HOST=unix://… (the private engine)');
  await testDocker();
  ensureCli();
  tmp = await makeTempDir('remote-engines-');
  tls = await startTlsEngine();
  await ensureTestImages(tls.docker);
  await tls.docker.getImage(TEST_SOURCE_IMAGE).tag({ repo: 'airbyte-write-test/source-only-on-tls', tag: 'dev' });
  await tls.docker.getImage(TEST_DESTINATION_IMAGE).tag({ repo: 'airbyte-write-test/destination-only-on-tls', tag: 'dev' });
  ssh = await startSshEngine(LOCAL_ENGINE);
  podman = await startPodmanEngine();
  await ensureTestImages(podman.docker);
});
after(async () => {
  await tls?.stop();
  await ssh?.stop();
  await podman?.stop();
  if (tmp) await removeTempDir(tmp);
});

/** The CLI with only the given engine variables (none inherited), its registry cache in the temp folder. */
function cli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliOutcome> {
  return runCli(args, {
    cwd: tmp,
    timeoutMs,
    env: {
      DOCKER_HOST: '',
      DOCKER_TLS_VERIFY: '',
      DOCKER_CERT_PATH: '',
      DOCKER_CONTEXT: '',
      XDG_CACHE_HOME: path.join(tmp, 'cache'),
      ...env,
    },
  });
}

async function pairOfConfigs(
  name: string,
): Promise<{ source: string; destination: string; cachedDestination: string; localDir: string; cachedLocalDir: string }> {
  const dir = path.join(tmp, name);
  const localDir = path.join(dir, 'out');
  await fs.mkdir(dir, { recursive: true });
  const source = path.join(dir, 'source.airbyte.jsonc');
  const destination = path.join(dir, 'destination.airbyte.jsonc');
  await fs.writeFile(
    source,
    JSON.stringify({ connector: 'source-test', image: TEST_SOURCE_IMAGE, config: { record_count: 120, state_every: 50 } }),
  );
  await fs.writeFile(
    destination,
    JSON.stringify({ connector: 'destination-test', image: TEST_DESTINATION_IMAGE, localDir: 'out', config: {} }),
  );
  // Another destination (its own identity, so its own state): the source is read again for it, through the cache.
  const cachedDestination = path.join(dir, 'cached.airbyte.jsonc');
  await fs.writeFile(
    cachedDestination,
    JSON.stringify({ connector: 'destination-test', image: TEST_DESTINATION_IMAGE, localDir: 'out-cached', config: {} }),
  );
  return { source, destination, cachedDestination, localDir, cachedLocalDir: path.join(dir, 'out-cached') };
}

async function rows(localDir: string, stream: string): Promise<number> {
  const text = await fs.readFile(path.join(localDir, `${stream}.jsonl`), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).length;
}

/** spec, check, a streamed write, then a write through the cache; output lands in localDir here. */
async function fullRound(name: string, engine: string, env: NodeJS.ProcessEnv, extra: string[] = []): Promise<void> {
  const spec = await cli(['spec', '--image', TEST_SOURCE_IMAGE, '--json', ...extra], env);
  assert.equal(spec.code, 0, spec.stderr);
  assert.equal((jsonOf(spec).connectionSpecification as { title?: string }).title, 'Test Source Spec');
  const { source, destination, cachedDestination, localDir, cachedLocalDir } = await pairOfConfigs(name);
  const check = await cli(['check', destination, '--json', ...extra], env);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  const streamed = await cli(
    ['write', '--source', source, '--destination', destination, '--no-cache', '--strategy', 'append', '--json', ...extra],
    env,
  );
  assert.equal(streamed.code, 0, streamed.stdout + streamed.stderr);
  assert.equal(await rows(localDir, 'users'), 120, `the streamed write landed in localDir on this machine: ${streamed.stdout}`);
  assert.deepEqual(jsonOf(streamed).runsOn, { source: `docker ${engine}`, destination: `docker ${engine}` }, 'the result names the engine');
  const cached = await cli(
    ['write', '--source', source, '--destination', cachedDestination, '--strategy', 'append', '--json', ...extra],
    env,
  );
  assert.equal(cached.code, 0, cached.stdout + cached.stderr);
  assert.equal(
    await rows(cachedLocalDir, 'users'),
    120,
    `the write through the cache landed in its localDir on this machine: ${cached.stdout}`,
  );
  const left = [...(await fs.readdir(localDir)), ...(await fs.readdir(cachedLocalDir))];
  assert.ok(!left.some((f) => f.includes('partial')), `no partial files: ${left.join(', ')}`);
}

describe('a Docker engine on tcp with TLS and client certificates', () => {
  it('spec, check, a streamed write and a write through the cache; localDir comes back here', async () => {
    await fullRound('tls', tls.host, tls.env);
  });

  it('Ctrl-C during a write removes the remote containers', async () => {
    const { source, destination } = await pairOfConfigs('tls-abort');
    await fs.writeFile(
      source,
      JSON.stringify({ connector: 'source-test', image: TEST_SOURCE_IMAGE, config: { record_count: 100, fault: 'hang', fault_after: 5 } }),
    );
    const { child, outcome } = startCli(['write', '--source', source, '--destination', destination, '--no-cache'], {
      cwd: tmp,
      env: { ...tls.env, XDG_CACHE_HOME: path.join(tmp, 'cache') },
    });
    const deadline = Date.now() + 60_000;
    while ((await tls.docker.listContainers({ filters: managedFilter() })).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 200));
    const running = (await tls.docker.listContainers({ filters: managedFilter() })).length;
    if (running < 2) child.kill('SIGKILL');
    assert.equal(running, 2, `source and destination running remotely (the CLI said: ${running < 2 ? JSON.stringify(await outcome) : ''})`);
    const stopped = Date.now();
    child.kill('SIGINT');
    const out = await outcome;
    assert.notEqual(out.code, 0);
    assert.ok(Date.now() - stopped < 10_000, `ended ${Date.now() - stopped} ms after Ctrl-C`);
    assert.deepEqual(
      await tls.docker.listContainers({ all: true, filters: managedFilter() }),
      [],
      'no container left on the remote engine',
    );
  });

  it('a client certificate the engine does not trust: a clear TLS error within 15 s', async () => {
    const started = Date.now();
    const out = await cli(['spec', '--image', TEST_SOURCE_IMAGE], { ...tls.env, DOCKER_CERT_PATH: tls.certs.wrongClient.dir });
    assert.equal(out.code, 1);
    assert.match(out.stderr, new RegExp(`TLS handshake with ${tls.host.replace(/[.]/g, '\\.')} \\(from DOCKER_HOST\\) failed`));
    assert.match(out.stderr, /cert\.pem/);
    assert.ok(Date.now() - started < 15_000 + 5_000);
  });

  it('no certificates for an engine that speaks TLS: says to set DOCKER_TLS_VERIFY and DOCKER_CERT_PATH', async () => {
    const out = await cli(['spec', '--image', TEST_SOURCE_IMAGE], { DOCKER_HOST: tls.host });
    assert.equal(out.code, 1);
    assert.match(out.stderr, /speaks TLS but no certificates were given/);
    assert.match(out.stderr, /DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH/);
  });

  it('a port where nothing listens: names the engine and the option it came from, within 15 s', async () => {
    const started = Date.now();
    const out = await cli(['spec', '--image', TEST_SOURCE_IMAGE, '--docker-host', `tcp://127.0.0.1:${await freePort()}`], {});
    assert.equal(out.code, 1);
    assert.match(out.stderr, /nothing answered at tcp:\/\/127\.0\.0\.1:\d+ \(from --docker-host\) \(ECONNREFUSED\)/);
    assert.ok(Date.now() - started < 15_000);
  });

  it('a docker context made with "docker context create" and chosen with "docker context use" is picked up', async () => {
    const configDir = path.join(tmp, 'docker-config');
    const certs = tls.certs.client.dir;
    const docker = (...args: string[]) =>
      execFileSync('docker', args, { env: { ...process.env, DOCKER_CONFIG: configDir, DOCKER_HOST: '' } });
    docker('context', 'create', 'tls-box', '--docker', `host=${tls.host},ca=${certs}/ca.pem,cert=${certs}/cert.pem,key=${certs}/key.pem`);
    docker('context', 'use', 'tls-box');
    const out = await cli(['spec', '--image', TLS_ONLY_IMAGE, '--json'], { DOCKER_CONFIG: configDir });
    assert.equal(out.code, 0, out.stderr);
    const onLocal = await cli(['spec', '--image', TLS_ONLY_IMAGE], { DOCKER_HOST: LOCAL_ENGINE });
    assert.match(onLocal.stderr, /not on this machine/, "the image exists only on the context's engine");
  });

  it('a config file\'s "dockerHost" sends that connector to its engine', async () => {
    const { source, destination, localDir } = await pairOfConfigs('per-file');
    const text = JSON.parse(await fs.readFile(destination, 'utf8')) as Record<string, unknown>;
    await fs.writeFile(destination, JSON.stringify({ ...text, image: TLS_ONLY_DESTINATION, dockerHost: tls.host }));
    // The source runs on the local engine; the destination on the TLS one (the variables give only its certificates).
    const out = await cli(['write', '--source', source, '--destination', destination, '--no-cache', '--json'], {
      DOCKER_HOST: LOCAL_ENGINE,
      DOCKER_TLS_VERIFY: '1',
      DOCKER_CERT_PATH: tls.certs.client.dir,
    });
    assert.equal(out.code, 0, out.stdout + out.stderr);
    assert.equal(await rows(localDir, 'users'), 120);
  });
});

describe('a Docker engine reached over ssh', () => {
  it('spec, check, a streamed write and a write through the cache; localDir comes back here', async () => {
    await fullRound('ssh', ssh.host, { HOME: ssh.home, SSH_AUTH_SOCK: '' }, ['--docker-host', ssh.host]);
  });

  it('a host not in known_hosts is not trusted: a clear error saying how to add its key, within 15 s', async () => {
    const started = Date.now();
    const out = await cli(['spec', '--image', TEST_SOURCE_IMAGE, '--docker-host', ssh.host], { HOME: ssh.newcomerHome, SSH_AUTH_SOCK: '' });
    assert.equal(out.code, 1);
    assert.match(out.stderr, /the ssh host key of ssh:\/\/root@127\.0\.0\.1:\d+ \(from --docker-host\) is not in known_hosts/);
    assert.match(out.stderr, /ssh-keyscan -p \d+ 127\.0\.0\.1 >> ~\/\.ssh\/known_hosts/);
    assert.ok(Date.now() - started < 15_000);
  });

  it('a key sshd refuses: a clear error naming the engine, within 15 s', async () => {
    const started = Date.now();
    const out = await cli(['spec', '--image', TEST_SOURCE_IMAGE, '--docker-host', ssh.host], { HOME: ssh.strangerHome, SSH_AUTH_SOCK: '' });
    assert.equal(out.code, 1);
    assert.match(out.stderr, /ssh refused the login to ssh:\/\/root@127\.0\.0\.1:\d+ \(from --docker-host\)/);
    assert.ok(Date.now() - started < 15_000);
  });
});

describe("Podman's Docker-compatible service as the engine", () => {
  it('spec, check and a read run on it; a write is refused before any record moves, saying why and what to do', async () => {
    const env = { DOCKER_HOST: podman.host };
    const spec = await cli(['spec', '--image', TEST_SOURCE_IMAGE, '--json'], env);
    assert.equal(spec.code, 0, spec.stderr);
    const { source, destination, localDir } = await pairOfConfigs('podman');
    const check = await cli(['check', source, '--json'], env);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const read = await cli(['read', '--source', source, '--json'], env);
    assert.equal(read.code, 0, read.stdout + read.stderr);
    const streams = jsonOf(read).streams as unknown as Array<{ cachedRecords: number }>;
    assert.equal(
      streams.reduce((n, s) => n + s.cachedRecords, 0),
      360,
      'every record read into the cache',
    );
    const write = await cli(['write', '--source', source, '--destination', destination, '--no-cache'], env);
    assert.equal(write.code, 1, write.stdout + write.stderr);
    assert.match(write.stderr, /is Podman, whose Docker-compatible API lost the first record/);
    assert.match(write.stderr, /Run the destination on a Docker engine/);
    assert.equal(await rows(localDir, 'users'), 0, 'nothing written');
  });
});
