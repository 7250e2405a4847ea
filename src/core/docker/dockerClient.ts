/**
 * Connecting to a Docker engine, and saying plainly when there is none. dockerode (through
 * docker-modem) already understands DOCKER_HOST (unix, npipe, tcp with DOCKER_TLS_VERIFY /
 * DOCKER_CERT_PATH, ssh); an explicit host given here is parsed the same way.
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- docker-modem's redirect follower has no typings or ESM entry.
const modemHttp: unknown = require('docker-modem/lib/http');
import { AirbyteError } from '../errors';

export interface DockerClientOptions {
  /** `unix:///path`, `npipe:////./pipe/x`, `tcp://host:2376`, `ssh://user@host`. Defaults to DOCKER_HOST, then the platform socket. */
  dockerHost?: string;
}

/** The engine address that will be tried, as shown in messages. */
export function dockerEndpoint(options: DockerClientOptions = {}): string {
  const host = options.dockerHost ?? process.env.DOCKER_HOST;
  if (host) return host;
  if (process.platform === 'win32') return 'npipe:////./pipe/docker_engine';
  const desktop = path.join(os.homedir(), '.docker', 'run', 'docker.sock');
  return `unix://${existsSync(desktop) ? desktop : '/var/run/docker.sock'}`;
}

// docker-modem follows HTTP redirects itself, on a request it never listens to for errors: a path the
// engine answers with a redirect (an image named "../../etc/passwd") sent a request to a host named
// "etc" and crashed the process. The Engine API never redirects a valid request, so none is followed:
// a redirect becomes an error on the original request, which docker-modem does handle.
(modemHttp as { maxRedirects: number }).maxRedirects = 0;

/** A dockerode client for the engine; connects lazily (see {@link connectDocker}). */
export function createDockerClient(options: DockerClientOptions = {}): Docker {
  if (!options.dockerHost) return new Docker();
  const host = options.dockerHost;
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  if (host.startsWith('npipe://')) return new Docker({ socketPath: host.slice('npipe://'.length) });
  const url = new URL(host.includes('//') ? host : `tcp://${host}`);
  if (url.protocol === 'ssh:') {
    return new Docker({
      protocol: 'ssh',
      host: url.hostname,
      port: url.port || 22,
      username: url.username || undefined,
      sshOptions: { agent: process.env.SSH_AUTH_SOCK },
    } as Docker.DockerOptions);
  }
  const tls = process.env.DOCKER_TLS_VERIFY === '1' || url.port === '2376' || url.protocol === 'https:';
  const certs = tls && process.env.DOCKER_CERT_PATH ? readCerts(process.env.DOCKER_CERT_PATH) : {};
  return new Docker({ protocol: tls ? 'https' : 'http', host: url.hostname, port: url.port || (tls ? 2376 : 2375), ...certs });
}

// The same files docker-modem reads for DOCKER_HOST: ca.pem, cert.pem, key.pem.
function readCerts(dir: string): { ca: Buffer; cert: Buffer; key: Buffer } {
  return {
    ca: readFileSync(path.join(dir, 'ca.pem')),
    cert: readFileSync(path.join(dir, 'cert.pem')),
    key: readFileSync(path.join(dir, 'key.pem')),
  };
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
]);

/** True for errors that mean "no engine answers there", as opposed to an engine that said no. */
export function isUnreachableError(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && UNREACHABLE_CODES.has(code);
}

/** The DOCKER_UNREACHABLE error for a failed connection, naming the address tried. */
export function dockerUnreachable(error: unknown, endpoint: string): AirbyteError {
  const code = (error as { code?: string } | undefined)?.code;
  const fromEnv = process.env.DOCKER_HOST === endpoint ? ' (from DOCKER_HOST)' : '';
  const why =
    code === 'EACCES' || code === 'EPERM'
      ? `permission was denied on ${endpoint}${fromEnv}`
      : code === 'ENOENT'
        ? `there is no Docker socket at ${endpoint}${fromEnv}`
        : `nothing answered at ${endpoint}${fromEnv}${code ? ` (${code})` : ''}`;
  return new AirbyteError('DOCKER_UNREACHABLE', {
    message: `Is Docker running? Could not reach the Docker engine: ${why}.`,
    guidance:
      code === 'EACCES' || code === 'EPERM'
        ? 'Add your user to the "docker" group (then log in again), or point DOCKER_HOST at an engine you may use.'
        : 'Start Docker Desktop or the Docker service ("sudo systemctl start docker"), or set DOCKER_HOST to the engine to use.',
    context: { endpoint, errorCode: code },
    cause: error,
  });
}

/** A client that has answered a ping, or DOCKER_UNREACHABLE naming the socket or DOCKER_HOST tried. */
export async function connectDocker(options: DockerClientOptions = {}): Promise<Docker> {
  const endpoint = dockerEndpoint(options);
  let docker: Docker;
  try {
    docker = createDockerClient(options);
  } catch (error) {
    throw new AirbyteError('DOCKER_UNREACHABLE', {
      message: `The Docker address ${endpoint} is not valid: ${(error as Error).message}`,
      guidance: 'Use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host.',
      context: { endpoint },
    });
  }
  try {
    await docker.ping();
  } catch (error) {
    throw dockerUnreachable(error, endpoint);
  }
  return docker;
}
