/**
 * A streamed write's connectors started before the source's `discover` has answered. Discover is a
 * container of its own that every write waits for (it says which streams the source has, hence
 * what the source reads and the destination writes); a source config written before has its last
 * discovered catalog in the store. With it, the plan is made at once and both connectors start
 * beside discover: the source's `read` and the destination's `write` with exactly the files the
 * plan gives them. When discover answers, the plan is made again from its catalog, and the
 * pipeline starts the connectors as always: each `start` of exactly the same command, config,
 * catalog and state takes the run started early (`Connector.startEarly`); any difference, or a
 * failed discover, stops the early runs before a byte of their output was read or of their input
 * written. What was kept never decides what is read or written: only discover's answer does.
 */
import type { PipelineConnector, PipelineSource } from '../connectors/pipelineConnector';
import type { AirbyteStateMessage } from '../protocol/messages';
import type { WorkspaceStore } from '../store/workspaceStore';
import type { BuildCatalogOptions, StreamPlan } from './catalogBuilder';
import { buildConfiguredCatalog } from './catalogBuilder';
import type { PipelineOptions } from './pipelineOptions';
import { idleTimeoutOf, logTo } from './runContext';

/** A streamed write as far as starting it early needs: its sides, how it plans, what it offers the source. */
export interface EarlyWrite {
  source?: PipelineSource;
  destination: PipelineConnector;
  store: WorkspaceStore;
  sourceId: string;
  /** What the write's plan is made of, but for the source's catalog. */
  plan: Omit<BuildCatalogOptions, 'discovered'>;
  /** The states the source is offered with a plan. */
  offer(plans: StreamPlan[]): AirbyteStateMessage[];
}

/** Starts both connectors of a streamed write with the plan its source's last discovered catalog makes, when it has one. */
export function startEarly(write: EarlyWrite, options: PipelineOptions): void {
  const { source, destination } = write;
  if (!source?.startEarly || !destination.startEarly) return;
  const kept = write.store.catalogs.get(write.sourceId);
  if (!kept) return;
  let built: ReturnType<typeof buildConfiguredCatalog>;
  try {
    built = buildConfiguredCatalog({ ...write.plan, discovered: kept });
  } catch {
    // The kept catalog makes no plan (a stream asked for is not in it): discover's will say why.
    return;
  }
  const common = { signal: options.signal, idleTimeoutMs: idleTimeoutOf(options) };
  source.startEarly(
    { command: 'read', config: source.config, catalog: built.catalog, state: write.offer(built.plans) },
    { ...common, onLog: logTo(options, source.name) },
  );
  destination.startEarly(
    { command: 'write', config: destination.config, catalog: built.catalog },
    { ...common, onLog: logTo(options, destination.name) },
  );
}

/**
 * Stops the runs started early that the write did not take (it failed, or discover changed the
 * plan); resolves once they are gone, so that the write ends with no container of its own running.
 */
export async function discardEarly(write: Pick<EarlyWrite, 'source' | 'destination'>): Promise<void> {
  await Promise.all([write.source?.discardEarly?.(), write.destination.discardEarly?.()]);
}
