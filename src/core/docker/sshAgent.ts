/**
 * HTTP to a Docker engine over ssh, as the docker CLI does it: each connection is a
 * `docker system dial-stdio` process on the remote host, its stdin and stdout the socket. Unlike
 * docker-modem's own ssh agent (one ssh login per request: seconds each), one ssh connection is
 * kept for the client's life and every request opens a channel on it; a dropped connection is
 * made again on the next request.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { ConnectConfig } from 'ssh2';
import { Client } from 'ssh2';
import type { HostKeyVerdict } from './knownHosts';

const IDLE_MS = 1000;

/** An http.Agent whose connections are `docker system dial-stdio` channels of one ssh connection. */
export function sshDialAgent(config: ConnectConfig, checkHostKey?: (key: Buffer) => HostKeyVerdict): http.Agent {
  let ready: Promise<Client> | undefined;
  const connect = (): Promise<Client> => {
    if (ready) return ready;
    const client = new Client();
    let verdict: HostKeyVerdict | undefined;
    const made = new Promise<Client>((resolve, reject) => {
      client.once('ready', () => resolve(client));
      client.once('error', (error) =>
        reject(
          verdict && verdict !== 'known' ? Object.assign(new Error(`ssh host key ${verdict}`), { code: 'SSH_HOST_KEY', verdict }) : error,
        ),
      );
    });
    // A connection that failed or closed is forgotten (only if it is still the current one).
    const forget = () => {
      if (ready === made) ready = undefined;
    };
    client.on('error', forget);
    client.once('close', forget);
    client.connect(checkHostKey ? { ...config, hostVerifier: (key: Buffer) => (verdict = checkHostKey(key)) === 'known' } : config);
    return (ready = made);
  };
  // Kept alive: a request reuses an idle dial-stdio channel instead of starting another docker process remotely.
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 4 });
  // The ssh connection would keep the process alive: it is ended once no channel has been in use for a second.
  const busy = new Set<Duplex>();
  let idle: NodeJS.Timeout | undefined;
  const settle = () => {
    clearTimeout(idle);
    if (busy.size === 0) idle = setTimeout(closeAll, IDLE_MS);
  };
  agent.on('free', (socket: Duplex) => {
    busy.delete(socket);
    settle();
  });
  const reuse = agent.reuseSocket.bind(agent);
  agent.reuseSocket = (socket, request) => {
    clearTimeout(idle);
    busy.add(socket);
    reuse(socket, request);
  };
  // Node's http.Agent accepts any Duplex from createConnection; its typings want a net.Socket.
  (agent as unknown as { createConnection: (o: unknown, cb: (e: Error | null, s?: Duplex) => void) => void }).createConnection = (
    _options,
    callback,
  ) => {
    clearTimeout(idle);
    connect().then(
      (client) =>
        client.exec('docker system dial-stdio', (error, channel) => {
          if (error) return callback(error);
          busy.add(channel);
          channel.once('close', () => {
            if (busy.delete(channel)) settle();
          });
          callback(null, asSocket(channel));
        }),
      (error: Error) => callback(error),
    );
  };
  // Forget the connection first, so that a request from now on makes a new one, then close the kept
  // channels (none is in use), then the connection: no request can land on a channel being closed.
  const destroySockets = agent.destroy.bind(agent);
  function closeAll(): void {
    clearTimeout(idle);
    const ending = ready;
    ready = undefined;
    destroySockets();
    void ending?.then((client) => client.end()).catch(() => undefined);
  }
  agent.destroy = closeAll;
  return agent;
}

// What http.Agent calls on the sockets it keeps for reuse; an ssh channel has no such options.
function asSocket(channel: Duplex): Duplex {
  const socket = channel as Duplex & Record<string, unknown>;
  for (const method of ['setKeepAlive', 'setNoDelay', 'setTimeout', 'ref', 'unref'])
    if (typeof socket[method] !== 'function') socket[method] = () => socket;
  return socket;
}
