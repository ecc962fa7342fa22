import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidParamsError } from '../errors.js';
import type { EngineErrorEvent, FlowStateEvent, ScheduleFiredEvent, ScheduleSkippedEvent } from '../events.js';
import { createEngine, flow, sleep, task, type Engine, type EngineOptions, type FlowRunRecord } from '../index.js';
import { ManualClock, MemoryStore } from '../testing.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

const ran: string[] = [];
const note = task({ name: 'note', run: async (ctx) => ran.push(ctx.runId) });
const nightly = flow({ name: 'nightly', run: async (ctx) => ctx.run(note, undefined) });

interface Harness {
  engine: Engine;
  flowEvents: FlowStateEvent[];
  fired: ScheduleFiredEvent[];
  skipped: ScheduleSkippedEvent[];
  errors: EngineErrorEvent[];
}

const engines: Harness[] = [];
afterEach(async () => {
  for (const h of engines.splice(0)) {
    await h.engine.stop();
    expect(h.errors).toEqual([]);
  }
  ran.length = 0;
});

/** An engine with every schedule-related event recorded; stopped (and checked for errors) after each test. */
function harness(store: MemoryStore, clock: ManualClock, options: EngineOptions = {}): Harness {
  const engine = createEngine({ store, clock, schedulePollIntervalMs: 6 * HOUR, ...options });
  const h: Harness = { engine, flowEvents: [], fired: [], skipped: [], errors: [] };
  engine.on('flow:state', (e) => h.flowEvents.push(e));
  engine.on('schedule:fired', (e) => h.fired.push(e));
  engine.on('schedule:skipped', (e) => h.skipped.push(e));
  engine.on('engine:error', (e) => h.errors.push(e));
  engines.push(h);
  return h;
}

/** A worker that polls rarely: scheduled runs reach it through the scheduler's `onRunCreated`. */
const WORKER = { pollIntervalMs: 6 * HOUR, reapIntervalMs: 6 * HOUR };

async function scheduledRuns(store: MemoryStore, scheduleName: string): Promise<FlowRunRecord[]> {
  const runs = (await store.listRuns({ scheduleName, limit: 1000 })).items;
  return runs.sort((a, b) => (a.scheduledFor ?? 0) - (b.scheduledFor ?? 0));
}

describe('engine.schedule: cron in a time zone, through the engine and its workers', () => {
  const windows = [
    {
      day: 'spring-forward 2025-03-09 (02:00 does not exist)',
      start: '2025-03-07T12:00:00Z',
      end: '2025-03-11T00:00:00Z',
      // 02:00 CST, then the gap's end 03:00 CDT (the documented `gap: 'shift'`), then 02:00 CDT.
      expected: ['2025-03-08T08:00:00.000Z', '2025-03-09T08:00:00.000Z', '2025-03-10T07:00:00.000Z'],
    },
    {
      day: 'fall-back 2025-11-02 (01:00-01:59 happens twice; 02:00 once)',
      start: '2025-10-31T12:00:00Z',
      end: '2025-11-04T00:00:00Z',
      expected: ['2025-11-01T07:00:00.000Z', '2025-11-02T08:00:00.000Z', '2025-11-03T08:00:00.000Z'],
    },
  ];
  for (const w of windows) {
    it(`C03: a daily 02:00 America/Chicago schedule fires once per day across the ${w.day}`, async () => {
      const store = new MemoryStore();
      const clock = new ManualClock({ now: Date.parse(w.start) });
      const h = harness(store, clock);
      const info = await h.engine.schedule(nightly, { name: 'nightly-0200', cron: '0 2 * * *', timezone: 'America/Chicago' });
      expect(iso(info.nextRunAt?.getTime() ?? null)).toBe(w.expected[0]);
      await h.engine.work(WORKER);
      await clock.advanceTo(Date.parse(w.end));

      const runs = await scheduledRuns(store, 'nightly-0200');
      expect(runs.map((r) => iso(r.scheduledFor))).toEqual(w.expected);
      expect(h.fired.map((e) => iso(e.at))).toEqual(w.expected); // fired at the slot itself
      expect(runs.map((r) => r.state)).toEqual(['Completed', 'Completed', 'Completed']);
      expect(ran).toEqual(runs.map((r) => r.id));
      // On time: claimed into Pending, never Late; the stored and the emitted transitions agree.
      for (const run of runs) {
        const stored = (await store.getHistory(run.id)).filter((x) => x.entity === 'flow').map((x) => `${x.from}->${x.to}`);
        expect(stored).toEqual(['null->Scheduled', 'Scheduled->Pending', 'Pending->Running', 'Running->Completed']);
        const emitted = h.flowEvents.filter((e) => e.runId === run.id).map((e) => `${e.from}->${e.to}`);
        expect(emitted).toEqual(['Scheduled->Pending', 'Pending->Running', 'Running->Completed']);
      }
      const [listed] = await h.engine.listSchedules();
      expect(listed?.lastSlotAt?.toISOString()).toBe(w.expected[2]);
      expect(listed?.nextRunAt?.getTime()).toBeGreaterThan(Date.parse(w.end));
    });
  }

  it("C03: with dst: { gap: 'skip' } the gap day has no run and the engine emits schedule:skipped with reason 'dst-gap'", async () => {
    const store = new MemoryStore();
    const clock = new ManualClock({ now: Date.parse('2025-03-07T12:00:00Z') });
    const h = harness(store, clock);
    await h.engine.schedule(nightly, { name: 'skip-gap', cron: '0 2 * * *', timezone: 'America/Chicago', dst: { gap: 'skip', repeat: 'first' } });
    await h.engine.work(WORKER);
    await clock.advanceTo(Date.parse('2025-03-11T00:00:00Z'));
    expect((await scheduledRuns(store, 'skip-gap')).map((r) => iso(r.scheduledFor))).toEqual(['2025-03-08T08:00:00.000Z', '2025-03-10T07:00:00.000Z']);
    expect(h.skipped.map((e) => `${iso(e.slot)} ${e.reason}`)).toEqual(['2025-03-09T08:00:00.000Z dst-gap']);
  });

  it('a failing scheduler tick becomes engine:error (source `scheduler`) and never a rejection', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock({ now: Date.parse('2026-01-05T00:30:00Z') });
    const h = harness(store, clock);
    await h.engine.schedule(nightly, { name: 'hourly', cron: '0 * * * *' });
    await store.close(); // every store call now throws
    await clock.advanceTo(Date.parse('2026-01-05T01:00:00Z'));
    expect(h.errors.length).toBeGreaterThan(0);
    expect(h.errors.every((e) => e.source === 'scheduler' || e.source === 'schedule:hourly')).toBe(true);
    expect(String(h.errors[0]?.error)).toMatch(/closed/i);
    h.errors.length = 0; // checked here; the afterEach stop must not add more
  });

  const catchups = [
    { catchup: 'none', runs: 0 },
    { catchup: 'latest', runs: 1 },
    { catchup: 'all', runs: 3 },
  ] as const;
  for (const { catchup, runs: expected } of catchups) {
    it(`catch-up '${catchup}': 3 hourly slots missed while the engine was down give ${expected} Late run(s); a restart repeats none`, async () => {
      const store = new MemoryStore();
      const clock = new ManualClock({ now: Date.parse('2026-01-05T00:30:00Z') });
      // overlap 'queue': caught-up runs go one after another (with the default 'skip', a caught-up
      // run still going makes the scheduler skip the next missed slot).
      const options = { name: 'hourly', cron: '0 * * * *', catchup, overlap: 'queue' } as const;

      const first = harness(store, clock);
      await first.engine.schedule(nightly, options);
      await first.engine.work(WORKER);
      await clock.advanceTo(Date.parse('2026-01-05T01:30:00Z'));
      expect((await scheduledRuns(store, 'hourly')).map((r) => iso(r.scheduledFor))).toEqual(['2026-01-05T01:00:00.000Z']);
      await first.engine.stop();
      expect(clock.pendingTimers).toBe(0); // the scheduler and the worker stopped with the engine

      // Down across 02:00, 03:00 and 04:00.
      await clock.advanceTo(Date.parse('2026-01-05T04:30:00Z'));
      const second = harness(store, clock);
      await second.engine.schedule(nightly, options);
      await second.engine.work(WORKER);
      await clock.advance(MINUTE);

      const caughtUp = (await scheduledRuns(store, 'hourly')).slice(1);
      const missed = ['2026-01-05T02:00:00.000Z', '2026-01-05T03:00:00.000Z', '2026-01-05T04:00:00.000Z'];
      expect(caughtUp.map((r) => iso(r.scheduledFor))).toEqual(catchup === 'all' ? missed : catchup === 'latest' ? missed.slice(2) : []);
      for (const run of caughtUp) {
        expect(run.state).toBe('Completed');
        const flow = (await store.getHistory(run.id)).filter((x) => x.entity === 'flow').map((x) => `${x.from}->${x.to}`);
        expect(flow).toEqual(['null->Scheduled', 'Scheduled->Late', 'Late->Running', 'Running->Completed']);
        expect(second.flowEvents.filter((e) => e.runId === run.id).map((e) => `${e.from}->${e.to}`)).toEqual([
          'Scheduled->Late',
          'Late->Running',
          'Running->Completed',
        ]);
      }
      expect(second.fired.every((e) => e.late)).toBe(true);
      expect(second.skipped.map((e) => `${iso(e.slot)} ${e.reason}`)).toEqual(
        missed.slice(0, 3 - expected).map((slot) => `${slot} catchup`),
      );
      expect(ran).toHaveLength(1 + expected);

      // A restart in the same minute, on the same store: no slot is fired again.
      await second.engine.stop();
      const third = harness(store, clock);
      await third.engine.schedule(nightly, options);
      await third.engine.work(WORKER);
      await clock.advance(MINUTE);
      expect(third.fired).toEqual([]);
      expect(await scheduledRuns(store, 'hourly')).toHaveLength(1 + expected);
      const [info] = await third.engine.listSchedules();
      expect(info?.nextRunAt?.toISOString()).toBe('2026-01-05T05:00:00.000Z');
      expect(info?.lastSlotAt?.toISOString()).toBe('2026-01-05T04:00:00.000Z');
    });
  }

  it('pauseSchedule stops firing; resumeSchedule continues from the next slot after now, without catching up', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock({ now: Date.parse('2026-01-05T00:30:00Z') });
    const h = harness(store, clock);
    await h.engine.schedule(nightly, { name: 'hourly', cron: '0 * * * *', catchup: 'all' });
    await h.engine.work(WORKER);
    await clock.advanceTo(Date.parse('2026-01-05T01:30:00Z'));
    const paused = await h.engine.pauseSchedule('hourly');
    expect(paused.paused).toBe(true);
    await clock.advanceTo(Date.parse('2026-01-05T04:30:00Z'));
    expect(h.fired.map((e) => iso(e.slot))).toEqual(['2026-01-05T01:00:00.000Z']);
    const resumed = await h.engine.resumeSchedule('hourly');
    expect(resumed).toMatchObject({ paused: false });
    expect(resumed.nextRunAt?.toISOString()).toBe('2026-01-05T05:00:00.000Z');
    await clock.advanceTo(Date.parse('2026-01-05T05:30:00Z'));
    expect(h.fired.map((e) => iso(e.slot))).toEqual(['2026-01-05T01:00:00.000Z', '2026-01-05T05:00:00.000Z']);
    expect((await scheduledRuns(store, 'hourly')).map((r) => r.state)).toEqual(['Completed', 'Completed']);
    await expect(h.engine.pauseSchedule('nope')).rejects.toThrow(/No schedule named `nope`/);
  });

  /** A flow that runs for 90 minutes of clock time, so an hourly schedule overlaps itself. */
  function longFlow(clock: ManualClock) {
    const wait = task({ name: 'wait-90-min', run: (ctx) => sleep(clock, 90 * MINUTE, ctx.signal) });
    return flow({ name: 'long', run: async (ctx) => ctx.run(wait, undefined) });
  }

  it("overlap 'skip': a slot that comes while the previous run goes is skipped", async () => {
    const store = new MemoryStore();
    const clock = new ManualClock({ now: Date.parse('2026-01-05T00:30:00Z') });
    const h = harness(store, clock);
    await h.engine.schedule(longFlow(clock), { name: 'long', cron: '0 * * * *', overlap: 'skip' });
    await h.engine.work({ ...WORKER, maxRuns: 4 });
    await clock.advanceTo(Date.parse('2026-01-05T05:45:00Z'));
    // 01:00 runs until 02:30, so 02:00 is skipped; 03:00 runs until 04:30, so 04:00 is skipped; 05:00 runs.
    const runs = await scheduledRuns(store, 'long');
    expect(runs.map((r) => `${iso(r.scheduledFor)} ${r.state}`)).toEqual([
      '2026-01-05T01:00:00.000Z Completed',
      '2026-01-05T03:00:00.000Z Completed',
      '2026-01-05T05:00:00.000Z Running',
    ]);
    expect(h.skipped.map((e) => `${iso(e.slot)} ${e.reason}`)).toEqual(['2026-01-05T02:00:00.000Z overlap', '2026-01-05T04:00:00.000Z overlap']);
  });

  it("overlap 'queue': a slot that comes while the previous run goes fires the moment that run ends", async () => {
    const store = new MemoryStore();
    const clock = new ManualClock({ now: Date.parse('2026-01-05T00:30:00Z') });
    const h = harness(store, clock);
    await h.engine.schedule(longFlow(clock), { name: 'long', cron: '0 * * * *', overlap: 'queue', catchup: 'all' });
    await h.engine.work({ ...WORKER, maxRuns: 4 });
    await clock.advanceTo(Date.parse('2026-01-05T04:10:00Z'));
    // 01:00 runs 01:00-02:30; 02:00 is held and fires at 02:30 (the engine pokes the scheduler
    // when the run ends), runs until 04:00; 03:00 is held and fires at 04:00 (with catchup 'all';
    // 'latest' would run only 04:00, the newer of the two slots due then).
    expect(h.fired.map((e) => `${iso(e.slot)} at ${iso(e.at)}`)).toEqual([
      '2026-01-05T01:00:00.000Z at 2026-01-05T01:00:00.000Z',
      '2026-01-05T02:00:00.000Z at 2026-01-05T02:30:00.000Z',
      '2026-01-05T03:00:00.000Z at 2026-01-05T04:00:00.000Z',
    ]);
    expect(h.skipped).toEqual([]);
    const runs = await scheduledRuns(store, 'long');
    expect(runs.map((r) => r.state)).toEqual(['Completed', 'Completed', 'Running']);
    // Never two at once.
    const running = runs.map((r) => [r.startedAt ?? 0, r.endedAt ?? Infinity] as const);
    for (let i = 1; i < running.length; i++) expect(running[i]![0]).toBeGreaterThanOrEqual(running[i - 1]![1]);
  });

  it('validates params with the flow schema before storing, stores them redacted, calls onScheduleFired, previews, and leaves no timer', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock({ now: Date.parse('2025-03-08T12:00:00Z') });
    const hooked: ScheduleFiredEvent[] = [];
    const h = harness(store, clock, { hooks: { onScheduleFired: (e) => void hooked.push(e) } });
    const seen: unknown[] = [];
    const sync = flow({
      name: 'sync',
      params: z.object({ year: z.number().int(), apiToken: z.string() }),
      run: async (_ctx, params) => void seen.push(params),
    });
    const bad = h.engine.schedule(sync, { name: 'bad', cron: '0 2 * * *', params: { year: 'x' as unknown as number, apiToken: 's3cret' } });
    await expect(bad).rejects.toBeInstanceOf(InvalidParamsError);
    await expect(bad).rejects.toThrow(/params of schedule `bad` \(flow `sync`\)[\s\S]*year/);
    expect(await h.engine.listSchedules()).toEqual([]);
    await expect(h.engine.schedule(sync, { name: 'no-timing', params: { year: 2025, apiToken: 'x' } })).rejects.toThrow(/cron|intervalMs/);

    const info = await h.engine.schedule(sync, { name: 'sync', cron: '0 2 * * *', timezone: 'America/Chicago', params: { year: 2025, apiToken: 's3cret' } });
    expect(info.params).toEqual({ year: 2025, apiToken: '[REDACTED]' });
    expect(JSON.stringify(await store.listSchedules())).not.toContain('s3cret');
    const byName = await h.engine.preview('sync', 2);
    const bySpec = await h.engine.preview({ cron: '0 2 * * *', timezone: 'America/Chicago' }, 2);
    expect(byName).toEqual(bySpec);
    expect(byName.map((p) => p.at)).toEqual(['2025-03-09T08:00:00.000Z', '2025-03-10T07:00:00.000Z']);
    expect(byName[0]?.note).toMatch(/does not exist in America\/Chicago \(DST gap\)/);

    await h.engine.work(WORKER);
    await clock.advanceTo(Date.parse('2025-03-09T09:00:00Z'));
    expect(hooked.map((e) => e.scheduleName)).toEqual(['sync']);
    expect(seen).toEqual([{ year: 2025, apiToken: '[REDACTED]' }]);
    await h.engine.stop();
    expect(clock.pendingTimers).toBe(0);
    await expect(h.engine.schedule(sync, { name: 'late', cron: '0 2 * * *', params: { year: 1, apiToken: 'x' } })).rejects.toThrow(/stopping/);
  });
});
