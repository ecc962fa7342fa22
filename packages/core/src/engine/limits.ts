/**
 * Concurrency and rate limits on p-queue (STYLE 11), in this process:
 * - engine-wide: task attempts in flight (`concurrency`);
 * - per queue: flow runs in flight per work queue (`queues`);
 * - per tag: task attempts in flight per tag (`tags`);
 * - rate limits per tag: at most `limit` starts in any window of `intervalMs` (sliding window:
 *   each start holds a p-queue slot for `intervalMs` on the engine's clock, so a manual clock
 *   drives it in tests and `stop()` clears it).
 *
 * Slots are taken in a fixed order (tags sorted, then rate limits, then the engine slot), so two
 * tasks never wait on each other; every slot taken is released exactly once on every exit path.
 *
 * Across several processes these in-memory limits are per process. A multi-process deployment
 * holds the shared limits in the store instead (`Store.acquireSlot` / `releaseSlot`, atomic with
 * a TTL so a crashed holder's slot lapses) — see the store contract.
 */
import PQueue from 'p-queue';
import type { Clock, TimerHandle } from '../time/clock.js';
import type { WaitReason } from '../store/types.js';
import type { EngineMetrics } from '../telemetry/metrics.js';

/** A rate limit: at most `limit` starts per `intervalMs`. */
export interface RateLimit {
  /** Starts allowed per window. */
  limit: number;
  /** Window length, ms. */
  intervalMs: number;
}

interface Limiter {
  readonly scope: 'engine' | 'queue' | 'tag' | 'rate';
  readonly key: string;
  readonly limit: number;
  readonly queue: PQueue;
  readonly holders: Set<string>;
  readonly intervalMs?: number;
}

/** Releases what was acquired; safe to call more than once. */
export type Release = () => void;

/** In-use counts for tests and metrics. */
export interface SlotUsage {
  engine: number;
  queues: Record<string, number>;
  tags: Record<string, number>;
  /** Starts inside the current rate window, per tag. */
  rates: Record<string, number>;
}

// One 'abort' listener per signal, dispatching to a Set: thousands of waiting tasks on one run's
// signal would otherwise make each add/remove O(n) in Node's listener list (O(n²) in total).
const abortCallbacks = new WeakMap<AbortSignal, Set<() => void>>();

/** Calls `callback` when `signal` aborts; returns a function that unsubscribes in O(1). */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let callbacks = abortCallbacks.get(signal);
  if (!callbacks) {
    const set = new Set<() => void>();
    callbacks = set;
    abortCallbacks.set(signal, set);
    signal.addEventListener(
      'abort',
      () => {
        abortCallbacks.delete(signal);
        for (const cb of [...set]) cb();
      },
      { once: true },
    );
  }
  const set = callbacks;
  set.add(callback);
  return () => void set.delete(callback);
}

function take(limiter: Limiter, holder: string, signal: AbortSignal): Promise<Release> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<Release>((resolve, reject) => {
    const wait = new AbortController();
    let started = false;
    const unsubscribe = onAbort(signal, () => wait.abort(signal.reason));
    limiter.queue
      .add(
        () =>
          new Promise<void>((free) => {
            started = true;
            unsubscribe();
            limiter.holders.add(holder);
            let released = false;
            resolve(() => {
              if (released) return;
              released = true;
              limiter.holders.delete(holder);
              free();
            });
          }),
        { signal: wait.signal },
      )
      .catch((error: unknown) => {
        unsubscribe();
        if (!started) reject(error);
      });
  });
}

/** The engine's limiters. */
export class Limits {
  private readonly engine: Limiter;
  private readonly queues = new Map<string, Limiter>();
  private readonly tags = new Map<string, Limiter>();
  private readonly rates = new Map<string, Limiter>();
  private readonly rateTimers = new Map<TimerHandle, Release>();

  constructor(
    options: {
      concurrency: number;
      queues: Record<string, number>;
      tags: Record<string, number>;
      rateLimits: Record<string, RateLimit>;
    },
    private readonly clock: Clock,
    private readonly metrics: EngineMetrics,
  ) {
    this.engine = this.make('engine', '*', options.concurrency);
    for (const [k, v] of Object.entries(options.queues)) this.queues.set(k, this.make('queue', k, v));
    for (const [k, v] of Object.entries(options.tags)) this.tags.set(k, this.make('tag', k, v));
    for (const [k, v] of Object.entries(options.rateLimits)) {
      this.rates.set(k, { ...this.make('rate', k, v.limit), intervalMs: v.intervalMs });
    }
  }

  private make(scope: Limiter['scope'], key: string, limit: number): Limiter {
    return { scope, key, limit, queue: new PQueue({ concurrency: limit }), holders: new Set() };
  }

  /** The limiters a task with `tags` waits for, in acquisition order. */
  private taskLimiters(tags: readonly string[]): Limiter[] {
    const sorted = [...tags].sort();
    const out: Limiter[] = [];
    for (const t of sorted) {
      const l = this.tags.get(t);
      if (l) out.push(l);
    }
    for (const t of sorted) {
      const l = this.rates.get(t);
      if (l) out.push(l);
    }
    out.push(this.engine);
    return out;
  }

  /**
   * Takes every slot a task attempt needs. `onWait` is told what it is waiting for before each
   * slot that is not free at once. Rejects with the signal's reason when it aborts while waiting
   * (slots already taken are released).
   */
  async acquireTask(
    holder: string,
    tags: readonly string[],
    signal: AbortSignal,
    onWait: (reason: WaitReason | null) => void,
  ): Promise<Release> {
    const releases: Release[] = [];
    const releaseAll: Release = () => {
      while (releases.length) releases.pop()?.();
    };
    try {
      for (const limiter of this.taskLimiters(tags)) {
        const busy = limiter.queue.pending >= limiter.limit;
        if (busy) {
          onWait(this.describe(limiter));
          this.metrics.queueDepth.add(1);
        }
        try {
          const release = await take(limiter, holder, signal);
          this.metrics.slot(1, limiter.scope, limiter.key);
          if (limiter.scope === 'rate') {
            // A start holds its rate slot for the whole window, not for the run.
            let handle: TimerHandle | undefined;
            const free: Release = () => {
              if (handle !== undefined) this.rateTimers.delete(handle);
              this.metrics.slot(-1, limiter.scope, limiter.key);
              release();
            };
            handle = this.clock.setTimeout(free, limiter.intervalMs ?? 0);
            this.rateTimers.set(handle, free);
          } else {
            releases.push(() => {
              this.metrics.slot(-1, limiter.scope, limiter.key);
              release();
            });
          }
        } finally {
          if (busy) this.metrics.queueDepth.add(-1);
        }
      }
      onWait(null);
      return releaseAll;
    } catch (error) {
      releaseAll();
      throw error;
    }
  }

  /** Takes a slot of `queue` for a flow run (no limit configured: free). */
  async acquireQueue(runId: string, queue: string, signal: AbortSignal, onWait: (reason: WaitReason | null) => void): Promise<Release> {
    const limiter = this.queues.get(queue);
    if (!limiter) return () => undefined;
    if (limiter.queue.pending >= limiter.limit) onWait(this.describe(limiter));
    const release = await take(limiter, runId, signal);
    this.metrics.slot(1, 'queue', queue);
    onWait(null);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.metrics.slot(-1, 'queue', queue);
      release();
    };
  }

  /** What waiting for `limiter` means, with live counts and holders. */
  describe(limiter: Limiter): WaitReason {
    if (limiter.scope === 'rate') {
      return { kind: 'rate_limit', key: limiter.key, limit: limiter.limit, intervalMs: limiter.intervalMs ?? 0 };
    }
    return {
      kind: 'concurrency',
      scope: limiter.scope,
      key: limiter.key,
      limit: limiter.limit,
      inUse: limiter.queue.pending,
      holders: [...limiter.holders],
    };
  }

  /** Refreshes a stored wait reason with live counts. */
  refresh(reason: WaitReason): WaitReason {
    if (reason.kind === 'concurrency') {
      const limiter =
        reason.scope === 'engine' ? this.engine : reason.scope === 'queue' ? this.queues.get(reason.key) : this.tags.get(reason.key);
      return limiter ? this.describe(limiter) : reason;
    }
    return reason;
  }

  /** Slots in use right now. */
  usage(): SlotUsage {
    const pick = (m: Map<string, Limiter>): Record<string, number> =>
      Object.fromEntries([...m].map(([k, l]) => [k, l.queue.pending]));
    return { engine: this.engine.queue.pending, queues: pick(this.queues), tags: pick(this.tags), rates: pick(this.rates) };
  }

  /** Total slots held (rate windows excluded): 0 when nothing runs. */
  inUse(): number {
    let n = this.engine.queue.pending;
    for (const l of [...this.queues.values(), ...this.tags.values()]) n += l.queue.pending;
    return n;
  }

  /** Clears rate-window timers and queued waits (on engine stop). */
  dispose(): void {
    for (const [handle, free] of [...this.rateTimers]) {
      this.clock.clearTimeout(handle);
      free();
    }
    this.rateTimers.clear();
    for (const l of [this.engine, ...this.queues.values(), ...this.tags.values(), ...this.rates.values()]) l.queue.clear();
  }
}
