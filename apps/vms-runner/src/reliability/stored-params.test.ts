/**
 * Found by the crash loop: a run started without params (`vms-runner run full-salesforce-sync`,
 * a schedule, an API trigger with no body) is stored with params `null` (the store keeps JSON).
 * Every path that runs a stored run (crash recovery, queue workers, rerun) must run it again
 * with no params, not fail it with "Invalid stored params ... expected object, received null".
 */
import { join } from 'node:path';
import { tempDir, type TempDir } from '@vms/test-utils';
import { ENDED_STATES } from '@vms/flow-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from '../runner';
import { runnerEnv, startOrg, type Org } from './harness/org';
import { runnerFrom } from './harness/runner';

let dir: TempDir;
let org: Org;
let runner: Runner;

beforeAll(async () => {
  dir = await tempDir('vms-stored-params-');
  org = await startOrg({ seed: 5, scale: 0.02 });
  runner = await runnerFrom(runnerEnv(org.server, join(dir.path, 'r')));
});
afterAll(async () => {
  await runner?.close();
  await org?.close();
  await dir?.cleanup();
});

describe('stored runs without params', () => {
  it('a queued full-salesforce-sync without params is claimed by a worker and completes', async () => {
    const { runId } = await runner.engine.enqueue(runner.flows['full-salesforce-sync'], undefined);
    await runner.startWorker();
    let run = await runner.store.getRun(runId);
    const deadline = Date.now() + 60_000;
    while ((run === undefined || !ENDED_STATES.has(run.state)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      run = await runner.store.getRun(runId);
    }
    expect({ error: run?.error ?? null, reason: (run as { stateReason?: unknown } | undefined)?.stateReason }).toEqual({ error: null, reason: expect.anything() });
    expect([run?.state, (run as { stateReason?: unknown } | undefined)?.stateReason]).toEqual(['Completed', expect.anything()]);
  }, 90_000);
});
