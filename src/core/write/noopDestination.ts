/** PyAirbyte's `get_noop_destination()`: Airbyte's dev-null destination in its SILENT mode. */
import type { GetConnectorOptions } from '../connectors/getConnector';
import { getDestination } from '../connectors/getConnector';
import type { Destination } from '../connectors/connector';
import type { JsonObject } from '../protocol/messages';

/** The dev-null config that discards everything without logging it. */
export const NOOP_DESTINATION_CONFIG: JsonObject = { test_destination: { test_destination_type: 'SILENT' } };

/** `destination-dev-null` (Docker image, registry-pinned tag) configured to discard records silently. */
export function getNoopDestination(options: Omit<GetConnectorOptions, 'config'> = {}): Promise<Destination> {
  return getDestination('destination-dev-null', { ...options, config: NOOP_DESTINATION_CONFIG });
}
