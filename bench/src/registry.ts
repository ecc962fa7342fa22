/**
 * Every case function a child process can run, by name. Loaded lazily, so a child imports only
 * its own case's modules (an engine case never loads jsforce), which keeps peak RSS comparable.
 */
import type { CaseOutput } from './measurement.js';

/** A case body: runs in a fresh child process, returns the timed figures. */
export type CaseFunction = (params: never) => Promise<CaseOutput>;

const engine = () => import('./cases/engine.js');
const sync = () => import('./cases/sync.js');

export const CASE_FUNCTIONS = {
  'pqueue-floor': async () => (await engine()).pqueueFloor,
  'pqueue-sqlite-floor': async () => (await engine()).pqueueSqliteFloor,
  'engine-memory': async () => (await engine()).engineMemory,
  'engine-sqlite': async () => (await engine()).engineSqlite,
  'sync-floor': async () => (await sync()).syncFloor,
  'sync-ours': async () => (await sync()).syncOurs,
  'sync-plain': async () => (await sync()).syncPlain,
} as const satisfies Record<string, () => Promise<CaseFunction>>;

export type CaseFunctionName = keyof typeof CASE_FUNCTIONS;

/** True when `name` names a case function. */
export function isCaseFunctionName(name: unknown): name is CaseFunctionName {
  return typeof name === 'string' && Object.hasOwn(CASE_FUNCTIONS, name);
}
