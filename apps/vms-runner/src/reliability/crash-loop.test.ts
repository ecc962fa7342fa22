/**
 * Issue 9 item 1 (CI version: one seed, 3 kills; `scripts/crash-loop.sh` runs 20 seeds). The real
 * `vms-runner run full-salesforce-sync` is SIGKILLed at random moments of a full sync and
 * restarted until a run completes; `vms-runner start` then recovers the killed runs. The final
 * VMS database equals an uninterrupted sync's, row for row, with no duplicate and no run left
 * `Running`.
 */
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCrashLoop, type CrashLoopResult } from './crash-loop';

let dir: TempDir;
let result: CrashLoopResult;

beforeAll(async () => {
  dir = await tempDir('vms-crash-loop-');
  result = await runCrashLoop({ seed: Number(process.env.CRASH_LOOP_SEED ?? 11), kills: 3, scale: 0.1, dir: dir.path });
}, 420_000);
afterAll(async () => {
  await dir?.cleanup();
});

describe('crash loop: SIGKILL during a full sync, restart, repeat', () => {
  it('three kills landed mid-sync', () => {
    expect(result.killsLanded).toBe(3);
  });

  it('the final VMS database equals the uninterrupted sync\'s (canonical dump of every table)', () => {
    expect(result.diff).toEqual({});
    expect(result.rowsCompared).toBeGreaterThan(3000);
  });

  it('no duplicate row', () => {
    expect(result.duplicates).toEqual({});
  });

  it('no run stuck in Running: start recovered every killed run and resumed it to completion', () => {
    expect(result.runStates.Running ?? 0).toBe(0);
    expect(result.runStates.Pending ?? 0).toBe(0);
    expect(result.recovered.crashed).toBe(result.killsLanded);
    expect(result.recovered.resumed).toBe(result.killsLanded);
    // Every `run` process made one run (kill attempts + the final one): all Completed in the end.
    expect(result.runStates).toEqual({ Completed: result.processes - 1 });
  });
});
