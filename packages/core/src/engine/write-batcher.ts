/**
 * Coalesces the engine's store writes: every write made while a batch is being written (or in
 * the same event-loop turn) goes into the next single `store.applyBatch` call — one transaction
 * per tick for SQLite (SPEC §7). Batches are written one after another, in order. A caller that
 * depends on a write (a finished task's result) awaits its promise, which resolves once the batch
 * holding it is committed.
 */
import type { Store, StoreOp, StoreOpResult } from '../store/types.js';

// Captured at load so fake timers in tests cannot stall store writes.
const realSetImmediate = globalThis.setImmediate;

interface Waiting {
  resolve: (result: StoreOpResult) => void;
  reject: (error: unknown) => void;
}

/** See the module doc. */
export class WriteBatcher {
  /** Ops queued for the next batch, and beside each the caller awaiting it (`post`: none). */
  private pending: StoreOp[] = [];
  private waiting: (Waiting | undefined)[] = [];
  private scheduled = false;
  private active: Promise<void> | undefined;

  /**
   * @param flushOn when a batch starts: `'immediate'` (next event-loop turn: bigger batches, one
   * transaction per tick for a durable store) or `'microtask'` (at once: lower latency for an
   * in-memory store, where a transaction costs nothing).
   */
  constructor(
    private readonly store: Store,
    private readonly onError: (error: unknown) => void,
    private readonly flushOn: 'immediate' | 'microtask' = 'immediate',
  ) {}

  /** Queues `op`; the promise settles when its batch commits (it is pre-handled: ignoring it is safe). */
  write(op: StoreOp): Promise<StoreOpResult> {
    const promise = new Promise<StoreOpResult>((resolve, reject) => {
      this.pending.push(op);
      this.waiting.push({ resolve, reject });
    });
    promise.catch(() => undefined);
    this.schedule();
    return promise;
  }

  /**
   * Queues `op` that nobody awaits (no promise is made: the hot path of state writes whose
   * commit nothing depends on). A failure is still reported through `onError`.
   */
  post(op: StoreOp): void {
    this.pending.push(op);
    this.waiting.push(undefined);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.active) return;
    this.scheduled = true;
    if (this.flushOn === 'immediate') realSetImmediate(this.run);
    else queueMicrotask(this.run);
  }

  private readonly run = (): void => {
    this.scheduled = false;
    void this.drain();
  };

  /** Writes everything queued so far; resolves when it is committed (or failed). */
  async flush(): Promise<void> {
    while (this.pending.length > 0 || this.active) {
      await (this.active ?? this.drain());
    }
  }

  /** Writes queued so far and not yet committed. */
  get size(): number {
    return this.pending.length;
  }

  private drain(): Promise<void> {
    if (this.active) return this.active;
    // Nothing queued (a flush() took it first): an empty drain would clear `active` before it is
    // even assigned, leave it set for good, and stall every later write.
    if (this.pending.length === 0) return Promise.resolve();
    this.active = (async () => {
      try {
        while (this.pending.length > 0) {
          const batch = this.pending;
          const waiting = this.waiting;
          this.pending = [];
          this.waiting = [];
          try {
            const results = await this.store.applyBatch(batch);
            for (let i = 0; i < waiting.length; i++) waiting[i]?.resolve(results[i] as StoreOpResult);
          } catch (error) {
            this.onError(error);
            for (const w of waiting) w?.reject(error);
          }
        }
      } finally {
        this.active = undefined;
      }
    })();
    return this.active;
  }
}
