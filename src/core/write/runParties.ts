/**
 * Who a run is about: each side's state identity (what state and the cache are keyed by) and the
 * names people know it by (its config file, its connector), as run history and `RunStarted` carry them.
 */
import path from 'node:path';
import type { PipelineConnector } from '../connectors/pipelineConnector';
import { CONFIG_FILE_SUFFIX } from '../config/configFileTypes';
import type { ConnectorSpecification } from '../protocol/messages';
import { connectorIdentity } from './connectorIdentity';
import type { PipelineOptions } from './pipelineOptions';
import { logTo } from './runContext';
import type { RunParty } from './runEvents';

/** The connector's spec: the known one, else its `spec` command's answer. */
export async function specOf(connector: PipelineConnector, options: PipelineOptions = {}): Promise<ConnectorSpecification> {
  return connector.specIfKnown() ?? (await connector.spec({ signal: options.signal, onLog: logTo(options, connector.name) }));
}

/** The identity state and cache are keyed by: name + hash of the config without its secrets. */
export async function identityOf(connector: PipelineConnector, options: PipelineOptions = {}): Promise<string> {
  const spec = await specOf(connector, options);
  return connectorIdentity(connector.name, connector.config, spec.connectionSpecification, connector.masker, connector.localDir);
}

/** What people call a config file: `warehouse.airbyte.jsonc` → `warehouse` (other names lose their extension). */
export function configLabel(configPath: string): string {
  const base = path.basename(configPath);
  return base.endsWith(CONFIG_FILE_SUFFIX) ? base.slice(0, -CONFIG_FILE_SUFFIX.length) : path.parse(base).name;
}

/** A side of a run from its connector and identity. */
export function runPartyOf(
  connector: Pick<PipelineConnector, 'name' | 'configPath'> & Partial<Pick<PipelineConnector, 'runsOn'>>,
  identity: string,
): RunParty {
  const configPath = connector.configPath ? path.resolve(connector.configPath) : undefined;
  return {
    identity,
    label: configPath ? configLabel(configPath) : connector.name,
    ...(configPath ? { configPath } : {}),
    connector: connector.name,
    ...(connector.runsOn ? { runsOn: connector.runsOn() } : {}),
  };
}

/** A connector's side of a run and its spec (running `spec` when it is not known yet). */
export async function partyOf(
  connector: PipelineConnector,
  options: PipelineOptions,
): Promise<{ party: RunParty; spec: ConnectorSpecification }> {
  const spec = await specOf(connector, options);
  const identity = connectorIdentity(connector.name, connector.config, spec.connectionSpecification, connector.masker, connector.localDir);
  return { party: runPartyOf(connector, identity), spec };
}
