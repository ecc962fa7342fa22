/** Every flow of the runner, built over one set of dependencies. */
import type { Flow } from '@vms/flow-core';
import type { FlowDeps } from './deps';
import { createHealthCheck } from './health-check';
import { createSyncFlows } from './salesforce-sync';
import { createVirtualSessionImport } from './virtual-session-import';

/** The runner's flows by name. */
export interface RunnerFlows {
  'full-salesforce-sync': ReturnType<typeof createSyncFlows>['full'];
  'incremental-salesforce-sync': ReturnType<typeof createSyncFlows>['incremental'];
  'virtual-session-import': ReturnType<typeof createVirtualSessionImport>;
  'health-check': ReturnType<typeof createHealthCheck>;
}

/** Builds every flow. */
export function createFlows(deps: FlowDeps): RunnerFlows {
  const sync = createSyncFlows(deps);
  return {
    'full-salesforce-sync': sync.full,
    'incremental-salesforce-sync': sync.incremental,
    'virtual-session-import': createVirtualSessionImport(deps),
    'health-check': createHealthCheck(deps),
  };
}

/** The flows as a list (for `engine.register`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function flowList(flows: RunnerFlows): Flow<any, any>[] {
  return Object.values(flows);
}
