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
import type { Attributes } from '@opentelemetry/api';
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
  /** Metric attributes of this limiter's slots (built once, not per slot). */
  readonly attributes: Attributes;
}

/** What a waiter is told it waits for (a task call or a run: `status()` reads it). */
export interface Waiter {
  waitingFor: WaitReason | null;
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

const noop = (): void => undefined;

/** One release for every slot in `held`, last taken first; safe to call more than once. */
function releaseAllOf(held: Release[]): Release {
  if (held.length === 1) return held[0] as Release;
  return () => {
    while (held.length) held.pop()?.();
  };
}

/**
 * Takes a slot of `limiter` for `holder`. A free slot is taken synchronously (a `Release`, no
 * promise, no abort wiring: the hot path of a task that does not wait); otherwise a promise that
 * resolves when the slot is taken or rejects with the signal's reason when it aborts first (the
 * abandoned p-queue entry then frees its slot as soon as it starts). p-queue gets no `signal`:
 * it would also race the running job against it and free the slot while the holder still runs.
 */
function take(limiter: Limiter, holder: string, signal: AbortSignal): Release | Promise<Release> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let release: Release | undefined;
  let waiter: { resolve: (release: Release) => void; reject: (error: unknown) => void; unsubscribe: () => void } | undefined;
  let abandoned = false;
  const added = limiter.queue.add(
    () =>
      new Promise<void>((free) => {
        if (abandoned) {
          free();
          return;
        }
        waiter?.unsubscribe();
        limiter.holders.add(holder);
        let released = false;
        const r: Release = () => {
          if (released) return;
          released = true;
          limiter.holders.delete(holder);
          free();
        };
        release = r;
        waiter?.resolve(r);
      }),
  );
  // p-queue starts a job synchronously inside `add` when a slot is free.
  if (release) return release;
  return new Promise<Release>((resolve, reject) => {
    const unsubscribe = onAbort(signal, () => {
      abandoned = true;
      reject(signal.reason);
    });
    waiter = { resolve, reject, unsubscribe };
    // `queue.clear()` (engine stop) rejects the jobs still waiting.
    added.catch((error: unknown) => {
      unsubscribe();
      if (!release) reject(error);
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
  private readonly engineOnly: readonly Limiter[];
  private readonly limiterCache = new WeakMap<readonly string[], Limiter[]>();

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
    this.engineOnly = [this.engine];
    for (const [k, v] of Object.entries(options.queues)) this.queues.set(k, this.make('queue', k, v));
    for (const [k, v] of Object.entries(options.tags)) this.tags.set(k, this.make('tag', k, v));
    for (const [k, v] of Object.entries(options.rateLimits)) {
      this.rates.set(k, { ...this.make('rate', k, v.limit), intervalMs: v.intervalMs });
    }
  }

  private make(scope: Limiter['scope'], key: string, limit: number): Limiter {
    return {
      scope,
      key,
      limit,
      queue: new PQueue({ concurrency: limit }),
      holders: new Set(),
      attributes: { 'vms_flow.limit.scope': scope, 'vms_flow.limit.key': key },
    };
  }

  /** The limiters a task with `tags` waits for, in acquisition order (cached per tags array). */
  private taskLimiters(tags: readonly string[]): readonly Limiter[] {
    if (tags.length === 0) return this.engineOnly;
    let out = this.limiterCache.get(tags);
    if (out) return out;
    const sorted = [...tags].sort();
    out = [];
    for (const t of sorted) {
      const l = this.tags.get(t);
      if (l) out.push(l);
    }
    for (const t of sorted) {
      const l = this.rates.get(t);
      if (l) out.push(l);
    }
    out.push(this.engine);
    this.limiterCache.set(tags, out);
    return out;
  }

  /**
   * Takes every slot a task attempt needs. `waiter.waitingFor` is set to what it waits for before
   * each slot that is not free at once (and back to null when it has them all). Returns the
   * release synchronously when every slot was free (the common case: no promise, no tick);
   * otherwise a promise that rejects with the signal's reason when it aborts while waiting (slots
   * already taken are released).
   */
  acquireTask(holder: string, tags: readonly string[], signal: AbortSignal, waiter: Waiter): Release | Promise<Release> {
    const limiters = this.taskLimiters(tags);
    const held: Release[] = [];
    for (let i = 0; i < limiters.length; i++) {
      const limiter = limiters[i] as Limiter;
      if (limiter.queue.pending >= limiter.limit) return this.acquireRest(limiters, i, holder, signal, waiter, held);
      const taken = take(limiter, holder, signal);
      if (typeof taken !== 'function') {
        // Not free after all (a queued job took it first): wait like a busy limiter.
        return this.acquireRest(limiters, i, holder, signal, waiter, held, taken);
      }
      this.hold(limiter, taken, held);
    }
    if (waiter.waitingFor !== null) waiter.waitingFor = null;
    return releaseAllOf(held);
  }

  /** The waiting part of `acquireTask`, from limiter `from` on. */
  private async acquireRest(
    limiters: readonly Limiter[],
    from: number,
    holder: string,
    signal: AbortSignal,
    waiter: Waiter,
    held: Release[],
    started?: Promise<Release>,
  ): Promise<Release> {
    try {
      for (let i = from; i < limiters.length; i++) {
        const limiter = limiters[i] as Limiter;
        let taking = i === from ? started : undefined;
        const busy = taking !== undefined || limiter.queue.pending >= limiter.limit;
        if (busy) {
          waiter.waitingFor = this.describe(limiter);
          this.metrics.queueDepth.add(1);
        }
        try {
          taking ??= take(limiter, holder, signal) as Promise<Release>;
          this.hold(limiter, await taking, held);
        } finally {
          if (busy) this.metrics.queueDepth.add(-1);
        }
      }
      waiter.waitingFor = null;
      return releaseAllOf(held);
    } catch (error) {
      releaseAllOf(held)();
      throw error;
    }
  }

  /** Records a slot just taken: metrics, and either a rate window timer or a release to run later. */
  private hold(limiter: Limiter, release: Release, held: Release[]): void {
    this.metrics.slotsInUse.add(1, limiter.attributes);
    if (limiter.scope === 'rate') {
      // A start holds its rate slot for the whole window, not for the run.
      let handle: TimerHandle | undefined;
      const free: Release = () => {
        if (handle !== undefined) this.rateTimers.delete(handle);
        this.metrics.slotsInUse.add(-1, limiter.attributes);
        release();
      };
      handle = this.clock.setTimeout(free, limiter.intervalMs ?? 0);
      this.rateTimers.set(handle, free);
    } else {
      let done = false;
      held.push(() => {
        if (done) return;
        done = true;
        this.metrics.slotsInUse.add(-1, limiter.attributes);
        release();
      });
    }
  }

  /** Takes a slot of `queue` for a flow run (no limit configured: free). */
  async acquireQueue(runId: string, queue: string, signal: AbortSignal, waiter: Waiter): Promise<Release> {
    const limiter = this.queues.get(queue);
    if (!limiter) return noop;
    if (limiter.queue.pending >= limiter.limit) waiter.waitingFor = this.describe(limiter);
    const release = await take(limiter, runId, signal);
    this.metrics.slotsInUse.add(1, limiter.attributes);
    waiter.waitingFor = null;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.metrics.slotsInUse.add(-1, limiter.attributes);
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
