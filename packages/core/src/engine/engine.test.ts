import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { FlowStateEvent, LogEvent, ProgressEvent, TaskStateEvent } from '../events.js';
import { createEngine, flow, sleep, task } from '../index.js';
import { ManualClock, MemoryStore } from '../testing.js';

describe('engine: events, history, logs, progress, checkpoints', () => {
  it('every transition is stored with a timestamp and emitted as an event, in order', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore();
    const engine = createEngine({ clock, store });
    const flowEvents: FlowStateEvent[] = [];
    const taskEvents: TaskStateEvent[] = [];
    engine.on('flow:state', (e) => flowEvents.push(e));
    engine.on('task:state', (e) => taskEvents.push(e));
    const t = task({
      name: 'step',
      retries: 1,
      retryDelay: 100,
      run: async (ctx) => {
        await sleep(clock, 10, ctx.signal);
        if (ctx.attempt === 1) throw new Error('once');
        return 'done';
      },
    });
    const h = await engine.start(flow({ name: 'f', run: (ctx) => ctx.run(t) }));
    await clock.runAll();
    await h.result();
    await engine.stop();
    const history = await store.getHistory(h.runId);
    const stored = history.map((x) => `${x.entity}:${x.from}->${x.to}@${x.at - history[0]!.at}`);
    expect(stored).toEqual([
      'flow:null->Pending@0',
      'flow:Pending->Running@0',
      'task:null->Pending@0',
      'task:Pending->Running@0',
      'task:Running->Retrying@10',
      'task:Retrying->Running@110',
      'task:Running->Completed@120',
      'flow:Running->Completed@120',
    ]);
    expect(flowEvents.map((e) => `${e.from}->${e.to}`)).toEqual(['null->Pending', 'Pending->Running', 'Running->Completed']);
    expect(taskEvents.map((e) => `${e.from}->${e.to}#${e.attempt}`)).toEqual([
      'null->Pending#0',
      'Pending->Running#1',
      'Running->Retrying#1',
      'Retrying->Running#2',
      'Running->Completed#2',
    ]);
    const run = await store.getRun(h.runId);
    expect(run?.startedAt).toBe(history[0]!.at);
    expect(run?.endedAt).toBe(history[0]!.at + 120);
    expect(run?.leaseOwner).toBeNull();
  });

  it('ctx.log persists levelled lines per run with redacted fields; ctx.progress is stored and emitted; checkpoints round-trip', async () => {
    const store = new MemoryStore();
    const engine = createEngine({ store, logLevel: 'info' });
    const logs: LogEvent[] = [];
    const progress: ProgressEvent[] = [];
    engine.on('log', (e) => logs.push(e));
    engine.on('run:progress', (e) => progress.push(e));
    const t = task({
      name: 'sync-volunteers',
      run: async (ctx) => {
        ctx.log.debug('not stored');
        ctx.log.info('page fetched', { page: 1, apiKey: 'sk-123', nested: { password: 'hunter2' } });
        ctx.progress({ done: 50, total: 100, unit: 'records' });
        expect(await ctx.checkpoint.get('lastId')).toBeUndefined();
        await ctx.checkpoint.set('lastId', '003ABC');
        expect(await ctx.checkpoint.get('lastId')).toBe('003ABC');
        ctx.log.warn('slow page');
        return ctx.idempotencyKey;
      },
    });
    const f = flow({ name: 'sync', run: async (ctx) => (ctx.log.info('flow start'), ctx.run(t)) });
    const h = await engine.start(f, undefined);
    const key = await h.result();
    await engine.stop();
    expect(key).toBe(`${h.runId}:sync-volunteers#1`);
    const stored = await store.getLogs(h.runId);
    expect(stored.map((l) => [l.level, l.message])).toEqual([
      ['info', 'flow start'],
      ['info', 'page fetched'],
      ['warn', 'slow page'],
    ]);
    expect(stored[1]?.fields).toEqual({ page: 1, apiKey: '[REDACTED]', nested: { password: '[REDACTED]' } });
    expect(stored[1]?.taskRunId).toBe(stored[2]?.taskRunId);
    expect(stored[0]?.taskRunId).toBeNull();
    expect(logs).toHaveLength(3);
    expect(progress.map((p) => [p.done, p.total, p.unit, p.taskKey])).toEqual([[50, 100, 'records', 'sync-volunteers#1']]);
    const [taskRun] = await store.getTaskRunsByRun(h.runId);
    expect(taskRun?.progress).toEqual({ done: 50, total: 100, unit: 'records' });
    expect(await store.getCheckpoint(h.runId, 'sync-volunteers#1', 'lastId')).toBe('003ABC');
  });

  it('secrets in params never reach the store', async () => {
    const store = new MemoryStore();
    const engine = createEngine({ store });
    const f = flow({ name: 'login', params: z.object({ user: z.string(), password: z.string() }), run: (_ctx, p) => p.user });
    const h = await engine.start(f, { user: 'ann', password: 'hunter2' });
    expect(await h.result()).toBe('ann');
    expect((await store.getRun(h.runId))?.params).toEqual({ user: 'ann', password: '[REDACTED]' });
    await engine.stop();
  });

  it('state writes are coalesced into few store batches (one transaction per tick), and a finished task is stored before ctx.run resolves', async () => {
    const store = new MemoryStore();
    const engine = createEngine({ store, concurrency: 16 });
    const seenByFlow: string[] = [];
    const t = task({ name: 'noop', run: async (_ctx, i: number) => i });
    const f = flow({
      name: 'many',
      run: async (ctx) => {
        const first = await ctx.run(t, 0);
        const [rec] = await store.getTaskRunsByRun(ctx.runId);
        seenByFlow.push(`${rec?.state}:${String(rec?.result)}`);
        await ctx.map(t, Array.from({ length: 200 }, (_, i) => i + 1));
        return first;
      },
    });
    await engine.run(f);
    await engine.stop();
    expect(seenByFlow).toEqual(['Completed:0']);
    // 201 tasks × 3 writes + flow writes, far fewer batches than writes:
    expect(store.batchCount).toBeLessThan(201 * 3 / 4);
  });

  it('idempotencyKey returns the existing run instead of starting another', async () => {
    const clock = new ManualClock();
    const engine = createEngine({ clock });
    let runs = 0;
    const f = flow({ name: 'nightly', run: async (ctx) => (runs++, await sleep(clock, 10, ctx.signal), 'ok') });
    const a = await engine.start(f, undefined, { idempotencyKey: '2026-01-05' });
    const b = await engine.start(f, undefined, { idempotencyKey: '2026-01-05' });
    expect(b.runId).toBe(a.runId);
    expect(b.created).toBe(false);
    await clock.runAll();
    expect(await b.result()).toBe('ok');
    const c = await engine.start(f, undefined, { idempotencyKey: '2026-01-05' });
    expect(await c.result()).toBe('ok');
    expect(runs).toBe(1);
    await engine.stop();
  });

  it('sub-flows are recorded as child runs with their own task runs', async () => {
    const store = new MemoryStore();
    const engine = createEngine({ store });
    const leaf = task({ name: 'leaf', run: () => 'leaf' });
    const child = flow({ name: 'child', params: z.object({ n: z.number() }), run: async (ctx, { n }) => `${await ctx.run(leaf)}${n}` });
    const parent = flow({ name: 'parent', run: (ctx) => ctx.run(child, { n: 7 }) });
    const h = await engine.start(parent);
    expect(await h.result()).toBe('leaf7');
    await engine.stop();
    const detail = await store.getRunDetail(h.runId);
    expect(detail?.taskRuns.map((t) => [t.taskKey, t.state, t.childRunId !== null])).toEqual([['child#1', 'Completed', true]]);
    const kid = detail?.children[0];
    expect(kid?.flowName).toBe('child');
    expect(kid?.parentTaskKey).toBe('child#1');
    expect(kid?.state).toBe('Completed');
    expect(kid?.result).toBe('leaf7');
    expect((await store.getTaskRunsByRun(kid!.id)).map((t) => t.taskKey)).toEqual(['leaf#1']);
  });

  it('ctx.forEach pulls inputs lazily: at most `concurrency` in flight, memory held per call only, no input pulled after a failure', async () => {
    const clock = new ManualClock();
    const engine = createEngine({ clock, concurrency: 64 });
    let pulled = 0;
    let done = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    let maxAhead = 0;
    function* inputs(): Generator<number> {
      for (let i = 0; i < 2000; i++) {
        pulled++;
        maxAhead = Math.max(maxAhead, pulled - done);
        yield i;
      }
    }
    const t = task({
      name: 'row',
      persistResult: false,
      run: async (ctx, i: number) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await sleep(clock, 1, ctx.signal);
        inFlight--;
        done++;
        if (i === 1500) throw new Error('bad row 1500');
        return i;
      },
    });
    const f = flow({ name: 'rows', run: (ctx) => ctx.forEach(t, inputs(), { concurrency: 8 }) });
    const h = await engine.start(f);
    const outcome = h.result().catch((e: unknown) => e);
    await clock.runAll();
    expect(((await outcome) as Error).message).toBe('bad row 1500');
    expect(maxInFlight).toBe(8);
    expect(maxAhead).toBeLessThanOrEqual(8);
    expect(pulled).toBeLessThan(1500 + 9);
    await engine.stop();
  });

  it('ctx.skip records a task as Skipped (with its reason) when the flow decides not to run it', async () => {
    const store = new MemoryStore();
    const engine = createEngine({ store });
    const skipped: TaskStateEvent[] = [];
    engine.on('task:state', (e) => e.to === 'Skipped' && skipped.push(e));
    const extract = task({ name: 'extract', run: async () => Promise.reject(new Error('source down')) });
    let loads = 0;
    const load = task({ name: 'load', run: () => void loads++ });
    const f = flow({
      name: 'etl',
      run: async (ctx) => {
        try {
          await ctx.run(extract);
        } catch {
          await ctx.skip(load, 'extract failed');
          return 'partial';
        }
        return ctx.run(load);
      },
    });
    const h = await engine.start(f);
    expect(await h.result()).toBe('partial');
    await engine.stop();
    expect(loads).toBe(0);
    const tasks = await store.getTaskRunsByRun(h.runId);
    expect(tasks.map((t) => [t.taskKey, t.state, t.stateReason])).toEqual([
      ['extract#1', 'Failed', 'exhausted'],
      ['load#1', 'Skipped', 'extract failed'],
    ]);
    const history = (await store.getHistory(h.runId)).filter((x) => x.taskKey === 'load#1');
    expect(history.map((x) => [x.from, x.to, x.reason])).toEqual([[null, 'Skipped', 'extract failed']]);
    expect(skipped.map((e) => e.taskKey)).toEqual(['load#1']);
  });

  it('stop() cancels active runs and leaves no timers', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore();
    const engine = createEngine({ clock, store });
    const t = task({ name: 'forever', retries: 5, retryDelay: 1000, run: (ctx) => sleep(clock, 1_000_000, ctx.signal) });
    const h = await engine.start(flow({ name: 'f', timeout: 500_000, run: (ctx) => ctx.run(t) }));
    await clock.advance(100);
    expect(clock.pendingTimers).toBeGreaterThan(0);
    await engine.stop();
    expect(clock.pendingTimers).toBe(0);
    expect((await store.getRun(h.runId))?.state).toBe('Cancelled');
    await expect(engine.start(flow({ name: 'late', run: () => 1 }))).rejects.toThrow(/stopping/);
  });

  it('status of a run this engine does not execute comes from the store', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock();
    const engine = createEngine({ store, clock });
    await store.createRun({ id: 'q1', flowName: 'x', params: null, state: 'Scheduled', now: clock.now() });
    await store.createRun({ id: 'q2', flowName: 'x', params: null, state: 'Scheduled', now: clock.now() + 1 });
    await store.createRun({ id: 'later', flowName: 'x', params: null, state: 'Scheduled', runAt: clock.now() + 60_000, now: clock.now() });
    await clock.advance(5);
    expect((await engine.status('q2')).waitingFor).toEqual([{ kind: 'queue', queue: 'default', position: 1 }]);
    expect((await engine.status('later')).waitingFor).toEqual([{ kind: 'schedule', runAt: clock.now() - 5 + 60_000 }]);
    expect(await engine.cancel('q1')).toBe(true);
    expect((await store.getRun('q1'))?.state).toBe('Cancelled');
    await expect(engine.status('nope')).rejects.toThrow('No run `nope`');
    await engine.stop();
  });
});
