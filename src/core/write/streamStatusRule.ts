/**
 * Whether a destination is sent TRACE STREAM_STATUS messages at the end of its input. The Airbyte
 * platform sends them, and Bulk/Java CDK destinations need the COMPLETE one to finish a stream (a
 * refresh's truncate among others); the Python CDK's destinations log each one as "ignoring input
 * which can't be deserialized" and drop it. The rule, first match wins:
 *
 * 1. the spec's `protocol_version` (the protocol the connector declares): 0.3.0 or newer (the
 *    protocol that added STREAM_STATUS) gets them, an older one does not;
 * 2. the registry entry: a Python destination (`language: python`, or a `packageInfo.cdk_version`
 *    of `python:…`) does not get them; any other language does;
 * 3. otherwise (built-ins, images the registry does not know) they are sent: the protocol tells
 *    destinations to ignore messages they do not use.
 */
import type { ConnectorSpecification } from '../protocol/messages';
import type { RegistryEntry } from '../registry/registryTypes';

/** The protocol version that introduced STREAM_STATUS trace messages. */
const STREAM_STATUS_SINCE: readonly [number, number, number] = [0, 3, 0];

/** See the module doc: whether `STREAM_STATUS` goes to this destination, and why (for the log). */
export function takesStreamStatus(
  spec: ConnectorSpecification | undefined,
  entry: Pick<RegistryEntry, 'language' | 'raw'> | undefined,
): { send: boolean; why: string } {
  const declared = typeof spec?.protocol_version === 'string' ? parseVersion(spec.protocol_version) : undefined;
  if (declared) {
    const send = compare(declared, STREAM_STATUS_SINCE) >= 0;
    return { send, why: `its spec declares protocol ${String(spec!.protocol_version)}` };
  }
  const cdk = cdkVersionOf(entry);
  if (entry?.language === 'python' || cdk?.startsWith('python:')) {
    return { send: false, why: `the registry lists it as a Python CDK destination${cdk ? ` (${cdk})` : ''}` };
  }
  if (entry?.language) return { send: true, why: `the registry lists it as a ${entry.language} destination` };
  return { send: true, why: 'neither its spec nor the registry says otherwise' };
}

function cdkVersionOf(entry: Pick<RegistryEntry, 'raw'> | undefined): string | undefined {
  const info = entry?.raw?.packageInfo;
  const cdk = typeof info === 'object' && info !== null ? (info as { cdk_version?: unknown }).cdk_version : undefined;
  return typeof cdk === 'string' ? cdk : undefined;
}

function parseVersion(text: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}
