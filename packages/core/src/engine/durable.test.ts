import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ShutdownError } from '../errors.js';
import type { EngineErrorEvent, FlowStateEvent } from '../events.js';
import { createEngine, flow, sleep, task, type Engine } from '../index.js';
import { ManualClock, MemoryStore } from '../testing.js';

const T0 = Date.UTC(2026, 0, 5, 12);
const transitions = (events: FlowStateEvent[], runId: string): string[] =>
  events.filter((e) => e.runId === runId).map((e) => `${e.from}->${e.to}`);

function record(engine: Engine): { flowEvents: FlowStateEvent[]; errors: EngineErrorEvent[] } {
  const out = { flowEvents: [] as FlowStateEvent[], errors: [] as EngineErrorEvent[] };
  engine.on('flow:state', (e) => out.flowEvents.push(e));
  engine.on('engine:error', (e) => out.errors.push(e));
  return out;
}

/** Three steps; `step` records each body that runs. */
function threeSteps(ran: string[], hold?: { clock: ManualClock; untilStep: number; ms: number }) {
  const step = task({
    name: 'step',
    input: z.object({ n: z.number() }),
    run: async (ctx, { n }) => {
      ran.push(`step ${n}`);
      if (hold && n === hold.untilStep) await sleep(hold.clock, hold.ms, ctx.signal);
      return n * 10;
    },
  });
  return flow({
    name: 'three',
    run: async (ctx) => {
      let total = 0;
      for (let n = 1; n <= 3; n++) total += await ctx.run(step, { n });
      return total;
    },
  });
}

describe('engine: recover, work, rerun and shutdown on MemoryStore', () => {
  it('recover() marks a dead process run Crashed and resumes it without redoing completed tasks; each stored transition is emitted once', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock({ now: T0 });
    // What a process that died after step#1 left behind.
    await store.createRun({ id: 'r1', flowName: 'three', params: null, state: 'Pending', leaseOwner: 'dead', leaseExpiresAt: T0 - 1000, now: T0 - 60_000 });
    await store.transitionRun({ runId: 'r1', to: 'Running', at: T0 - 60_000 });
    await store.upsertTaskRun({ id: 't1', runId: 'r1', taskKey: 'step#1', taskName: 'step', state: 'Pending', maxAttempts: 1, now: T0 - 60_000 });
    await store.transitionTask({ taskRunId: 't1', to: 'Running', at: T0 - 60_000, patch: { attempt: 1 } });
    await store.transitionTask({ taskRunId: 't1', to: 'Completed', at: T0 - 59_000, patch: { result: 10, resultPersisted: true } });
    await store.upsertTaskRun({ id: 't2', runId: 'r1', taskKey: 'step#2', taskName: 'step', state: 'Pending', maxAttempts: 1, now: T0 - 59_000 });
    await store.transitionTask({ taskRunId: 't2', to: 'Running', at: T0 - 59_000, patch: { attempt: 1 } });

    const ran: string[] = [];
    const engine = createEngine({ store, clock }).register(threeSteps(ran));
    const { flowEvents, errors } = record(engine);
    const result = await engine.recover();
    expect(result).toEqual({ crashed: ['r1'], resumed: ['r1'], slotsReleased: 0 });
    await clock.runAll();
    await engine.stop();
    const run = await store.getRun('r1');
    expect(run).toMatchObject({ state: 'Completed', result: 60, attempt: 2, leaseOwner: null });
    expect(ran).toEqual(['step 2', 'step 3']);
    expect(transitions(flowEvents, 'r1')).toEqual(['Running->Crashed', 'Crashed->Pending', 'Pending->Running', 'Running->Completed']);
    const stored = (await store.getHistory('r1')).filter((h) => h.entity === 'flow').map((h) => `${h.from}->${h.to}`);
    expect(stored).toEqual(['null->Pending', 'Pending->Running', ...transitions(flowEvents, 'r1')]);
    expect(errors).toEqual([]);
  });

  it('work() claims enqueued runs by priority, not before runAt; a claimed run emits Scheduled->Pending, never null->Pending', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock({ now: T0 });
    const order: number[] = [];
    const job = flow({ name: 'job', params: z.object({ id: z.number() }), run: async (_ctx, { id }) => void order.push(id) });
    const engine = createEngine({ store, clock }).register(job);
    const { flowEvents, errors } = record(engine);
    const low = await engine.enqueue(job, { id: 1 }, { priority: 0 });
    const high = await engine.enqueue(job, { id: 2 }, { priority: 5 });
    const later = await engine.enqueue(job, { id: 3 }, { priority: 9, runAt: T0 + 10_000 });
    await expect(engine.enqueue(job, { id: 'x' } as never)).rejects.toThrow(/Invalid params of flow `job`/);
    const worker = await engine.work({ pollIntervalMs: 1000, maxRuns: 1 });
    await clock.advance(1);
    expect(order).toEqual([2, 1]);
    expect((await store.getRun(later.runId))?.state).toBe('Scheduled');
    await clock.advance(10_000);
    expect(order).toEqual([2, 1, 3]);
    for (const id of [low.runId, high.runId, later.runId]) {
      expect(transitions(flowEvents, id)).toEqual(['Scheduled->Pending', 'Pending->Running', 'Running->Completed']);
    }
    expect(worker.active).toEqual([]);
    await engine.stop();
    expect(clock.pendingTimers).toBe(0); // engine.stop stopped the worker too
    expect(errors).toEqual([]);
  });

  it('rerun(runId, { fromTask }) reuses results before the task and runs it and the rest again', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock({ now: T0 });
    const ran: string[] = [];
    const three = threeSteps(ran);
    const engine = createEngine({ store, clock }).register(three);
    const { flowEvents } = record(engine);
    const first = await engine.start(three);
    expect(await first.result()).toBe(60);
    ran.length = 0;
    const again = await engine.rerun(first.runId, { fromTask: 'step#2' });
    expect(again.reused).toEqual(['step#1']);
    expect(await again.result()).toBe(60);
    expect(ran).toEqual(['step 2', 'step 3']);
    expect(transitions(flowEvents, again.runId)).toEqual(['null->Pending', 'Pending->Running', 'Running->Completed']);
    await expect(engine.rerun(first.runId, { fromTask: 'nope' })).rejects.toThrow(/has no task `nope` \(its task keys: `step#1`, `step#2`, `step#3`\)/);
    await engine.stop();
  });

  it('shutdown() leaves an interrupted run Crashed (reason stored, lease released); the next engine resumes it without redoing finished tasks', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock({ now: T0 });
    const ran: string[] = [];
    const three = threeSteps(ran, { clock, untilStep: 2, ms: 60_000 });
    const runErrors: string[] = [];
    const engine = createEngine({ store, clock, hooks: { onRunError: (e) => void runErrors.push(e.runId) } }).register(three);
    const { flowEvents, errors } = record(engine);
    const handle = await engine.start(three);
    await clock.advance(1_000); // step 2 is waiting
    expect(ran).toEqual(['step 1', 'step 2']);
    await engine.shutdown({ reason: 'deploy' });
    expect(clock.pendingTimers).toBe(0);
    await expect(handle.result()).rejects.toBeInstanceOf(ShutdownError);
    const run = await store.getRun(handle.runId);
    expect(run).toMatchObject({ state: 'Crashed', stateReason: 'shutdown: deploy', leaseOwner: null, leaseExpiresAt: null });
    expect(run?.error).toMatchObject({ code: 'SHUTDOWN', message: 'deploy' });
    expect((await store.getTaskRunsByRun(handle.runId)).map((t) => `${t.taskKey} ${t.state}`)).toEqual(['step#1 Completed', 'step#2 Crashed']);
    expect(transitions(flowEvents, handle.runId)).toEqual(['null->Pending', 'Pending->Running', 'Running->Crashed']);
    expect(runErrors).toEqual([]); // a shutdown is not a run error to alert on
    await expect(engine.start(three)).rejects.toThrow(/stopping/);

    ran.length = 0;
    const next = createEngine({ store, clock }).register(threeSteps(ran));
    expect(await next.recover()).toEqual({ crashed: [], resumed: [handle.runId], slotsReleased: 0 });
    await clock.runAll();
    await next.stop();
    expect(await store.getRun(handle.runId)).toMatchObject({ state: 'Completed', result: 60, attempt: 2 });
    expect(ran).toEqual(['step 2', 'step 3']);
    expect(errors).toEqual([]);
  });

  it('shutdown() with a worker: stops claiming, the claimed run is Crashed and resumable, its store queue slot released', async () => {
    const store = new MemoryStore();
    const clock = new ManualClock({ now: T0 });
    const ran: string[] = [];
    const three = threeSteps(ran, { clock, untilStep: 1, ms: 60_000 });
    const engine = createEngine({ store, clock, leaseMs: 3000 }).register(three);
    const first = await engine.enqueue(three, undefined);
    const second = await engine.enqueue(three, undefined, { priority: -1 });
    await engine.work({ queueLimits: { default: 1 }, pollIntervalMs: 100 });
    await clock.advance(500);
    expect((await store.listSlots(clock.now(), 'queue:default')).length).toBe(1);
    await engine.shutdown({ reason: 'SIGTERM' });
    expect(clock.pendingTimers).toBe(0);
    expect(await store.getRun(first.runId)).toMatchObject({ state: 'Crashed', stateReason: 'shutdown: SIGTERM', leaseOwner: null });
    expect((await store.getRun(second.runId))?.state).toBe('Scheduled'); // never claimed
    expect(await store.listSlots(clock.now(), 'queue:default')).toEqual([]);
    expect(ran).toEqual(['step 1']);
  });
});
