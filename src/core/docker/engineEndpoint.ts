/**
 * Which Docker engine to talk to, decided in one place and in the docker CLI's order:
 * 1. an explicit address (a setting, a CLI option, a config file's `"dockerHost"`);
 * 2. `DOCKER_HOST`, with `DOCKER_TLS_VERIFY` / `DOCKER_CERT_PATH`;
 * 3. the docker CLI's current context: `DOCKER_CONTEXT`, else `currentContext` in
 *    `$DOCKER_CONFIG/config.json` (default `~/.docker`), read from its context store;
 * 4. the platform default (Docker Desktop's socket when present, else `/var/run/docker.sock`;
 *    the named pipe on Windows).
 * The result says where the address came from, so every message can name it.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AirbyteError } from '../errors';

/** TLS material for a `tcp://` engine (the docker CLI's ca.pem, cert.pem, key.pem). */
export interface EngineTls {
  /** Check the engine's certificate against `ca` (DOCKER_TLS_VERIFY, or a context without SkipTLSVerify). */
  verify: boolean;
  /** The folder the files came from, for messages. */
  certDir?: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

/** An engine address and where it came from. */
export interface EngineEndpoint {
  /** `unix:///var/run/docker.sock`, `tcp://host:2376`, `ssh://user@host:22`, `npipe:////./pipe/docker_engine`. */
  host: string;
  /** Where the address came from, in words: `DOCKER_HOST`, `docker context "remote"`, `the default socket`… */
  origin: string;
  /** Set for tcp engines spoken to over TLS. */
  tls?: EngineTls;
  /** For `ssh://` engines: the private key tried besides the ssh agent (the first of ~/.ssh/id_ed25519, id_ecdsa, id_rsa). */
  sshKeyFile?: string;
  /** For `ssh://` engines: the known_hosts file the engine's host key must be listed in. */
  knownHostsFile?: string;
}

/** What the caller knows about the engine to use. */
export interface EngineChoice {
  /** An explicit address; wins over everything else. */
  dockerHost?: string;
  /** Where {@link dockerHost} came from, for messages (default "the dockerHost option"). */
  dockerHostOrigin?: string;
  /** Environment to read DOCKER_* from (default `process.env`). */
  env?: NodeJS.ProcessEnv;
  /** Home folder for `~/.docker` (default `os.homedir()`). */
  homeDir?: string;
}

/** Resolves the engine to use; CONFIG_INVALID when a named docker context cannot be read. */
export function resolveEngine(choice: EngineChoice = {}): EngineEndpoint {
  const env = choice.env ?? process.env;
  const configDir = env.DOCKER_CONFIG || path.join(choice.homeDir ?? os.homedir(), '.docker');
  const homeDir = choice.homeDir ?? os.homedir();
  return withSshKey(pickEngine(choice, env, configDir, homeDir), homeDir);
}

function pickEngine(choice: EngineChoice, env: NodeJS.ProcessEnv, configDir: string, homeDir: string): EngineEndpoint {
  const explicit = choice.dockerHost?.trim();
  if (explicit) return withEnvTls(explicit, choice.dockerHostOrigin ?? 'the dockerHost option', env, configDir);
  if (env.DOCKER_HOST) return withEnvTls(env.DOCKER_HOST, 'DOCKER_HOST', env, configDir);
  const context = currentContext(env, configDir);
  if (context && context.name !== 'default') return readContext(context.name, context.origin, configDir, homeDir);
  return platformDefault(homeDir);
}

function withSshKey(endpoint: EngineEndpoint, homeDir: string): EngineEndpoint {
  if (!endpoint.host.startsWith('ssh://')) return endpoint;
  const keyFile = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => path.join(homeDir, '.ssh', f)).find((f) => existsSync(f));
  const withHosts = { ...endpoint, knownHostsFile: path.join(homeDir, '.ssh', 'known_hosts') };
  return keyFile ? { ...withHosts, sshKeyFile: keyFile } : withHosts;
}

/** Why `address` is not an engine address (`unix://`, `npipe://`, `tcp://`, `ssh://`, `http(s)://`), or undefined when it is. */
export function engineAddressProblem(address: string): string | undefined {
  return /^(unix|npipe|tcp|ssh|https?):\/\/./.test(address.trim())
    ? undefined
    : 'an engine address is unix:///path/docker.sock, tcp://host:port or ssh://user@host';
}

/** True for a unix socket or named pipe: an engine on this machine that sees its folders. */
export function isLocalSocket(host: string): boolean {
  return host.startsWith('unix://') || host.startsWith('npipe://');
}

function withEnvTls(host: string, origin: string, env: NodeJS.ProcessEnv, configDir: string): EngineEndpoint {
  if (isLocalSocket(host) || host.startsWith('ssh://')) return { host, origin };
  const verify = Boolean(env.DOCKER_TLS_VERIFY);
  const port = /:(\d+)\/?$/.exec(host)?.[1];
  // As docker-modem and the docker CLI: TLS when asked (DOCKER_TLS_VERIFY / DOCKER_TLS), on https://, or on the TLS port 2376.
  const tls = verify || Boolean(env.DOCKER_TLS) || host.startsWith('https://') || port === '2376';
  if (!tls) return { host, origin };
  const certDir = env.DOCKER_CERT_PATH || configDir;
  return { host, origin, tls: { verify, certDir, ...readTlsFiles(certDir, { required: verify }) } };
}

function currentContext(env: NodeJS.ProcessEnv, configDir: string): { name: string; origin: string } | undefined {
  if (env.DOCKER_CONTEXT) return { name: env.DOCKER_CONTEXT, origin: `docker context "${env.DOCKER_CONTEXT}" (DOCKER_CONTEXT)` };
  const configFile = path.join(configDir, 'config.json');
  if (!existsSync(configFile)) return undefined;
  try {
    const name = (JSON.parse(readFileSync(configFile, 'utf8')) as { currentContext?: unknown }).currentContext;
    return typeof name === 'string' && name ? { name, origin: `docker context "${name}" (currentContext in ${configFile})` } : undefined;
  } catch {
    // The docker CLI refuses a broken config.json too, but a broken file must not stop a user who
    // does not use contexts: the default engine is tried, and its failure names the default socket.
    return undefined;
  }
}

// The docker CLI's context store: contexts/meta/<sha256(name)>/meta.json, TLS files under contexts/tls/<sha256(name)>/docker/.
function readContext(name: string, origin: string, configDir: string, homeDir: string): EngineEndpoint {
  const id = createHash('sha256').update(name).digest('hex');
  const metaFile = path.join(configDir, 'contexts', 'meta', id, 'meta.json');
  let endpoint: { Host?: unknown; SkipTLSVerify?: unknown } | undefined;
  try {
    const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as { Endpoints?: { docker?: { Host?: unknown; SkipTLSVerify?: unknown } } };
    endpoint = meta.Endpoints?.docker;
  } catch (error) {
    throw new AirbyteError('DOCKER_UNREACHABLE', {
      message: `The ${origin} cannot be read: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? `there is no ${metaFile}` : (error as Error).message}.`,
      guidance: `List contexts with "docker context ls" and choose one with "docker context use NAME", or set the engine explicitly (airbyte.dockerHost, --docker-host).`,
      context: { dockerContext: name },
    });
  }
  const host = typeof endpoint?.Host === 'string' && endpoint.Host ? endpoint.Host : undefined;
  if (!host) return { ...platformDefault(homeDir), origin };
  if (isLocalSocket(host) || host.startsWith('ssh://')) return { host, origin };
  const certDir = path.join(configDir, 'contexts', 'tls', id, 'docker');
  if (!existsSync(certDir)) return { host, origin };
  return { host, origin, tls: { verify: endpoint?.SkipTLSVerify !== true, certDir, ...readTlsFiles(certDir, { required: false }) } };
}

function readTlsFiles(dir: string, options: { required: boolean }): Pick<EngineTls, 'ca' | 'cert' | 'key'> {
  const read = (file: string): Buffer | undefined => {
    const full = path.join(dir, file);
    if (existsSync(full)) return readFileSync(full);
    if (!options.required) return undefined;
    throw new AirbyteError('DOCKER_UNREACHABLE', {
      message: `TLS verification is on (DOCKER_TLS_VERIFY) but ${full} does not exist.`,
      guidance:
        "Put the engine's ca.pem and your client cert.pem and key.pem in that folder, or point DOCKER_CERT_PATH at the folder holding them.",
      context: { certDir: dir },
    });
  };
  return { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

function platformDefault(homeDir: string): EngineEndpoint {
  if (process.platform === 'win32') return { host: 'npipe:////./pipe/docker_engine', origin: 'the default named pipe' };
  const desktop = path.join(homeDir, '.docker', 'run', 'docker.sock');
  return { host: `unix://${existsSync(desktop) ? desktop : '/var/run/docker.sock'}`, origin: 'the default socket' };
}
