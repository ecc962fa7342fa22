import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CancelledError } from '../errors.js';
import type { FlowStateEvent } from '../events.js';
import { createEngine, flow, sleep, task } from '../index.js';
import { ManualClock, MemoryStore } from '../testing.js';

describe('limits: engine, tag and queue concurrency; slots released on every exit path', () => {
  it('100 tasks with tag limit 2 and engine limit 4: never more than 2 in flight for the tag; slots return to 0 after success, failure, timeout and cancel', async () => {
    const clock = new ManualClock();
    const engine = createEngine({ clock, concurrency: 4, tags: { api: 2 } });
    let tagged = 0;
    let maxTagged = 0;
    let total = 0;
    let maxTotal = 0;
    const enter = (isTagged: boolean): void => {
      total++;
      maxTotal = Math.max(maxTotal, total);
      if (isTagged) {
        tagged++;
        maxTagged = Math.max(maxTagged, tagged);
      }
    };
    const leave = (isTagged: boolean): void => {
      total--;
      if (isTagged) tagged--;
    };
    const body = (isTagged: boolean) => async (ctx: { signal: AbortSignal }, input: { i: number }) => {
      enter(isTagged);
      try {
        await sleep(clock, isTagged && input.i % 4 === 1 ? 1000 : 10, ctx.signal); // tagged i%4=1 time out at 50 ms
        if (input.i % 4 === 0) throw new Error(`task ${input.i} failed`);
        return input.i;
      } finally {
        leave(isTagged);
      }
    };
    const api = task({ name: 'api-call', input: z.object({ i: z.number() }), tags: ['api'], timeout: 50, run: body(true) });
    const local = task({ name: 'local', input: z.object({ i: z.number() }), run: body(false) });
    const f = flow({
      name: 'mixed',
      params: z.object({ n: z.number() }),
      run: async (ctx, { n }) => {
        const results = await Promise.allSettled([
          ...Array.from({ length: n }, (_, i) => ctx.run(api, { i })),
          ...Array.from({ length: 20 }, (_, i) => ctx.run(local, { i })),
        ]);
        return results.filter((r) => r.status === 'fulfilled').length;
      },
    });
    const first = await engine.start(f, { n: 100 });
    const second = await engine.start(f, { n: 100 });
    const firstResult = first.result();
    const secondResult = second.result().catch((e: unknown) => e);
    await clock.advance(300);
    expect(tagged).toBeGreaterThan(0);
    expect(engine.slotsInUse().total).toBeGreaterThan(0);
    await engine.cancel(second.runId);
    await clock.runAll();
    expect(await firstResult).toBe(50 + 15);
    expect(await secondResult).toBeInstanceOf(CancelledError);
    expect(maxTagged).toBe(2);
    expect(maxTotal).toBeLessThanOrEqual(4);
    expect(engine.slotsInUse()).toMatchObject({ engine: 0, tags: { api: 0 }, total: 0 });
    const tasks = await engine.store.getTaskRunsByRun(first.runId);
    const states = tasks.reduce<Record<string, number>>((acc, t) => ((acc[t.state] = (acc[t.state] ?? 0) + 1), acc), {});
    expect(states).toEqual({ Completed: 65, Failed: 55 });
    await engine.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('queues: at most `queues[name]` runs of a queue run at once; status names the queue slot and its holder', async () => {
    const clock = new ManualClock();
    const engine = createEngine({ clock, queues: { default: 1 } });
    const f = flow({ name: 'slow', run: (ctx) => sleep(clock, 100, ctx.signal) });
    const a = await engine.start(f);
    const b = await engine.start(f);
    await clock.advance(10);
    const status = await engine.status(b.runId);
    expect(status.state).toBe('Pending');
    expect(status.waitingFor).toEqual([{ kind: 'concurrency', scope: 'queue', key: 'default', limit: 1, inUse: 1, holders: [a.runId] }]);
    expect(status.description[0]).toContain(`held by ${a.runId}`);
    await clock.runAll();
    await Promise.all([a.result(), b.result()]);
    expect(engine.slotsInUse().total).toBe(0);
    await engine.stop();
  });

  it('status names the tag slot a task waits for and which task runs hold it', async () => {
    const clock = new ManualClock();
    const engine = createEngine({ clock, tags: { salesforce: 1 } });
    const t = task({ name: 'sf', tags: ['salesforce'], run: (ctx) => sleep(clock, 100, ctx.signal) });
    const f = flow({ name: 'two', run: (ctx) => Promise.all([ctx.run(t), ctx.run(t)]) });
    const h = await engine.start(f);
    await clock.advance(1);
    const status = await engine.status(h.runId);
    const running = status.tasks.find((t) => t.state === 'Running');
    const waiting = status.tasks.find((t) => t.state === 'Pending');
    expect(waiting?.waitingFor).toEqual({ kind: 'concurrency', scope: 'tag', key: 'salesforce', limit: 1, inUse: 1, holders: [running?.taskRunId] });
    expect(status.description.join('\n')).toContain(`task ${waiting?.taskKey} waits for a \`tag:salesforce\` slot (1/1 in use, held by ${running?.taskRunId})`);
    await clock.runAll();
    await h.result();
    await engine.stop();
  });

  it('rate limits: at most `limit` starts in any window of `intervalMs` (on the engine clock)', async () => {
    const clock = new ManualClock();
    const engine = createEngine({ clock, rateLimits: { sf: { limit: 3, intervalMs: 1000 } } });
    const starts: number[] = [];
    const t = task({ name: 'call', tags: ['sf'], run: async () => void starts.push(clock.now()) });
    const f = flow({ name: 'burst', run: (ctx) => ctx.map(t, Array.from({ length: 8 }, () => undefined), { concurrency: 8 }) });
    const t0 = clock.now();
    const h = await engine.start(f);
    await clock.runAll();
    await h.result();
    expect(starts.map((s) => s - t0)).toEqual([0, 0, 0, 1000, 1000, 1000, 2000, 2000]);
    await engine.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('cancel', () => {
  it('a run with 3 running and 10 queued tasks ends Cancelled; running tasks see signal.aborted; no queued task starts afterwards', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore();
    const engine = createEngine({ clock, store, concurrency: 3 });
    let started = 0;
    const sawAbort: boolean[] = [];
    const t = task({
      name: 'long',
      run: async (ctx) => {
        started++;
        try {
          await sleep(clock, 60_000, ctx.signal);
        } finally {
          sawAbort.push(ctx.signal.aborted);
        }
      },
    });
    const f = flow({ name: 'big', run: (ctx) => Promise.all(Array.from({ length: 13 }, () => ctx.run(t))) });
    const h = await engine.start(f);
    const outcome = h.result().catch((e: unknown) => e);
    await clock.advance(100);
    const before = await engine.status(h.runId);
    expect(before.tasks.filter((t) => t.state === 'Running')).toHaveLength(3);
    expect(before.tasks.filter((t) => t.waitingFor?.kind === 'concurrency')).toHaveLength(10);
    expect(await engine.cancel(h.runId)).toBe(true);
    expect(await outcome).toBeInstanceOf(CancelledError);
    await clock.advance(120_000);
    expect(started).toBe(3);
    expect(sawAbort).toEqual([true, true, true]);
    expect((await store.getRun(h.runId))?.state).toBe('Cancelled');
    const tasks = await store.getTaskRunsByRun(h.runId);
    expect(tasks).toHaveLength(13);
    expect(tasks.every((t) => t.state === 'Cancelled')).toBe(true);
    expect(tasks.filter((t) => t.attempt === 1)).toHaveLength(3);
    expect(engine.slotsInUse().total).toBe(0);
    expect(await engine.cancel(h.runId)).toBe(false);
    await engine.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('cancelling a parent cancels its running sub-flow', async () => {
    const clock = new ManualClock();
    const store = new MemoryStore();
    const engine = createEngine({ clock, store });
    const t = task({ name: 'inner-work', run: (ctx) => sleep(clock, 60_000, ctx.signal) });
    const child = flow({ name: 'child', run: (ctx) => ctx.run(t) });
    const parent = flow({ name: 'parent', run: (ctx) => ctx.run(child) });
    const h = await engine.start(parent);
    const outcome = h.result().catch((e: unknown) => e);
    await clock.advance(10);
    await engine.cancel(h.runId);
    expect(await outcome).toBeInstanceOf(CancelledError);
    await engine.stop();
    const children = (await store.listRuns({ parentRunId: h.runId })).items;
    expect(children.map((c) => c.state)).toEqual(['Cancelled']);
  });
});

describe('C11: a rejected task never crashes the process', () => {
  it('C11: a failing run then a succeeding one, no .catch attached: 0 unhandled rejections, Failed stored, hook once, second completes, 0 pending', async () => {
    let unhandled = 0;
    const onUnhandled = (): void => void unhandled++;
    process.on('unhandledRejection', onUnhandled);
    try {
      const store = new MemoryStore();
      const errorHook: FlowStateEvent[] = [];
      const engine = createEngine({ store, concurrency: 2, hooks: { onRunError: (e) => void errorHook.push(e) } });
      const boom = task({ name: 'boom', run: async () => Promise.reject(new Error('kaboom')) });
      const fine = task({ name: 'fine', run: async () => 'ok' });
      const failing = flow({
        name: 'failing',
        run: async (ctx) => {
          void ctx.run(boom); // never awaited, never caught
          return ctx.run(boom, undefined, { key: 'boom-awaited' });
        },
      });
      const succeeding = flow({ name: 'succeeding', run: (ctx) => ctx.run(fine) });
      const a = await engine.start(failing); // no .catch, no result()
      const b = await engine.start(succeeding);
      await engine.stop({ drain: true });
      await new Promise((r) => setTimeout(r, 20));
      expect(unhandled).toBe(0);
      const failed = await store.getRun(a.runId);
      expect(failed?.state).toBe('Failed');
      expect(failed?.error?.message).toBe('kaboom');
      expect(errorHook).toHaveLength(1);
      expect(errorHook[0]?.runId).toBe(a.runId);
      expect((await store.getRun(b.runId))?.state).toBe('Completed');
      expect(await b.result()).toBe('ok');
      expect(engine.activeRuns()).toEqual([]);
      expect(engine.slotsInUse().total).toBe(0);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('a throwing listener or hook becomes engine:error, never a crash', async () => {
    const errors: string[] = [];
    const engine = createEngine({
      hooks: {
        onFlowRunStateChange: () => {
          throw new Error('sync hook bug');
        },
        onTaskRunStateChange: async () => Promise.reject(new Error('async hook bug')),
      },
    });
    engine.on('flow:state', () => {
      throw new Error('listener bug');
    });
    engine.on('engine:error', (e) => errors.push(`${e.source}: ${(e.error as Error).message}`));
    const t = task({ name: 't', run: () => 1 });
    expect(await engine.run(flow({ name: 'f', run: (ctx) => ctx.run(t) }))).toBe(1);
    await engine.stop();
    expect(errors).toContain('listener:flow:state: listener bug');
    expect(errors).toContain('hook:onFlowRunStateChange: sync hook bug');
    expect(errors).toContain('hook:onTaskRunStateChange: async hook bug');
  });
});
