/**
 * Issue 9 item 3: the VMS database turns read-only (`PRAGMA query_only`) or full
 * (`PRAGMA max_page_count` just above its size) in the middle of a full sync. The run fails with
 * a clear error naming the problem, every row committed before the fault is still there, and
 * the next run after the fault is fixed completes with the same database as a sync that never
 * saw the fault.
 */
import { join } from 'node:path';
import { tempDir, type TempDir } from '@vms/test-utils';
import type { TaskStateEvent } from '@vms/flow-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from '../runner';
import { canonicalDump, diffDumps, type CanonicalDump } from './harness/canonical-dump';
import { missingGoodRecords } from './harness/expectations';
import { runnerEnv, startOrg, type Org } from './harness/org';
import { runFlow, runnerFrom, type RunOutcome } from './harness/runner';

let dir: TempDir;
let org: Org;
let reference: CanonicalDump;

interface FaultCase {
  runner: Runner;
  faulted: RunOutcome;
  /** Rows of each table just before the fault was switched on. */
  before: Record<string, string[]>;
  /** ... and just after the failed run. */
  after: Record<string, string[]>;
  fixed: RunOutcome;
  path: string;
}

const TABLES = ['organization', 'district', 'school', 'contact', 'volunteer', 'event', 'sync_watermarks'];

function rows(runner: Runner): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const t of TABLES) out[t] = (runner.db.prepare(`SELECT * FROM ${t}`).all() as unknown[]).map((r) => JSON.stringify(r));
  return out;
}

/**
 * Runs a full sync in `sub` and switches `fault` on once the first entity task (organizations)
 * has completed, i.e. mid-sync with committed rows behind it; `fix` switches it off again.
 */
async function withFault(sub: string, fault: (runner: Runner) => void, fix: (runner: Runner) => void): Promise<FaultCase> {
  const path = join(dir.path, sub);
  const runner = await runnerFrom(runnerEnv(org.server, path, { SYNC_CHUNK_SIZE: '50' }));
  let before: Record<string, string[]> = {};
  const onState = (e: TaskStateEvent): void => {
    if (e.taskName === 'sync-organizations' && e.to === 'Completed' && Object.keys(before).length === 0) {
      before = rows(runner);
      fault(runner);
    }
  };
  runner.engine.on('task:state', onState);
  const faulted = await runFlow(runner, 'full-salesforce-sync');
  runner.engine.off('task:state', onState);
  const after = rows(runner);
  fix(runner);
  const fixed = await runFlow(runner, 'full-salesforce-sync');
  return { runner, faulted, before, after, fixed, path };
}

const cases: Record<string, FaultCase> = {};

beforeAll(async () => {
  dir = await tempDir('vms-disk-faults-');
  org = await startOrg({ seed: 21, scale: 0.05, badRowRate: 0.02 });
  const clean = await runnerFrom(runnerEnv(org.server, join(dir.path, 'clean')));
  const outcome = await runFlow(clean, 'full-salesforce-sync');
  expect(outcome.state).toBe('Completed');
  await clean.close();
  reference = canonicalDump(join(dir.path, 'clean', 'vms.db'));

  cases.readOnly = await withFault(
    'read-only',
    (r) => r.db.pragma('query_only = ON'),
    (r) => r.db.pragma('query_only = OFF'),
  );
  let pages = 0;
  cases.full = await withFault(
    'full',
    (r) => {
      pages = r.db.pragma('max_page_count', { simple: true }) as number;
      const used = r.db.pragma('page_count', { simple: true }) as number;
      r.db.pragma(`max_page_count = ${used + 2}`);
    },
    (r) => r.db.pragma(`max_page_count = ${pages}`),
  );
}, 200_000);

afterAll(async () => {
  for (const c of Object.values(cases)) await c.runner.close();
  await org?.close();
  await dir?.cleanup();
});

describe.each([
  ['read-only', 'readOnly', /readonly|read-only|query_only/i],
  ['full', 'full', /full/i],
])('VMS database %s mid-sync', (_label, key, clear) => {
  it('the run fails with a clear error naming the problem', () => {
    const c = cases[key] as FaultCase;
    expect(Object.keys(c.before).length).toBeGreaterThan(0);
    expect(c.faulted.state).toBe('Failed');
    // The run's error names the entities that did not complete; each entity's stored summary
    // names the cause. (Finding: the run-level message itself does not say why; see RELIABILITY.md.)
    const error = c.faulted.error as (Error & { summary?: { entities: Record<string, { status: string; error?: string }> } }) | undefined;
    expect(error?.message).toMatch(/did not complete \d+ entit/);
    const notRun = Object.values(error?.summary?.entities ?? {}).filter((e) => e.status === 'not_run');
    expect(notRun.length).toBeGreaterThan(0);
    for (const e of notRun) expect(e.error).toMatch(clear);
  });

  it('nothing committed before the fault is lost', () => {
    const c = cases[key] as FaultCase;
    expect(c.before.organization?.length).toBeGreaterThan(10);
    for (const t of TABLES) {
      const after = new Set(c.after[t]);
      const lost = (c.before[t] ?? []).filter((r) => !after.has(r));
      expect(lost, t).toEqual([]);
    }
  });

  it('the next run after the fault is fixed completes, with the database of a sync that never saw the fault', () => {
    const c = cases[key] as FaultCase;
    expect(c.fixed.error?.message).toBeUndefined();
    expect(c.fixed.state).toBe('Completed');
    expect(missingGoodRecords(c.runner.db, org.data)).toEqual({});
    expect(diffDumps(canonicalDump(join(c.path, 'vms.db')), reference)).toEqual({});
  });
});
