/**
 * What a built-in connector is: a name, a spec and an in-process executor. The built-ins implement
 * this; `builtinRegistry.ts` lists them.
 */
import type { Executor } from '../executors/executor';
import type { ConnectorSpecification } from '../protocol/messages';
import type { ConnectorType } from '../registry/registryTypes';

export interface BuiltinExecutorOptions {
  /** Folder that relative paths in the config resolve against (the config file's `localDir`, else its folder). */
  baseDir: string;
}

export interface BuiltinConnector {
  /** `builtin:sample`, `builtin:sqlite`, `builtin:jsonl`, `builtin:dev-null`. */
  name: string;
  type: ConnectorType;
  displayName: string;
  description: string;
  spec: ConnectorSpecification;
  /** Refresh-capable: overwrite is expressed with generations. */
  supportsRefreshes?: boolean;
  createExecutor(options: BuiltinExecutorOptions): Executor;
}
