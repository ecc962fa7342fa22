import { afterEach, describe, expect, it } from 'vitest';
import type { ScheduleFiredEvent, ScheduleSkippedEvent } from '../events.js';
import { MemoryStore } from '../store/memory-store.js';
import type { RunState } from '../states.js';
import type { FlowRunRecord } from '../store/types.js';
import { ManualClock } from '../time/manual-clock.js';
import type { ScheduleDefinition } from './definition.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';
import { localDate } from './time-zone.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * A minimal worker on the real MemoryStore, standing in for the engine's queue worker: it claims
 * `Scheduled` runs the way the engine does (`claimNextRun` with `lateAfterMs`, so a catch-up run
 * becomes `Late`), runs each for `durationMs` of clock time, and completes it.
 */
class Worker {
  /** The state each run was claimed into (`Pending` or `Late`), by run id. */
  readonly claimedAs = new Map<string, RunState>();
  readonly errors: unknown[] = [];
  private stopped = false;

  constructor(
    private readonly store: MemoryStore,
    private readonly clock: ManualClock,
    private readonly options: { durationMs: number; lateAfterMs: number; onEnd?: () => void },
  ) {}

  /** Call on each created run (the scheduler's `onRunCreated`). */
  readonly onRunCreated = (): void => {
    this.drain().catch((error: unknown) => this.errors.push(error));
  };

  stop(): void {
    this.stopped = true;
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (this.stopped) return;
      const run = await this.store.claimNextRun({
        owner: 'worker',
        leaseMs: 24 * HOUR,
        now: this.clock.now(),
        lateAfterMs: this.options.lateAfterMs,
      });
      if (run === undefined) return;
      this.claimedAs.set(run.id, run.state);
      await this.store.transitionRun({ runId: run.id, to: 'Running', at: this.clock.now() });
      this.clock.setTimeout(() => {
        this.store
          .transitionRun({ runId: run.id, to: 'Completed', at: this.clock.now(), patch: { endedAt: this.clock.now() } })
          .then(() => this.options.onEnd?.())
          .catch((error: unknown) => this.errors.push(error));
      }, this.options.durationMs);
    }
  }
}

interface Harness {
  store: MemoryStore;
  clock: ManualClock;
  scheduler: Scheduler;
  worker: Worker;
  fired: ScheduleFiredEvent[];
  skipped: ScheduleSkippedEvent[];
  errors: unknown[];
  /** Starts another scheduler on the same store (a restart, or a second process). */
  another(): Scheduler;
  runs(): Promise<FlowRunRecord[]>;
}

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    h.worker.stop();
    await h.scheduler.stop();
    expect(h.errors).toEqual([]);
    expect(h.worker.errors).toEqual([]);
  }
});

function harness(
  start: string | number,
  options: { durationMs?: number; lateAfterMs?: number; scheduler?: Partial<SchedulerOptions> } = {},
): Harness {
  const store = new MemoryStore();
  const clock = new ManualClock({ now: typeof start === 'number' ? start : Date.parse(start) });
  const lateAfterMs = options.lateAfterMs ?? MINUTE;
  const fired: ScheduleFiredEvent[] = [];
  const skipped: ScheduleSkippedEvent[] = [];
  const errors: unknown[] = [];
  let current: Scheduler | undefined;
  const worker = new Worker(store, clock, {
    durationMs: options.durationMs ?? MINUTE,
    lateAfterMs,
    onEnd: () => current?.poke(),
  });
  const make = (): Scheduler => {
    const scheduler = new Scheduler({
      store,
      clock,
      lateAfterMs,
      pollIntervalMs: 15 * MINUTE,
      onRunCreated: worker.onRunCreated,
      ...options.scheduler,
    });
    scheduler.on('schedule:fired', (e) => fired.push(e));
    scheduler.on('schedule:skipped', (e) => skipped.push(e));
    scheduler.on('schedule:error', (e) => errors.push(e.error));
    current = scheduler;
    return scheduler;
  };
  const h: Harness = {
    store,
    clock,
    scheduler: make(),
    worker,
    fired,
    skipped,
    errors,
    another: () => {
      const next = make();
      return next;
    },
    runs: async () => (await store.listRuns({ limit: 1000 })).items.sort((a, b) => (a.scheduledFor ?? 0) - (b.scheduledFor ?? 0)),
  };
  harnesses.push(h);
  return h;
}

function def(options: Partial<ScheduleDefinition> & Pick<ScheduleDefinition, 'name'>): ScheduleDefinition {
  return { flowName: 'sync', ...options };
}

/** Runs per local date of the instant they fired (the clock time the run was created). */
function runsPerLocalDate(events: ScheduleFiredEvent[], timeZone: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) {
    const day = localDate(event.at, timeZone);
    counts[day] = (counts[day] ?? 0) + 1;
  }
  return counts;
}

describe('Scheduler: C03 over 48 h around each transition (ManualClock, America/New_York)', () => {
  const tz = 'America/New_York';

  it('C03 (a) shift: exactly one run credited to 2021-03-14, fired at 2021-03-14T07:00Z', async () => {
    const h = harness('2021-03-13T07:00:00Z');
    await h.scheduler.register(def({ name: 'nightly', cron: '30 2 * * *', timezone: tz }));
    await h.scheduler.start();
    await h.clock.advance(48 * HOUR);
    expect(h.fired.map((e) => iso(e.at))).toEqual([
      '2021-03-13T07:30:00.000Z',
      '2021-03-14T07:00:00.000Z',
      '2021-03-15T06:30:00.000Z',
    ]);
    expect(runsPerLocalDate(h.fired, tz)).toEqual({ '2021-03-13': 1, '2021-03-14': 1, '2021-03-15': 1 });
    expect(h.fired.every((e) => e.at === e.slot && !e.late)).toBe(true);
    const runs = await h.runs();
    expect(runs.map((r) => [r.state, iso(r.scheduledFor ?? 0)])).toEqual([
      ['Completed', '2021-03-13T07:30:00.000Z'],
      ['Completed', '2021-03-14T07:00:00.000Z'],
      ['Completed', '2021-03-15T06:30:00.000Z'],
    ]);
    expect(h.skipped).toEqual([]);
  });

  it('C03 (a) skip: zero runs on 2021-03-14 and a dst-gap skipped event for that slot', async () => {
    const h = harness('2021-03-13T07:00:00Z');
    await h.scheduler.register(def({ name: 'nightly', cron: '30 2 * * *', timezone: tz, dst: { gap: 'skip', repeat: 'first' } }));
    await h.scheduler.start();
    await h.clock.advance(48 * HOUR);
    expect(runsPerLocalDate(h.fired, tz)).toEqual({ '2021-03-13': 1, '2021-03-15': 1 });
    expect(h.skipped.map((e) => [e.reason, iso(e.slot)])).toEqual([['dst-gap', '2021-03-14T07:00:00.000Z']]);
  });

  it('C03 (b) first: exactly one run on 2021-11-07 at 05:30Z, the next at 2021-11-08T06:30Z', async () => {
    const h = harness('2021-11-06T07:00:00Z');
    await h.scheduler.register(def({ name: 'early', cron: '30 1 * * *', timezone: tz }));
    await h.scheduler.start();
    await h.clock.advance(48 * HOUR);
    expect(h.fired.map((e) => iso(e.at))).toEqual([
      '2021-11-07T05:30:00.000Z',
      '2021-11-08T06:30:00.000Z',
    ]);
    expect(runsPerLocalDate(h.fired, tz)).toEqual({ '2021-11-07': 1, '2021-11-08': 1 });
  });

  it('C03 (b) last and both: one run at the second 01:30, or one at each', async () => {
    const last = harness('2021-11-06T07:00:00Z');
    await last.scheduler.register(def({ name: 'early', cron: '30 1 * * *', timezone: tz, dst: { gap: 'shift', repeat: 'last' } }));
    await last.scheduler.start();
    await last.clock.advance(48 * HOUR);
    expect(last.fired.map((e) => iso(e.at))).toEqual(['2021-11-07T06:30:00.000Z', '2021-11-08T06:30:00.000Z']);

    const both = harness('2021-11-06T07:00:00Z');
    await both.scheduler.register(def({ name: 'early', cron: '30 1 * * *', timezone: tz, dst: { gap: 'shift', repeat: 'both' } }));
    await both.scheduler.start();
    await both.clock.advance(48 * HOUR);
    expect(both.fired.map((e) => iso(e.at))).toEqual([
      '2021-11-07T05:30:00.000Z',
      '2021-11-07T06:30:00.000Z',
      '2021-11-08T06:30:00.000Z',
    ]);
    expect(runsPerLocalDate(both.fired, tz)).toEqual({ '2021-11-07': 2, '2021-11-08': 1 });
  });
});

describe('Scheduler: C05 weekly schedule, stored next run and catch-up (America/Chicago)', () => {
  const tz = 'America/Chicago';
  const weekly = def({ name: 'weekly-full', cron: '0 6 * * 1', timezone: tz });

  it('C05: the stored next run equals the instant each slot really fires, over 5 weeks', async () => {
    const h = harness(Date.parse('2026-06-02T12:00:00-05:00'));
    const info = await h.scheduler.register(weekly);
    expect(info.nextRunAt?.toISOString()).toBe('2026-06-08T11:00:00.000Z');
    await h.scheduler.start();
    const storedBefore: number[] = [];
    for (let week = 0; week < 5; week += 1) {
      const stored = (await h.store.getSchedule('weekly-full'))?.nextSlot ?? Number.NaN;
      storedBefore.push(stored);
      await h.clock.advanceTo(stored + HOUR);
    }
    expect(h.fired.map((e) => e.at)).toEqual(storedBefore);
    expect(h.fired.map((e) => e.slot)).toEqual(storedBefore);
    expect(storedBefore.map((at) => iso(at))).toEqual([
      '2026-06-08T11:00:00.000Z',
      '2026-06-15T11:00:00.000Z',
      '2026-06-22T11:00:00.000Z',
      '2026-06-29T11:00:00.000Z',
      '2026-07-06T11:00:00.000Z',
    ]);
  });

  for (const [catchup, expected] of [
    ['latest', 1],
    ['all', 1],
    ['none', 0],
  ] as const) {
    it(`C05: stopped Sunday 23:00 to Monday 07:00 local, restart with catchup '${catchup}' creates ${expected} catch-up run(s)`, async () => {
      const h = harness(Date.parse('2026-06-07T12:00:00-05:00'));
      await h.scheduler.register({ ...weekly, catchup });
      await h.scheduler.start();
      await h.clock.advanceTo(Date.parse('2026-06-07T23:00:00-05:00'));
      await h.scheduler.stop();
      expect(h.clock.pendingTimers).toBe(0);
      await h.clock.advanceTo(Date.parse('2026-06-08T07:00:00-05:00'));
      expect(h.fired).toEqual([]);

      const restarted = h.another();
      h.scheduler = restarted;
      await restarted.register({ ...weekly, catchup });
      await restarted.start();
      await h.clock.advance(MINUTE);
      const runs = await h.runs();
      expect(runs).toHaveLength(expected);
      if (expected === 1) {
        expect(iso(runs[0]?.scheduledFor ?? 0)).toBe('2026-06-08T11:00:00.000Z');
        expect(h.fired).toMatchObject([{ slot: Date.parse('2026-06-08T11:00:00Z'), late: true }]);
        expect(h.worker.claimedAs.get(runs[0]?.id ?? '')).toBe('Late');
      } else {
        expect(h.skipped).toMatchObject([{ reason: 'catchup', slot: Date.parse('2026-06-08T11:00:00Z') }]);
      }
      // Either way the stored next run is the following Monday, not a date years away.
      expect((await restarted.get('weekly-full'))?.nextRunAt?.toISOString()).toBe('2026-06-15T11:00:00.000Z');
    });
  }
});

describe('Scheduler: catch-up over 3 missed slots, restarts and two processes', () => {
  for (const [catchup, count] of [
    ['none', 0],
    ['latest', 1],
    ['all', 3],
  ] as const) {
    it(`catchup '${catchup}' over 3 missed hourly slots gives ${count} Late run(s)`, async () => {
      const h = harness('2025-01-01T00:30:00Z');
      await h.scheduler.register(def({ name: 'hourly', cron: '0 * * * *', catchup, overlap: 'allow' }));
      // Down from 00:30 to 03:30: slots 01:00, 02:00 and 03:00 are missed.
      await h.clock.advanceTo(Date.parse('2025-01-01T03:30:00Z'));
      await h.scheduler.start();
      await h.clock.advance(MINUTE);
      const runs = await h.runs();
      expect(runs).toHaveLength(count);
      expect(runs.every((r) => h.worker.claimedAs.get(r.id) === 'Late')).toBe(true);
      const expectedSlots = { none: [], latest: ['2025-01-01T03:00:00.000Z'], all: ['2025-01-01T01:00:00.000Z', '2025-01-01T02:00:00.000Z', '2025-01-01T03:00:00.000Z'] }[catchup];
      expect(runs.map((r) => iso(r.scheduledFor ?? 0))).toEqual(expectedSlots);
      expect(h.skipped.filter((e) => e.reason === 'catchup')).toHaveLength(3 - count);
      expect(iso((await h.store.getSchedule('hourly'))?.nextSlot ?? 0)).toBe('2025-01-01T04:00:00.000Z');
      // The next slot after the catch-up fires on time, not late.
      await h.clock.advanceTo(Date.parse('2025-01-01T04:00:30Z'));
      expect(h.fired.at(-1)).toMatchObject({ slot: Date.parse('2025-01-01T04:00:00Z'), late: false });
    });
  }

  it("catchup 'all' runs at most maxCatchup missed slots, the most recent ones, and skips the rest in one claim", async () => {
    const h = harness('2025-01-01T00:00:30Z', { scheduler: { maxCatchup: 5 } });
    await h.scheduler.register(def({ name: 'minutely', intervalMs: MINUTE, catchup: 'all', overlap: 'allow' }));
    await h.clock.advanceTo(Date.parse('2025-01-01T00:20:30Z'));
    await h.scheduler.start();
    const runs = await h.runs();
    expect(runs.map((r) => iso(r.scheduledFor ?? 0).slice(14, 16))).toEqual(['16', '17', '18', '19', '20']);
    expect(h.skipped).toMatchObject([{ reason: 'catchup', slot: Date.parse('2025-01-01T00:01:00Z') }]);
    expect(iso((await h.store.getSchedule('minutely'))?.nextSlot ?? 0)).toBe('2025-01-01T00:21:00.000Z');
  });

  it('a restart never repeats a slot already run, even when restarted within the same minute', async () => {
    const h = harness('2025-01-01T00:00:30Z');
    const schedule = def({ name: 'quarter', cron: '*/15 * * * *', catchup: 'all', overlap: 'allow' });
    await h.scheduler.register(schedule);
    await h.scheduler.start();
    for (let i = 0; i < 6; i += 1) {
      await h.clock.advance(37 * MINUTE);
      await h.scheduler.stop();
      h.scheduler = h.another();
      await h.scheduler.register(schedule);
      await h.scheduler.start();
    }
    await h.clock.advance(MINUTE);
    const runs = await h.runs();
    const slots = runs.map((r) => r.scheduledFor);
    expect(new Set(slots).size).toBe(slots.length);
    // Up to 03:43:30: 00:15 .. 03:30, every slot exactly once, none lost either.
    expect(slots.map((at) => iso(at ?? 0).slice(11, 16))).toEqual(
      Array.from({ length: 14 }, (_, i) => iso(Date.parse('2025-01-01T00:15:00Z') + i * 15 * MINUTE).slice(11, 16)),
    );
  });

  it('two schedulers on one store (two processes) fire each slot once', async () => {
    const h = harness('2025-01-01T00:00:30Z');
    const schedule = def({ name: 'five', cron: '*/5 * * * *', overlap: 'allow' });
    await h.scheduler.register(schedule);
    const second = h.another();
    harnesses.push({ ...h, scheduler: second });
    await h.scheduler.start();
    await second.start();
    await h.clock.advance(2 * HOUR);
    const slots = (await h.runs()).map((r) => r.scheduledFor);
    expect(slots).toHaveLength(24);
    expect(new Set(slots).size).toBe(24);
    expect(h.fired).toHaveLength(24);
  });
});

describe('Scheduler: overlap, pause and resume, intervals, validation', () => {
  it("overlap 'skip' skips slots while the previous run is going; 'allow' runs them alongside", async () => {
    const skip = harness('2025-01-01T00:00:30Z', { durationMs: 25 * MINUTE });
    await skip.scheduler.register(def({ name: 'ten', cron: '*/10 * * * *', overlap: 'skip' }));
    await skip.scheduler.start();
    await skip.clock.advance(HOUR);
    // Runs start at :10, :40 (the :20 and :30 slots overlap the :10 run, :50 the :40 run).
    expect(skip.fired.map((e) => iso(e.slot).slice(11, 16))).toEqual(['00:10', '00:40']);
    expect(skip.skipped.map((e) => [e.reason, iso(e.slot).slice(11, 16)])).toEqual([
      ['overlap', '00:20'],
      ['overlap', '00:30'],
      ['overlap', '00:50'],
      ['overlap', '01:00'],
    ]);

    const allow = harness('2025-01-01T00:00:30Z', { durationMs: 25 * MINUTE });
    await allow.scheduler.register(def({ name: 'ten', cron: '*/10 * * * *', overlap: 'allow' }));
    await allow.scheduler.start();
    await allow.clock.advance(HOUR);
    expect(allow.fired).toHaveLength(6);
  });

  it("overlap 'queue' holds a slot until the previous run ends, then runs it", async () => {
    const h = harness('2025-01-01T00:00:30Z', { durationMs: 25 * MINUTE });
    await h.scheduler.register(def({ name: 'ten', cron: '*/10 * * * *', overlap: 'queue', catchup: 'all' }));
    await h.scheduler.start();
    await h.clock.advance(HOUR);
    // :10 runs to :35; :20 waits and starts at :35 (to 01:00); :30 waits until 01:00.
    expect(h.fired.map((e) => [iso(e.slot).slice(11, 16), iso(e.at).slice(11, 16)])).toEqual([
      ['00:10', '00:10'],
      ['00:20', '00:35'],
      ['00:30', '01:00'],
    ]);
    expect(h.fired.map((e) => e.late)).toEqual([false, true, true]);
    expect(h.skipped).toEqual([]);
  });

  it('pause stops firing; resume continues from now without catching up the paused slots', async () => {
    const h = harness('2025-01-01T00:00:30Z');
    await h.scheduler.register(def({ name: 'hourly', cron: '0 * * * *', catchup: 'all' }));
    await h.scheduler.start();
    await h.clock.advanceTo(Date.parse('2025-01-01T01:30:00Z'));
    expect((await h.scheduler.pause('hourly')).paused).toBe(true);
    await h.clock.advanceTo(Date.parse('2025-01-01T04:30:00Z'));
    expect(h.fired).toHaveLength(1);
    const resumed = await h.scheduler.resume('hourly');
    expect(resumed.nextRunAt?.toISOString()).toBe('2025-01-01T05:00:00.000Z');
    await h.clock.advanceTo(Date.parse('2025-01-01T05:30:00Z'));
    expect(h.fired.map((e) => iso(e.slot))).toEqual(['2025-01-01T01:00:00.000Z', '2025-01-01T05:00:00.000Z']);
    // Registering with enabled: false stores it paused; a restart that omits `enabled` keeps it.
    await h.scheduler.register(def({ name: 'hourly', cron: '0 * * * *', enabled: false }));
    await h.scheduler.register(def({ name: 'hourly', cron: '0 * * * *' }));
    expect((await h.scheduler.get('hourly'))?.paused).toBe(true);
  });

  it('interval schedules fire every intervalMs from their anchor, and preview lists them', async () => {
    const h = harness('2025-01-01T00:00:00Z');
    await h.scheduler.register(def({ name: 'poll', intervalMs: 7 * MINUTE, anchor: Date.parse('2025-01-01T00:00:00Z'), overlap: 'allow' }));
    const upcoming = await h.scheduler.preview('poll', 2);
    expect(upcoming.map((p) => p.at)).toEqual(['2025-01-01T00:07:00.000Z', '2025-01-01T00:14:00.000Z']);
    await h.scheduler.start();
    await h.clock.advance(HOUR);
    expect(h.fired.map((e) => (e.slot - Date.parse('2025-01-01T00:00:00Z')) / MINUTE)).toEqual([7, 14, 21, 28, 35, 42, 49, 56]);
  });

  it('changing the cron of a stored schedule moves its next slot; keeping it leaves the slot', async () => {
    const h = harness('2025-01-01T00:00:30Z');
    await h.scheduler.register(def({ name: 's', cron: '0 2 * * *', timezone: 'America/Chicago' }));
    expect((await h.scheduler.get('s'))?.nextRunAt?.toISOString()).toBe('2025-01-01T08:00:00.000Z');
    await h.scheduler.register(def({ name: 's', cron: '0 2 * * *', timezone: 'America/Chicago', params: { full: true } }));
    expect((await h.scheduler.get('s'))?.params).toEqual({ full: true });
    const moved = await h.scheduler.register(def({ name: 's', cron: '0 3 * * *', timezone: 'America/Chicago' }));
    expect(moved.nextRunAt?.toISOString()).toBe('2025-01-01T09:00:00.000Z');
  });

  it('rejects bad schedule options with messages that echo the value', async () => {
    const h = harness('2025-01-01T00:00:00Z');
    await expect(h.scheduler.register(def({ name: 'x', cron: '0 25 * * *' }))).rejects.toThrow(
      'Invalid cron expression `0 25 * * *`: hour field `25` is not valid',
    );
    await expect(h.scheduler.register(def({ name: 'x', cron: '0 2 * * *', timezone: 'Central' }))).rejects.toThrow(
      'Unknown time zone `Central`',
    );
    await expect(h.scheduler.register(def({ name: 'x', intervalMs: -1 }))).rejects.toThrow('got `-1` (number)');
    await expect(h.scheduler.register(def({ name: 'x', cron: '* * * * *', overlap: 'wait' as 'skip' }))).rejects.toThrow(
      "Expected `overlap` to be 'skip', 'queue' or 'allow', got `wait` (string)",
    );
    await expect(h.scheduler.register(def({ name: 'x', cron: '* * * * *', params: { at: new Date(0) } as never }))).rejects.toThrow(
      'Expected `params.at` to be JSON',
    );
    await expect(h.scheduler.register(def({ name: '', cron: '* * * * *' }))).rejects.toThrow('Expected `name` to be a non-empty string');
    await expect(h.scheduler.pause('missing')).rejects.toThrow('No schedule named `missing`');
    expect(await h.store.listSchedules()).toEqual([]);
  });

  it('stop leaves no timer behind', async () => {
    const h = harness('2025-01-01T00:00:00Z');
    await h.scheduler.register(def({ name: 'x', cron: '* * * * *' }));
    await h.scheduler.start();
    await h.clock.advance(5 * MINUTE);
    await h.scheduler.stop();
    await h.clock.advance(2 * MINUTE); // let the worker finish its runs
    expect(h.clock.pendingTimers).toBe(0);
    expect(h.fired).toHaveLength(5);
  });
});
