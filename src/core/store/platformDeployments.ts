/**
 * What this workspace deployed to Airbyte platforms: for each platform (API URL) and workspace, the
 * platform's id of each source, destination and connection made from local config files, so that a
 * second deploy updates them in place instead of creating new ones. Only ids, names and a fingerprint
 * of the config as written in the file (with its secret references, never their values) are kept.
 */
import type { StoreDatabase } from './storeDatabase';
import { num } from './storeDatabase';

export type DeploymentKind = 'source' | 'destination' | 'connection';

export interface DeploymentRecord {
  apiUrl: string;
  workspaceId: string;
  kind: DeploymentKind;
  /** The local side: a config file's path; for a connection, `<source path> -> <destination path>`. */
  localKey: string;
  /** The platform's UUID of the resource. */
  remoteId: string;
  /** Its name on the platform. */
  name: string;
  /** A hash of the config file's connector and config as written (references unresolved). */
  fingerprint: string;
  updatedAt: number;
}

export class PlatformDeployments {
  constructor(private readonly db: StoreDatabase) {}

  /** The record of a local side (or pair) on a platform workspace, if it was deployed there. */
  get(apiUrl: string, workspaceId: string, kind: DeploymentKind, localKey: string): DeploymentRecord | undefined {
    return this.select('WHERE api_url = ? AND workspace_id = ? AND kind = ? AND local_key = ?', [apiUrl, workspaceId, kind, localKey])[0];
  }

  /** Every deployed connection, newest first; on one platform when `apiUrl` is given. */
  connections(apiUrl?: string): DeploymentRecord[] {
    return apiUrl === undefined
      ? this.select("WHERE kind = 'connection' ORDER BY updated_at DESC", [])
      : this.select("WHERE kind = 'connection' AND api_url = ? ORDER BY updated_at DESC", [apiUrl]);
  }

  /** Records (or replaces) what a deploy made or updated. */
  put(record: Omit<DeploymentRecord, 'updatedAt'>): void {
    this.db.run('INSERT OR REPLACE INTO platform_deployments VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      record.apiUrl,
      record.workspaceId,
      record.kind,
      record.localKey,
      record.remoteId,
      record.name,
      record.fingerprint,
      Date.now(),
    ]);
  }

  /** Forgets a record whose resource is gone from the platform. */
  remove(apiUrl: string, workspaceId: string, kind: DeploymentKind, localKey: string): void {
    this.db.run('DELETE FROM platform_deployments WHERE api_url = ? AND workspace_id = ? AND kind = ? AND local_key = ?', [
      apiUrl,
      workspaceId,
      kind,
      localKey,
    ]);
  }

  private select(where: string, params: string[]): DeploymentRecord[] {
    return this.db
      .rows(
        `SELECT api_url, workspace_id, kind, local_key, remote_id, name, fingerprint, updated_at FROM platform_deployments ${where}`,
        params,
      )
      .map((r) => ({
        apiUrl: String(r.api_url),
        workspaceId: String(r.workspace_id),
        kind: String(r.kind) as DeploymentKind,
        localKey: String(r.local_key),
        remoteId: String(r.remote_id),
        name: String(r.name),
        fingerprint: String(r.fingerprint),
        updatedAt: num(r.updated_at),
      }));
  }
}
