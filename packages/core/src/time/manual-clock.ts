/**
 * `ManualClock`: a {@link Clock} whose time moves only when a test says so. Timers fire in due
 * order as time advances; between timers the clock lets pending promise callbacks run, so code
 * that awaits and then sets a new timer is driven naturally.
 *
 * @example
 * ```ts
 * const clock = new ManualClock();
 * const engine = createEngine({ clock });
 * const handle = engine.start(myFlow, {});
 * await clock.advance(10_000); // retries and backoff within 10 s happen now
 * ```
 */
import type { Clock, TimerHandle } from './clock.js';

interface Timer {
  id: number;
  due: number;
  fn: () => void;
}

/** Options of {@link ManualClock}. */
export interface ManualClockOptions {
  /** Start time, epoch ms. @default Date.UTC(2026, 0, 1) */
  now?: number;
  /**
   * Event-loop turns (`setImmediate`) to yield before and after each timer so promise chains
   * settle. @default 10
   */
  settleTurns?: number;
}

/** A clock for tests: call {@link ManualClock.advance} to move time. */
export class ManualClock implements Clock {
  private current: number;
  private readonly timers = new Map<number, Timer>();
  private nextId = 1;
  private readonly settleTurns: number;

  constructor(options: ManualClockOptions = {}) {
    this.current = options.now ?? Date.UTC(2026, 0, 1);
    this.settleTurns = options.settleTurns ?? 10;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: Timer = { id: this.nextId++, due: this.current + Math.max(0, ms), fn };
    this.timers.set(timer.id, timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id?: unknown }).id;
    if (typeof id === 'number') this.timers.delete(id);
  }

  /** Timers not yet fired or cleared. */
  get pendingTimers(): number {
    return this.timers.size;
  }

  /** Due times of pending timers, soonest first. */
  get pendingDueTimes(): number[] {
    return [...this.timers.values()].map((t) => t.due).sort((a, b) => a - b);
  }

  /** Lets pending promise callbacks and `setImmediate` work run, without moving time. */
  async settle(): Promise<void> {
    for (let i = 0; i < this.settleTurns; i++) await new Promise<void>((r) => setImmediate(r));
  }

  /** Moves time forward by `ms`, firing every timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    if (!(ms >= 0)) throw new TypeError(`Expected \`ms\` to be a number >= 0, got \`${String(ms)}\``);
    await this.advanceTo(this.current + ms);
  }

  /** Moves time forward to `time` (epoch ms), firing due timers in order. */
  async advanceTo(time: number): Promise<void> {
    await this.settle();
    for (;;) {
      const next = this.soonest();
      if (!next || next.due > time) break;
      this.timers.delete(next.id);
      this.current = Math.max(this.current, next.due);
      next.fn();
      await this.settle();
    }
    this.current = Math.max(this.current, time);
    await this.settle();
  }

  /** Fires timers until none is left (up to `limit` timers, to catch endless loops). */
  async runAll(limit = 10_000): Promise<void> {
    await this.settle();
    for (let fired = 0; ; fired++) {
      const next = this.soonest();
      if (!next) return;
      if (fired >= limit) throw new Error(`ManualClock.runAll: more than ${limit} timers fired; is a timer rescheduling itself?`);
      this.timers.delete(next.id);
      this.current = Math.max(this.current, next.due);
      next.fn();
      await this.settle();
    }
  }

  private soonest(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers.values()) if (!best || t.due < best.due || (t.due === best.due && t.id < best.id)) best = t;
    return best;
  }
}
