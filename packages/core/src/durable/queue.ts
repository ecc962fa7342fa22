/**
 * Work queues (SPEC §2.6): `engine.enqueue` stores a `Scheduled` run; a {@link QueueWorker}
 * claims runs with a lease (`Store.claimNextRun`, atomic across processes), executes them, and
 * keeps the lease alive with the engine's heartbeat. Optional store-held queue limits
 * (`queueLimits`) bound runs in flight per queue across every process sharing the store: a
 * worker reserves a slot (`Store.acquireSlot`, with a TTL renewed while the run goes) before it
 * claims, so a crashed worker's slot lapses and the reaper frees it at once. The worker also runs
 * the reaper ({@link recoverRuns}) every `reapIntervalMs`.
 */
import { randomUUID } from 'node:crypto';
import type { Flow } from '../definitions.js';
import type { FlowRunRecord, Json } from '../store/types.js';
import type { TimerHandle } from '../time/clock.js';
import { ErrorCode, FlowError } from '../errors.js';
import { checkInteger, invalid } from '../validate.js';
import type { DurableHost } from './host.js';
import { recoverRuns } from './recovery.js';
import type { RecoverResult } from './recovery.js';

/** Options of `engine.enqueue`. */
export interface EnqueueOptions {
  /** Work queue. @default the flow's `queue` */
  queue?: string;
  /** Higher runs are claimed first. @default 0 */
  priority?: number;
  /** Earliest start (epoch ms or a Date). @default now */
  runAt?: number | Date;
  /** A key already used for this flow returns the existing run. @default none */
  idempotencyKey?: string;
  /** Tags stored on the run. @default the flow's tags */
  tags?: string[];
}

/** Stores a `Scheduled` run for a worker to claim; returns it (or the existing run of the idempotency key). */
export async function enqueueRun(
  host: DurableHost,
  def: Flow<unknown, unknown>,
  params: unknown,
  options: EnqueueOptions = {},
): Promise<{ run: FlowRunRecord; created: boolean }> {
  if (typeof def !== 'object' || def === null || def.kind !== 'flow') invalid('flow', 'a flow(...) definition', def);
  if (options.priority !== undefined) checkInteger('priority', options.priority, Number.MIN_SAFE_INTEGER);
  const runAt = options.runAt instanceof Date ? options.runAt.getTime() : options.runAt;
  if (runAt !== undefined && !Number.isFinite(runAt)) invalid('runAt', 'a finite epoch ms or a valid Date', options.runAt);
  const stored = (await host.prepareParams(def, params)) as Json;
  const now = host.clock.now();
  const queue = options.queue ?? def.options.queue;
  const result = await host.store.createRun({
    id: randomUUID(),
    flowName: def.name,
    params: stored,
    state: 'Scheduled',
    idempotencyKey: options.idempotencyKey ?? null,
    queue,
    priority: options.priority ?? 0,
    runAt: runAt ?? now,
    tags: options.tags ?? [...def.options.tags],
    now,
    reason: 'enqueued',
  });
  if (result.created) {
    host.emit('run:enqueued', { runId: result.run.id, flowName: def.name, queue, priority: result.run.priority, runAt: result.run.runAt });
  }
  return result;
}

/** Options of {@link QueueWorker} (`engine.work(options)`). */
export interface WorkerOptions {
  /** Queues this worker claims from. @default ['default'] */
  queues?: string[];
  /** Runs this worker executes at once. @default 1 */
  maxRuns?: number;
  /** How often to look for claimable runs when idle, ms. @default 1000 */
  pollIntervalMs?: number;
  /** A run claimed more than this many ms after its `runAt` becomes `Late`. @default the engine's `lateAfterMs` (60000) */
  lateAfterMs?: number;
  /**
   * Runs in flight per queue across every process sharing the store (held as store slots
   * `queue:<name>`). Queues not named are limited only by `maxRuns`. @default {}
   */
  queueLimits?: Record<string, number>;
  /** How often the reaper marks expired-lease runs `Crashed` (and resumes them), ms. @default the engine's leaseMs */
  reapIntervalMs?: number;
}

interface InFlight {
  run: FlowRunRecord;
  slot: { key: string; holder: string; limit: number } | undefined;
  done: Promise<void>;
}

/** Claims and executes queued runs; see the module doc. Create it with `engine.work()`. */
export class QueueWorker {
  private readonly queues: string[];
  private readonly maxRuns: number;
  private readonly pollIntervalMs: number;
  private readonly lateAfterMs: number;
  private readonly queueLimits: Record<string, number>;
  private readonly reapIntervalMs: number;
  private readonly inFlight = new Map<string, InFlight>();
  private pollTimer: TimerHandle | undefined;
  private reapTimer: TimerHandle | undefined;
  private slotTimer: TimerHandle | undefined;
  private polling: Promise<void> | undefined;
  private reaping: Promise<unknown> | undefined;
  private again = false;
  private running = false;
  private readonly onError: (error: unknown) => void;

  constructor(
    private readonly host: DurableHost,
    private readonly flows: ReadonlyMap<string, Flow<unknown, unknown>>,
    options: WorkerOptions = {},
    onError: (error: unknown) => void = () => undefined,
  ) {
    this.queues = options.queues ?? ['default'];
    if (!Array.isArray(this.queues) || this.queues.length === 0 || this.queues.some((q) => typeof q !== 'string' || q === '')) {
      invalid('queues', 'a non-empty array of queue names', options.queues);
    }
    this.maxRuns = checkInteger('maxRuns', options.maxRuns ?? 1, 1);
    this.pollIntervalMs = checkInteger('pollIntervalMs', options.pollIntervalMs ?? 1000, 1);
    this.lateAfterMs = checkInteger('lateAfterMs', options.lateAfterMs ?? host.lateAfterMs, 0);
    this.reapIntervalMs = checkInteger('reapIntervalMs', options.reapIntervalMs ?? host.leaseMs, 1);
    this.queueLimits = {};
    for (const [q, n] of Object.entries(options.queueLimits ?? {})) this.queueLimits[q] = checkInteger(`queueLimits.${q}`, n, 1);
    this.onError = onError;
  }

  /** Runs in flight in this worker. */
  get active(): string[] {
    return [...this.inFlight.keys()];
  }

  /** Starts polling and reaping (a reaper pass and a poll run at once). */
  async start(): Promise<RecoverResult> {
    this.running = true;
    const first = await this.reap();
    this.scheduleReap();
    this.scheduleSlotRenewal();
    await this.poll();
    return first;
  }

  /** One reaper pass now. */
  async reap(): Promise<RecoverResult> {
    return recoverRuns(this.host, this.flows);
  }

  /** Looks for claimable runs now (also called after each run ends). */
  poll(): Promise<void> {
    if (this.polling) {
      this.again = true;
      return this.polling;
    }
    this.polling = (async () => {
      try {
        do {
          this.again = false;
          while (this.running && this.inFlight.size < this.maxRuns && (await this.claimOne()));
        } while (this.again && this.running);
      } catch (error) {
        this.onError(error);
      } finally {
        this.polling = undefined;
        this.schedulePoll();
      }
    })();
    return this.polling;
  }

  /**
   * Stops claiming; with `cancelReason`, cancels the runs in flight (their state and the reason
   * are stored before this resolves), otherwise waits for them. Releases every slot.
   */
  async stop(options: { cancelReason?: string } = {}): Promise<void> {
    await this.halt();
    if (options.cancelReason !== undefined) {
      for (const id of this.inFlight.keys()) await this.host.cancel(id, options.cancelReason);
    }
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
    await this.host.flush();
  }

  /**
   * Stops claiming and reaping and waits for a claim or reaper pass in progress (so every run it
   * claimed is launched); runs in flight go on. `stop()` then waits for them.
   */
  async halt(): Promise<void> {
    this.running = false;
    for (const t of [this.pollTimer, this.reapTimer, this.slotTimer]) if (t !== undefined) this.host.clock.clearTimeout(t);
    this.pollTimer = this.reapTimer = this.slotTimer = undefined;
    await this.polling;
    await this.reaping;
  }

  private schedulePoll(): void {
    if (!this.running || this.pollTimer !== undefined) return;
    this.pollTimer = this.host.clock.setTimeout(() => {
      this.pollTimer = undefined;
      void this.poll();
    }, this.pollIntervalMs);
  }

  private scheduleReap(): void {
    if (!this.running) return;
    this.reapTimer = this.host.clock.setTimeout(() => {
      this.reapTimer = undefined;
      this.reaping = this.reap()
        .then((r) => (r.crashed.length || r.slotsReleased ? this.poll() : undefined))
        .catch((error: unknown) => this.onError(error))
        .finally(() => {
          this.reaping = undefined;
          this.scheduleReap();
        });
    }, this.reapIntervalMs);
  }

  private scheduleSlotRenewal(): void {
    // Only store-held queue slots need renewing; without queueLimits there is no timer.
    if (!this.running || Object.keys(this.queueLimits).length === 0) return;
    this.slotTimer = this.host.clock.setTimeout(() => {
      this.slotTimer = undefined;
      const now = this.host.clock.now();
      const renewals = [...this.inFlight.values()].flatMap((f) =>
        f.slot
          ? [this.host.store.acquireSlot({ ...f.slot, runId: f.run.id, owner: this.host.id, now, ttlMs: this.host.leaseMs })]
          : [],
      );
      Promise.all(renewals)
        .catch((error: unknown) => this.onError(error))
        .finally(() => this.scheduleSlotRenewal());
    }, Math.max(1, Math.floor(this.host.leaseMs / 3)));
  }

  /** Reserves queue slots, claims one run, executes it. False when nothing was claimable. */
  private async claimOne(): Promise<boolean> {
    const store = this.host.store;
    const now = this.host.clock.now();
    const holder = `reservation:${randomUUID()}`;
    const reserved = new Map<string, number>();
    const queues: string[] = [];
    for (const q of this.queues) {
      const limit = this.queueLimits[q];
      if (limit === undefined) queues.push(q);
      else if (await store.acquireSlot({ key: `queue:${q}`, limit, holder, runId: holder, owner: this.host.id, now, ttlMs: this.host.leaseMs })) {
        reserved.set(q, limit);
        queues.push(q);
      }
    }
    const releaseUnused = async (keep?: string): Promise<void> => {
      for (const q of reserved.keys()) if (q !== keep) await store.releaseSlot(`queue:${q}`, holder);
    };
    if (queues.length === 0) return false;
    let run: FlowRunRecord | undefined;
    try {
      run = await store.claimNextRun({ owner: this.host.id, leaseMs: this.host.leaseMs, now, queues, flowNames: [...this.flows.keys()], lateAfterMs: this.lateAfterMs });
    } catch (error) {
      await releaseUnused();
      throw error;
    }
    await releaseUnused(run?.queue);
    if (!run) return false;
    const limit = reserved.get(run.queue);
    const slot = limit === undefined ? undefined : { key: `queue:${run.queue}`, holder, limit };
    // Re-acquire under the real run id, so releaseSlotsOfRun (cancel, crash recovery) finds it.
    if (slot) await store.acquireSlot({ ...slot, runId: run.id, owner: this.host.id, now, ttlMs: this.host.leaseMs });
    await this.execute(run, slot);
    return true;
  }

  private async execute(run: FlowRunRecord, slot: InFlight['slot']): Promise<void> {
    const def = this.flows.get(run.flowName);
    const entry: InFlight = { run, slot, done: Promise.resolve() };
    this.inFlight.set(run.id, entry);
    let settle!: () => void;
    entry.done = new Promise((resolve) => (settle = resolve));
    const finish = async (): Promise<void> => {
      try {
        if (slot) await this.host.store.releaseSlot(slot.key, slot.holder);
      } catch (error) {
        this.onError(error);
      } finally {
        this.inFlight.delete(run.id);
        settle();
        if (this.running) void this.poll();
      }
    };
    try {
      if (!def) throw new Error(`No flow \`${run.flowName}\` is registered on this engine`);
      const handle = await this.host.executeStored(def, run, { attempt: run.attempt, from: 'Scheduled' });
      void handle
        .result()
        .catch(() => undefined)
        .finally(() => void finish());
    } catch (error) {
      const at = this.host.clock.now();
      // The engine began stopping between the claim and the start: leave the run resumable.
      const stopped = error instanceof FlowError && error.code === ErrorCode.EngineStopped;
      await this.host.store
        .transitionRun({
          runId: run.id,
          owner: this.host.id,
          to: stopped ? 'Crashed' : 'Failed',
          at,
          reason: stopped ? 'the engine stopped before the claimed run started' : error instanceof Error ? error.message : String(error),
          patch: { endedAt: at, leaseOwner: null, leaseExpiresAt: null },
        })
        .catch((e: unknown) => this.onError(e));
      await finish();
    }
  }
}
