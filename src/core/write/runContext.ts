/** What every part of one read or write shares: the store, the cache, the live counts, the host's options. */
import type { ConnectorLogLine } from '../connectors/connectorProcess';
import type { SecretMasker } from '../secrets';
import type { RecordCache } from '../store/recordCache';
import type { WorkspaceStore } from '../store/workspaceStore';
import type { PipelineOptions, RunWarning } from './pipelineOptions';
import { DEFAULT_IDLE_TIMEOUT_MS } from './pipelineOptions';
import type { ProgressTracker } from './progressTracker';

export interface RunContext {
  store: WorkspaceStore;
  cache: RecordCache;
  tracker: ProgressTracker;
  options: PipelineOptions;
  /** Notices of this run so far (a write returns them). */
  notices: string[];
  /** What went wrong without failing the run so far (`runWarnings.ts`); their messages are among the notices. */
  warnings: RunWarning[];
  /** Hides the secrets of every connector of the run. */
  masker: SecretMasker;
  /** Whether the destination's input ends with STREAM_STATUS messages (`streamStatusRule.ts`); default true. */
  streamStatus?: boolean;
  /** Resolves once records may move (the destination passed its check); see `recordsGate.ts`. */
  recordsGate?: Promise<void>;
}

/** Keeps a notice for the result and tells the host now. */
export function notice(ctx: Pick<RunContext, 'notices' | 'options'>, text: string): void {
  ctx.notices.push(text);
  ctx.options.onNotice?.(text);
}

/** The host's log callback bound to one connector's name. */
export function logTo(options: PipelineOptions, name: string): ((line: ConnectorLogLine) => void) | undefined {
  const onLog = options.onLog;
  return onLog ? (line) => onLog(name, line) : undefined;
}

/** The idle timeout of the run's connectors in ms (0: none). */
export function idleTimeoutOf(options: PipelineOptions): number {
  return options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
}
