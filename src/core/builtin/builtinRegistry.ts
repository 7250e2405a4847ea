/**
 * Built-in connectors that run in-process, with no Docker: referenced as `"connector": "builtin:<name>"`.
 * Each has a real spec (validated like any other) and an in-process Executor that speaks the protocol.
 */
import type { Executor } from '../executors/executor';
import type { ConnectorSpecification } from '../protocol/messages';
import type { ConnectorType } from '../registry/registryTypes';
import { devNullDestination } from './devNullDestination';
import { jsonlDestination } from './jsonlDestination';
import { sampleSource } from './sampleSource';
import { sqliteDestination } from './sqliteDestination';

export const BUILTIN_PREFIX = 'builtin:';

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

const BUILTINS: BuiltinConnector[] = [sampleSource, sqliteDestination, jsonlDestination, devNullDestination];

export function isBuiltinName(name: string): boolean {
  return name.startsWith(BUILTIN_PREFIX);
}

export function findBuiltin(name: string): BuiltinConnector | undefined {
  return BUILTINS.find((b) => b.name === name);
}

export function listBuiltins(): readonly BuiltinConnector[] {
  return BUILTINS;
}
