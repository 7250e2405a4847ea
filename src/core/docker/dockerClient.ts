/**
 * Connecting to a Docker engine, and saying plainly when there is none. Which engine is decided
 * in `engineEndpoint.ts`; this file builds the dockerode client for it (unix socket, named pipe,
 * tcp with or without TLS client certificates, ssh) and turns every way of failing to reach it
 * into one error that names the engine tried, where its address came from and what to do, within
 * {@link CONNECT_TIMEOUT_MS}.
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import Docker from 'dockerode';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- docker-modem's redirect follower has no typings or ESM entry.
const modemHttp: unknown = require('docker-modem/lib/http');
import { AirbyteError } from '../errors';
import type { EngineChoice, EngineEndpoint } from './engineEndpoint';
import { resolveEngine } from './engineEndpoint';
import type { HostKeyVerdict } from './knownHosts';
import { checkHostKey } from './knownHosts';
import { sshDialAgent } from './sshAgent';

export type DockerClientOptions = EngineChoice;

/** How long connecting may take before the engine counts as unreachable. */
export const CONNECT_TIMEOUT_MS = 15_000;

/** The oldest Engine API this project speaks (Docker 19.03). */
export const MIN_API_VERSION = '1.40';

/** The engine address that will be tried, as shown in messages. */
export function dockerEndpoint(options: DockerClientOptions = {}): string {
  return resolveEngine(options).host;
}

// docker-modem follows HTTP redirects itself, on a request it never listens to for errors: a path the
// engine answers with a redirect (an image named "../../etc/passwd") sent a request to a host named
// "etc" and crashed the process. The Engine API never redirects a valid request, so none is followed:
// a redirect becomes an error on the original request, which docker-modem does handle.
(modemHttp as { maxRedirects: number }).maxRedirects = 0;

/** A dockerode client for the engine; connects lazily (see {@link connectDocker}). */
export function createDockerClient(options: DockerClientOptions = {}): Docker {
  return dockerFor(resolveEngine(options));
}

/** A dockerode client for a resolved engine. */
export function dockerFor(endpoint: EngineEndpoint): Docker {
  const host = endpoint.host;
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  if (host.startsWith('npipe://')) return new Docker({ socketPath: host.slice('npipe://'.length) });
  const url = new URL(host.includes('//') ? host : `tcp://${host}`);
  if (url.protocol === 'ssh:') {
    const port = Number(url.port || 22);
    const knownHosts = endpoint.knownHostsFile;
    const agent = sshDialAgent(
      {
        host: url.hostname,
        port,
        username: url.username || os.userInfo().username,
        // ssh2 offers the key, then the agent's keys; the docker CLI's ssh would do the same.
        agent: process.env.SSH_AUTH_SOCK || undefined,
        privateKey: endpoint.sshKeyFile ? readFileSync(endpoint.sshKeyFile) : undefined,
        readyTimeout: CONNECT_TIMEOUT_MS,
      },
      // As OpenSSH would: the engine's host must be in known_hosts with the key it offers.
      (key) => (knownHosts ? checkHostKey(knownHosts, url.hostname, port, key) : 'unknown'),
    );
    // Plain HTTP over the agent's channels; the host and port only fill the request line.
    return new Docker({ protocol: 'http', host: url.hostname, port: url.port || 22, agent } as Docker.DockerOptions);
  }
  const tls = endpoint.tls;
  if (!tls) return new Docker({ protocol: 'http', host: url.hostname, port: url.port || 2375 });
  // An agent of our own carries the client certificate and whether the engine's certificate is checked
  // (SkipTLSVerify in a context); docker-modem would otherwise always verify against `ca`.
  const agent = new https.Agent({ ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.verify, keepAlive: true });
  return new Docker({ protocol: 'https', host: url.hostname, port: url.port || 2376, agent } as Docker.DockerOptions);
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

/** An engine as messages name it: its address and where that came from. */
function engineLabel(endpoint: EngineEndpoint): string {
  return `${endpoint.host} (from ${endpoint.origin})`;
}

/** The DOCKER_UNREACHABLE error for a failed connection, naming the engine tried and where its address came from. */
export function dockerUnreachable(error: unknown, endpoint: EngineEndpoint): AirbyteError {
  const { problem, guidance } = whyUnreachable(error, endpoint);
  const code = (error as { code?: string } | undefined)?.code;
  return new AirbyteError('DOCKER_UNREACHABLE', {
    message: `Is Docker running? Could not reach the Docker engine: ${problem}.`,
    guidance,
    context: { endpoint: endpoint.host, origin: endpoint.origin, errorCode: code },
    cause: error,
  });
}

// Each way of not reaching an engine, and what the user can do about it.
function whyUnreachable(error: unknown, endpoint: EngineEndpoint): { problem: string; guidance: string } {
  const at = engineLabel(endpoint);
  const code = (error as { code?: string } | undefined)?.code ?? '';
  const text = (error as Error | undefined)?.message ?? String(error);
  const elsewhere = 'or choose another engine (the airbyte.dockerHost setting, --docker-host, DOCKER_HOST or "docker context use").';
  if (code === 'EACCES' || code === 'EPERM')
    return { problem: `permission was denied on ${at}`, guidance: `Add your user to the "docker" group (then log in again), ${elsewhere}` };
  if (code === 'ENOENT')
    return {
      problem: `there is no Docker socket at ${at}`,
      guidance: `Start Docker Desktop or the Docker service ("sudo systemctl start docker"), ${elsewhere}`,
    };
  if (isTlsError(code, text))
    return {
      problem: `the TLS handshake with ${at} failed (${code || text})`,
      guidance: `Check the certificates: the engine's CA (ca.pem) and your client certificate and key (cert.pem, key.pem) in ${endpoint.tls?.certDir ?? 'DOCKER_CERT_PATH'} must be the ones the engine trusts; ${elsewhere}`,
    };
  if (/HTTP request to an HTTPS server/i.test(text))
    return {
      problem: `${at} speaks TLS but no certificates were given`,
      guidance: `Set DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH to the folder holding ca.pem, cert.pem and key.pem, ${elsewhere}`,
    };
  if (code === 'SSH_HOST_KEY') return hostKeyRefused(error as { verdict?: HostKeyVerdict }, endpoint, at, elsewhere);
  if ((error as { level?: string } | undefined)?.level === 'client-authentication' || /authentication methods failed/i.test(text))
    return {
      problem: `ssh refused the login to ${at}`,
      guidance: `Load your key into the ssh agent (ssh-add), or put it at ~/.ssh/id_ed25519; check that "ssh ${endpoint.host.slice('ssh://'.length)} docker version" works, ${elsewhere}`,
    };
  if (isTimeout(error))
    return {
      problem: `${at} did not answer within ${CONNECT_TIMEOUT_MS / 1000} s`,
      guidance: `Check that the host is up and the port open, ${elsewhere}`,
    };
  return {
    problem: `nothing answered at ${at}${code ? ` (${code})` : ` (${text})`}`,
    guidance: `Start Docker Desktop or the Docker service ("sudo systemctl start docker"), ${elsewhere}`,
  };
}

const HOST_KEY_PROBLEMS: Record<HostKeyVerdict, string> = {
  known: 'is known',
  unknown: 'is not in known_hosts',
  changed: 'differs from the one in known_hosts',
  revoked: 'is revoked in known_hosts',
};

function hostKeyRefused(
  error: { verdict?: HostKeyVerdict },
  endpoint: EngineEndpoint,
  at: string,
  elsewhere: string,
): { problem: string; guidance: string } {
  const verdict = error.verdict ?? 'unknown';
  const url = new URL(endpoint.host);
  const scan = url.port ? `-p ${url.port} ${url.hostname}` : url.hostname;
  return {
    problem: `the ssh host key of ${at} ${HOST_KEY_PROBLEMS[verdict]}, so it was not trusted`,
    guidance:
      verdict === 'unknown'
        ? `Check the host's key and add it (ssh-keyscan ${scan} >> ~/.ssh/known_hosts, or connect once with ssh), ${elsewhere}`
        : `The host may not be the one you think: check its key with its administrator before changing known_hosts, ${elsewhere}`,
  };
}

function isTlsError(code: string, text: string): boolean {
  return /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/.test(code) || /certificate|ssl|tls alert/i.test(text);
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  return name === 'TimeoutError' || name === 'AbortError' || /timed out/i.test((error as Error | undefined)?.message ?? '');
}

/** A client that has answered a ping, or DOCKER_UNREACHABLE naming the engine tried, within {@link CONNECT_TIMEOUT_MS}. */
export async function connectDocker(options: DockerClientOptions = {}): Promise<Docker> {
  return (await connectEngine(options)).docker;
}

/** An engine that answered: its client, address, API version and product. */
export interface ConnectedEngine {
  docker: Docker;
  endpoint: EngineEndpoint;
  apiVersion: string;
  /** `podman` for Podman's Docker-compatible service, else `docker`. */
  product: 'docker' | 'podman';
}

/** {@link connectDocker}, also returning the engine it reached (its address, where that came from, its API version, its product). */
export function connectEngine(options: DockerClientOptions = {}): Promise<ConnectedEngine> {
  return connectEndpoint(resolveEngine(options));
}

/** Connects to an engine already resolved (see {@link connectEngine}). */
export async function connectEndpoint(endpoint: EngineEndpoint): Promise<ConnectedEngine> {
  let docker: Docker;
  try {
    docker = dockerFor(endpoint);
  } catch (error) {
    throw new AirbyteError('DOCKER_UNREACHABLE', {
      message: `The Docker address ${engineLabel(endpoint)} is not valid: ${(error as Error).message}`,
      guidance: 'Use unix:///path/to/docker.sock, tcp://host:port or ssh://user@host.',
      context: { endpoint: endpoint.host },
    });
  }
  let apiVersion: string;
  let product: ConnectedEngine['product'] = 'docker';
  try {
    // dockerode takes an abortSignal on both calls; its typings do not say so.
    const engine = docker as unknown as EngineCalls;
    const withSignal = { abortSignal: AbortSignal.timeout(CONNECT_TIMEOUT_MS) };
    await engine.ping(withSignal);
    const version = await engine.version(withSignal);
    apiVersion = String(version.ApiVersion ?? '');
    if (version.Components?.some((c) => /podman/i.test(c.Name ?? ''))) product = 'podman';
  } catch (error) {
    throw dockerUnreachable(error, endpoint);
  }
  if (apiVersion && compareVersions(apiVersion, MIN_API_VERSION) < 0)
    throw new AirbyteError('DOCKER_UNREACHABLE', {
      message: `The Docker engine at ${engineLabel(endpoint)} speaks Engine API ${apiVersion}; this extension needs ${MIN_API_VERSION} or newer.`,
      guidance:
        'Upgrade that engine to Docker 19.03 or newer, or choose another engine (the airbyte.dockerHost setting, --docker-host, DOCKER_HOST).',
      context: { endpoint: endpoint.host, apiVersion },
    });
  return { docker, endpoint, apiVersion, product };
}

interface EngineCalls {
  ping(options: { abortSignal: AbortSignal }): Promise<unknown>;
  version(options: { abortSignal: AbortSignal }): Promise<{ ApiVersion?: string; Components?: Array<{ Name?: string }> }>;
}

function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}
