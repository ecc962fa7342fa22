import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '@vms/test-utils';
import type { TempDir } from '@vms/test-utils';
import { SqliteStore } from './sqlite-store.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 2, 1);

describe('retention', () => {
  let dir: TempDir;
  let store: SqliteStore;
  beforeEach(async () => {
    dir = await tempDir();
    store = new SqliteStore({ file: join(dir.path, 'flow.db') });
  });
  afterEach(async () => {
    await store.close();
    await dir.cleanup();
  });

  /** A run with 2 task runs, 3 logs, 2 checkpoints, ended `endedDaysAgo` days ago in `state`. */
  async function seed(id: string, createdDaysAgo: number, end?: { state: 'Completed' | 'Failed' | 'Cancelled'; daysAgo: number }): Promise<void> {
    const at = NOW - createdDaysAgo * DAY;
    await store.createRun({ id, flowName: 'sync', params: null, state: 'Pending', now: at });
    for (const k of ['fetch#1', 'save#1']) {
      await store.upsertTaskRun({ id: `${id}/${k}`, runId: id, taskKey: k, taskName: k.split('#')[0] ?? k, state: 'Pending', maxAttempts: 1, now: at });
      await store.setCheckpoint({ runId: id, taskKey: k, key: 'lastId', value: `${id}-${k}`, now: at });
    }
    await store.appendLogs([1, 2, 3].map((n) => ({ runId: id, level: 'info' as const, message: `${id} line ${n}`, at })));
    if (end) {
      await store.transitionRun({ runId: id, to: 'Running', at, patch: { startedAt: at } });
      await store.transitionRun({ runId: id, to: end.state, at: NOW - end.daysAgo * DAY, patch: { endedAt: NOW - end.daysAgo * DAY } });
    }
  }

  async function counts(): Promise<Record<string, number>> {
    const db = store.database;
    const n = (table: string): number => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      runs: n('flow_runs'),
      taskRuns: n('flow_task_runs'),
      logs: n('flow_logs'),
      checkpoints: n('flow_checkpoints'),
      history: n('flow_state_history'),
      schedules: n('flow_schedules'),
    };
  }

  it('prunes runs older than N days with their task runs, logs, checkpoints and history, and nothing else', async () => {
    await store.upsertSchedule({ name: 'nightly', flowName: 'sync', spec: { cron: '0 2 * * *' }, nextSlot: NOW, now: NOW - 100 * DAY });
    await seed('old-completed', 40, { state: 'Completed', daysAgo: 40 });
    await seed('old-failed', 35, { state: 'Failed', daysAgo: 31 });
    await seed('old-but-ended-recently', 60, { state: 'Cancelled', daysAgo: 5 });
    await seed('old-still-running', 45); // active runs are never pruned, however old
    await seed('recent', 2, { state: 'Completed', daysAgo: 1 });
    const before = await counts();
    expect(before).toEqual({ runs: 5, taskRuns: 10, logs: 15, checkpoints: 10, history: 5 * 3 + 4 * 2, schedules: 1 });

    const result = await store.prune({ olderThanDays: 30, now: NOW });

    expect(result).toEqual({ runs: 2, taskRuns: 4, logs: 6, checkpoints: 4, history: 10 });
    expect(await counts()).toEqual({ runs: 3, taskRuns: 6, logs: 9, checkpoints: 6, history: 13, schedules: 1 });
    for (const gone of ['old-completed', 'old-failed']) {
      expect(await store.getRun(gone)).toBeUndefined();
      expect(await store.listCheckpoints(gone)).toEqual([]);
      expect(await store.getLogs(gone)).toEqual([]);
    }
    for (const kept of ['old-but-ended-recently', 'old-still-running', 'recent']) {
      const detail = await store.getRunDetail(kept);
      expect(detail?.taskRuns).toHaveLength(2);
      expect(detail?.logs.map((l) => l.message)).toEqual([1, 2, 3].map((n) => `${kept} line ${n}`));
      expect(await store.listCheckpoints(kept)).toHaveLength(2);
    }
    expect((await store.getSchedule('nightly'))?.nextSlot).toBe(NOW);
    // A second prune finds nothing more.
    expect(await store.prune({ olderThanDays: 30, now: NOW })).toEqual({ runs: 0, taskRuns: 0, logs: 0, checkpoints: 0, history: 0 });
  });

  it('rejects a bad olderThanDays naming the value', async () => {
    await expect(store.prune({ olderThanDays: -1, now: NOW })).rejects.toThrow('Expected `olderThanDays` to be a number >= 0, got `-1` (number)');
  });
});
