/**
 * Built-in connectors that run in-process, with no Docker: referenced as `"connector": "builtin:<name>"`.
 * Each has a real spec (validated like any other) and an in-process Executor that speaks the protocol.
 */
import type { BuiltinConnector } from './builtinConnector';
import { devNullDestination } from './devNullDestination';
import { jsonlDestination } from './jsonlDestination';
import { sampleSource } from './sampleSource';
import { sqliteDestination } from './sqliteDestination';

export const BUILTIN_PREFIX = 'builtin:';

const BUILTINS: BuiltinConnector[] = [sampleSource, sqliteDestination, jsonlDestination, devNullDestination];

/** True for names of the `builtin:` family, known or not. */
export function isBuiltinName(name: string): boolean {
  return name.startsWith(BUILTIN_PREFIX);
}

/** The built-in named `name` (`builtin:sample`), if there is one. */
export function findBuiltin(name: string): BuiltinConnector | undefined {
  return BUILTINS.find((b) => b.name === name);
}

/** Every built-in, sources first. */
export function listBuiltins(): readonly BuiltinConnector[] {
  return BUILTINS;
}
