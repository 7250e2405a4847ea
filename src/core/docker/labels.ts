/** Labels on every container this tool starts, so that leftovers can be found and removed. */
import os from 'node:os';

export const LABEL_MANAGED = 'io.airbyte-write.managed';
export const LABEL_RUN_ID = 'io.airbyte-write.run-id';
export const LABEL_OWNER_PID = 'io.airbyte-write.owner-pid';
export const LABEL_OWNER_HOST = 'io.airbyte-write.owner-host';
export const LABEL_CREATED_AT = 'io.airbyte-write.created-at';
export const LABEL_COMMAND = 'io.airbyte-write.command';

/** The labels for a container started now by this process. */
export function managedLabels(runId: string, command: string): Record<string, string> {
  return {
    [LABEL_MANAGED]: 'true',
    [LABEL_RUN_ID]: runId,
    [LABEL_OWNER_PID]: String(process.pid),
    [LABEL_OWNER_HOST]: os.hostname(),
    [LABEL_CREATED_AT]: new Date().toISOString(),
    [LABEL_COMMAND]: command,
  };
}

/** The `filters` argument that lists containers of this tool (all of them, or one run's). */
export function managedFilter(runId?: string): string {
  return JSON.stringify({ label: [`${LABEL_MANAGED}=true`, ...(runId ? [`${LABEL_RUN_ID}=${runId}`] : [])] });
}
