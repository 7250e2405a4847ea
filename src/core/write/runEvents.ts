/**
 * Runs announce themselves: as soon as the store has recorded a run, and before any record moves,
 * the pipeline tells its host who the run is about (`PipelineOptions.onRunStarted`). Run history
 * keeps the same fields, so a host places a live run and a past one from the core alone.
 */
import type { RunKind } from '../store/runHistory';

/** One side of a run as people name it. */
export interface RunParty {
  /** The state identity: connector name + hash of the config without secrets (connectorIdentity.ts). */
  identity: string;
  /** What people call it: the config file's name without `.airbyte.jsonc` when it came from a file, else the connector name. */
  label: string;
  /** Absolute path of the `*.airbyte.jsonc` it was loaded from, when it was. */
  configPath?: string;
  /** Connector name (`source-faker`, `builtin:sqlite`). */
  connector: string;
  /** Where it ran: `docker tcp://host:2376`, `this machine`, `in process`. */
  runsOn?: string;
}

/** Emitted once per run, as soon as the store has recorded it and before any record moves. */
export interface RunStarted {
  runId: number;
  kind: RunKind;
  source: RunParty;
  /** Writes only. */
  destination?: RunParty;
  /** A write through the cache: the read run that fed it. A write of `cache:N`: N. */
  parentReadRunId?: number;
  /** A read started by a write through the cache: that write's destination (so views can place it). */
  forDestination?: RunParty;
  streams: string[];
  strategy?: string;
  mode?: string;
  startedAt: number;
}
