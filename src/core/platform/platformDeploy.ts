/**
 * Deploying a pair of `*.airbyte.jsonc` files to an Airbyte platform workspace: the source, the
 * destination and the connection between them, created the first time and updated in place after
 * (found by the ids recorded in the workspace store, else by name on the platform), so that nothing
 * is ever duplicated. Secret references are resolved here, sent to the platform only, and masked in
 * every message; the store keeps ids, names and a fingerprint of the config as written.
 */
import path from 'node:path';
import { AirbyteError } from '../errors';
import type { LoadedConfigFile } from '../config/configFile';
import { resolveSecretReferences } from '../config/configFile';
import type { JsonObject } from '../protocol/messages';
import type { RegistryEntry, RegistryLookup } from '../registry/registryTypes';
import { collectSecretValues } from '../secrets';
import type { DeploymentKind } from '../store/platformDeployments';
import type { WorkspaceStore } from '../store/workspaceStore';
import { configLabel } from '../write/runParties';
import { connectorIdentity } from '../write/connectorIdentity';
import type { WriteStrategy } from '../write/writeStrategy';
import type { components } from './airbyteApi.gen';
import type { PlatformClient } from './platformClient';
import { streamConfigurations } from './streamModes';

type ActorKind = 'source' | 'destination';
type Schedule = components['schemas']['AirbyteApiConnectionSchedule'];

export interface DeployRequest {
  source: LoadedConfigFile;
  destination: LoadedConfigFile;
  workspaceId: string;
  /** The connection's name (default `<source label> → <destination label>`). */
  name?: string;
  streams?: string[];
  strategy?: WriteStrategy;
  /** A cron expression (Quartz, as the platform reads it); manual when undefined. */
  schedule?: string;
  /** Finds each connector's definition id and spec (its secret fields); names are matched without it. */
  registry?: RegistryLookup;
  env?: NodeJS.ProcessEnv;
  /** Told of each step ("source faker: updated"). */
  onStep?: (text: string) => void;
}

export type DeployAction = 'created' | 'updated' | 'unchanged';

export interface DeployedPart {
  id: string;
  name: string;
  action: DeployAction;
}

export interface DeployResult {
  apiUrl: string;
  workspaceId: string;
  source: DeployedPart;
  destination: DeployedPart;
  connection: DeployedPart & { streams: Array<{ name: string; syncMode?: string }>; schedule: Schedule };
}

/** What one side of the pair is on the platform, before it is made or updated there. */
interface Side {
  kind: ActorKind;
  file: LoadedConfigFile;
  name: string;
  localKey: string;
  fingerprint: string;
  /** The config with its references resolved: only ever sent to the platform. */
  resolved: JsonObject;
  entry?: RegistryEntry;
}

/** Deploys the pair (see the module comment); the store records what the platform made. */
export async function deployPair(client: PlatformClient, store: WorkspaceStore, request: DeployRequest): Promise<DeployResult> {
  const sides = (['source', 'destination'] as const).map((kind) => prepareSide(client, kind, request));
  const [source, destination] = await Promise.all(sides.map((side) => deployActor(client, store, request, side)));
  const connection = await deployConnection(client, store, request, sides[0]!, sides[1]!, source.id, destination.id);
  await store.save();
  return { apiUrl: client.settings.apiUrl, workspaceId: request.workspaceId, source, destination, connection };
}

/** A side ready to send: references resolved (their values masked from now on), its fingerprint and names. */
function prepareSide(client: PlatformClient, kind: ActorKind, request: DeployRequest): Side {
  const file = request[kind];
  if (file.connector.startsWith('builtin:')) {
    throw new AirbyteError('USAGE', {
      message: `${file.filePath} uses the built-in connector ${file.connector}, which runs only in this tool, not on an Airbyte platform.`,
      guidance: `Deploy a registry connector (e.g. "${kind === 'source' ? 'source-faker' : 'destination-duckdb'}") instead.`,
    });
  }
  const { config, resolvedValues } = resolveSecretReferences(file.config, request.env);
  const entry = request.registry?.find(file.connector, kind);
  const spec = entry?.spec?.connectionSpecification;
  // Plaintext values of airbyte_secret fields are secrets too, though written in the file.
  client.addSecrets([...resolvedValues, ...(spec ? collectSecretValues(config, spec) : [])]);
  return {
    kind,
    file,
    name: configLabel(file.filePath),
    localKey: path.resolve(file.filePath),
    fingerprint: connectorIdentity(file.connector, file.config, spec),
    resolved: config,
    entry,
  };
}

/** Creates the source or destination, or updates the one recorded (else found by name) in place. */
async function deployActor(client: PlatformClient, store: WorkspaceStore, request: DeployRequest, side: Side): Promise<DeployedPart> {
  const { apiUrl } = client.settings;
  const { workspaceId } = request;
  const record = store.platform.get(apiUrl, workspaceId, side.kind, side.localKey);
  const definitionId = await findDefinition(client, side, workspaceId);
  const existing = record
    ? await getActor(client, side.kind, record.remoteId)
    : await findActorByName(client, side, workspaceId, definitionId);
  let part: DeployedPart;
  if (existing) {
    await patchActor(client, side, existing.id);
    part = { id: existing.id, name: side.name, action: record?.fingerprint === side.fingerprint ? 'unchanged' : 'updated' };
  } else {
    part = { id: await createActor(client, side, workspaceId, definitionId), name: side.name, action: 'created' };
  }
  store.platform.put({
    apiUrl,
    workspaceId,
    kind: side.kind,
    localKey: side.localKey,
    remoteId: part.id,
    name: side.name,
    fingerprint: side.fingerprint,
  });
  request.onStep?.(`${side.kind} ${side.name}: ${part.action} (${part.id})`);
  return part;
}

/**
 * The platform's definition of the side's connector: the registry's definition id when the registry
 * knows it (Airbyte's definition ids are the same everywhere), else the name (`source-faker` matches
 * "Faker", the registry's display name "Sample Data" too).
 */
async function findDefinition(client: PlatformClient, side: Side, workspaceId: string): Promise<string> {
  const { data } = await client.call(
    `list the ${side.kind} connectors of workspace ${workspaceId}`,
    client.api.GET('/connector_definitions', { params: { query: { type: side.kind, workspaceId } }, signal: client.signal }),
  );
  const byId = side.entry?.definitionId ? data.find((d) => d.id === side.entry!.definitionId) : undefined;
  if (byId) return byId.id;
  const wanted = new Set([simpleName(side.file.connector.replace(/^(source|destination)-/, ''))]);
  if (side.entry?.displayName) wanted.add(simpleName(side.entry.displayName));
  const byName = data.find((d) => wanted.has(simpleName(d.name)) || wanted.has(simpleName(d.name.replace(/^.*\(|\).*$/g, ''))));
  if (byName) return byName.id;
  throw new AirbyteError('CONNECTOR_UNKNOWN', {
    message: `The Airbyte platform at ${client.settings.apiUrl} has no ${side.kind} connector matching "${side.file.connector}" (${side.file.filePath}).`,
    guidance: `Its ${side.kind} connectors include ${
      data
        .slice(0, 12)
        .map((d) => d.name)
        .join(', ') || 'none'
    }. Add the connector to the workspace, or use one it has.`,
    context: { connector: side.file.connector },
  });
}

function simpleName(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** The recorded resource, or undefined when it is gone from the platform (it is made again). */
async function getActor(client: PlatformClient, kind: ActorKind, id: string): Promise<{ id: string } | undefined> {
  const { response } =
    kind === 'source'
      ? await client.api.GET('/sources/{sourceId}', { params: { path: { sourceId: id } }, signal: client.signal })
      : await client.api.GET('/destinations/{destinationId}', { params: { path: { destinationId: id } }, signal: client.signal });
  if (response.status === 404) return undefined;
  if (!response.ok) throw client.httpError(`read ${kind} ${id}`, response, undefined);
  return { id };
}

/** A resource of the workspace with the side's name and definition: one an earlier deploy made before the store knew it. */
async function findActorByName(
  client: PlatformClient,
  side: Side,
  workspaceId: string,
  definitionId: string,
): Promise<{ id: string } | undefined> {
  const query = { workspaceIds: [workspaceId], limit: 100 };
  if (side.kind === 'source') {
    const { data } = await client.call('list sources', client.api.GET('/sources', { params: { query }, signal: client.signal }));
    const found = data.find((s) => s.name === side.name && s.definitionId === definitionId);
    return found && { id: found.sourceId };
  }
  const { data } = await client.call('list destinations', client.api.GET('/destinations', { params: { query }, signal: client.signal }));
  const found = data.find((d) => d.name === side.name && d.definitionId === definitionId);
  return found && { id: found.destinationId };
}

async function createActor(client: PlatformClient, side: Side, workspaceId: string, definitionId: string): Promise<string> {
  const body = { name: side.name, workspaceId, definitionId, configuration: side.resolved };
  if (side.kind === 'source') {
    const made = await client.call(`create source ${side.name}`, client.api.POST('/sources', { body, signal: client.signal }));
    return made.sourceId;
  }
  const made = await client.call(`create destination ${side.name}`, client.api.POST('/destinations', { body, signal: client.signal }));
  return made.destinationId;
}

/** Sends the current config: a rotated secret behind an unchanged reference reaches the platform too. */
async function patchActor(client: PlatformClient, side: Side, id: string): Promise<void> {
  const body = { name: side.name, configuration: side.resolved };
  if (side.kind === 'source') {
    await client.call(
      `update source ${side.name}`,
      client.api.PATCH('/sources/{sourceId}', { params: { path: { sourceId: id } }, body, signal: client.signal }),
    );
  } else {
    await client.call(
      `update destination ${side.name}`,
      client.api.PATCH('/destinations/{destinationId}', { params: { path: { destinationId: id } }, body, signal: client.signal }),
    );
  }
}

/** Creates the connection with its streams' sync modes and schedule, or updates the existing one. */
async function deployConnection(
  client: PlatformClient,
  store: WorkspaceStore,
  request: DeployRequest,
  source: Side,
  destination: Side,
  sourceId: string,
  destinationId: string,
): Promise<DeployResult['connection']> {
  const { apiUrl } = client.settings;
  const { workspaceId } = request;
  const localKey = connectionKey(source.localKey, destination.localKey);
  const name = request.name ?? `${source.name} → ${destination.name}`;
  const offered = await client.call(
    `read the streams of source ${source.name}`,
    client.api.GET('/streams', { params: { query: { sourceId, destinationId } }, signal: client.signal }),
  );
  const streams = streamConfigurations(offered, request.strategy ?? 'auto', request.streams);
  const schedule: Schedule = request.schedule ? { scheduleType: 'cron', cronExpression: request.schedule } : { scheduleType: 'manual' };
  const fingerprint = JSON.stringify({ name, streams, schedule, source: source.fingerprint, destination: destination.fingerprint });
  const record = store.platform.get(apiUrl, workspaceId, 'connection', localKey);
  const existingId = record
    ? await connectionIfPresent(client, record.remoteId)
    : await findConnection(client, workspaceId, (c) => c.sourceId === sourceId && c.destinationId === destinationId);
  const body = { name, configurations: { streams }, schedule };
  let id: string;
  let action: DeployAction;
  if (existingId) {
    await client.call(
      `update connection ${name}`,
      client.api.PATCH('/connections/{connectionId}', { params: { path: { connectionId: existingId } }, body, signal: client.signal }),
    );
    [id, action] = [existingId, record?.fingerprint === fingerprint ? 'unchanged' : 'updated'];
  } else {
    const made = await client.call(
      `create connection ${name}`,
      client.api.POST('/connections', { body: { ...body, sourceId, destinationId }, signal: client.signal }),
    );
    [id, action] = [made.connectionId, 'created'];
  }
  store.platform.put({ apiUrl, workspaceId, kind: 'connection' satisfies DeploymentKind, localKey, remoteId: id, name, fingerprint });
  request.onStep?.(`connection ${name}: ${action} (${id})`);
  return { id, name, action, streams: streams.map((s) => ({ name: s.name, syncMode: s.syncMode })), schedule };
}

/** The store's key of a pair. */
export function connectionKey(sourcePath: string, destinationPath: string): string {
  return `${path.resolve(sourcePath)} -> ${path.resolve(destinationPath)}`;
}

async function connectionIfPresent(client: PlatformClient, id: string): Promise<string | undefined> {
  const { response } = await client.api.GET('/connections/{connectionId}', {
    params: { path: { connectionId: id } },
    signal: client.signal,
  });
  if (response.status === 404) return undefined;
  if (!response.ok) throw client.httpError(`read connection ${id}`, response, undefined);
  return id;
}

/** The first connection of the workspace that `match` accepts (pages through the list). */
export async function findConnection(
  client: PlatformClient,
  workspaceId: string,
  match: (c: components['schemas']['ConnectionResponse']) => boolean,
): Promise<string | undefined> {
  for (let offset = 0; ; offset += 100) {
    const { data } = await client.call(
      'list connections',
      client.api.GET('/connections', { params: { query: { workspaceIds: [workspaceId], limit: 100, offset } }, signal: client.signal }),
    );
    const found = data.find(match);
    if (found) return found.connectionId;
    if (data.length < 100) return undefined;
  }
}
