import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createEngine, flow, task } from '@vms/flow-core';
import { tempDir, waitFor } from '@vms/test-utils';
import type { TempDir } from '@vms/test-utils';
import { SqliteStore } from './sqlite-store.js';

describe('durable runs on SQLite (one process)', () => {
  let dir: TempDir;
  let file: string;
  beforeEach(async () => {
    dir = await tempDir();
    file = join(dir.path, 'flow.db');
  });
  afterEach(async () => {
    await dir.cleanup();
  });

  it('an idempotency key returns the existing run, also from a second engine on the same file', async () => {
    const calls: number[] = [];
    const work = task({ name: 'work', run: async () => calls.push(1) });
    const nightly = flow({ name: 'nightly', params: z.object({ day: z.string() }), run: async (ctx) => ctx.run(work, undefined) });
    const store = new SqliteStore({ file });
    const engine = createEngine({ store });
    const first = await engine.start(nightly, { day: '2026-01-05' }, { idempotencyKey: 'nightly-2026-01-05' });
    const second = await engine.start(nightly, { day: '2026-01-05' }, { idempotencyKey: 'nightly-2026-01-05' });
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ runId: first.runId, created: false });
    expect(await first.result()).toBe(1);
    await engine.stop();

    const otherStore = new SqliteStore({ file });
    const other = createEngine({ store: otherStore });
    const third = await other.start(nightly, { day: '2026-01-05' }, { idempotencyKey: 'nightly-2026-01-05' });
    expect(third).toMatchObject({ runId: first.runId, created: false });
    expect(await third.result()).toBe(1);
    expect(calls).toHaveLength(1);
    expect((await otherStore.listRuns()).items).toHaveLength(1);
    await other.stop();
    await otherStore.close();
    await store.close();
  });

  it('incompatible-step guard: a resumed run whose code now asks for a different task under a stored key fails clearly', async () => {
    const store = new SqliteStore({ file });
    const past = Date.now() - 60_000;
    // What a process running the OLD code left behind when it died: step `load` done under key `step-1`.
    await store.createRun({ id: 'r1', flowName: 'import', params: null, state: 'Pending', leaseOwner: 'dead-process', leaseExpiresAt: past, now: past });
    await store.transitionRun({ runId: 'r1', to: 'Running', at: past });
    await store.upsertTaskRun({ id: 't1', runId: 'r1', taskKey: 'step-1', taskName: 'load-contacts', state: 'Pending', maxAttempts: 1, now: past });
    await store.transitionTask({ taskRunId: 't1', to: 'Running', at: past, patch: { attempt: 1 } });
    await store.transitionTask({ taskRunId: 't1', to: 'Completed', at: past, patch: { result: [1, 2, 3] } });

    const ran: string[] = [];
    const loadAccounts = task({ name: 'load-accounts', run: async () => ran.push('load-accounts') });
    const importFlow = flow({ name: 'import', run: async (ctx) => ctx.run(loadAccounts, undefined, { key: 'step-1' }) });
    const engine = createEngine({ store }).register(importFlow);
    const result = await engine.recover();
    expect(result).toMatchObject({ crashed: ['r1'], resumed: ['r1'] });
    await waitFor(async () => (await store.getRun('r1'))?.state === 'Failed');
    const run = await store.getRun('r1');
    expect(run?.error?.code).toBe('INCOMPATIBLE_STEP');
    expect(run?.error?.message).toMatch(/task key `step-1` was stored for task `load-contacts`, but the flow now asks for task `load-accounts`/);
    expect(ran).toEqual([]);
    expect(run?.attempt).toBe(2);
    await engine.stop();
    await store.close();
  });

  it('engine.rerun(runId, { fromTask }) reuses the results before that task and runs the rest', async () => {
    const ran: string[] = [];
    const step = task({
      name: 'step',
      input: z.object({ n: z.number() }),
      run: async (_ctx, { n }) => {
        ran.push(`step ${n}`);
        return n * 10;
      },
    });
    const pipeline = flow({
      name: 'pipeline',
      run: async (ctx) => {
        const a = await ctx.run(step, { n: 1 });
        const b = await ctx.run(step, { n: 2 });
        const c = await ctx.run(step, { n: 3 });
        return a + b + c;
      },
    });
    const store = new SqliteStore({ file });
    const engine = createEngine({ store }).register(pipeline);
    const first = await engine.start(pipeline);
    expect(await first.result()).toBe(60);
    ran.length = 0;

    const again = await engine.rerun(first.runId, { fromTask: 'step#3' });
    expect(again.reused).toEqual(['step#1', 'step#2']);
    expect(await again.result()).toBe(60);
    expect(ran).toEqual(['step 3']);
    expect(again.runId).not.toBe(first.runId);
    const tasks = await store.getTaskRunsByRun(again.runId);
    expect(tasks.map((t) => [t.taskKey, t.state, t.result])).toEqual([
      ['step#1', 'Completed', 10],
      ['step#2', 'Completed', 20],
      ['step#3', 'Completed', 30],
    ]);
    await expect(engine.rerun(first.runId, { fromTask: 'nope' })).rejects.toThrow(/has no task `nope`.*`step#1`, `step#2`, `step#3`/);
    await engine.stop();
    await store.close();
  });

  it('C23: cancelling a run that holds slots releases them (store queue slot and in-process tag slot)', async () => {
    const store = new SqliteStore({ file });
    const hold = task({
      name: 'hold',
      tags: ['salesforce'],
      run: async (ctx) => new Promise<void>((_r, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })),
    });
    const busy = flow({ name: 'busy', run: async (ctx) => ctx.run(hold, undefined) });
    const engine = createEngine({ store, tags: { salesforce: 1 } }).register(busy);
    const { runId } = await engine.enqueue(busy, undefined);
    const worker = await engine.work({ queueLimits: { default: 1 }, pollIntervalMs: 20 });
    await waitFor(async () => engine.slotsInUse().total > 0 && (await store.getTaskRunsByRun(runId))[0]?.state === 'Running');
    const storeSlotsBefore = (await store.listSlots(Date.now())).length;
    const engineSlotsBefore = engine.slotsInUse().total;
    expect(storeSlotsBefore).toBe(1);
    expect(engineSlotsBefore).toBeGreaterThanOrEqual(2); // the engine-wide task slot and the `salesforce` tag slot

    expect(await engine.cancel(runId, 'operator cancelled')).toBe(true);
    await waitFor(async () => (await store.getRun(runId))?.state === 'Cancelled' && worker.active.length === 0);
    expect((await store.listSlots(Date.now())).length).toBe(storeSlotsBefore - 1);
    expect(engine.slotsInUse().total).toBe(0);
    await worker.stop();
    await engine.stop();
    await store.close();
  });
});
