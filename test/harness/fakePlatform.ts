// A FAKE Airbyte platform API: a stateful, in-memory stand-in for Airbyte Cloud / a self-managed
// instance, which cannot run here (it needs Kubernetes and its images). It serves the public API
// operations the client uses, keeps what was created (sources, destinations, connections, jobs), issues
// short-lived tokens from client credentials, and can be told to misbehave (429, 500, expired tokens,
// jobs that fail). Tests run it BEHIND Prism in validating proxy mode (prismProxy.ts), so every request
// and response is checked against the official API description; the fake itself validates little.
// Its log keeps method, path and status only: request bodies (which hold resolved secrets, as the real
// platform must) live only in its state.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

type Json = Record<string, unknown>;

export interface FakeDefinition {
  id: string;
  name: string;
  type: 'source' | 'destination';
  /** For a source: its streams as `GET /streams` reports them. */
  streams?: Json[];
}

export interface FakeJobScript {
  /** How the next job ends (default succeeded). */
  outcome: 'succeeded' | 'failed';
  /** Reads of the job before it ends (default 2: pending → running → end). */
  steps?: number;
  rows?: number;
  /** The connection's statusReason set when the job fails. */
  reason?: string;
}

interface FakeJob extends Json {
  jobId: number;
  status: string;
  connectionId: string;
}

export interface FakePlatform {
  /** Base URL of the fake (behind Prism, tests give Prism's URL to the client). */
  url: string;
  clientId: string;
  clientSecret: string;
  workspaceId: string;
  sources: Map<string, Json>;
  destinations: Map<string, Json>;
  connections: Map<string, Json>;
  jobs: Map<number, FakeJob>;
  /** `METHOD /path?query STATUS` per request. */
  log: string[];
  /** The next `count` authenticated requests answer `status` (with Retry-After: `retryAfter` s; `detail` as the message). */
  failNext(count: number, status: number, retryAfter?: number, detail?: string): void;
  /** The next job-list answer breaks the API description (jobs without a status): Prism must catch it. */
  breakNextJobList(): void;
  /** Every token issued so far stops working (as when one expires mid-run). */
  expireTokens(): void;
  /** How the next jobs go, in order. */
  jobScripts: FakeJobScript[];
  close(): Promise<void>;
}

export const FAKE_DEFINITIONS: FakeDefinition[] = [
  {
    // Airbyte's definition ids are the registry's: source-faker's is this one (test/fixtures/registry).
    id: 'dfd88b22-b603-4c3d-aad7-3701784586b1',
    name: 'Sample Data',
    type: 'source',
    streams: [
      {
        streamName: 'users',
        syncModes: ['full_refresh_overwrite', 'full_refresh_append', 'incremental_append', 'incremental_deduped_history'],
        defaultCursorField: ['updated_at'],
        sourceDefinedCursorField: true,
        sourceDefinedPrimaryKey: [['id']],
        propertyFields: [['id'], ['updated_at']],
      },
      {
        streamName: 'events',
        syncModes: ['full_refresh_overwrite', 'full_refresh_append'],
        defaultCursorField: [],
        sourceDefinedCursorField: false,
        sourceDefinedPrimaryKey: [],
        propertyFields: [['payload']],
      },
    ],
  },
  { id: '94bd199c-2ff0-4aa2-b98e-17f0acb72610', name: 'DuckDB', type: 'destination' },
  { id: '25c5221d-dce2-4163-ade9-739ef790f503', name: 'Postgres', type: 'destination' },
];

/** Starts the fake on a free loopback port. */
export async function startFakePlatform(options: { tokenLifetimeS?: number } = {}): Promise<FakePlatform> {
  const state = newState(options.tokenLifetimeS ?? 180);
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString('utf8')));
    req.on('end', () => {
      const { status, payload, headers } = safeRoute(state, req, body);
      state.fake.log.push(`${req.method} ${req.url} ${status}`);
      res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
      res.end(payload === undefined ? '' : JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.fake.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state.fake;
}

interface FakeState {
  fake: FakePlatform;
  tokens: Set<string>;
  failures: Array<{ status: number; retryAfter?: number; detail?: string }>;
  breakJobList: boolean;
  nextJobId: number;
  tokenLifetimeS: number;
  jobSteps: Map<number, { left: number; script: FakeJobScript }>;
}

function newState(tokenLifetimeS: number): FakeState {
  const state: FakeState = {
    tokens: new Set(),
    failures: [],
    breakJobList: false,
    nextJobId: 1001,
    tokenLifetimeS,
    jobSteps: new Map(),
    fake: undefined as never,
  };
  state.fake = {
    url: '',
    clientId: randomUUID(),
    clientSecret: `fake-client-secret-${randomUUID()}`,
    workspaceId: randomUUID(),
    sources: new Map(),
    destinations: new Map(),
    connections: new Map(),
    jobs: new Map(),
    log: [],
    jobScripts: [],
    failNext: (count, status, retryAfter, detail) => {
      for (let i = 0; i < count; i++) state.failures.push({ status, retryAfter, detail });
    },
    breakNextJobList: () => (state.breakJobList = true),
    expireTokens: () => state.tokens.clear(),
    close: async () => undefined,
  };
  return state;
}

interface Answer {
  status: number;
  payload?: unknown;
  headers?: Record<string, string>;
}

const problem = (status: number, detail: string): Answer => ({
  status,
  payload: { type: 'https://reference.airbyte.com/reference/errors', title: http.STATUS_CODES[status], status, detail },
});

function safeRoute(state: FakeState, req: http.IncomingMessage, body: string): Answer {
  try {
    return route(state, req, body);
  } catch (error) {
    return problem(400, `the fake could not handle the request: ${(error as Error).message}`);
  }
}

function route(state: FakeState, req: http.IncomingMessage, body: string): Answer {
  const url = new URL(req.url ?? '/', 'http://fake');
  const method = req.method ?? 'GET';
  if (method === 'POST' && url.pathname === '/applications/token') return token(state, body, req.headers['content-type']);
  const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
  if (!auth || !state.tokens.has(auth[1]!)) return problem(401, 'The access token is missing, invalid or expired.');
  const failure = state.failures.shift();
  if (failure) {
    const answer = problem(
      failure.status,
      failure.detail ?? (failure.status === 429 ? 'Rate limit exceeded.' : 'Internal server error (injected by the fake).'),
    );
    if (failure.retryAfter !== undefined) answer.headers = { 'retry-after': String(failure.retryAfter) };
    return answer;
  }
  const json = body ? (JSON.parse(body) as Json) : {};
  const [, first, id] = url.pathname.split('/');
  switch (first) {
    case 'connector_definitions':
      return definitions(url);
    case 'sources':
    case 'destinations':
      return actors(state, first, method, id, json, url);
    case 'streams':
      return streams(state, url);
    case 'connections':
      return connections(state, method, id, json, url);
    case 'jobs':
      return jobs(state, method, id, json, url);
    default:
      return problem(404, `The fake platform does not serve ${method} ${url.pathname}.`);
  }
}

function token(state: FakeState, body: string, contentType: string | undefined): Answer {
  const b: Json = contentType?.includes('x-www-form-urlencoded')
    ? Object.fromEntries(new URLSearchParams(body))
    : (JSON.parse(body) as Json);
  if (b.client_id !== state.fake.clientId || b.client_secret !== state.fake.clientSecret)
    return problem(403, 'Invalid client credentials.');
  if (b['grant-type'] !== undefined && b['grant-type'] !== 'client_credentials')
    return problem(400, 'grant-type must be client_credentials.');
  const access = `fake-token-${randomUUID()}`;
  state.tokens.add(access);
  return { status: 200, payload: { access_token: access, token_type: 'Bearer', expires_in: state.tokenLifetimeS } };
}

function definitions(url: URL): Answer {
  const type = url.searchParams.get('type');
  const data = FAKE_DEFINITIONS.filter((d) => d.type === type).map((d) => ({
    id: d.id,
    name: d.name,
    connectorDefinitionType: d.type,
    version: '1.0.0',
  }));
  return { status: 200, payload: { data } };
}

function actors(state: FakeState, kind: 'sources' | 'destinations', method: string, id: string | undefined, body: Json, url: URL): Answer {
  const store = kind === 'sources' ? state.fake.sources : state.fake.destinations;
  const idKey = kind === 'sources' ? 'sourceId' : 'destinationId';
  if (!id && method === 'GET') {
    const ws = url.searchParams.getAll('workspaceIds');
    return {
      status: 200,
      payload: { data: [...store.values()].filter((a) => ws.length === 0 || ws.includes(String(a.workspaceId))).map(masked) },
    };
  }
  if (!id && method === 'POST') {
    const def = FAKE_DEFINITIONS.find((d) => d.id === body.definitionId && `${d.type}s` === kind);
    if (!def) return problem(400, `Unknown definitionId ${String(body.definitionId)}.`);
    const made: Json = {
      [idKey]: randomUUID(),
      name: body.name,
      [kind === 'sources' ? 'sourceType' : 'destinationType']: def.name.toLowerCase(),
      definitionId: def.id,
      workspaceId: body.workspaceId,
      configuration: body.configuration,
      createdAt: Math.floor(Date.now() / 1000),
    };
    store.set(String(made[idKey]), made);
    return { status: 200, payload: masked(made) };
  }
  const found = id ? store.get(id) : undefined;
  if (!found) return problem(404, `No ${kind.slice(0, -1)} ${id}.`);
  if (method === 'PATCH') {
    if (body.name !== undefined) found.name = body.name;
    if (body.configuration !== undefined) found.configuration = body.configuration;
  }
  return { status: 200, payload: masked(found) };
}

/** As the platform does, configurations come back with secret-looking values hidden. */
function masked(actor: Json): Json {
  const config = Object.fromEntries(
    Object.entries(actor.configuration as Json).map(([k, v]) => [k, /secret|password|token|key/i.test(k) ? '**********' : v]),
  );
  return { ...actor, configuration: config };
}

function streams(state: FakeState, url: URL): Answer {
  const source = state.fake.sources.get(url.searchParams.get('sourceId') ?? '');
  if (!source) return problem(404, 'No such source.');
  const def = FAKE_DEFINITIONS.find((d) => d.id === source.definitionId);
  return { status: 200, payload: def?.streams ?? [] };
}

function connections(state: FakeState, method: string, id: string | undefined, body: Json, url: URL): Answer {
  const store = state.fake.connections;
  if (!id && method === 'GET') {
    const ws = url.searchParams.getAll('workspaceIds');
    return { status: 200, payload: { data: [...store.values()].filter((c) => ws.length === 0 || ws.includes(String(c.workspaceId))) } };
  }
  if (!id && method === 'POST') {
    const source = state.fake.sources.get(String(body.sourceId));
    if (!source || !state.fake.destinations.has(String(body.destinationId))) return problem(400, 'Unknown source or destination.');
    const made: Json = {
      connectionId: randomUUID(),
      name: body.name ?? 'connection',
      sourceId: body.sourceId,
      destinationId: body.destinationId,
      workspaceId: source.workspaceId,
      status: 'active',
      schedule: body.schedule ?? { scheduleType: 'manual' },
      configurations: body.configurations ?? { streams: [] },
      createdAt: Math.floor(Date.now() / 1000),
      tags: [],
    };
    store.set(String(made.connectionId), made);
    return { status: 200, payload: made };
  }
  const found = id ? store.get(id) : undefined;
  if (!found) return problem(404, `No connection ${id}.`);
  if (method === 'PATCH')
    for (const key of ['name', 'configurations', 'schedule'] as const) if (body[key] !== undefined) found[key] = body[key];
  return { status: 200, payload: found };
}

function jobs(state: FakeState, method: string, id: string | undefined, body: Json, url: URL): Answer {
  if (!id && method === 'POST') {
    const connection = state.fake.connections.get(String(body.connectionId));
    if (!connection) return problem(404, `No connection ${String(body.connectionId)}.`);
    const job: FakeJob = {
      jobId: state.nextJobId++,
      status: 'pending',
      jobType: 'sync',
      startTime: new Date().toISOString(),
      connectionId: String(body.connectionId),
    };
    const script = state.fake.jobScripts.shift() ?? { outcome: 'succeeded' };
    state.jobSteps.set(job.jobId, { left: script.steps ?? 2, script });
    state.fake.jobs.set(job.jobId, job);
    return { status: 200, payload: job };
  }
  if (!id && method === 'GET') {
    const connectionId = url.searchParams.get('connectionId');
    const data = [...state.fake.jobs.values()].filter((j) => !connectionId || j.connectionId === connectionId).reverse();
    if (state.breakJobList) {
      state.breakJobList = false;
      return { status: 200, payload: { data: data.map(({ status: _dropped, ...rest }) => rest) } };
    }
    return { status: 200, payload: { data: data.slice(0, Number(url.searchParams.get('limit') ?? 20)) } };
  }
  const job = state.fake.jobs.get(Number(id));
  if (!job) return problem(404, `No job ${id}.`);
  if (method === 'DELETE') {
    if (!['succeeded', 'failed', 'cancelled'].includes(job.status)) job.status = 'cancelled';
    state.jobSteps.delete(job.jobId);
  } else advance(state, job);
  return { status: 200, payload: job };
}

/** Each read of a running job moves it one step on; the last step ends it as its script says. */
function advance(state: FakeState, job: FakeJob): void {
  const steps = state.jobSteps.get(job.jobId);
  if (!steps) return;
  steps.left -= 1;
  const rows = steps.script.rows ?? 1200;
  const elapsed = Math.max(1, Math.round((Date.now() - Date.parse(String(job.startTime))) / 1000));
  job.lastUpdatedAt = new Date().toISOString();
  job.duration = `PT${elapsed}S`;
  if (steps.left > 0) {
    job.status = 'running';
    job.rowsSynced = Math.floor(rows / 2);
    job.bytesSynced = Math.floor(rows / 2) * 100;
    return;
  }
  job.status = steps.script.outcome;
  job.rowsSynced = steps.script.outcome === 'succeeded' ? rows : Math.floor(rows / 2);
  job.bytesSynced = (job.rowsSynced as number) * 100;
  if (steps.script.outcome === 'failed' && steps.script.reason) {
    const connection = state.fake.connections.get(job.connectionId);
    if (connection) connection.statusReason = steps.script.reason;
  }
  state.jobSteps.delete(job.jobId);
}
