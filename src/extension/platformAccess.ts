// The Airbyte platform as the editor reaches it: the instance URL and workspace from settings
// (`airbyte.platform.apiUrl`, `airbyte.platform.workspaceId`), the credentials from VS Code's
// SecretStorage (never settings files), each falling back to the environment variables PyAirbyte and
// the CLI read. Loaded on first use, with the core's platform client.
import * as vscode from 'vscode';
import { PlatformClient } from '../core/platform/platformClient';
import type { PlatformSettings } from '../core/platform/platformSettings';
import { platformSettings } from '../core/platform/platformSettings';

/** SecretStorage keys of the credentials. */
export const PLATFORM_SECRET_KEYS = {
  clientId: 'airbyte.platform.clientId',
  clientSecret: 'airbyte.platform.clientSecret',
  bearerToken: 'airbyte.platform.bearerToken',
} as const;

export interface PlatformCredentials {
  clientId?: string;
  clientSecret?: string;
  bearerToken?: string;
}

/** The `airbyte.platform.*` settings (every one this extension reads is read here). */
export function platformConfig(): { apiUrl?: string; workspaceId?: string; pollSeconds: number } {
  const section = vscode.workspace.getConfiguration('airbyte.platform');
  const poll = section.get<number>('pollSeconds');
  return {
    apiUrl: section.get<string>('apiUrl'),
    workspaceId: section.get<string>('workspaceId'),
    // At least 0.2 s between reads of a job.
    pollSeconds: typeof poll === 'number' && Number.isFinite(poll) ? Math.max(0.2, poll) : 5,
  };
}

/** The settings as they stand: settings and SecretStorage first, then the environment. */
export async function editorPlatformSettings(secrets: vscode.SecretStorage): Promise<PlatformSettings> {
  const config = platformConfig();
  return platformSettings({
    apiUrl: config.apiUrl,
    workspaceId: config.workspaceId,
    clientId: await secrets.get(PLATFORM_SECRET_KEYS.clientId),
    clientSecret: await secrets.get(PLATFORM_SECRET_KEYS.clientSecret),
    bearerToken: await secrets.get(PLATFORM_SECRET_KEYS.bearerToken),
  });
}

/** True when a workspace is named and credentials are at hand (else the view says what to set). */
export function isConfigured(settings: PlatformSettings): boolean {
  return Boolean(settings.workspaceId && (settings.bearerToken || (settings.clientId && settings.clientSecret)));
}

/** A client for the current settings; `signal` cancels its calls. */
export async function editorPlatformClient(secrets: vscode.SecretStorage, signal?: AbortSignal): Promise<PlatformClient> {
  return new PlatformClient(await editorPlatformSettings(secrets), { signal, maxAttempts: 3 });
}

/** Stores credentials (the ones given; an empty string removes one). */
export async function storePlatformCredentials(secrets: vscode.SecretStorage, credentials: PlatformCredentials): Promise<void> {
  for (const key of Object.keys(PLATFORM_SECRET_KEYS) as Array<keyof PlatformCredentials>) {
    const value = credentials[key];
    if (value === undefined) continue;
    if (value === '') await secrets.delete(PLATFORM_SECRET_KEYS[key]);
    else await secrets.store(PLATFORM_SECRET_KEYS[key], value);
  }
}
