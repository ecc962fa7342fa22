/** Every case function a child process can run, by name. */
import type { CaseOutput } from './measurement.js';
import { engineMemory, engineSqlite, pqueueFloor, pqueueSqliteFloor } from './cases/engine.js';
import { syncFloor, syncOurs, syncPlain } from './cases/sync.js';

/** A case body: runs in a fresh child process, returns the timed figures. */
export type CaseFunction = (params: never) => Promise<CaseOutput>;

export const CASE_FUNCTIONS = {
  'pqueue-floor': pqueueFloor,
  'pqueue-sqlite-floor': pqueueSqliteFloor,
  'engine-memory': engineMemory,
  'engine-sqlite': engineSqlite,
  'sync-floor': syncFloor,
  'sync-ours': syncOurs,
  'sync-plain': syncPlain,
} as const satisfies Record<string, CaseFunction>;

export type CaseFunctionName = keyof typeof CASE_FUNCTIONS;

/** True when `name` names a case function. */
export function isCaseFunctionName(name: unknown): name is CaseFunctionName {
  return typeof name === 'string' && Object.hasOwn(CASE_FUNCTIONS, name);
}
