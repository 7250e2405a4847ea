// Which engine a run talks to, in the docker CLI's order, with contexts made by the real docker CLI.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dockerUnreachable } from '../../../src/core/docker/dockerClient';
import { resolveEngine } from '../../../src/core/docker/engineEndpoint';
import { parseConfigFileText } from '../../../src/core/config/configFile';
import { isAirbyteError } from '../../../src/core/errors';
import { validateConfigText } from '../../../src/core/language/configValidation';
import { makeEngineCertificates } from '../../harness/tlsCertificates';

describe('the engine a run talks to', () => {
  let home: string;
  let configDir: string;
  let certs: Awaited<ReturnType<typeof makeEngineCertificates>>;

  const dockerCli = (...args: string[]) =>
    execFileSync('docker', args, { env: { ...process.env, DOCKER_CONFIG: configDir, DOCKER_HOST: '' } });

  before(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'engine-endpoint-'));
    configDir = path.join(home, '.docker');
    await fs.mkdir(configDir);
    certs = await makeEngineCertificates(path.join(home, 'certs'));
    const tls = certs.client.dir;
    dockerCli(
      'context',
      'create',
      'big-box',
      '--docker',
      `host=tcp://10.9.8.7:2376,ca=${tls}/ca.pem,cert=${tls}/cert.pem,key=${tls}/key.pem`,
    );
    dockerCli('context', 'create', 'over-ssh', '--docker', 'host=ssh://builder@10.9.8.7:2222');
  });
  after(() => fs.rm(home, { recursive: true, force: true }));

  it('an explicit address wins over DOCKER_HOST and the context, and names its origin', () => {
    const e = resolveEngine({
      dockerHost: 'tcp://1.2.3.4:2375',
      dockerHostOrigin: 'the airbyte.dockerHost setting',
      env: { DOCKER_HOST: 'unix:///x.sock', DOCKER_CONTEXT: 'big-box', DOCKER_CONFIG: configDir },
      homeDir: home,
    });
    assert.deepEqual(
      { host: e.host, origin: e.origin, tls: e.tls },
      { host: 'tcp://1.2.3.4:2375', origin: 'the airbyte.dockerHost setting', tls: undefined },
    );
  });

  it('DOCKER_HOST with DOCKER_TLS_VERIFY and DOCKER_CERT_PATH wins over the context', () => {
    const e = resolveEngine({
      env: {
        DOCKER_HOST: 'tcp://127.0.0.1:23760',
        DOCKER_TLS_VERIFY: '1',
        DOCKER_CERT_PATH: certs.client.dir,
        DOCKER_CONTEXT: 'big-box',
        DOCKER_CONFIG: configDir,
      },
      homeDir: home,
    });
    assert.equal(e.host, 'tcp://127.0.0.1:23760');
    assert.equal(e.origin, 'DOCKER_HOST');
    assert.equal(e.tls?.verify, true);
    assert.equal(e.tls?.certDir, certs.client.dir);
    assert.ok(e.tls?.cert?.toString().includes('BEGIN CERTIFICATE'));
  });

  it('DOCKER_TLS_VERIFY with a missing certificate is a clear error naming the file', () => {
    assert.throws(
      () => resolveEngine({ env: { DOCKER_HOST: 'tcp://127.0.0.1:1', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: home }, homeDir: home }),
      (e: unknown) =>
        isAirbyteError(e) &&
        e.code === 'DOCKER_UNREACHABLE' &&
        e.message.includes(path.join(home, 'ca.pem')) &&
        /DOCKER_CERT_PATH/.test(e.guidance ?? ''),
    );
  });

  it('DOCKER_CONTEXT picks a context made by "docker context create", with its TLS files', () => {
    const e = resolveEngine({ env: { DOCKER_CONTEXT: 'big-box', DOCKER_CONFIG: configDir }, homeDir: home });
    assert.equal(e.host, 'tcp://10.9.8.7:2376');
    assert.match(e.origin, /docker context "big-box" \(DOCKER_CONTEXT\)/);
    assert.equal(e.tls?.verify, true);
    assert.equal(e.tls?.key?.toString(), execFileSync('cat', [path.join(certs.client.dir, 'key.pem')]).toString());
  });

  it('"docker context use" (currentContext in config.json) is followed, ssh contexts included', () => {
    dockerCli('context', 'use', 'over-ssh');
    const e = resolveEngine({ env: { DOCKER_CONFIG: configDir }, homeDir: home });
    assert.equal(e.host, 'ssh://builder@10.9.8.7:2222');
    assert.match(e.origin, /currentContext in .*config\.json/);
    dockerCli('context', 'use', 'default');
    assert.match(resolveEngine({ env: { DOCKER_CONFIG: configDir }, homeDir: home }).origin, /the default socket/);
  });

  it('a context that does not exist is a clear error saying how to list them', () => {
    assert.throws(
      () => resolveEngine({ env: { DOCKER_CONTEXT: 'nope', DOCKER_CONFIG: configDir }, homeDir: home }),
      (e: unknown) => isAirbyteError(e) && /docker context "nope"/.test(e.message) && /docker context ls/.test(e.guidance ?? ''),
    );
  });

  it('the default: the unix socket, and ~/.docker/run/docker.sock when Docker Desktop made one', async () => {
    assert.deepEqual(resolveEngine({ env: {}, homeDir: home }), { host: 'unix:///var/run/docker.sock', origin: 'the default socket' });
    await fs.mkdir(path.join(home, '.docker', 'run'), { recursive: true });
    await fs.writeFile(path.join(home, '.docker', 'run', 'docker.sock'), '');
    assert.equal(resolveEngine({ env: {}, homeDir: home }).host, `unix://${home}/.docker/run/docker.sock`);
    await fs.rm(path.join(home, '.docker', 'run'), { recursive: true });
  });

  it('ssh engines use the first default key', async () => {
    await fs.mkdir(path.join(home, '.ssh'), { recursive: true });
    await fs.writeFile(path.join(home, '.ssh', 'id_rsa'), 'key');
    const e = resolveEngine({ dockerHost: 'ssh://me@box', env: {}, homeDir: home });
    assert.equal(e.sshKeyFile, path.join(home, '.ssh', 'id_rsa'));
  });

  it('errors name the engine, where its address came from and what to do', () => {
    const refused = dockerUnreachable(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), {
      host: 'tcp://10.9.8.7:2376',
      origin: 'docker context "big-box" (DOCKER_CONTEXT)',
    });
    assert.match(refused.message, /nothing answered at tcp:\/\/10\.9\.8\.7:2376 \(from docker context "big-box" \(DOCKER_CONTEXT\)\)/);
    assert.match(refused.guidance ?? '', /airbyte\.dockerHost setting.*docker context use/);
    const tls = dockerUnreachable(
      Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }),
      {
        host: 'tcp://h:2376',
        origin: 'DOCKER_HOST',
        tls: { verify: true, certDir: '/certs' },
      },
    );
    assert.match(tls.message, /TLS handshake with tcp:\/\/h:2376 \(from DOCKER_HOST\) failed/);
    assert.match(tls.guidance ?? '', /\/certs/);
  });

  it('a config file\'s "dockerHost": the loader and the editor accept and refuse the same addresses', () => {
    const file = (dockerHost: string) => JSON.stringify({ connector: 'builtin:dev-null', dockerHost, config: {} });
    for (const good of ['ssh://me@big-box', 'tcp://10.0.0.5:2376', 'unix:///var/run/docker.sock']) {
      assert.equal(parseConfigFileText(file(good), '/w/d.airbyte.jsonc').dockerHost, good);
      assert.deepEqual(
        validateConfigText(file(good)).filter((d) => d.severity === 'error'),
        [],
        good,
      );
    }
    for (const bad of ['big-box:2376', 'docker.sock']) {
      assert.throws(() => parseConfigFileText(file(bad), '/w/d.airbyte.jsonc'), /"dockerHost" .* is not valid: an engine address is/);
      const errors = validateConfigText(file(bad)).filter((d) => d.severity === 'error');
      assert.equal(errors.length, 1, bad);
      assert.match(errors[0].message, /“dockerHost” is not valid/);
    }
  });
});
