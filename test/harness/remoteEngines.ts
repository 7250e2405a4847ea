// Engines reached the ways users reach a remote one, all on this machine: a second Docker engine
// listening on tcp://127.0.0.1:<port> with TLS and client-certificate verification, and an sshd on
// 127.0.0.1 through which ssh:// reaches an engine (docker-modem runs `docker system dial-stdio`
// over the ssh session, as the docker CLI does). Root is needed, as for the private engine.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type Docker from 'dockerode';
import { connectDocker } from '../../src/core/docker/dockerClient';
import type { EngineCertificates } from './tlsCertificates';
import { makeEngineCertificates } from './tlsCertificates';

/** A free port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitFor<T>(what: string, attempt: () => Promise<T>, log: () => Promise<string>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await attempt();
    } catch (error) {
      last = error;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  throw new Error(`${what} did not answer within ${timeoutMs / 1000} s (${String(last)}); its log:\n${await log()}`);
}

function stopPid(pidFile: string): void {
  if (!existsSync(pidFile)) return;
  const pid = Number(execFileSync('cat', [pidFile]).toString().trim());
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
  for (let i = 0; i < 50; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    execFileSync('sleep', ['0.2']);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export interface TlsEngine {
  /** `tcp://127.0.0.1:<port>`. */
  host: string;
  certs: EngineCertificates;
  /** `unix://…` of the same daemon, when asked for. */
  unixHost?: string;
  /** DOCKER_HOST, DOCKER_TLS_VERIFY and DOCKER_CERT_PATH for a trusted client. */
  env: NodeJS.ProcessEnv;
  docker: Docker;
  stop(): Promise<void>;
}

/**
 * Starts a second dockerd listening on TLS with client certificates (vfs, no bridge, as the private
 * engine); with `alsoUnixSocket`, the same daemon also listens on a unix socket (`unixHost`), so that
 * the two transports can be compared on one engine.
 */
export async function startTlsEngine(options: { alsoUnixSocket?: boolean } = {}): Promise<TlsEngine> {
  // Short: containerd's socket path lives under it and unix socket paths are limited to 108 bytes.
  const dir = await fs.mkdtemp('/tmp/aw-tls-');
  const certs = await makeEngineCertificates(path.join(dir, 'certs'));
  const port = await freePort();
  const host = `tcp://127.0.0.1:${port}`;
  const unixHost = options.alsoUnixSocket ? `unix://${dir}/docker.sock` : undefined;
  const pidFile = path.join(dir, 'pid');
  const logFile = path.join(dir, 'dockerd.log');
  const log = await fs.open(logFile, 'w');
  const daemon = spawn(
    'dockerd',
    [
      '--storage-driver=vfs',
      '--iptables=false',
      '--ip-masq=false',
      '--bridge=none',
      `--data-root=${dir}/root`,
      `--exec-root=${dir}/exec`,
      `--pidfile=${pidFile}`,
      '--tlsverify',
      `--tlscacert=${certs.server.ca}`,
      `--tlscert=${certs.server.cert}`,
      `--tlskey=${certs.server.key}`,
      '-H',
      host,
      ...(unixHost ? ['-H', unixHost] : []),
    ],
    { stdio: ['ignore', log.fd, log.fd], detached: true },
  );
  daemon.unref();
  await log.close();
  const env = { DOCKER_HOST: host, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certs.client.dir };
  const docker = await waitFor(
    `dockerd on ${host}`,
    () => connectDocker({ dockerHost: host, env }),
    () => fs.readFile(logFile, 'utf8').catch(() => ''),
  );
  return {
    host,
    unixHost,
    certs,
    env,
    docker,
    async stop() {
      stopPid(pidFile);
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

export interface SshEngine {
  /** `ssh://root@127.0.0.1:<port>`. */
  host: string;
  /** A HOME whose ~/.ssh/id_ed25519 sshd accepts. */
  home: string;
  /** A HOME whose key sshd does not know. */
  strangerHome: string;
  /** A HOME whose key sshd accepts, but whose known_hosts does not list the server. */
  newcomerHome: string;
  /** sshd's log. */
  logFile: string;
  stop(): Promise<void>;
}

/** Starts sshd on 127.0.0.1 whose sessions reach the engine at `engineSocket` (unix://…). */
export async function startSshEngine(engineSocket: string): Promise<SshEngine> {
  const sshd = '/usr/sbin/sshd';
  if (!existsSync(sshd)) throw new Error(`${sshd} is missing: run scripts/provision.sh (apt-get install openssh-server)`);
  const dir = await fs.mkdtemp('/tmp/aw-ssh-');
  const home = path.join(dir, 'home');
  const strangerHome = path.join(dir, 'stranger');
  const newcomerHome = path.join(dir, 'newcomer');
  for (const h of [home, strangerHome, newcomerHome]) {
    await fs.mkdir(path.join(h, '.ssh'), { recursive: true, mode: 0o700 });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(h, '.ssh', 'id_ed25519')]);
  }
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'host_key')]);
  const authorized = await Promise.all([home, newcomerHome].map((h) => fs.readFile(path.join(h, '.ssh', 'id_ed25519.pub'), 'utf8')));
  await fs.writeFile(path.join(dir, 'authorized_keys'), authorized.join(''));
  const port = await freePort();
  // As `ssh-keyscan -p PORT 127.0.0.1 >> ~/.ssh/known_hosts` would list it.
  const [type, key] = (await fs.readFile(path.join(dir, 'host_key.pub'), 'utf8')).trim().split(/\s+/);
  for (const h of [home, strangerHome]) await fs.writeFile(path.join(h, '.ssh', 'known_hosts'), `[127.0.0.1]:${port} ${type} ${key}\n`);
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${dir}/host_key`,
    `PidFile ${dir}/sshd.pid`,
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    // What the remote shell's `docker` talks to: the engine behind this ssh server.
    `SetEnv DOCKER_HOST=${engineSocket}`,
  ].join('\n');
  await fs.writeFile(path.join(dir, 'sshd_config'), `${config}\n`);
  await fs.mkdir('/run/sshd', { recursive: true });
  const logFile = path.join(dir, 'sshd.log');
  const log = await fs.open(logFile, 'w');
  const daemon = spawn(sshd, ['-D', '-e', '-f', path.join(dir, 'sshd_config')], { stdio: ['ignore', log.fd, log.fd], detached: true });
  daemon.unref();
  await log.close();
  const host = `ssh://root@127.0.0.1:${port}`;
  await waitFor(
    `sshd on 127.0.0.1:${port}`,
    () =>
      new Promise<void>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.end();
          resolve();
        });
        socket.on('error', reject);
      }),
    () => fs.readFile(logFile, 'utf8').catch(() => ''),
  );
  return {
    host,
    home,
    strangerHome,
    newcomerHome,
    logFile,
    async stop() {
      stopPid(path.join(dir, 'sshd.pid'));
      daemon.kill('SIGTERM');
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}

export interface PodmanEngine {
  /** `unix://…/podman.sock`. */
  host: string;
  docker: Docker;
  stop(): Promise<void>;
}

/**
 * Starts Podman's Docker-compatible service (`podman system service`) on a private socket, with its
 * own vfs storage and no network, as the private Docker engine runs. Limits are set below this
 * machine's hard limits: Podman's defaults (nofile 1048576) cannot be set in a container.
 */
export async function startPodmanEngine(): Promise<PodmanEngine> {
  if (!existsSync('/usr/bin/podman')) throw new Error('podman is missing: run scripts/provision.sh (apt-get install podman)');
  const dir = await fs.mkdtemp('/tmp/aw-podman-');
  await fs.writeFile(
    path.join(dir, 'containers.conf'),
    [
      '[containers]',
      'default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]',
      'netns = "none"',
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      'runtime = "runc"',
      '',
    ].join('\n'),
  );
  await fs.writeFile(path.join(dir, 'storage.conf'), `[storage]\ndriver = "vfs"\nrunroot = "${dir}/run"\ngraphroot = "${dir}/root"\n`);
  const host = `unix://${dir}/podman.sock`;
  const logFile = path.join(dir, 'podman.log');
  const log = await fs.open(logFile, 'w');
  const service = spawn('podman', ['system', 'service', '--time=0', host], {
    stdio: ['ignore', log.fd, log.fd],
    detached: true,
    env: { ...process.env, CONTAINERS_CONF: path.join(dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: path.join(dir, 'storage.conf') },
  });
  service.unref();
  await log.close();
  const docker = await waitFor(
    `podman on ${host}`,
    () => connectDocker({ dockerHost: host }),
    () => fs.readFile(logFile, 'utf8').catch(() => ''),
  );
  return {
    host,
    docker,
    async stop() {
      try {
        process.kill(-service.pid!, 'SIGTERM');
      } catch {
        // Already gone.
      }
      await new Promise((r) => setTimeout(r, 500));
      await fs.rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
