/**
 * Typed models of the Airbyte protocol (release 0.18.0, `airbyte_protocol.yaml`).
 *
 * Every protocol object allows unknown fields, so each interface carries an index signature:
 * parsing keeps whatever a connector sends and writing sends it on untouched.
 */

type Open = { [extra: string]: unknown };

export type JsonObject = { [key: string]: unknown };

export interface StreamDescriptor extends Open {
  name: string;
  namespace?: string;
}

export type SyncMode = 'full_refresh' | 'incremental';
export type DestinationSyncMode = 'append' | 'overwrite' | 'append_dedup' | 'update' | 'soft_delete';

export interface AirbyteRecordMessageMetaChange extends Open {
  field: string;
  change: 'NULLED' | 'TRUNCATED';
  reason: string;
}

export interface AirbyteRecordMessage extends Open {
  namespace?: string;
  stream: string;
  data: JsonObject;
  /** Epoch milliseconds. */
  emitted_at: number;
  meta?: { changes?: AirbyteRecordMessageMetaChange[] } & Open;
  file_reference?: Open;
}

export interface AirbyteStateStats extends Open {
  recordCount?: number;
  rejectedRecordCount?: number;
}

export interface AirbyteStreamState extends Open {
  stream_descriptor: StreamDescriptor;
  /** `null` resets the stream. */
  stream_state?: JsonObject | null;
}

export interface AirbyteGlobalState extends Open {
  shared_state?: JsonObject | null;
  stream_states: AirbyteStreamState[];
}

export type AirbyteStateType = 'GLOBAL' | 'STREAM' | 'LEGACY';

export interface AirbyteStateMessage extends Open {
  /** Absent means LEGACY. */
  type?: AirbyteStateType;
  stream?: AirbyteStreamState;
  global?: AirbyteGlobalState;
  /** Old destinations echo GLOBAL state under this key. */
  global_?: AirbyteGlobalState;
  data?: JsonObject;
  sourceStats?: AirbyteStateStats;
  destinationStats?: AirbyteStateStats;
}

export type AirbyteLogLevel = 'FATAL' | 'ERROR' | 'WARN' | 'INFO' | 'DEBUG' | 'TRACE';

export interface AirbyteLogMessage extends Open {
  level: AirbyteLogLevel;
  message: string;
  stack_trace?: string;
}

export type FailureType = 'system_error' | 'config_error' | 'transient_error';

export interface AirbyteErrorTraceMessage extends Open {
  message: string;
  internal_message?: string;
  stack_trace?: string;
  failure_type?: FailureType;
  stream_descriptor?: StreamDescriptor;
}

export interface AirbyteEstimateTraceMessage extends Open {
  name: string;
  type: 'STREAM' | 'SYNC';
  namespace?: string;
  row_estimate?: number;
  byte_estimate?: number;
}

export type AirbyteStreamStatus = 'STARTED' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE';

export interface AirbyteStreamStatusTraceMessage extends Open {
  stream_descriptor: StreamDescriptor;
  status: AirbyteStreamStatus;
  reasons?: Array<{ type: 'RATE_LIMITED'; rate_limited?: { quota_reset?: number } } & Open>;
}

export interface AirbyteAnalyticsTraceMessage extends Open {
  type: string;
  value?: string;
}

export type AirbyteTraceType = 'ERROR' | 'ESTIMATE' | 'STREAM_STATUS' | 'ANALYTICS';

export interface AirbyteTraceMessage extends Open {
  type: AirbyteTraceType;
  emitted_at: number;
  error?: AirbyteErrorTraceMessage;
  estimate?: AirbyteEstimateTraceMessage;
  stream_status?: AirbyteStreamStatusTraceMessage;
  analytics?: AirbyteAnalyticsTraceMessage;
}

export interface AirbyteControlMessage extends Open {
  type: 'CONNECTOR_CONFIG';
  emitted_at: number;
  connectorConfig?: { config: JsonObject } & Open;
}

export interface AirbyteConnectionStatus extends Open {
  status: 'SUCCEEDED' | 'FAILED';
  message?: string;
}

export interface AirbyteStream extends Open {
  name: string;
  json_schema: JsonObject;
  supported_sync_modes: SyncMode[];
  source_defined_cursor?: boolean;
  default_cursor_field?: string[];
  source_defined_primary_key?: string[][];
  namespace?: string;
  is_resumable?: boolean;
  is_file_based?: boolean;
}

export interface AirbyteCatalog extends Open {
  streams: AirbyteStream[];
}

export interface ConfiguredAirbyteStream extends Open {
  stream: AirbyteStream;
  sync_mode: SyncMode;
  cursor_field?: string[];
  destination_sync_mode: DestinationSyncMode;
  destination_object_name?: string;
  primary_key?: string[][];
  generation_id?: number;
  minimum_generation_id?: number;
  sync_id?: number;
  include_files?: boolean;
}

export interface ConfiguredAirbyteCatalog extends Open {
  streams: ConfiguredAirbyteStream[];
}

export interface DestinationOperation extends Open {
  object_name: string;
  sync_mode: DestinationSyncMode;
  json_schema: JsonObject;
  matching_keys?: string[][];
}

export interface DestinationCatalog extends Open {
  operations: DestinationOperation[];
}

export interface ConnectorSpecification extends Open {
  documentationUrl?: string;
  changelogUrl?: string;
  connectionSpecification: JsonObject;
  supportsIncremental?: boolean;
  supportsNormalization?: boolean;
  supportsDBT?: boolean;
  supported_destination_sync_modes?: DestinationSyncMode[];
  advanced_auth?: Open;
  /** The Airbyte protocol version the connector declares (SemVer), when it does. */
  protocol_version?: string;
}

export type AirbyteMessageType =
  'RECORD' | 'STATE' | 'LOG' | 'SPEC' | 'CONNECTION_STATUS' | 'CATALOG' | 'TRACE' | 'CONTROL' | 'DESTINATION_CATALOG';

/** The envelope, discriminated by `type`. Payload keys are not uniform (camelCase and snake_case mix). */
export type AirbyteMessage =
  | ({ type: 'RECORD'; record: AirbyteRecordMessage } & Open)
  | ({ type: 'STATE'; state: AirbyteStateMessage } & Open)
  | ({ type: 'LOG'; log: AirbyteLogMessage } & Open)
  | ({ type: 'SPEC'; spec: ConnectorSpecification } & Open)
  | ({ type: 'CONNECTION_STATUS'; connectionStatus: AirbyteConnectionStatus } & Open)
  | ({ type: 'CATALOG'; catalog: AirbyteCatalog } & Open)
  | ({ type: 'TRACE'; trace: AirbyteTraceMessage } & Open)
  | ({ type: 'CONTROL'; control: AirbyteControlMessage } & Open)
  | ({ type: 'DESTINATION_CATALOG'; destination_catalog: DestinationCatalog } & Open);

export type MessageOf<T extends AirbyteMessageType> = Extract<AirbyteMessage, { type: T }>;

const PAYLOAD_KEY: Record<AirbyteMessageType, string> = {
  RECORD: 'record',
  STATE: 'state',
  LOG: 'log',
  SPEC: 'spec',
  CONNECTION_STATUS: 'connectionStatus',
  CATALOG: 'catalog',
  TRACE: 'trace',
  CONTROL: 'control',
  DESTINATION_CATALOG: 'destination_catalog',
};

/** The envelope key that holds the payload of a message of this type. */
export function payloadKey(type: AirbyteMessageType): string {
  return PAYLOAD_KEY[type];
}

/**
 * Lenient structural check: an object with a known `type` and an object payload under its key.
 * Anything else on a connector's stdout is a log line, never an error.
 */
export function isAirbyteMessage(value: unknown): value is AirbyteMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !(type in PAYLOAD_KEY)) return false;
  const payload = (value as Record<string, unknown>)[PAYLOAD_KEY[type as AirbyteMessageType]];
  return typeof payload === 'object' && payload !== null;
}

/** The state type, with a missing `type` read as LEGACY as the protocol says. */
export function stateType(state: AirbyteStateMessage): AirbyteStateType {
  return state.type ?? 'LEGACY';
}

/** GLOBAL state, accepting the `global_` key that old destinations echo. */
export function globalState(state: AirbyteStateMessage): AirbyteGlobalState | undefined {
  return state.global ?? state.global_;
}

/** How a stream is keyed everywhere (state rows, the cache, `--streams`): `namespace.name`, or `name` without a namespace. */
export function streamKey(descriptor: { name: string; namespace?: string | null }): string {
  return streamKeyOf(descriptor.name, descriptor.namespace);
}

/** {@link streamKey} from its parts: for per-record paths that have no descriptor object (a RECORD, a routed line). */
export function streamKeyOf(name: string, namespace?: string | null): string {
  return namespace ? `${namespace}.${name}` : name;
}

/** Builders for the messages the orchestrator itself writes. */
export const message = {
  record(stream: string, data: JsonObject, emittedAtMs: number, namespace?: string): MessageOf<'RECORD'> {
    const record: AirbyteRecordMessage = { stream, data, emitted_at: Math.trunc(emittedAtMs) };
    if (namespace) record.namespace = namespace;
    return { type: 'RECORD', record };
  },
  state(state: AirbyteStateMessage): MessageOf<'STATE'> {
    return { type: 'STATE', state };
  },
  streamStatus(descriptor: StreamDescriptor, status: AirbyteStreamStatus, emittedAtMs = Date.now()): MessageOf<'TRACE'> {
    return {
      type: 'TRACE',
      trace: { type: 'STREAM_STATUS', emitted_at: emittedAtMs, stream_status: { stream_descriptor: descriptor, status } },
    };
  },
  log(level: AirbyteLogLevel, text: string): MessageOf<'LOG'> {
    return { type: 'LOG', log: { level, message: text } };
  },
  errorTrace(text: string, failureType: FailureType = 'system_error', emittedAtMs = Date.now()): MessageOf<'TRACE'> {
    return { type: 'TRACE', trace: { type: 'ERROR', emitted_at: emittedAtMs, error: { message: text, failure_type: failureType } } };
  },
};
