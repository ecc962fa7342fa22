import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FlowError } from '@vms/flow-core';
import type { NewTaskRun, StoreOp } from '@vms/flow-core';
import { tempDir } from '@vms/test-utils';
import type { TempDir } from '@vms/test-utils';
import { SqliteStore } from './sqlite-store.js';

const T0 = Date.UTC(2026, 0, 5, 2, 0, 0);

const task = (id: string, taskKey: string, extra: Partial<NewTaskRun> = {}): NewTaskRun => ({
  id,
  runId: 'r1',
  taskKey,
  taskName: taskKey.split('#')[0] ?? taskKey,
  state: 'Pending',
  maxAttempts: 3,
  now: T0,
  ...extra,
});

describe('SqliteStore batches: task rows written once per transaction, history in order', () => {
  let dir: TempDir;
  let store: SqliteStore;
  let statements: string[];

  beforeEach(async () => {
    dir = await tempDir();
    statements = [];
    store = new SqliteStore({ file: join(dir.path, 'runs.db'), verbose: (sql) => statements.push(sql) });
    await store.createRun({ id: 'r1', flowName: 'sync', params: {}, state: 'Pending', now: T0 });
    statements.length = 0;
  });

  afterEach(async () => {
    await store.close();
    await dir.cleanup();
  });

  it('Pending → Running → Completed of a task in one batch: one INSERT of the final row, per-op results, three history rows in order', async () => {
    const ops: StoreOp[] = [
      { type: 'upsertTaskRun', taskRun: task('t1', 'fetch#1') },
      { type: 'transitionTask', transition: { taskRunId: 't1', to: 'Running', at: T0 + 1, reason: null, patch: { attempt: 1, startedAt: T0 + 1 } } },
      { type: 'setTaskProgress', taskRunId: 't1', progress: { done: 5, total: 10 }, at: T0 + 2 },
      { type: 'transitionTask', transition: { taskRunId: 't1', to: 'Completed', at: T0 + 3, reason: 'completed', patch: { result: { n: 1 }, endedAt: T0 + 3 } } },
      { type: 'transitionRun', transition: { runId: 'r1', to: 'Running', at: T0 + 4, reason: 'running' } },
    ];
    const results = await store.applyBatch(ops);
    expect(results.map((r) => (r.type === 'transitionTask' ? r.result.ok && r.result.taskRun.state : r.type))).toEqual([
      'upsertTaskRun',
      'Running',
      'setTaskProgress',
      'Completed',
      'transitionRun',
    ]);
    const taskWrites = statements.filter((s) => /^(INSERT INTO|UPDATE) flow_task_runs/.test(s));
    expect(taskWrites).toHaveLength(1);
    expect(taskWrites[0]).toMatch(/^INSERT INTO flow_task_runs/);
    expect(await store.getTaskRun('t1')).toMatchObject({
      state: 'Completed',
      attempt: 1,
      startedAt: T0 + 1,
      endedAt: T0 + 3,
      result: { n: 1 },
      progress: { done: 5, total: 10 },
      updatedAt: T0 + 3,
    });
    const history = await store.getHistory('r1');
    expect(history.map((h) => `${h.entity}:${h.from ?? '-'}>${h.to}`)).toEqual([
      'flow:->Pending',
      'task:->Pending',
      'task:Pending>Running',
      'task:Running>Completed',
      'flow:Pending>Running',
    ]);
    expect(history.map((h) => h.seq)).toEqual([...history.map((h) => h.seq)].sort((a, b) => a - b));
  });

  it('a task stored by an earlier batch is read once and updated once however many transitions the batch has', async () => {
    await store.upsertTaskRun(task('t1', 'fetch#1'));
    statements.length = 0;
    await store.applyBatch([
      { type: 'transitionTask', transition: { taskRunId: 't1', to: 'Running', at: T0 + 1, reason: null, patch: { attempt: 1 } } },
      { type: 'transitionTask', transition: { taskRunId: 't1', to: 'Retrying', at: T0 + 2, reason: 'attempt 1 failed', patch: { nextRetryAt: T0 + 1000 } } },
    ]);
    expect(statements.filter((s) => /^SELECT \* FROM flow_task_runs WHERE id/.test(s))).toHaveLength(1);
    expect(statements.filter((s) => /^UPDATE flow_task_runs/.test(s))).toHaveLength(1);
    expect(await store.getTaskRun('t1')).toMatchObject({ state: 'Retrying', attempt: 1, nextRetryAt: T0 + 1000 });
  });

  it('an upsert of a (run, taskKey) pending in the same batch returns that row (first write wins)', async () => {
    const [first, second] = await store.applyBatch([
      { type: 'upsertTaskRun', taskRun: task('t1', 'fetch#1', { maxAttempts: 2 }) },
      { type: 'upsertTaskRun', taskRun: task('t2', 'fetch#1', { maxAttempts: 9 }) },
    ]);
    expect(first).toMatchObject({ created: true, taskRun: { id: 't1' } });
    expect(second).toMatchObject({ created: false, taskRun: { id: 't1', maxAttempts: 2 } });
    expect((await store.getTaskRunsByRun('r1')).map((t) => t.id)).toEqual(['t1']);
  });

  it('an id already stored for another taskKey fails the whole batch with "already exists"; nothing of it is stored', async () => {
    await store.upsertTaskRun(task('t1', 'fetch#1'));
    const attempt = store.applyBatch([
      { type: 'upsertTaskRun', taskRun: task('t2', 'fetch#2') },
      { type: 'transitionRun', transition: { runId: 'r1', to: 'Running', at: T0 + 1, reason: 'running' } },
      { type: 'upsertTaskRun', taskRun: task('t1', 'fetch#3') },
    ]);
    await expect(attempt).rejects.toBeInstanceOf(FlowError);
    await expect(attempt).rejects.toThrow('A task run with id `t1` already exists');
    expect((await store.getTaskRunsByRun('r1')).map((t) => t.taskKey)).toEqual(['fetch#1']);
    expect((await store.getRun('r1'))?.state).toBe('Pending');
    expect((await store.getHistory('r1')).map((h) => h.to)).toEqual(['Pending', 'Pending']);
  });

  it('the same id twice in one batch for different keys fails it too', async () => {
    await expect(
      store.applyBatch([
        { type: 'upsertTaskRun', taskRun: task('t9', 'a#1') },
        { type: 'upsertTaskRun', taskRun: task('t9', 'b#1') },
      ]),
    ).rejects.toThrow('A task run with id `t9` already exists');
    expect(await store.getTaskRunsByRun('r1')).toEqual([]);
  });

  it('100 tasks in one batch: history in chunked multi-row INSERTs, every row stored in order', async () => {
    const ops: StoreOp[] = [];
    for (let i = 1; i <= 100; i++) {
      ops.push({ type: 'upsertTaskRun', taskRun: task(`t${i}`, `fetch#${i}`) });
      ops.push({ type: 'transitionTask', transition: { taskRunId: `t${i}`, to: 'Running', at: T0 + i, reason: null, patch: { attempt: 1 } } });
    }
    await store.applyBatch(ops);
    expect(statements.filter((s) => s.startsWith('INSERT INTO flow_state_history')).length).toBeLessThan(10);
    const history = await store.getHistory('r1');
    expect(history).toHaveLength(1 + 200);
    expect(history.slice(1, 5).map((h) => `${h.taskKey}:${h.to}`)).toEqual(['fetch#1:Pending', 'fetch#1:Running', 'fetch#2:Pending', 'fetch#2:Running']);
    expect(history.at(-1)).toMatchObject({ taskKey: 'fetch#100', to: 'Running', attempt: 1, at: T0 + 100 });
  });
});
