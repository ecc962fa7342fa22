import { describe, expect, it } from 'vitest';
import { CancelledError, RetriesExhaustedError, RetryAfterError, TimeoutError } from '../errors.js';
import type { RetryEvent } from '../events.js';
import { createEngine, flow, sleep as sleepFor, task } from '../index.js';
import { ManualClock, MemoryStore, seededRandom } from '../testing.js';

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  return p.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

function setup() {
  const clock = new ManualClock();
  const store = new MemoryStore();
  const engine = createEngine({ store, clock, random: seededRandom(42) });
  return { clock, store, engine };
}

describe('C07: retries = extra attempts; total attempts = retries + 1', () => {
  it.each([5, 3, 0])('C07: retries = %i makes retries + 1 attempts, retries sleeps, retries + 1 attempt records', async (retries) => {
    const { clock, store, engine } = setup();
    const thrown: Error[] = [];
    const t = task({
      name: 'always-fails',
      retries,
      retryDelay: 1000,
      run: async (ctx) => {
        const error = new Error(`attempt ${ctx.attempt} failed`);
        thrown.push(error);
        throw error;
      },
    });
    const f = flow({ name: 'c07', run: (ctx) => ctx.run(t) });
    const sleeps: RetryEvent[] = [];
    engine.on('task:retry', (e) => sleeps.push(e));
    const start = clock.now();
    const handle = await engine.start(f);
    const outcome = settle(handle.result());
    await clock.runAll();
    const result = await outcome;

    expect(thrown).toHaveLength(retries + 1);
    expect(sleeps).toHaveLength(retries);
    expect(clock.now() - start).toBe(retries * 1000);
    const history = (await store.getHistory(handle.runId)).filter((h) => h.entity === 'task' && h.to === 'Running');
    expect(history.map((h) => h.attempt)).toEqual(Array.from({ length: retries + 1 }, (_, i) => i + 1));
    const [taskRun] = await store.getTaskRunsByRun(handle.runId);
    expect(taskRun?.attempt).toBe(retries + 1);
    expect(taskRun?.state).toBe('Failed');

    expect(result.ok).toBe(false);
    const error = (result as { error: unknown }).error;
    const last = thrown.at(-1);
    if (retries === 0) {
      expect(error).toBe(last);
    } else {
      expect(error).toBeInstanceOf(RetriesExhaustedError);
      const exhausted = error as RetriesExhaustedError;
      expect(exhausted.cause).toBe(last);
      expect(exhausted.attempts).toEqual(thrown);
      expect(exhausted.message).toContain(`attempt ${retries + 1} failed`);
      expect(taskRun?.error?.attempts).toHaveLength(retries + 1);
    }
    expect((await store.getRun(handle.runId))?.state).toBe('Failed');
    await engine.stop();
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('C08: an abort during the backoff sleep ends the wait at once', () => {
  it('C08: the caller signal aborting at 1,000 ms during a 10,000 ms backoff rejects at 1,000 ms; one call; no timers left', async () => {
    const { clock, store, engine } = setup();
    const controller = new AbortController();
    const reason = new Error('caller gave up');
    clock.setTimeout(() => controller.abort(reason), 1000);
    let calls = 0;
    const t = task({
      name: 'transient',
      retries: 3,
      retryDelay: 10_000,
      run: async () => {
        calls++;
        throw new Error('transient');
      },
    });
    const f = flow({ name: 'c08', run: (ctx) => ctx.run(t) });
    const start = clock.now();
    const handle = await engine.start(f, undefined, { signal: controller.signal });
    let settledAt: number | undefined;
    const outcome = settle(handle.result()).finally(() => (settledAt = clock.now()));
    await clock.advance(1000);
    const result = await outcome;
    expect(settledAt).toBe(start + 1000);
    expect(calls).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    expect(result.ok).toBe(false);
    const error = (result as { error: unknown }).error as CancelledError;
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.cause).toBe(reason);
    expect((await store.getRun(handle.runId))?.state).toBe('Cancelled');
    const [taskRun] = await store.getTaskRunsByRun(handle.runId);
    expect(taskRun?.state).toBe('Cancelled');
    await engine.stop();
  });

  it('C08: a task that waits for the signal and rejects with its reason is not retried', async () => {
    const { clock, engine } = setup();
    const controller = new AbortController();
    clock.setTimeout(() => controller.abort(new Error('stop')), 1000);
    let calls = 0;
    const t = task({
      name: 'waits',
      retries: 3,
      retryDelay: 10_000,
      run: (ctx) =>
        new Promise<never>((_, reject) => {
          calls++;
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
        }),
    });
    const handle = await engine.start(flow({ name: 'c08b', run: (ctx) => ctx.run(t) }), undefined, { signal: controller.signal });
    let settledAt: number | undefined;
    const start = clock.now();
    const outcome = settle(handle.result()).finally(() => (settledAt = clock.now()));
    await clock.advance(1000);
    expect((await outcome).ok).toBe(false);
    expect(settledAt).toBe(start + 1000);
    expect(calls).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    await engine.stop();
  });

  it('C08: with 4 attempts allowed and an already-aborted signal, at most 1 attempt is made', async () => {
    const { clock, store, engine } = setup();
    let calls = 0;
    const t = task({ name: 'never', retries: 3, run: async () => void calls++ });
    const handle = await engine.start(flow({ name: 'c08c', run: (ctx) => ctx.run(t) }), undefined, { signal: AbortSignal.abort() });
    const result = await settle(handle.result());
    await clock.runAll();
    expect(result.ok).toBe(false);
    expect(calls).toBeLessThanOrEqual(1);
    expect((await store.getRun(handle.runId))?.state).toBe('Cancelled');
    await engine.stop();
  });

  it('engine.cancel during a flow-level backoff ends the wait at once', async () => {
    const { clock, store, engine } = setup();
    let calls = 0;
    const f = flow({
      name: 'flaky-flow',
      retries: 2,
      retryDelay: 60_000,
      run: async () => {
        calls++;
        throw new Error('flow failed');
      },
    });
    const handle = await engine.start(f);
    const outcome = settle(handle.result());
    await clock.advance(10);
    expect((await engine.status(handle.runId)).waitingFor).toEqual([{ kind: 'retry', attempt: 2, retryAt: clock.now() - 10 + 60_000 }]);
    expect(await engine.cancel(handle.runId)).toBe(true);
    const result = await outcome;
    expect(result.ok).toBe(false);
    expect((result as { error: unknown }).error).toBeInstanceOf(CancelledError);
    expect(calls).toBe(1);
    expect(clock.pendingTimers).toBe(0);
    expect((await store.getRun(handle.runId))?.state).toBe('Cancelled');
    await engine.stop();
  });
});

describe('retry timing through the engine', () => {
  it('RetryAfterError: the next attempt starts exactly its delay later, ignoring backoff and jitter', async () => {
    const { clock, engine } = setup();
    const starts: number[] = [];
    const t = task({
      name: 'rate-limited',
      retries: 2,
      retryDelay: 5,
      retryJitter: 'full',
      run: async (ctx) => {
        starts.push(clock.now());
        if (ctx.attempt === 1) throw new RetryAfterError('429 Too Many Requests', 4321);
        if (ctx.attempt === 2) throw new RetryAfterError('429 again', new Date(clock.now() + 3000), { now: clock.now() });
        return 'ok';
      },
    });
    const handle = await engine.start(flow({ name: 'ra', run: (ctx) => ctx.run(t) }));
    const outcome = settle(handle.result());
    await clock.runAll();
    expect(await outcome).toEqual({ ok: true, value: 'ok' });
    expect([(starts[1] ?? 0) - (starts[0] ?? 0), (starts[2] ?? 0) - (starts[1] ?? 0)]).toEqual([4321, 3000]);
    await engine.stop();
  });

  it('C10: the delay reported in task:retry equals the time actually slept, jitter 0.3 over the backoff', async () => {
    const { clock, store, engine } = setup();
    const unjittered = [1, 1, 2, 2, 2, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32].map((s) => s * 1000);
    const starts: number[] = [];
    const t = task({
      name: 'service-loop',
      retries: 15,
      retryDelay: unjittered,
      retryJitter: { factor: 0.3 },
      run: async () => {
        starts.push(clock.now());
        throw new Error('down');
      },
    });
    const reported: number[] = [];
    engine.on('task:retry', (e) => reported.push(e.delayMs));
    const handle = await engine.start(flow({ name: 'c10', run: (ctx) => ctx.run(t) }));
    const outcome = settle(handle.result());
    await clock.runAll();
    await outcome;
    const slept = starts.slice(1).map((s, i) => s - (starts[i] ?? 0));
    expect(slept).toHaveLength(15);
    expect(reported.map(Math.floor)).toEqual(slept.map(Math.floor));
    slept.forEach((s, i) => {
      expect(s).toBeGreaterThanOrEqual(Math.floor(0.7 * (unjittered[i] ?? 0)));
      expect(s).toBeLessThanOrEqual(Math.ceil(1.3 * (unjittered[i] ?? 0)));
    });
    expect(slept[14]).toBeGreaterThanOrEqual(22_400);
    const retrying = (await store.getHistory(handle.runId)).filter((h) => h.to === 'Retrying');
    expect(retrying).toHaveLength(15);
    await engine.stop();
  });

  it('timeout: the attempt signal aborts, the attempt fails with TimeoutError, retry rules apply', async () => {
    const { clock, store, engine } = setup();
    const aborted: boolean[] = [];
    const t = task({
      name: 'hangs',
      timeout: 500,
      retries: 1,
      retryDelay: 100,
      run: (ctx) =>
        new Promise<never>((_, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted.push(ctx.signal.aborted);
            reject(new Error('aborted by signal'));
          });
        }),
    });
    const start = clock.now();
    const handle = await engine.start(flow({ name: 'to', run: (ctx) => ctx.run(t) }));
    const outcome = settle(handle.result());
    await clock.runAll();
    const result = await outcome;
    expect(clock.now() - start).toBe(500 + 100 + 500);
    expect(aborted).toEqual([true, true]);
    const error = (result as { error: unknown }).error as RetriesExhaustedError;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error.attempts.every((e) => e instanceof TimeoutError)).toBe(true);
    const [taskRun] = await store.getTaskRunsByRun(handle.runId);
    expect(taskRun?.error?.attempts?.map((a) => a.code)).toEqual(['TIMEOUT', 'TIMEOUT']);
    await engine.stop();
  });

  it('flow timeout: the attempt fails with TimeoutError, its running task is cancelled, retry rules apply', async () => {
    const { clock, store, engine } = setup();
    let calls = 0;
    const t = task({ name: 'long', run: async (ctx) => (calls++, await sleepFor(clock, 1000, ctx.signal)) });
    const f = flow({ name: 'bounded', timeout: 100, retries: 1, retryDelay: 10, run: (ctx) => ctx.run(t) });
    const start = clock.now();
    const handle = await engine.start(f);
    const outcome = settle(handle.result());
    await clock.runAll();
    const result = await outcome;
    expect(clock.now() - start).toBe(100 + 10 + 100);
    expect(calls).toBe(2);
    const error = (result as { error: unknown }).error as RetriesExhaustedError;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error.attempts.map((e) => (e as Error).name)).toEqual(['TimeoutError', 'TimeoutError']);
    expect((await store.getRun(handle.runId))?.state).toBe('Failed');
    const [taskRun] = await store.getTaskRunsByRun(handle.runId);
    expect(taskRun?.state).toBe('Cancelled');
    expect(taskRun?.attempt).toBe(2);
    await engine.stop();
  });

  it('flow retries reuse the results of tasks that completed in an earlier attempt', async () => {
    const { clock, store, engine } = setup();
    let extractCalls = 0;
    let loadCalls = 0;
    const extract = task({ name: 'extract', run: async () => (extractCalls++, { rows: 3 }) });
    const load = task({
      name: 'load',
      run: async (_ctx, input: { rows: number }) => {
        loadCalls++;
        if (loadCalls === 1) throw new Error('db locked');
        return input.rows;
      },
    });
    const f = flow({ name: 'etl', retries: 1, retryDelay: 1000, run: async (ctx) => ctx.run(load, await ctx.run(extract)) });
    const handle = await engine.start(f);
    const outcome = settle(handle.result());
    await clock.runAll();
    expect(await outcome).toEqual({ ok: true, value: 3 });
    expect(extractCalls).toBe(1);
    expect(loadCalls).toBe(2);
    const tasks = await store.getTaskRunsByRun(handle.runId);
    expect(tasks.map((t) => [t.taskKey, t.state, t.attempt])).toEqual([
      ['extract#1', 'Completed', 1],
      ['load#1', 'Completed', 2],
    ]);
    const flowHistory = (await store.getHistory(handle.runId)).filter((h) => h.entity === 'flow').map((h) => h.to);
    expect(flowHistory).toEqual(['Pending', 'Running', 'Retrying', 'Running', 'Completed']);
    await engine.stop();
  });
});
