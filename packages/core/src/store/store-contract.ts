/**
 * The reusable `Store` contract suite. Every store implementation runs it:
 *
 * ```ts
 * import { describe, it } from 'vitest';
 * import { describeStoreContract } from '@vms/flow-core/testing';
 * describeStoreContract({ name: 'SqliteStore', describe, it, makeStore: async () => {
 *   const dir = await tempDir();
 *   const store = new SqliteStore({ file: join(dir.path, 'runs.db') });
 *   return { store, cleanup: async () => { await store.close(); await dir.cleanup(); },
 *            openPeer: () => new SqliteStore({ file: join(dir.path, 'runs.db') }) };
 * }});
 * ```
 *
 * The caller passes its test runner's `describe` and `it`, so core has no runtime dependency on
 * vitest; assertions use `node:assert/strict`.
 */
import assert from 'node:assert/strict';
import type { NewFlowRun, NewTaskRun, Store } from './types.js';

/** What `makeStore` returns. */
export interface StoreFixture {
  store: Store;
  /** Called after each test (close handles, delete temp files). */
  cleanup?: () => Promise<void> | void;
  /**
   * Opens a second handle on the same data (e.g. another connection to the same SQLite file),
   * for the concurrent-claim tests. Omit for single-handle stores (MemoryStore).
   */
  openPeer?: () => Promise<Store> | Store;
}

/** Options of {@link describeStoreContract}. */
export interface StoreContractOptions {
  /** Suite name, e.g. `SqliteStore`. */
  name: string;
  /** A fresh, empty store per test. */
  makeStore: () => Promise<StoreFixture> | StoreFixture;
  /** The test runner's `describe` (vitest, node:test, jest). */
  describe: (name: string, fn: () => void) => void;
  /** The test runner's `it`. */
  it: (name: string, fn: () => Promise<void>) => void;
}

const T0 = Date.UTC(2026, 0, 5, 12, 0, 0);

function newRun(id: string, extra: Partial<NewFlowRun> = {}): NewFlowRun {
  return { id, flowName: 'sync', params: { year: 2026 }, state: 'Scheduled', now: T0, ...extra };
}

function newTask(id: string, runId: string, taskKey: string, extra: Partial<NewTaskRun> = {}): NewTaskRun {
  return { id, runId, taskKey, taskName: taskKey.split('#')[0] ?? taskKey, state: 'Pending', maxAttempts: 3, now: T0, ...extra };
}

/** Registers the contract suite for one store implementation. */
export function describeStoreContract(options: StoreContractOptions): void {
  const { describe, it, makeStore } = options;

  const test = (name: string, body: (store: Store, fixture: StoreFixture) => Promise<void>): void => {
    it(name, async () => {
      const fixture = await makeStore();
      try {
        await body(fixture.store, fixture);
      } finally {
        await fixture.cleanup?.();
      }
    });
  };

  describe(`Store contract: ${options.name}`, () => {
    describe('runs', () => {
      test('createRun stores every field and a first history row', async (store) => {
        const { run, created } = await store.createRun(
          newRun('r1', { queue: 'sf', priority: 5, runAt: T0 + 10, tags: ['a'], idempotencyKey: 'k', reason: 'enqueued' }),
        );
        assert.equal(created, true);
        assert.equal(run.state, 'Scheduled');
        assert.equal(run.queue, 'sf');
        assert.equal(run.priority, 5);
        assert.equal(run.runAt, T0 + 10);
        assert.equal(run.attempt, 1);
        assert.deepEqual(run.params, { year: 2026 });
        assert.deepEqual(run.tags, ['a']);
        assert.equal(run.leaseOwner, null);
        const got = await store.getRun('r1');
        assert.deepEqual(got, run);
        const history = await store.getHistory('r1');
        assert.equal(history.length, 1);
        assert.equal(history[0]?.from, null);
        assert.equal(history[0]?.to, 'Scheduled');
        assert.equal(history[0]?.reason, 'enqueued');
        assert.equal(await store.getRun('missing'), undefined);
      });

      test('createRun with a used idempotency key returns the existing run (per flow)', async (store) => {
        const first = await store.createRun(newRun('r1', { idempotencyKey: 'nightly-2026-01-05' }));
        const second = await store.createRun(newRun('r2', { idempotencyKey: 'nightly-2026-01-05' }));
        assert.equal(second.created, false);
        assert.equal(second.run.id, first.run.id);
        assert.equal(await store.getRun('r2'), undefined);
        const other = await store.createRun(newRun('r3', { flowName: 'other', idempotencyKey: 'nightly-2026-01-05' }));
        assert.equal(other.created, true);
        assert.equal((await store.findRunByIdempotencyKey('sync', 'nightly-2026-01-05'))?.id, 'r1');
      });

      test('transitionRun applies the patch and writes a history row in one step', async (store) => {
        await store.createRun(newRun('r1', { state: 'Pending' }));
        const res = await store.transitionRun({
          runId: 'r1',
          from: ['Pending'],
          to: 'Running',
          at: T0 + 5,
          reason: 'started',
          patch: { startedAt: T0 + 5, waitingFor: { kind: 'tasks', taskKeys: ['a#1'] } },
        });
        assert.equal(res.ok, true);
        const run = await store.getRun('r1');
        assert.equal(run?.state, 'Running');
        assert.equal(run?.startedAt, T0 + 5);
        assert.equal(run?.stateReason, 'started');
        assert.deepEqual(run?.waitingFor, { kind: 'tasks', taskKeys: ['a#1'] });
        const history = await store.getHistory('r1');
        assert.deepEqual(
          history.map((h) => [h.entity, h.from, h.to, h.at]),
          [
            ['flow', null, 'Pending', T0],
            ['flow', 'Pending', 'Running', T0 + 5],
          ],
        );
      });

      test('transitionRun is compare-and-set: wrong state, wrong owner, illegal, missing', async (store) => {
        await store.createRun(newRun('r1', { state: 'Pending', leaseOwner: 'w1', leaseExpiresAt: T0 + 1000 }));
        const mismatch = await store.transitionRun({ runId: 'r1', from: ['Running'], to: 'Completed', at: T0 });
        assert.equal(mismatch.ok, false);
        assert.equal(mismatch.ok ? '' : mismatch.reason, 'state_mismatch');
        const owner = await store.transitionRun({ runId: 'r1', owner: 'w2', to: 'Running', at: T0 });
        assert.equal(owner.ok ? '' : owner.reason, 'lease_mismatch');
        const done = await store.transitionRun({ runId: 'r1', owner: 'w1', to: 'Completed', at: T0 });
        assert.equal(done.ok, true);
        const illegal = await store.transitionRun({ runId: 'r1', to: 'Running', at: T0 });
        assert.equal(illegal.ok ? '' : illegal.reason, 'illegal_transition');
        const missing = await store.transitionRun({ runId: 'nope', to: 'Running', at: T0 });
        assert.equal(missing.ok ? '' : missing.reason, 'not_found');
        assert.equal((await store.getRun('r1'))?.state, 'Completed');
        assert.equal((await store.getHistory('r1')).length, 2);
      });

      test('listRuns filters by flow, state, queue, time, parent and schedule, newest first, with a cursor', async (store) => {
        for (let i = 0; i < 7; i++) {
          await store.createRun(newRun(`r${i}`, { flowName: i % 2 ? 'odd' : 'even', now: T0 + i * 1000, queue: i < 3 ? 'a' : 'b' }));
        }
        await store.createRun(newRun('child', { parentRunId: 'r0', now: T0 + 10_000 }));
        await store.transitionRun({ runId: 'r2', to: 'Cancelled', at: T0 });
        const all = await store.listRuns({ parentRunId: null });
        assert.deepEqual(all.items.map((r) => r.id), ['r6', 'r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
        assert.equal(all.nextCursor, undefined);
        assert.deepEqual((await store.listRuns({ flowName: 'odd' })).items.map((r) => r.id), ['r5', 'r3', 'r1']);
        assert.deepEqual((await store.listRuns({ state: 'Cancelled' })).items.map((r) => r.id), ['r2']);
        assert.deepEqual((await store.listRuns({ state: ['Cancelled'], queue: 'a' })).items.map((r) => r.id), ['r2']);
        assert.deepEqual(
          (await store.listRuns({ since: T0 + 2000, until: T0 + 4000 })).items.map((r) => r.id),
          ['r3', 'r2'],
        );
        assert.deepEqual((await store.listRuns({ parentRunId: 'r0' })).items.map((r) => r.id), ['child']);
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.listRuns({ parentRunId: null, limit: 3, ...(cursor ? { cursor } : {}) });
          assert.ok(page.items.length <= 3);
          seen.push(...page.items.map((r) => r.id));
          cursor = page.nextCursor;
        } while (cursor);
        assert.deepEqual(seen, ['r6', 'r5', 'r4', 'r3', 'r2', 'r1', 'r0']);
        await store.createRun(newRun('by-schedule-1', { scheduleName: 'nightly', now: T0 + 9000 }));
        await store.createRun(newRun('by-schedule-2', { scheduleName: 'nightly', now: T0 + 9001 }));
        await store.createRun(newRun('other-schedule', { scheduleName: 'weekly', now: T0 + 9002 }));
        assert.deepEqual((await store.listRuns({ scheduleName: 'nightly' })).items.map((r) => r.id), ['by-schedule-2', 'by-schedule-1']);
        assert.deepEqual((await store.listRuns({ scheduleName: 'nightly', state: 'Scheduled', limit: 1 })).items.map((r) => r.id), ['by-schedule-2']);
        assert.deepEqual((await store.listRuns({ scheduleName: 'none' })).items, []);
      });

      test('getRunDetail returns the run with task runs, logs, history and children', async (store) => {
        await store.createRun(newRun('r1', { state: 'Pending' }));
        await store.createRun(newRun('c1', { state: 'Pending', parentRunId: 'r1', parentTaskKey: 'child#1' }));
        await store.upsertTaskRun(newTask('t1', 'r1', 'fetch#1'));
        await store.appendLogs([
          { runId: 'r1', level: 'info', message: 'one', at: T0 },
          { runId: 'r1', taskRunId: 't1', level: 'warn', message: 'two', fields: { n: 2 }, at: T0 + 1 },
        ]);
        const detail = await store.getRunDetail('r1');
        assert.equal(detail?.run.id, 'r1');
        assert.deepEqual(detail?.taskRuns.map((t) => t.taskKey), ['fetch#1']);
        assert.deepEqual(detail?.logs.map((l) => l.message), ['one', 'two']);
        assert.deepEqual(detail?.logs[1]?.fields, { n: 2 });
        assert.equal(detail?.history.length, 2);
        assert.deepEqual(detail?.children.map((c) => c.id), ['c1']);
        assert.equal(detail?.children[0]?.parentTaskKey, 'child#1');
        assert.equal((await store.getRunDetail('r1', { logLimit: 1 }))?.logs.length, 1);
        assert.equal(await store.getRunDetail('nope'), undefined);
      });
    });

    describe('queue and leases', () => {
      test('claimNextRun honours queue, runAt, priority and flow filters and leases atomically', async (store) => {
        await store.createRun(newRun('low', { priority: 0, now: T0 }));
        await store.createRun(newRun('high', { priority: 9, now: T0 + 1 }));
        await store.createRun(newRun('future', { priority: 99, runAt: T0 + 60_000 }));
        await store.createRun(newRun('other-q', { priority: 50, queue: 'sf' }));
        await store.createRun(newRun('other-flow', { priority: 50, flowName: 'unknown' }));
        const opts = { owner: 'w1', leaseMs: 30_000, now: T0 + 10, queues: ['default'], flowNames: ['sync'] };
        const first = await store.claimNextRun(opts);
        assert.equal(first?.id, 'high');
        assert.equal(first?.state, 'Pending');
        assert.equal(first?.leaseOwner, 'w1');
        assert.equal(first?.leaseExpiresAt, T0 + 10 + 30_000);
        assert.equal((await store.claimNextRun(opts))?.id, 'low');
        assert.equal(await store.claimNextRun(opts), undefined);
        assert.equal((await store.claimNextRun({ ...opts, now: T0 + 60_000 }))?.id, 'future');
        assert.equal((await store.claimNextRun({ owner: 'w2', leaseMs: 1, now: T0 + 10, queues: ['sf'] }))?.id, 'other-q');
        const history = await store.getHistory('high');
        assert.deepEqual(history.map((h) => h.to), ['Scheduled', 'Pending']);
      });

      test('claimNextRun marks a run claimed past lateAfterMs as Late', async (store) => {
        await store.createRun(newRun('r1', { runAt: T0 }));
        const run = await store.claimNextRun({ owner: 'w', leaseMs: 1000, now: T0 + 5000, lateAfterMs: 1000 });
        assert.equal(run?.state, 'Late');
      });

      test('concurrent claims never hand out one run twice', async (store, fixture) => {
        for (let i = 0; i < 20; i++) await store.createRun(newRun(`r${i}`, { now: T0 + i }));
        const peer = fixture.openPeer ? await fixture.openPeer() : store;
        try {
          const claims = await Promise.all(
            Array.from({ length: 30 }, (_, i) =>
              (i % 2 ? peer : store).claimNextRun({ owner: `w${i % 2}`, leaseMs: 1000, now: T0 + 100 }),
            ),
          );
          const ids = claims.filter((r) => r !== undefined).map((r) => r.id);
          assert.equal(ids.length, 20);
          assert.equal(new Set(ids).size, 20);
        } finally {
          if (peer !== store) await peer.close();
        }
      });

      test('extendLease, releaseLease and findExpiredLeases', async (store) => {
        await store.createRun(newRun('r1'));
        await store.createRun(newRun('r2', { state: 'Pending', leaseOwner: 'w2', leaseExpiresAt: T0 + 50 }));
        await store.claimNextRun({ owner: 'w1', leaseMs: 100, now: T0 });
        assert.equal(await store.extendLease({ runId: 'r1', owner: 'w9', leaseMs: 1000, now: T0 + 10 }), false);
        assert.equal(await store.extendLease({ runId: 'r1', owner: 'w1', leaseMs: 1000, now: T0 + 10 }), true);
        assert.equal((await store.getRun('r1'))?.leaseExpiresAt, T0 + 1010);
        assert.deepEqual((await store.findExpiredLeases(T0 + 500)).map((r) => r.id), ['r2']);
        assert.deepEqual((await store.findExpiredLeases(T0 + 2000)).map((r) => r.id), ['r2', 'r1']);
        assert.deepEqual((await store.findExpiredLeases(T0 + 2000, 1)).map((r) => r.id), ['r2']);
        await store.transitionRun({ runId: 'r2', to: 'Crashed', at: T0 + 2000, reason: 'lease expired' });
        assert.deepEqual((await store.findExpiredLeases(T0 + 2000)).map((r) => r.id), ['r1']);
        assert.equal(await store.releaseLease('r1', 'w2'), false);
        assert.equal(await store.releaseLease('r1', 'w1'), true);
        assert.equal((await store.getRun('r1'))?.leaseOwner, null);
        assert.deepEqual(await store.findExpiredLeases(T0 + 2000), []);
      });

      test('queuePosition counts claimable runs ahead in the same queue', async (store) => {
        await store.createRun(newRun('a', { priority: 1 }));
        await store.createRun(newRun('b', { now: T0 + 1 }));
        await store.createRun(newRun('c', { now: T0 + 2 }));
        await store.createRun(newRun('x', { queue: 'other', priority: 100 }));
        assert.equal(await store.queuePosition('a', T0 + 5), 0);
        assert.equal(await store.queuePosition('c', T0 + 5), 2);
        await store.claimNextRun({ owner: 'w', leaseMs: 10, now: T0 + 5, queues: ['default'] });
        assert.equal(await store.queuePosition('c', T0 + 5), 1);
        assert.equal(await store.queuePosition('a', T0 + 5), undefined);
      });
    });

    describe('task runs', () => {
      test('upsertTaskRun inserts once per (run, taskKey); first write wins', async (store) => {
        await store.createRun(newRun('r1', { state: 'Pending' }));
        const a = await store.upsertTaskRun(newTask('t1', 'r1', 'fetch#1', { tags: ['sf'], atMostOnce: true }));
        assert.equal(a.created, true);
        assert.equal(a.taskRun.attempt, 0);
        assert.deepEqual(a.taskRun.tags, ['sf']);
        assert.equal(a.taskRun.atMostOnce, true);
        const b = await store.upsertTaskRun(newTask('t2', 'r1', 'fetch#1', { maxAttempts: 9 }));
        assert.equal(b.created, false);
        assert.equal(b.taskRun.id, 't1');
        assert.equal(b.taskRun.maxAttempts, 3);
        await store.upsertTaskRun(newTask('t3', 'r1', 'fetch#2'));
        assert.deepEqual((await store.getTaskRunsByRun('r1')).map((t) => t.id), ['t1', 't3']);
        await assert.rejects(store.upsertTaskRun(newTask('t4', 'missing-run', 'x#1')));
      });

      test('transitionTask records attempts, results and history; findCompletedTaskResult', async (store) => {
        await store.createRun(newRun('r1', { state: 'Pending' }));
        await store.upsertTaskRun(newTask('t1', 'r1', 'fetch#1'));
        const steps = [
          { to: 'Running', patch: { attempt: 1, startedAt: T0 } },
          { to: 'Retrying', patch: { nextRetryAt: T0 + 100, error: { name: 'Error', message: 'boom' } } },
          { to: 'Running', patch: { attempt: 2, nextRetryAt: null } },
        ] as const;
        for (const s of steps) {
          const r = await store.transitionTask({ taskRunId: 't1', to: s.to, at: T0, patch: s.patch });
          assert.equal(r.ok, true);
        }
        assert.equal(await store.findCompletedTaskResult('r1', 'fetch#1'), undefined);
        const bad = await store.transitionTask({ taskRunId: 't1', from: ['Pending'], to: 'Completed', at: T0 });
        assert.equal(bad.ok ? '' : bad.reason, 'state_mismatch');
        const done = await store.transitionTask({
          taskRunId: 't1',
          from: ['Running'],
          to: 'Completed',
          at: T0 + 200,
          patch: { result: { rows: [1, 2] }, endedAt: T0 + 200, error: null },
        });
        assert.equal(done.ok, true);
        assert.deepEqual(await store.findCompletedTaskResult('r1', 'fetch#1'), { result: { rows: [1, 2] }, resultPersisted: true });
        const task = await store.getTaskRun('t1');
        assert.equal(task?.attempt, 2);
        assert.equal(task?.error, null);
        const history = (await store.getHistory('r1')).filter((h) => h.entity === 'task');
        assert.deepEqual(
          history.map((h) => [h.from, h.to, h.attempt]),
          [
            [null, 'Pending', 0],
            ['Pending', 'Running', 1],
            ['Running', 'Retrying', 1],
            ['Retrying', 'Running', 2],
            ['Running', 'Completed', 2],
          ],
        );
        assert.equal((await store.transitionTask({ taskRunId: 'zz', to: 'Running', at: T0 })).ok, false);
      });

      test('setTaskProgress stores the latest progress', async (store) => {
        await store.createRun(newRun('r1', { state: 'Pending' }));
        await store.upsertTaskRun(newTask('t1', 'r1', 'fetch#1'));
        assert.equal(await store.setTaskProgress('t1', { done: 5, total: 10, unit: 'records' }, T0), true);
        assert.equal(await store.setTaskProgress('t1', { done: 7, total: 10, unit: 'records' }, T0 + 1), true);
        assert.deepEqual((await store.getTaskRun('t1'))?.progress, { done: 7, total: 10, unit: 'records' });
        assert.equal(await store.setTaskProgress('nope', { done: 1 }, T0), false);
      });
    });

    describe('logs and checkpoints', () => {
      test('appendLogs keeps order; getLogs pages with afterSeq and filters by task', async (store) => {
        await store.createRun(newRun('r1', { state: 'Pending' }));
        await store.appendLogs(
          Array.from({ length: 5 }, (_, i) => ({
            runId: 'r1',
            taskRunId: i % 2 ? 't1' : null,
            level: 'info' as const,
            message: `m${i}`,
            at: T0 + i,
          })),
        );
        const all = await store.getLogs('r1');
        assert.deepEqual(all.map((l) => l.message), ['m0', 'm1', 'm2', 'm3', 'm4']);
        assert.ok(all.every((l, i) => i === 0 || l.seq > (all[i - 1]?.seq ?? Infinity)));
        const after = await store.getLogs('r1', { afterSeq: all[1]?.seq ?? 0, limit: 2 });
        assert.deepEqual(after.map((l) => l.message), ['m2', 'm3']);
        assert.deepEqual((await store.getLogs('r1', { taskRunId: 't1' })).map((l) => l.message), ['m1', 'm3']);
      });

      test('checkpoints are per run, task key and key; set overwrites', async (store) => {
        await store.createRun(newRun('r1', { state: 'Pending' }));
        assert.equal(await store.getCheckpoint('r1', 'sync#1', 'lastId'), undefined);
        await store.setCheckpoint({ runId: 'r1', taskKey: 'sync#1', key: 'lastId', value: '001A', now: T0 });
        await store.setCheckpoint({ runId: 'r1', taskKey: 'sync#1', key: 'lastId', value: '001B', now: T0 + 1 });
        await store.setCheckpoint({ runId: 'r1', taskKey: 'sync#2', key: 'lastId', value: { n: 1 }, now: T0 });
        assert.equal(await store.getCheckpoint('r1', 'sync#1', 'lastId'), '001B');
        assert.deepEqual(await store.getCheckpoint('r1', 'sync#2', 'lastId'), { n: 1 });
        assert.equal((await store.listCheckpoints('r1')).length, 2);
      });
    });

    describe('schedules', () => {
      test('upsertSchedule keeps the stored slot unless resetSlot; pause and delete', async (store) => {
        const s = await store.upsertSchedule({ name: 'nightly', flowName: 'sync', spec: { cron: '0 2 * * *' }, nextSlot: T0, now: T0 });
        assert.equal(s.nextSlot, T0);
        assert.equal(s.paused, false);
        const again = await store.upsertSchedule({ name: 'nightly', flowName: 'sync', spec: { cron: '0 3 * * *' }, nextSlot: T0 + 99, now: T0 + 1 });
        assert.equal(again.nextSlot, T0);
        assert.deepEqual(again.spec, { cron: '0 3 * * *' });
        const reset = await store.upsertSchedule({ name: 'nightly', flowName: 'sync', spec: {}, nextSlot: T0 + 99, resetSlot: true, now: T0 + 2 });
        assert.equal(reset.nextSlot, T0 + 99);
        assert.equal((await store.setSchedulePaused('nightly', true, T0 + 3))?.paused, true);
        assert.equal((await store.upsertSchedule({ name: 'nightly', flowName: 'sync', spec: {}, nextSlot: 1, now: T0 + 4 })).paused, true);
        assert.equal(await store.setSchedulePaused('nope', true, T0), undefined);
        await store.upsertSchedule({ name: 'a-weekly', flowName: 'x', spec: null, nextSlot: null, now: T0 });
        assert.deepEqual((await store.listSchedules()).map((x) => x.name), ['a-weekly', 'nightly']);
        assert.equal(await store.deleteSchedule('a-weekly'), true);
        assert.equal(await store.deleteSchedule('a-weekly'), false);
        assert.equal(await store.getSchedule('a-weekly'), undefined);
      });

      test('claimScheduleSlot is compare-and-set and creates the run in the same step', async (store, fixture) => {
        await store.upsertSchedule({ name: 'nightly', flowName: 'sync', spec: {}, nextSlot: T0, now: T0 });
        const peer = fixture.openPeer ? await fixture.openPeer() : store;
        try {
          const results = await Promise.all(
            [store, peer, store, peer].map((s, i) =>
              s.claimScheduleSlot({
                name: 'nightly',
                slot: T0,
                nextSlot: T0 + 86_400_000,
                now: T0 + 5,
                run: newRun(`fire-${i}`, { scheduleName: 'nightly', scheduledFor: T0, now: T0 + 5 }),
              }),
            ),
          );
          const won = results.filter((r) => r.claimed);
          assert.equal(won.length, 1);
          const runs = (await store.listRuns({ flowName: 'sync' })).items;
          assert.equal(runs.length, 1);
          assert.equal(runs[0]?.scheduleName, 'nightly');
          assert.equal(runs[0]?.scheduledFor, T0);
          const s = await store.getSchedule('nightly');
          assert.equal(s?.lastSlot, T0);
          assert.equal(s?.nextSlot, T0 + 86_400_000);
          const stale = await store.claimScheduleSlot({ name: 'nightly', slot: T0, nextSlot: T0 + 1, now: T0 + 6 });
          assert.equal(stale.claimed, false);
          // One claim jumping over three skipped slots records the last of them as lastSlot.
          const DAY = 86_400_000;
          const jump = await store.claimScheduleSlot({ name: 'nightly', slot: T0 + DAY, nextSlot: T0 + 4 * DAY, lastSlot: T0 + 3 * DAY, now: T0 + 3 * DAY });
          assert.equal(jump.claimed, true);
          assert.equal(jump.claimed && jump.schedule.lastSlot, T0 + 3 * DAY);
          const stored = await store.getSchedule('nightly');
          assert.equal(stored?.lastSlot, T0 + 3 * DAY);
          assert.equal(stored?.nextSlot, T0 + 4 * DAY);
          assert.equal((await store.claimScheduleSlot({ name: 'none', slot: T0, nextSlot: null, now: T0 })).claimed, false);
        } finally {
          if (peer !== store) await peer.close();
        }
      });
    });

    describe('concurrency slots', () => {
      test('acquireSlot enforces the limit, renews, expires, and releases per holder and per run', async (store) => {
        const req = { key: 'tag:salesforce', limit: 2, owner: 'w1', now: T0 };
        assert.equal(await store.acquireSlot({ ...req, holder: 'h1', runId: 'r1' }), true);
        assert.equal(await store.acquireSlot({ ...req, holder: 'h2', runId: 'r1', ttlMs: 1000 }), true);
        assert.equal(await store.acquireSlot({ ...req, holder: 'h3', runId: 'r2' }), false);
        assert.equal(await store.acquireSlot({ ...req, holder: 'h1', runId: 'r1' }), true);
        assert.equal(await store.acquireSlot({ ...req, key: 'tag:sheets', holder: 'h3', runId: 'r2' }), true);
        assert.deepEqual((await store.listSlots(T0, 'tag:salesforce')).map((s) => s.holder).sort(), ['h1', 'h2']);
        assert.equal(await store.acquireSlot({ ...req, holder: 'h3', runId: 'r2', now: T0 + 2000 }), true);
        assert.equal((await store.listSlots(T0 + 2000, 'tag:salesforce')).length, 2);
        assert.equal(await store.releaseSlot('tag:salesforce', 'h3'), true);
        assert.equal(await store.releaseSlot('tag:salesforce', 'h3'), false);
        assert.equal(await store.releaseSlotsOfRun('r1'), 2);
        assert.deepEqual((await store.listSlots(T0)).map((s) => s.key), ['tag:sheets']);
      });
    });

    describe('dashboard and retention', () => {
      test('stats per flow and bucket: totals, success rate, durations, error types', async (store) => {
        const end = async (id: string, flowName: string, state: 'Completed' | 'Failed' | 'Crashed', at: number, dur: number, code?: string) => {
          await store.createRun(newRun(id, { flowName, state: 'Pending', now: at }));
          await store.transitionRun({ runId: id, to: 'Running', at, patch: { startedAt: at } });
          await store.transitionRun({
            runId: id,
            to: state,
            at: at + dur,
            patch: { endedAt: at + dur, ...(code ? { error: { name: 'FlowError', message: 'x', code } } : {}) },
          });
        };
        await end('a1', 'sync', 'Completed', T0, 100);
        await end('a2', 'sync', 'Completed', T0 + 10, 300);
        await end('a3', 'sync', 'Failed', T0 + 20, 50, 'TIMEOUT');
        await end('a4', 'sync', 'Crashed', T0 + 3_600_000, 10, 'CRASHED');
        await end('b1', 'health', 'Completed', T0, 7);
        await store.createRun(newRun('b2', { flowName: 'health', now: T0 + 1 }));
        await end('old', 'sync', 'Completed', T0 - 10, 1);
        const stats = await store.stats({ since: T0 });
        const sync = stats.find((s) => s.flowName === 'sync');
        assert.equal(sync?.total, 4);
        assert.equal(sync?.completed, 2);
        assert.equal(sync?.failed, 1);
        assert.equal(sync?.crashed, 1);
        assert.equal(sync?.successRate, 0.5);
        assert.equal(sync?.minDurationMs, 10);
        assert.equal(sync?.maxDurationMs, 300);
        assert.equal(sync?.avgDurationMs, 115);
        assert.deepEqual(sync?.errorTypes, { TIMEOUT: 1, CRASHED: 1 });
        const health = stats.find((s) => s.flowName === 'health');
        assert.equal(health?.total, 2);
        assert.equal(health?.successRate, 1);
        const hourly = await store.stats({ since: T0, flowName: 'sync', bucketMs: 3_600_000 });
        assert.deepEqual(hourly.map((s) => [s.periodStart, s.total]), [
          [T0, 3],
          [T0 + 3_600_000, 1],
        ]);
        assert.deepEqual(await store.stats({ since: T0 + 10 * 3_600_000 }), []);
      });

      test('prune deletes old ended runs with their rows, and nothing else', async (store) => {
        const day = 86_400_000;
        await store.upsertSchedule({ name: 'nightly', flowName: 'sync', spec: {}, nextSlot: T0, now: T0 - 40 * day });
        await store.createRun(newRun('old', { state: 'Pending', now: T0 - 40 * day, idempotencyKey: 'k' }));
        await store.upsertTaskRun(newTask('t-old', 'old', 'a#1', { now: T0 - 40 * day }));
        await store.appendLogs([{ runId: 'old', level: 'info', message: 'x', at: T0 - 40 * day }]);
        await store.setCheckpoint({ runId: 'old', taskKey: 'a#1', key: 'k', value: 1, now: T0 - 40 * day });
        await store.acquireSlot({ key: 'tag:x', limit: 1, holder: 't-old', runId: 'old', owner: 'w', now: T0 });
        await store.transitionRun({ runId: 'old', to: 'Completed', at: T0 - 39 * day, patch: { endedAt: T0 - 39 * day } });
        await store.createRun(newRun('old-active', { state: 'Pending', now: T0 - 40 * day }));
        await store.createRun(newRun('recent', { state: 'Pending', now: T0 - day }));
        await store.transitionRun({ runId: 'recent', to: 'Failed', at: T0 - day, patch: { endedAt: T0 - day } });
        const result = await store.prune({ olderThanDays: 30, now: T0 });
        assert.deepEqual(result, { runs: 1, taskRuns: 1, logs: 1, checkpoints: 1, history: 3 });
        assert.equal(await store.getRun('old'), undefined);
        assert.deepEqual(await store.getTaskRunsByRun('old'), []);
        assert.deepEqual(await store.getLogs('old'), []);
        assert.deepEqual(await store.getHistory('old'), []);
        assert.equal(await store.getCheckpoint('old', 'a#1', 'k'), undefined);
        assert.deepEqual(await store.listSlots(T0), []);
        assert.ok(await store.getRun('old-active'));
        assert.ok(await store.getRun('recent'));
        assert.ok(await store.getSchedule('nightly'));
        assert.equal((await store.createRun(newRun('again', { idempotencyKey: 'k' }))).created, true);
      });
    });

    describe('batches', () => {
      test('applyBatch applies ops in order and returns one result per op', async (store) => {
        const results = await store.applyBatch([
          { type: 'createRun', run: newRun('r1', { state: 'Pending' }) },
          { type: 'transitionRun', transition: { runId: 'r1', to: 'Running', at: T0 + 1 } },
          { type: 'upsertTaskRun', taskRun: newTask('t1', 'r1', 'a#1') },
          { type: 'transitionTask', transition: { taskRunId: 't1', to: 'Running', at: T0 + 2, patch: { attempt: 1 } } },
          { type: 'setTaskProgress', taskRunId: 't1', progress: { done: 1 }, at: T0 + 2 },
          { type: 'appendLogs', logs: [{ runId: 'r1', level: 'info', message: 'hi', at: T0 + 2 }] },
          { type: 'setCheckpoint', checkpoint: { runId: 'r1', taskKey: 'a#1', key: 'k', value: 7, now: T0 + 2 } },
          { type: 'transitionTask', transition: { taskRunId: 't1', from: ['Pending'], to: 'Completed', at: T0 + 3 } },
        ]);
        assert.deepEqual(results.map((r) => r.type), [
          'createRun',
          'transitionRun',
          'upsertTaskRun',
          'transitionTask',
          'setTaskProgress',
          'appendLogs',
          'setCheckpoint',
          'transitionTask',
        ]);
        const last = results[7];
        assert.ok(last?.type === 'transitionTask' && !last.result.ok && last.result.reason === 'state_mismatch');
        assert.equal((await store.getRun('r1'))?.state, 'Running');
        assert.equal((await store.getTaskRun('t1'))?.state, 'Running');
        assert.equal(await store.getCheckpoint('r1', 'a#1', 'k'), 7);
        assert.equal((await store.getLogs('r1')).length, 1);
      });

      test('applyBatch is all-or-nothing when an op throws', async (store) => {
        await assert.rejects(
          store.applyBatch([
            { type: 'createRun', run: newRun('r1', { state: 'Pending' }) },
            { type: 'appendLogs', logs: [{ runId: 'r1', level: 'info', message: 'hi', at: T0 }] },
            { type: 'upsertTaskRun', taskRun: newTask('t1', 'no-such-run', 'a#1') },
          ]),
        );
        assert.equal(await store.getRun('r1'), undefined);
        assert.deepEqual(await store.getLogs('r1'), []);
        assert.deepEqual(await store.getHistory('r1'), []);
        const { created } = await store.createRun(newRun('r1'));
        assert.equal(created, true);
      });
    });
  });
}
