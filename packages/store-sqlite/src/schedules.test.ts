import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, flow, task } from '@vms/flow-core';
import type { ScheduleFiredEvent } from '@vms/flow-core';
import { ManualClock } from '@vms/flow-core/testing';
import { tempDir } from '@vms/test-utils';
import type { TempDir } from '@vms/test-utils';
import { SqliteStore } from './sqlite-store.js';

const HOUR = 3_600_000;
const WORKER = { pollIntervalMs: HOUR, reapIntervalMs: HOUR };

describe('schedules on SQLite', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await dir.cleanup();
  });

  it('a schedule survives a restart: its next slot is stored in the file, fires on time after the restart, and no slot repeats', async () => {
    const file = join(dir.path, 'flow.db');
    const clock = new ManualClock({ now: Date.parse('2026-01-05T00:30:00Z') });
    const ran: string[] = [];
    const note = task({ name: 'note', run: async (ctx) => ran.push(ctx.runId) });
    const hourly = flow({ name: 'hourly-sync', run: async (ctx) => ctx.run(note, undefined) });
    const options = { name: 'hourly', cron: '0 * * * *', timezone: 'America/Chicago', catchup: 'all' } as const;

    const store = new SqliteStore({ file });
    const engine = createEngine({ store, clock, schedulePollIntervalMs: HOUR });
    await engine.schedule(hourly, options);
    await engine.work(WORKER);
    await clock.advanceTo(Date.parse('2026-01-05T01:10:00Z'));
    await engine.stop();
    await store.close();
    expect(clock.pendingTimers).toBe(0);
    expect(ran).toHaveLength(1);

    // A new process on the same file, still before the next slot: the stored schedule knows it.
    const reopened = new SqliteStore({ file });
    const restarted = createEngine({ store: reopened, clock, schedulePollIntervalMs: HOUR });
    const fired: ScheduleFiredEvent[] = [];
    restarted.on('schedule:fired', (e) => fired.push(e));
    const stored = await restarted.getSchedule('hourly');
    expect(stored?.nextRunAt?.toISOString()).toBe('2026-01-05T02:00:00.000Z');
    expect(stored?.lastSlotAt?.toISOString()).toBe('2026-01-05T01:00:00.000Z');
    await restarted.schedule(hourly, options); // re-registering at start-up keeps the stored slots
    await restarted.work(WORKER);
    await clock.advanceTo(Date.parse('2026-01-05T02:10:00Z'));
    expect(fired.map((e) => ({ slot: new Date(e.slot).toISOString(), late: e.late }))).toEqual([{ slot: '2026-01-05T02:00:00.000Z', late: false }]);
    const runs = (await reopened.listRuns({ scheduleName: 'hourly' })).items;
    expect(runs.map((r) => `${new Date(r.scheduledFor ?? 0).toISOString()} ${r.state}`).sort()).toEqual([
      '2026-01-05T01:00:00.000Z Completed',
      '2026-01-05T02:00:00.000Z Completed',
    ]);
    expect(ran).toHaveLength(2);
    expect((await restarted.listSchedules()).map((s) => s.nextRunAt?.toISOString())).toEqual(['2026-01-05T03:00:00.000Z']);
    await restarted.stop();
    await reopened.close();
  });
});
