/**
 * Which Airbyte platform to talk to and with which credentials: Airbyte Cloud or a self-managed
 * instance, read from the same environment variables as PyAirbyte (`airbyte.cloud`), each one
 * overridden by an explicit value (a CLI option, an editor setting or its SecretStorage).
 */
import { AirbyteError } from '../errors';

/** Airbyte Cloud's public API. A self-managed instance serves the same API at `http://HOST:8000/api/public/v1`. */
export const CLOUD_API_URL = 'https://api.airbyte.com/v1';

/** The environment variables PyAirbyte reads, by what they hold. */
export const PLATFORM_ENV = {
  apiUrl: 'AIRBYTE_CLOUD_API_URL',
  clientId: 'AIRBYTE_CLOUD_CLIENT_ID',
  clientSecret: 'AIRBYTE_CLOUD_CLIENT_SECRET',
  bearerToken: 'AIRBYTE_CLOUD_BEARER_TOKEN',
  workspaceId: 'AIRBYTE_CLOUD_WORKSPACE_ID',
} as const;

export interface PlatformSettings {
  /** Base URL of the public API, without a trailing slash. */
  apiUrl: string;
  clientId?: string;
  clientSecret?: string;
  /** A bearer token given directly (used as is; it cannot be refreshed). */
  bearerToken?: string;
  workspaceId?: string;
}

export type PlatformSettingsOverrides = Partial<Record<keyof PlatformSettings, string | undefined>>;

/** Settings from `env`, each replaced by a non-empty override. The URL defaults to Airbyte Cloud. */
export function platformSettings(overrides: PlatformSettingsOverrides = {}, env: NodeJS.ProcessEnv = process.env): PlatformSettings {
  const pick = (key: keyof PlatformSettings): string | undefined => {
    const value = overrides[key]?.trim() || env[PLATFORM_ENV[key]]?.trim();
    return value ? value : undefined;
  };
  const apiUrl = (pick('apiUrl') ?? CLOUD_API_URL).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/i.test(apiUrl)) {
    throw new AirbyteError('USAGE', {
      message: `The Airbyte API URL "${apiUrl}" is not an http(s) URL.`,
      guidance: `Use ${CLOUD_API_URL} for Airbyte Cloud, or http://HOST:8000/api/public/v1 for a self-managed instance (${PLATFORM_ENV.apiUrl} or --api-url).`,
    });
  }
  return {
    apiUrl,
    clientId: pick('clientId'),
    clientSecret: pick('clientSecret'),
    bearerToken: pick('bearerToken'),
    workspaceId: pick('workspaceId'),
  };
}

/** Throws PLATFORM_AUTH unless the settings hold a bearer token or a client id and secret. */
export function checkCredentials(settings: PlatformSettings): void {
  if (settings.bearerToken || (settings.clientId && settings.clientSecret)) return;
  throw new AirbyteError('PLATFORM_AUTH', {
    message: `No credentials for the Airbyte platform at ${settings.apiUrl}.`,
    guidance: `Set ${PLATFORM_ENV.clientId} and ${PLATFORM_ENV.clientSecret} (an application's client credentials, from the Airbyte UI: Settings › Applications), or ${PLATFORM_ENV.bearerToken}.`,
    context: { apiUrl: settings.apiUrl },
  });
}

/** The workspace, or a USAGE error saying how to name it. */
export function requireWorkspace(settings: PlatformSettings): string {
  if (settings.workspaceId) return settings.workspaceId;
  throw new AirbyteError('USAGE', {
    message: 'No Airbyte workspace was named.',
    guidance: `Give --workspace ID or set ${PLATFORM_ENV.workspaceId} (the UUID in the workspace's URL in the Airbyte UI).`,
  });
}

/**
 * The web UI beside an API URL, for links to a connection's jobs: Cloud's API at api.airbyte.com
 * has its UI at cloud.airbyte.com; a self-managed instance serves both from one host.
 */
export function platformUiUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === 'api.airbyte.com') return 'https://cloud.airbyte.com';
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/api\/public\/v1\/?$/, '').replace(/\/v1\/?$/, '')}`.replace(/\/+$/, '');
}
