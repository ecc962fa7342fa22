/**
 * How to test a flow: a real engine on `MemoryStore`, a `ManualClock` for time and
 * `seededRandom` for jitter, all from `@vms/flow-core/testing`. Minutes of backoff and timeouts
 * pass in milliseconds, and every delay is exact and repeatable.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, RetriesExhaustedError, type Engine } from '@vms/flow-core';
import { ManualClock, MemoryStore, seededRandom } from '@vms/flow-core/testing';
import { createReminderFlow, type Outbox } from './reminders.js';

/** An outbox that records what it sent, when, and can fail or hang on chosen calls. */
class RecordingOutbox implements Outbox {
  readonly sent: { to: string; at: number }[] = [];
  readonly attempts: { to: string; at: number }[] = [];
  constructor(
    private readonly clock: ManualClock,
    private readonly behaviour: (to: string, attempt: number) => 'ok' | 'fail' | 'hang' = () => 'ok',
  ) {}
  async send(to: string, _text: string, signal: AbortSignal): Promise<void> {
    const attempt = this.attempts.filter((a) => a.to === to).length + 1;
    this.attempts.push({ to, at: this.clock.now() });
    const what = this.behaviour(to, attempt);
    if (what === 'fail') throw new Error(`SMTP 451 for ${to}`);
    if (what === 'hang') {
      // Never answers: only the task's timeout (or a cancel) ends it, through the signal.
      await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
    }
    this.sent.push({ to, at: this.clock.now() });
  }
}

const START = Date.UTC(2026, 4, 1, 9, 0, 0);
let engine: Engine | undefined;
let clock: ManualClock;

function setup(behaviour?: ConstructorParameters<typeof RecordingOutbox>[1]) {
  clock = new ManualClock({ now: START });
  const outbox = new RecordingOutbox(clock, behaviour);
  engine = createEngine({ store: new MemoryStore(), clock, random: seededRandom(7) });
  return { outbox, reminders: createReminderFlow(outbox), engine };
}

afterEach(async () => {
  await engine?.stop();
  // The engine left no timer behind: a leak here would keep a real process alive.
  expect(clock.pendingTimers).toBe(0);
});

describe('send-reminders, on a manual clock', () => {
  it('sends every reminder at once when the outbox works', async () => {
    const { outbox, reminders, engine } = setup();
    const result = await engine.run(reminders, { event: 'Career Day', emails: ['a@example.org', 'b@example.org', 'c@example.org'] });
    expect(result).toEqual({ sent: 3 });
    expect(outbox.sent.map((s) => s.at)).toEqual([START, START, START]);
  });

  it('retries a failing send with backoff: attempts 1 and 2 fail, 3 succeeds, minutes later in clock time', async () => {
    const { outbox, reminders, engine } = setup((to, attempt) => (to === 'b@example.org' && attempt <= 2 ? 'fail' : 'ok'));
    const delays: number[] = [];
    engine.on('task:retry', (e) => delays.push(e.delayMs));
    const handle = await engine.start(reminders, { event: 'Career Day', emails: ['a@example.org', 'b@example.org'] });

    await clock.advance(10 * 60_000); // ten minutes pass in an instant
    await expect(handle.result()).resolves.toEqual({ sent: 2 });

    // Equal jitter keeps each delay in [half, full] of 1 min, 2 min: seeded, so the same every run.
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(30_000);
    expect(delays[0]).toBeLessThanOrEqual(60_000);
    expect(delays[1]).toBeGreaterThanOrEqual(60_000);
    expect(delays[1]).toBeLessThanOrEqual(120_000);
    const bAttempts = outbox.attempts.filter((a) => a.to === 'b@example.org').map((a) => a.at - START);
    expect(bAttempts).toHaveLength(3);
    expect(bAttempts[0]).toBe(0);
    expect(bAttempts[1]).toBeCloseTo(delays[0]!, 3);
    expect(bAttempts[2]).toBeCloseTo(delays[0]! + delays[1]!, 3);
  });

  it('gives up after 4 attempts with every error kept', async () => {
    const { reminders, engine } = setup((to) => (to === 'b@example.org' ? 'fail' : 'ok'));
    const handle = await engine.start(reminders, { event: 'Career Day', emails: ['a@example.org', 'b@example.org'] });
    const outcome = handle.result().catch((error: unknown) => error);
    await clock.advance(60 * 60_000);
    const error = await outcome;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).attempts).toHaveLength(4);
  });

  it('times a hanging send out after 30 s of clock time, then retries it', async () => {
    const { outbox, reminders, engine } = setup((_to, attempt) => (attempt === 1 ? 'hang' : 'ok'));
    const errors: string[] = [];
    engine.on('task:retry', (e) => errors.push(e.error.name));
    const handle = await engine.start(reminders, { event: 'Career Day', emails: ['a@example.org'] });

    await clock.advance(29_999);
    expect(outbox.sent).toEqual([]); // still hanging, one millisecond before the timeout
    await clock.advance(1);
    expect(errors).toEqual(['TimeoutError']);
    await clock.advance(2 * 60_000);
    await expect(handle.result()).resolves.toEqual({ sent: 1 });
  });

  it('cancelling during a backoff wait ends the run at once, with no further attempt', async () => {
    const { outbox, reminders, engine } = setup(() => 'fail');
    const handle = await engine.start(reminders, { event: 'Career Day', emails: ['a@example.org'] });
    const outcome = handle.result().catch((error: unknown) => error);
    await clock.settle(); // attempt 1 fails; the retry waits on the clock
    expect(outbox.attempts).toHaveLength(1);

    await engine.cancel(handle.runId);
    expect(((await outcome) as Error).name).toBe('CancelledError');
    expect((await engine.status(handle.runId)).state).toBe('Cancelled');
    await clock.advance(60 * 60_000);
    expect(outbox.attempts).toHaveLength(1);
  });

  it('rejects bad params before anything runs', async () => {
    const { outbox, reminders, engine } = setup();
    await expect(engine.start(reminders, { event: 'Career Day', emails: ['not-an-email'] })).rejects.toThrow(/emails\.0/);
    expect(outbox.attempts).toEqual([]);
  });
});
