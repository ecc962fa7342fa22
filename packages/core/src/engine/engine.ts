/**
 * The engine: starts flow runs, runs their tasks under retry, timeout, cancellation and limit
 * rules, stores every state transition (batched), emits typed events, calls hooks, and records
 * spans and metrics. See ARCHITECTURE.md beside this file for the life of a run.
 */
import { randomUUID } from 'node:crypto';
import { context as otelContext, isSpanContextValid, metrics as otelMetrics, trace, type Attributes, type Context, type Link, type Span, type SpanContext, type Tracer } from '@opentelemetry/api';
import { EventEmitter } from 'eventemitter3';
import type { CallOptions, Flow, FlowContext, MapOptions, RunArgs, RunLogger, Runnable, Task, TaskContext } from '../definitions.js';
import { CancelledError, ErrorCode, FlowError, InvalidParamsError, NotFoundError, RetriesExhaustedError, ShutdownError, TimeoutError, type ValidationIssue } from '../errors.js';
import type { EngineErrorEvent, EngineEvents, EngineHooks, FlowStateEvent, TaskStateEvent } from '../events.js';
import { resolveClassification } from '../retry/classify.js';
import { decideRetry, type RetryPolicy } from '../retry/policy.js';
import { ENDED_STATES, FINAL_STATES, RunState } from '../states.js';
import { MemoryStore } from '../store/memory-store.js';
import type { FlowRunRecord, Json, LogLevel, Progress, SerializedError, Store, StoreOp, TaskRunRecord, WaitReason } from '../store/types.js';
import { EngineMetrics } from '../telemetry/metrics.js';
import { SpanAttribute, SpanEventName, SpanName, markSpanError } from '../telemetry/tracing.js';
import { sleep, systemClock, type Clock, type TimerHandle } from '../time/clock.js';
import { checkInteger, invalid } from '../validate.js';
import { Limits, onAbort, type SlotUsage } from './limits.js';
import { levelEnabled, resolveEngineOptions, type EngineOptions, type ResolvedEngineOptions } from './options.js';
import { redact, serializeError, toJson } from './serialize.js';
import { uuidv7 } from './ids.js';
import { WriteBatcher } from './write-batcher.js';
import { flowRegistry, registerFlows, type DurableHost, type ExecuteStoredOptions } from '../durable/host.js';
import { QueueWorker, enqueueRun, type EnqueueOptions, type WorkerOptions } from '../durable/queue.js';
import { recoverRuns, type RecoverOptions, type RecoverResult } from '../durable/recovery.js';
import { rerunFrom, type RerunOptions } from '../durable/rerun.js';
import { priorStepError } from '../durable/step-guard.js';
import type { ScheduleInfo, ScheduleOptions } from '../schedule/definition.js';
import { preview as previewSpec, type PreviewEntry } from '../schedule/preview.js';
import { Scheduler } from '../schedule/scheduler.js';
import type { ScheduleSpec } from '../schedule/spec.js';

const noop = (): void => undefined;
const VERSION = '0.1.0';

/** Options of `engine.start`. */
export interface StartOptions {
  /** A key already used for this flow returns the existing run instead of starting another. @default none */
  idempotencyKey?: string;
  /** Aborting it cancels the run (never retried). @default none */
  signal?: AbortSignal;
  /** Work queue (overrides the flow's). @default the flow's `queue` */
  queue?: string;
  /** Tags stored on the run. @default the flow's tags */
  tags?: string[];
  /** Priority stored on the run. @default 0 */
  priority?: number;
}

/**
 * Options of `engine.schedule(flow, options)`: {@link ScheduleOptions} with `params` typed by the
 * flow (validated by its schema when the schedule is registered; secret-looking keys are stored
 * `[REDACTED]`, as for every stored param, so pass secrets through config, not params).
 */
export type EngineScheduleOptions<P> = Omit<ScheduleOptions, 'params'> & {
  /** Params of each run. @default {} */
  params?: P;
};

/** Options of `engine.shutdown`. */
export interface ShutdownOptions {
  /** Why; stored on each interrupted run (`stateReason` `shutdown: <reason>`, `error.message`). @default 'the engine shut down' */
  reason?: string;
}

/** A started run. */
export interface RunHandle<O> {
  readonly runId: string;
  /** False when an idempotency key matched an existing run. */
  readonly created: boolean;
  /**
   * Resolves with the flow's result; rejects with its final error (`CancelledError` when
   * cancelled). Not calling it is safe: a failed run never becomes an unhandled rejection.
   */
  result(): Promise<O>;
}

/** A task run as `engine.status` reports it. */
export interface TaskStatus {
  taskRunId: string;
  taskKey: string;
  taskName: string;
  state: RunState | null;
  attempt: number;
  waitingFor: WaitReason | null;
}

/** What `engine.status` returns: the run's state and what it waits for. */
export interface RunStatus {
  runId: string;
  flowName: string;
  state: RunState;
  attempt: number;
  /** True when this engine is executing the run. */
  local: boolean;
  /** Everything the run waits for right now (empty when it is running unblocked or ended). */
  waitingFor: WaitReason[];
  /** Active task calls (local runs only). */
  tasks: TaskStatus[];
  /** One line per reason, for people: "task fetch#3 waits for a `tag:salesforce` slot (2/2 in use, held by …)". */
  description: string[];
}

interface CallState {
  taskRunId: string;
  taskKey: string;
  taskName: string;
  state: RunState | null;
  attempt: number;
  waitingFor: WaitReason | null;
  span: Span | undefined;
  lastSpanContext: SpanContext | undefined;
  /** Checkpoints set in this process (made on the first `checkpoint.set`). */
  checkpoints: Map<string, Json> | undefined;
  childRunId: string | null;
}

class AttemptScope {
  readonly controller = new AbortController();
  /** Calls in flight (started by the attempt, not yet settled). */
  private inflight = 0;
  private idle: { promise: Promise<void>; resolve: () => void } | undefined;
  private readonly onSettled = (): void => {
    if (--this.inflight === 0 && this.idle) {
      const { resolve } = this.idle;
      this.idle = undefined;
      resolve();
    }
  };
  readonly counters = new Map<string, number>();
  readonly keys = new Set<string>();
  mapCount = 0;
  private readonly onParentAbort: () => void;

  constructor(private readonly parent: AbortSignal) {
    this.onParentAbort = () => this.controller.abort(parent.reason);
    if (parent.aborted) this.controller.abort(parent.reason);
    else parent.addEventListener('abort', this.onParentAbort, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Tracks `promise` until it settles; also marks it handled (an un-awaited failing call is no unhandled rejection). */
  track<T>(promise: Promise<T>): Promise<T> {
    this.inflight++;
    promise.then(this.onSettled, this.onSettled);
    return promise;
  }

  /** Resolves when no tracked call is in flight (calls started meanwhile are waited for too). */
  async settle(): Promise<void> {
    while (this.inflight > 0) {
      if (!this.idle) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        this.idle = { promise, resolve };
      }
      await this.idle.promise;
    }
  }

  dispose(): void {
    this.parent.removeEventListener('abort', this.onParentAbort);
  }
}

class RunExecution {
  readonly controller = new AbortController();
  state: RunState = RunState.Pending;
  attempt = 1;
  waitingFor: WaitReason | null = null;
  readonly calls = new Map<string, CallState>();
  readonly children = new Set<RunExecution>();
  priorTasks: Map<string, TaskRunRecord> | undefined;
  span: Span | undefined;
  spanContext: Context;
  promise!: Promise<unknown>;
  startedAt: number | undefined;
  /** The schedule that created the run (so its end can wake the scheduler for `overlap: 'queue'`). */
  scheduleName: string | null = null;
  /** False when the run's span is the API's no-op span (no tracer provider): task spans are skipped. */
  tracing = false;
  private readonly unlink: () => void;

  constructor(
    readonly id: string,
    readonly flow: Flow<unknown, unknown>,
    readonly params: unknown,
    readonly idempotencyKey: string | null,
    readonly queue: string,
    readonly parent: RunExecution | undefined,
    parentContext: Context,
    linkedSignal: AbortSignal | undefined,
    cancelReason: (signal: AbortSignal) => unknown,
  ) {
    this.spanContext = parentContext;
    if (linkedSignal) {
      const onAbort = (): void => this.controller.abort(cancelReason(linkedSignal));
      if (linkedSignal.aborted) onAbort();
      else linkedSignal.addEventListener('abort', onAbort, { once: true });
      this.unlink = () => linkedSignal.removeEventListener('abort', onAbort);
    } else {
      this.unlink = noop;
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  dispose(): void {
    this.unlink();
  }
}

type AttemptOutcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** `promise`, or the signal's reason when it aborts first (through `onAbort`: O(1) on a shared signal). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(noop);
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const unsubscribe = onAbort(signal, () => reject(signal.reason));
    promise.then(
      (value) => {
        unsubscribe();
        resolve(value);
      },
      (error: unknown) => {
        unsubscribe();
        reject(error);
      },
    );
  });
}

/** Runs a task body as a promise (a synchronous throw becomes a rejection). */
async function invokeTask(t: Task<unknown, unknown>, ctx: TaskContext, input: unknown): Promise<unknown> {
  return t.run(ctx, input as never);
}

function zodIssues(error: unknown): ValidationIssue[] {
  const issues = (error as { issues?: { path?: PropertyKey[]; message?: string; code?: string }[] }).issues ?? [];
  return issues.map((i) => ({
    path: (i.path ?? []).map((p) => (typeof p === 'number' ? p : String(p))),
    message: i.message ?? 'invalid',
    ...(i.code ? { code: i.code } : {}),
  }));
}

/** True when `signal` was aborted by `engine.shutdown` (the run is interrupted, not cancelled). */
function isShutdown(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof ShutdownError;
}

function cancelledError(signal: AbortSignal, runId: string): CancelledError {
  const reason: unknown = signal.reason;
  if (reason instanceof CancelledError) return reason;
  return new CancelledError(`Run \`${runId}\` was cancelled`, { cause: reason, runId });
}

function describeWait(who: string, w: WaitReason): string {
  switch (w.kind) {
    case 'concurrency':
      return `${who} waits for a \`${w.scope}:${w.key}\` slot (${w.inUse}/${w.limit} in use${w.holders.length ? `, held by ${w.holders.join(', ')}` : ''})`;
    case 'rate_limit':
      return `${who} waits for the \`${w.key}\` rate limit (${w.limit} starts per ${w.intervalMs} ms)`;
    case 'queue':
      return `${who} is queued in \`${w.queue}\` at position ${w.position}`;
    case 'retry':
      return `${who} waits to retry (attempt ${w.attempt}) at ${new Date(w.retryAt).toISOString()}`;
    case 'schedule':
      return `${who} is scheduled for ${new Date(w.runAt).toISOString()}`;
    case 'tasks':
      return `${who} waits for running tasks: ${w.taskKeys.join(', ')}`;
    case 'child_run':
      return `${who} waits for sub-flow run ${w.runId}`;
  }
}

/** What a task attempt's `ctx` calls back into (made once per engine). */
interface AttemptHost {
  logger(exec: RunExecution, call: CallState): RunLogger;
  progress(exec: RunExecution, call: CallState, progress: Progress): void;
  getCheckpoint(exec: RunExecution, call: CallState, key: string): Promise<Json | undefined>;
  setCheckpoint(exec: RunExecution, call: CallState, key: string, value: Json): Promise<void>;
}

/**
 * A task attempt's `ctx`: one object per attempt, its methods on the prototype (a task attempt is
 * the hot path: no closures per call). Its `signal` is made on first read, linked to the attempt
 * scope's signal (O(1) through `onAbort`), so a body that never reads it costs no AbortController.
 */
class AttemptContext implements TaskContext {
  private controller: AbortController | undefined;
  private unlink: (() => void) | undefined;
  private logger: RunLogger | undefined;
  private checkpoints: CheckpointAccess | undefined;

  constructor(
    private readonly host: AttemptHost,
    private readonly exec: RunExecution,
    private readonly call: CallState,
    readonly attempt: number,
    private readonly scopeSignal: AbortSignal,
  ) {}

  get checkpoint(): TaskContext['checkpoint'] {
    return (this.checkpoints ??= new CheckpointAccess(this.host, this.exec, this.call));
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      const controller = new AbortController();
      this.controller = controller;
      const scope = this.scopeSignal;
      if (scope.aborted) controller.abort(scope.reason);
      else this.unlink = onAbort(scope, () => controller.abort(scope.reason));
    }
    return this.controller.signal;
  }

  /** Aborts this attempt only (its timeout). */
  abort(reason: unknown): void {
    if (!this.signal.aborted) this.controller?.abort(reason);
  }

  /** Unlinks from the scope's signal (the attempt ended). */
  dispose(): void {
    this.unlink?.();
    this.unlink = undefined;
  }

  get log(): RunLogger {
    return (this.logger ??= this.host.logger(this.exec, this.call));
  }

  get runId(): string {
    return this.exec.id;
  }

  get flowName(): string {
    return this.exec.flow.name;
  }

  get taskName(): string {
    return this.call.taskName;
  }

  get taskKey(): string {
    return this.call.taskKey;
  }

  get taskRunId(): string {
    return this.call.taskRunId;
  }

  get idempotencyKey(): string {
    return `${this.exec.id}:${this.call.taskKey}`;
  }

  progress(progress: Progress): void {
    this.host.progress(this.exec, this.call, progress);
  }
}

/** `ctx.checkpoint` of a task attempt. */
class CheckpointAccess {
  constructor(
    private readonly host: AttemptHost,
    private readonly exec: RunExecution,
    private readonly call: CallState,
  ) {}

  get<T extends Json = Json>(key: string): Promise<T | undefined> {
    return this.host.getCheckpoint(this.exec, this.call, key) as Promise<T | undefined>;
  }

  set(key: string, value: Json): Promise<void> {
    return this.host.setCheckpoint(this.exec, this.call, key, value);
  }
}

/**
 * The execution engine. Create it with {@link createEngine}.
 */
export class Engine {
  /** This engine's id (lease owner). */
  readonly id: string;
  readonly store: Store;
  readonly clock: Clock;
  private readonly options: ResolvedEngineOptions;
  private readonly emitter = new EventEmitter<EngineEvents>();
  private readonly batcher: WriteBatcher;
  private readonly limits: Limits;
  private readonly tracer: Tracer;
  private readonly metrics: EngineMetrics;
  private readonly execs = new Map<string, RunExecution>();
  private readonly pendingHooks = new Set<Promise<unknown>>();
  private heartbeat: TimerHandle | undefined;
  private stopping = false;
  /** False once stopping has halted the workers and the scheduler: stored runs start no more. */
  private acceptingStored = true;
  private readonly scheduler: Scheduler;
  private schedulerStarted = false;
  private readonly workers = new Set<QueueWorker>();
  /** Whether a hook wants task state changes (hooks are fixed at construction). */
  private readonly taskStateHooked: boolean;
  /** Metric attributes of ended tasks by flow, task and state (built once each, not per task). */
  private readonly taskAttributes = new Map<string, Map<string, Map<RunState, Attributes>>>();

  constructor(options: EngineOptions = {}) {
    this.options = resolveEngineOptions(options);
    this.taskStateHooked = this.hasHook('onTaskRunStateChange');
    this.id = this.options.id;
    this.store = options.store ?? new MemoryStore();
    this.clock = options.clock ?? systemClock;
    this.tracer = options.tracer ?? trace.getTracer('@vms/flow-core', VERSION);
    this.metrics = new EngineMetrics(options.meter ?? otelMetrics.getMeter('@vms/flow-core', VERSION));
    this.batcher = new WriteBatcher(
      this.store,
      (error) => this.reportError(error, 'store:batch'),
      this.store.capabilities.durable ? 'immediate' : 'microtask',
    );
    this.limits = new Limits(this.options, this.clock, this.metrics);
    this.scheduler = new Scheduler({
      store: this.store,
      clock: this.clock,
      lateAfterMs: this.options.lateAfterMs,
      pollIntervalMs: this.options.schedulePollIntervalMs,
      onRunCreated: () => {
        for (const worker of this.workers) void worker.poll();
      },
    });
    this.scheduler.on('schedule:fired', (event) => {
      this.emit('schedule:fired', event);
      this.callHooks('onScheduleFired', event);
    });
    this.scheduler.on('schedule:skipped', (event) => this.emit('schedule:skipped', event));
    this.scheduler.on('schedule:error', (event) =>
      this.reportError(event.error, event.scheduleName === undefined ? 'scheduler' : `schedule:${event.scheduleName}`),
    );
  }

  // ------------------------------------------------------------------ events

  /** Subscribes to an event. */
  on<E extends keyof EngineEvents>(event: E, listener: (...args: EngineEvents[E]) => void): this {
    this.emitter.on(event, listener as never);
    return this;
  }

  /** Subscribes to one occurrence of an event. */
  once<E extends keyof EngineEvents>(event: E, listener: (...args: EngineEvents[E]) => void): this {
    this.emitter.once(event, listener as never);
    return this;
  }

  /** Unsubscribes. */
  off<E extends keyof EngineEvents>(event: E, listener: (...args: EngineEvents[E]) => void): this {
    this.emitter.off(event, listener as never);
    return this;
  }

  private emit<E extends keyof EngineEvents>(event: E, ...args: EngineEvents[E]): void {
    try {
      (this.emitter.emit as (e: E, ...a: EngineEvents[E]) => boolean)(event, ...args);
    } catch (error) {
      if (event !== 'engine:error') this.reportError(error, `listener:${event}`);
    }
  }

  private reportError(error: unknown, source: string, runId?: string): void {
    const event: EngineErrorEvent = { error, source, ...(runId ? { runId } : {}) };
    this.emit('engine:error', event);
  }

  private callHooks<K extends keyof EngineHooks>(name: K, event: Parameters<NonNullable<EngineHooks[K]>>[0], runId?: string): void {
    for (const hooks of this.options.hooks) {
      const fn = hooks[name] as ((e: typeof event) => unknown) | undefined;
      if (!fn) continue;
      try {
        const result = fn.call(hooks, event);
        if (result && typeof (result as Promise<unknown>).then === 'function') {
          const p = Promise.resolve(result).catch((error: unknown) => this.reportError(error, `hook:${name}`, runId));
          this.pendingHooks.add(p);
          void p.finally(() => this.pendingHooks.delete(p));
        }
      } catch (error) {
        this.reportError(error, `hook:${name}`, runId);
      }
    }
  }

  private hasHook(name: keyof EngineHooks): boolean {
    return this.options.hooks.some((h) => typeof h[name] === 'function');
  }

  private write(op: StoreOp): Promise<unknown> {
    return this.batcher.write(op);
  }

  /** A write nothing awaits (no promise made). */
  private post(op: StoreOp): void {
    this.batcher.post(op);
  }

  // ------------------------------------------------------------------ public API

  /**
   * Validates params, stores a `Pending` run and starts it. Rejects with
   * {@link InvalidParamsError} (listing the zod issues) before anything runs or is stored.
   */
  async start<P, O>(flowDef: Flow<P, O>, ...args: StartArgs<P>): Promise<RunHandle<O>> {
    const [params, options = {}] = args as [unknown, StartOptions | undefined];
    if (this.stopping) throw new FlowError(ErrorCode.EngineStopped, 'The engine is stopping; it starts no new runs');
    const def = flowDef as Flow<unknown, unknown>;
    if (typeof def !== 'object' || def === null || def.kind !== 'flow') invalid('flow', 'a flow(...) definition', flowDef);
    if (options.priority !== undefined) checkInteger('priority', options.priority, Number.MIN_SAFE_INTEGER);
    const parsed = await this.parse(def.params, params, `params of flow \`${def.name}\``);
    const now = this.clock.now();
    const id = randomUUID();
    const queue = options.queue ?? def.options.queue;
    const { run, created } = await this.store.createRun({
      id,
      flowName: def.name,
      params: redact(params, this.options.redactKeys, `params of flow \`${def.name}\``),
      state: 'Pending',
      idempotencyKey: options.idempotencyKey ?? null,
      queue,
      priority: options.priority ?? 0,
      tags: options.tags ?? [...def.options.tags],
      leaseOwner: this.id,
      leaseExpiresAt: now + this.options.leaseMs,
      now,
      reason: 'started',
    });
    if (!created) return this.handleFor(run) as RunHandle<O>;
    const exec = new RunExecution(
      id,
      def,
      parsed,
      options.idempotencyKey ?? null,
      queue,
      undefined,
      otelContext.active(),
      options.signal,
      (signal) => new CancelledError(`Run \`${id}\` was cancelled by the caller's signal`, { cause: signal.reason, runId: id }),
    );
    this.launch(exec, run.parentRunId, { from: null, reason: 'started' });
    return { runId: id, created: true, result: () => exec.promise as Promise<O> };
  }

  /** Starts a run and resolves with its result (rejects with its final error). */
  async run<P, O>(flowDef: Flow<P, O>, ...args: StartArgs<P>): Promise<O> {
    const handle = await this.start(flowDef, ...args);
    return handle.result();
  }

  /**
   * Cancels a run: running tasks see `signal.aborted`, queued tasks never start, backoff waits
   * end at once; the run ends `Cancelled`. A run that is still `Scheduled` in the store is
   * cancelled there. Resolves false when the run had already ended.
   */
  async cancel(runId: string, reason?: string): Promise<boolean> {
    const exec = this.execs.get(runId);
    if (exec) {
      if (ENDED_STATES.has(exec.state) || exec.signal.aborted) return false;
      exec.controller.abort(new CancelledError(reason ?? `Run \`${runId}\` was cancelled`, { runId }));
      return true;
    }
    const run = await this.store.getRun(runId);
    if (!run) throw new NotFoundError(`No run \`${runId}\``, { runId });
    if (run.state !== 'Scheduled' && run.state !== 'Late') return false;
    const at = this.clock.now();
    const res = await this.store.transitionRun({
      runId,
      from: ['Scheduled', 'Late'],
      to: 'Cancelled',
      at,
      reason: reason ?? 'cancelled',
      patch: { endedAt: at },
    });
    if (!res.ok) return false;
    this.emit('flow:state', {
      runId,
      flowName: run.flowName,
      parentRunId: run.parentRunId,
      from: run.state,
      to: 'Cancelled',
      attempt: run.attempt,
      at,
      reason: reason ?? 'cancelled',
    });
    if (run.scheduleName !== null) this.scheduler.poke();
    return true;
  }

  /** The run's state and what it waits for ("why is my run not running?"). */
  async status(runId: string): Promise<RunStatus> {
    const exec = this.execs.get(runId);
    if (exec) return this.localStatus(exec);
    const run = await this.store.getRun(runId);
    if (!run) throw new NotFoundError(`No run \`${runId}\``, { runId });
    const waitingFor: WaitReason[] = [];
    const now = this.clock.now();
    if (run.state === 'Scheduled') {
      if (run.runAt > now) waitingFor.push({ kind: 'schedule', runAt: run.runAt });
      else {
        const position = await this.store.queuePosition(runId, now);
        if (position !== undefined) waitingFor.push({ kind: 'queue', queue: run.queue, position });
      }
    } else if (run.waitingFor && !ENDED_STATES.has(run.state)) {
      waitingFor.push(run.waitingFor);
    }
    return {
      runId,
      flowName: run.flowName,
      state: run.state,
      attempt: run.attempt,
      local: false,
      waitingFor,
      tasks: [],
      description: waitingFor.map((w) => describeWait(`run ${runId}`, w)),
    };
  }

  /** Slots in use right now (engine, per queue, per tag, rate windows). */
  slotsInUse(): SlotUsage & { total: number } {
    return { ...this.limits.usage(), total: this.limits.inUse() };
  }

  /** Ids of runs this engine is executing. */
  activeRuns(): string[] {
    return [...this.execs.keys()];
  }

  // ------------------------------------------------------------------ durability (src/durable/)

  /** Registers flows so `recover`, `work` and `rerun` can run their stored runs by flow name. */
  register(...flows: Flow<any, any>[]): this {
    registerFlows(this, flows as Flow<unknown, unknown>[]);
    return this;
  }

  /**
   * The reaper (run it at start): marks runs whose lease expired `Crashed` (releasing their
   * slots) and resumes those of registered `resumable` flows, reusing their completed tasks.
   */
  recover(options?: RecoverOptions): Promise<RecoverResult> {
    return recoverRuns(this.durableHost(), flowRegistry(this), options);
  }

  /** Stores a `Scheduled` run for a worker (`engine.work`) to claim. */
  async enqueue<P, O>(flowDef: Flow<P, O>, params: P, options?: EnqueueOptions): Promise<{ runId: string; created: boolean }> {
    const { run, created } = await enqueueRun(this.durableHost(), flowDef as Flow<unknown, unknown>, params, options);
    return { runId: run.id, created };
  }

  /** Starts a worker that claims queued runs of registered flows (with leases) and reaps crashed ones. */
  async work(options?: WorkerOptions): Promise<QueueWorker> {
    if (this.stopping) throw new FlowError(ErrorCode.EngineStopped, 'The engine is stopping; it starts no new workers');
    const worker = new QueueWorker(this.durableHost(), flowRegistry(this), options, (error) => this.reportError(error, 'worker'));
    this.workers.add(worker);
    await worker.start();
    return worker;
  }

  /** Starts a new run of a stored run's flow that reuses the results of tasks before `fromTask`. */
  rerun(runId: string, options?: RerunOptions): Promise<{ runId: string; reused: string[]; result: () => Promise<unknown> }> {
    return rerunFrom(this.durableHost(), flowRegistry(this), runId, options);
  }

  /** @internal What the durable layer drives the engine through. */
  durableHost(): DurableHost {
    return {
      id: this.id,
      store: this.store,
      clock: this.clock,
      leaseMs: this.options.leaseMs,
      lateAfterMs: this.options.lateAfterMs,
      emit: (event, ...args) => this.emit(event, ...args),
      flush: () => this.batcher.flush(),
      isActive: (runId) => this.execs.has(runId),
      activeRunIds: () => [...this.execs.values()].filter((e) => !e.parent).map((e) => e.id),
      executeStored: (flowDef, run, options) => this.executeStored(flowDef, run, options),
      prepareParams: async (flowDef, params) => {
        await this.parse(flowDef.params, params, `params of flow \`${flowDef.name}\``);
        return redact(params, this.options.redactKeys, `params of flow \`${flowDef.name}\``);
      },
      cancel: (runId, reason) => this.cancel(runId, reason),
    };
  }

  private async executeStored(def: Flow<unknown, unknown>, run: FlowRunRecord, options: ExecuteStoredOptions): Promise<{ result: () => Promise<unknown> }> {
    if (!this.acceptingStored) throw new FlowError(ErrorCode.EngineStopped, 'The engine is stopping; it starts no new runs');
    // The store keeps JSON: a run started without params comes back with `null`.
    const stored = run.params === null && def.params && !(await def.params.safeParseAsync(null)).success ? undefined : run.params;
    const params = await this.parse(def.params, stored, `stored params of flow \`${def.name}\` (run \`${run.id}\`)`);
    const exec = new RunExecution(run.id, def, params, run.idempotencyKey, run.queue, undefined, otelContext.active(), undefined, (s) => s.reason);
    exec.attempt = options.attempt;
    exec.state = run.state;
    exec.scheduleName = run.scheduleName;
    if (options.priorTasks) exec.priorTasks = options.priorTasks;
    // The store already made the transition into the stored state (a claim, a resume, a create):
    // emit it once, as it was stored.
    this.launch(exec, run.parentRunId, options.from === undefined ? undefined : { from: options.from, reason: run.stateReason });
    return { result: () => exec.promise };
  }

  // ------------------------------------------------------------------ schedules (src/schedule/)

  /**
   * Stores a schedule of `flowDef` (or updates the one of that name, keeping its stored slots
   * when the timing is unchanged) and starts this engine's scheduler. `params` are validated by
   * the flow's schema first (`InvalidParamsError`, nothing stored) and stored redacted. The flow
   * is registered, so `engine.work()` runs the slots' runs: each slot creates a `Scheduled` run
   * that a worker claims (`Late` when claimed more than `lateAfterMs` after its slot).
   */
  async schedule<P, O>(flowDef: Flow<P, O>, options: EngineScheduleOptions<P>): Promise<ScheduleInfo> {
    if (this.stopping) throw new FlowError(ErrorCode.EngineStopped, 'The engine is stopping; it registers no schedules');
    const def = flowDef as Flow<unknown, unknown>;
    if (typeof def !== 'object' || def === null || def.kind !== 'flow') invalid('flow', 'a flow(...) definition', flowDef);
    if (typeof options !== 'object' || options === null) invalid('options', 'an object { name, cron | intervalMs, ... }', options);
    const { params, ...rest } = options;
    await this.parse(def.params, params, `params of schedule \`${String(rest.name)}\` (flow \`${def.name}\`)`);
    const stored = params === undefined ? undefined : redact(params, this.options.redactKeys, `params of schedule \`${String(rest.name)}\``);
    registerFlows(this, [def]);
    const info = await this.scheduler.register({ ...rest, ...(stored === undefined ? {} : { params: stored }), flowName: def.name });
    await this.startSchedules();
    return info;
  }

  /**
   * Starts firing the stored schedules (catching up missed slots first) without registering one:
   * for a process that runs schedules another process registered. `engine.schedule` calls it;
   * `engine.stop()` stops it. Idempotent.
   */
  async startSchedules(): Promise<void> {
    if (this.schedulerStarted || this.stopping) return;
    this.schedulerStarted = true;
    await this.scheduler.start();
  }

  /**
   * The next `n` fire times, in UTC and local time with DST notes: of a stored schedule (by name,
   * from now) or of a spec (`{ cron, timezone, dst }` or `{ intervalMs }`) before it is stored.
   */
  async preview(schedule: string | ScheduleSpec, n: number, from?: Date | number): Promise<PreviewEntry[]> {
    if (typeof schedule === 'string') return this.scheduler.preview(schedule, n, from);
    return previewSpec(schedule, n, from ?? this.clock.now());
  }

  /** Pauses a schedule: its slots pass without runs until `resumeSchedule`. */
  pauseSchedule(name: string): Promise<ScheduleInfo> {
    return this.scheduler.pause(name);
  }

  /** Resumes a paused schedule from its next slot after now (paused slots are not caught up). */
  resumeSchedule(name: string): Promise<ScheduleInfo> {
    return this.scheduler.resume(name);
  }

  /** Every stored schedule with its next fire time (`nextRunAt`) and last handled slot. */
  listSchedules(): Promise<ScheduleInfo[]> {
    return this.scheduler.list();
  }

  /** One stored schedule, or `undefined`. */
  getSchedule(name: string): Promise<ScheduleInfo | undefined> {
    return this.scheduler.get(name);
  }

  /** Deletes a stored schedule (its past runs stay); false when there was none. */
  removeSchedule(name: string): Promise<boolean> {
    return this.scheduler.remove(name);
  }

  // ------------------------------------------------------------------ stopping

  /**
   * Stops the engine: no new runs; the scheduler and the workers of `engine.work` stop claiming;
   * active runs are cancelled (or, with `drain`, awaited); store writes are flushed; every timer
   * is cleared. Leaves no timers or handles behind.
   */
  async stop(options: { drain?: boolean } = {}): Promise<void> {
    await this.halt(options.drain ? { mode: 'drain' } : { mode: 'cancel' });
  }

  /**
   * Graceful shutdown for a process that will restart (SIGTERM): stops claiming (scheduler and
   * workers), aborts running tasks with a {@link ShutdownError}, and leaves each active run
   * `Crashed` with the reason `shutdown: <reason>`, its unfinished task runs `Crashed` and its
   * lease and slots released, so the next `engine.recover()` (or a worker's reaper) resumes it,
   * reusing the tasks that completed. Flushes writes and clears every timer, like `stop()`.
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    if (options.reason !== undefined && typeof options.reason !== 'string') invalid('reason', 'a string', options.reason);
    await this.halt({ mode: 'shutdown', reason: options.reason ?? 'the engine shut down' });
  }

  private async halt(how: { mode: 'cancel' | 'drain' } | { mode: 'shutdown'; reason: string }): Promise<void> {
    this.stopping = true;
    await this.scheduler.stop();
    const workers = [...this.workers];
    // Let claims and reaper passes in progress launch what they took, then take no more.
    await Promise.all(workers.map((w) => w.halt()));
    this.acceptingStored = false;
    const top = [...this.execs.values()].filter((e) => !e.parent);
    if (how.mode !== 'drain') {
      for (const exec of top) {
        if (exec.signal.aborted) continue;
        exec.controller.abort(
          how.mode === 'shutdown'
            ? new ShutdownError(how.reason, { runId: exec.id })
            : new CancelledError('The engine stopped', { runId: exec.id }),
        );
      }
    }
    await Promise.allSettled(top.map((e) => e.promise));
    await Promise.all(workers.map((w) => w.stop()));
    this.workers.clear();
    await this.batcher.flush();
    await Promise.allSettled([...this.pendingHooks]);
    this.stopHeartbeat();
    this.limits.dispose();
  }

  // ------------------------------------------------------------------ internals: runs

  private async parse(schema: Flow<unknown, unknown>['params'], value: unknown, what: string): Promise<unknown> {
    if (!schema) return value;
    const result = await schema.safeParseAsync(value);
    if (!result.success) throw new InvalidParamsError(what, zodIssues(result.error));
    return result.data;
  }

  private handleFor(run: FlowRunRecord): RunHandle<unknown> {
    const exec = this.execs.get(run.id);
    const promise = exec ? exec.promise : this.waitForEnd(run);
    promise.catch(noop);
    return { runId: run.id, created: false, result: () => promise };
  }

  private async waitForEnd(run: FlowRunRecord): Promise<unknown> {
    let current: FlowRunRecord | undefined = run;
    if (!FINAL_STATES.has(run.state)) {
      await new Promise<void>((resolve) => {
        const listener = (e: FlowStateEvent): void => {
          if (e.runId === run.id && FINAL_STATES.has(e.to)) {
            this.off('flow:state', listener);
            resolve();
          }
        };
        this.on('flow:state', listener);
      });
      await this.batcher.flush();
      current = await this.store.getRun(run.id);
    }
    if (!current) throw new NotFoundError(`No run \`${run.id}\``, { runId: run.id });
    if (current.state === 'Completed') return current.result;
    const e = current.error;
    throw new FlowError(e?.code ?? 'UNKNOWN', e?.message ?? `Run \`${run.id}\` ended ${current.state}`, {
      runId: run.id,
      ...(e?.category ? { category: e.category } : {}),
    });
  }

  /** Starts executing `exec`; `announce` is the stored transition into its current state to emit. */
  private launch(exec: RunExecution, parentRunId: string | null, announce: { from: RunState | null; reason: string | null } | undefined): void {
    this.execs.set(exec.id, exec);
    this.ensureHeartbeat();
    if (announce) this.emitFlowState(exec, announce.from, exec.state, announce.reason, undefined, parentRunId);
    exec.promise = this.executeRun(exec).finally(() => {
      this.execs.delete(exec.id);
      exec.dispose();
      if (this.execs.size === 0) this.stopHeartbeat();
      if (exec.scheduleName !== null) this.scheduler.poke();
    });
    exec.promise.catch(noop);
  }

  private ensureHeartbeat(): void {
    if (this.heartbeat !== undefined || this.execs.size === 0) return;
    this.heartbeat = this.clock.setTimeout(() => {
      this.heartbeat = undefined;
      const now = this.clock.now();
      for (const exec of this.execs.values()) {
        this.store
          .extendLease({ runId: exec.id, owner: this.id, leaseMs: this.options.leaseMs, now })
          .catch((error: unknown) => this.reportError(error, 'store:heartbeat', exec.id));
      }
      this.ensureHeartbeat();
    }, Math.floor(this.options.leaseMs / 3));
  }

  private stopHeartbeat(): void {
    if (this.heartbeat !== undefined) this.clock.clearTimeout(this.heartbeat);
    this.heartbeat = undefined;
  }

  private emitFlowState(
    exec: RunExecution,
    from: RunState | null,
    to: RunState,
    reason: string | null,
    error: SerializedError | undefined,
    parentRunId: string | null = exec.parent?.id ?? null,
  ): FlowStateEvent {
    const event: FlowStateEvent = {
      runId: exec.id,
      flowName: exec.flow.name,
      parentRunId,
      from,
      to,
      attempt: exec.attempt,
      at: this.clock.now(),
      reason,
      ...(error ? { error } : {}),
    };
    exec.span?.addEvent(SpanEventName.State, {
      [SpanAttribute.StateFrom]: from ?? '',
      [SpanAttribute.StateTo]: to,
      [SpanAttribute.StateReason]: reason ?? '',
      [SpanAttribute.Attempt]: exec.attempt,
    });
    this.emit('flow:state', event);
    this.callHooks('onFlowRunStateChange', event, exec.id);
    // A shutdown leaves the run to be resumed: not a run error to alert on.
    if (error && (to === 'Failed' || to === 'Crashed') && error.code !== ErrorCode.Shutdown) this.callHooks('onRunError', { ...event, error }, exec.id);
    return event;
  }

  private transitionFlow(
    exec: RunExecution,
    to: RunState,
    options: { reason?: string | null; patch?: Record<string, unknown>; error?: SerializedError } = {},
  ): Promise<unknown> {
    const from = exec.state;
    exec.state = to;
    const at = this.clock.now();
    const written = this.write({
      type: 'transitionRun',
      transition: { runId: exec.id, to, at, reason: options.reason ?? null, patch: { ...options.patch, ...(options.error ? { error: options.error } : {}) } },
    });
    this.emitFlowState(exec, from, to, options.reason ?? null, options.error);
    return written;
  }

  private async executeRun(exec: RunExecution): Promise<unknown> {
    const flowDef = exec.flow;
    const span = this.tracer.startSpan(
      SpanName.FlowRun,
      {
        attributes: {
          [SpanAttribute.FlowName]: flowDef.name,
          [SpanAttribute.RunId]: exec.id,
          [SpanAttribute.Queue]: exec.queue,
          ...(exec.parent ? { [SpanAttribute.ParentRunId]: exec.parent.id } : {}),
        },
      },
      exec.spanContext,
    );
    exec.span = span;
    exec.tracing = span.isRecording() || isSpanContextValid(span.spanContext());
    exec.spanContext = trace.setSpan(exec.spanContext, span);
    let release: (() => void) | undefined;
    let finalState: RunState = 'Failed';
    try {
      if (!exec.parent) {
        release = await this.limits.acquireQueue(exec.id, exec.queue, exec.signal, exec);
      }
      const policy = flowDef.options.retry;
      const errors: unknown[] = [];
      let previousDelay: number | undefined;
      for (let attempt = exec.attempt; ; attempt++) {
        if (exec.signal.aborted) throw exec.signal.reason;
        exec.attempt = attempt;
        exec.waitingFor = null;
        span.setAttribute(SpanAttribute.Attempt, attempt);
        const now = this.clock.now();
        if (exec.startedAt === undefined) exec.startedAt = now;
        if (attempt > 1) exec.priorTasks = await this.loadTasks(exec.id);
        void this.transitionFlow(exec, 'Running', {
          reason: attempt > 1 ? `attempt ${attempt}` : 'running',
          patch: { attempt, waitingFor: null, ...(attempt === 1 ? { startedAt: now } : {}) },
        });
        try {
          const value = await this.runFlowAttempt(exec, attempt);
          const result = toJson(value, `the result of flow \`${flowDef.name}\``);
          const endedAt = this.clock.now();
          await this.transitionFlow(exec, 'Completed', {
            reason: 'completed',
            patch: { result, endedAt, error: null, leaseOwner: null, leaseExpiresAt: null },
          });
          finalState = 'Completed';
          return value;
        } catch (error) {
          errors.push(error);
          const cancelled = exec.signal.aborted;
          const classification = resolveClassification(error, this.options.classifyError);
          const decision = decideRetry(policy, error, errors.length, classification, this.options.random, {
            cancelled,
            ...(previousDelay === undefined ? {} : { previousDelayMs: previousDelay }),
          });
          if (!decision.retry) throw this.finalError(error, errors, decision.reason, `Flow \`${flowDef.name}\``, exec.id);
          const retryAt = this.clock.now() + decision.delayMs;
          const serialized = serializeError(error, classification);
          exec.waitingFor = { kind: 'retry', attempt: attempt + 1, retryAt };
          void this.transitionFlow(exec, 'Retrying', {
            reason: `attempt ${attempt} failed: ${serialized.message}`,
            patch: { waitingFor: exec.waitingFor },
            error: serialized,
          });
          this.emitRetry('flow:retry', { runId: exec.id, flowName: flowDef.name, attempt, delayMs: decision.delayMs, retryAt, error: serialized }, span);
          await sleep(this.clock, decision.delayMs, exec.signal);
          previousDelay = decision.delayMs;
        }
      }
    } catch (thrown) {
      const cancelled = exec.signal.aborted;
      const shutdown = isShutdown(exec.signal);
      const error: unknown = shutdown ? exec.signal.reason : cancelled ? cancelledError(exec.signal, exec.id) : thrown;
      finalState = shutdown ? 'Crashed' : cancelled ? 'Cancelled' : 'Failed';
      const classification = resolveClassification(error, this.options.classifyError);
      if (!cancelled) markSpanError(span, error);
      await this.transitionFlow(exec, finalState, {
        reason: shutdown ? `shutdown: ${(error as ShutdownError).message}` : cancelled ? 'cancelled' : 'failed',
        patch: { endedAt: this.clock.now(), waitingFor: null, leaseOwner: null, leaseExpiresAt: null },
        error: serializeError(error, classification),
      }).catch(noop);
      throw error;
    } finally {
      release?.();
      exec.waitingFor = null;
      span.setAttribute(SpanAttribute.State, finalState);
      span.end();
      const attrs = { [SpanAttribute.FlowName]: flowDef.name, [SpanAttribute.State]: finalState };
      this.metrics.runs.add(1, attrs);
      this.metrics.runDuration.record(this.clock.now() - (exec.startedAt ?? this.clock.now()), attrs);
    }
  }

  private async loadTasks(runId: string): Promise<Map<string, TaskRunRecord>> {
    await this.batcher.flush();
    const tasks = await this.store.getTaskRunsByRun(runId);
    return new Map(tasks.map((t) => [t.taskKey, t]));
  }

  private finalError(error: unknown, errors: unknown[], reason: string, what: string, runId: string, taskName?: string): unknown {
    if (reason === 'exhausted' && errors.length > 1) {
      const last = errors.at(-1);
      const message = last instanceof Error ? last.message : String(last);
      return new RetriesExhaustedError(`${what} failed after ${errors.length} attempts: ${message}`, [...errors], {
        runId,
        ...(taskName ? { taskName } : {}),
        ...(last instanceof FlowError && last.category ? { category: last.category } : {}),
      });
    }
    return error;
  }

  private emitRetry(event: 'flow:retry' | 'task:retry', payload: EngineEvents['task:retry'][0], span: Span | undefined): void {
    span?.addEvent(SpanEventName.Retry, {
      [SpanAttribute.Attempt]: payload.attempt,
      [SpanAttribute.RetryDelayMs]: payload.delayMs,
      ...(payload.taskKey ? { [SpanAttribute.TaskKey]: payload.taskKey } : {}),
    });
    this.emit(event, payload);
    this.callHooks('onRetry', payload, payload.runId);
  }

  private async runFlowAttempt(exec: RunExecution, attempt: number): Promise<unknown> {
    const scope = new AttemptScope(exec.signal);
    const timeout = exec.flow.options.timeout;
    const timer =
      timeout === undefined
        ? undefined
        : this.clock.setTimeout(
            () =>
              scope.controller.abort(
                new TimeoutError(`Flow \`${exec.flow.name}\` attempt ${attempt} timed out after ${timeout} ms`, timeout, { runId: exec.id }),
              ),
            timeout,
          );
    const ctx = this.flowContext(exec, scope, attempt);
    try {
      const body = otelContext.with(exec.spanContext, () => (async () => exec.flow.run(ctx, exec.params as never))());
      const value = await raceAbort(body, scope.signal);
      await scope.settle();
      return value;
    } catch (error) {
      const reason: unknown = scope.signal.aborted ? scope.signal.reason : undefined;
      if (!scope.signal.aborted) {
        scope.controller.abort(new CancelledError(`Flow \`${exec.flow.name}\` attempt ${attempt} ended`, { runId: exec.id }));
      }
      await scope.settle();
      throw reason instanceof TimeoutError ? reason : error;
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
      scope.dispose();
    }
  }

  // ------------------------------------------------------------------ internals: contexts

  private logger(exec: RunExecution, call: CallState | undefined): RunLogger {
    const log = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
      if (!levelEnabled(level, this.options.logLevel)) return;
      let json: Json = null;
      if (fields !== undefined) {
        try {
          json = redact(fields, this.options.redactKeys, 'log fields');
        } catch {
          json = { unserialisable: String(fields) };
        }
      }
      const at = this.clock.now();
      const f = json as Record<string, Json> | null;
      this.post({ type: 'appendLogs', logs: [{ runId: exec.id, taskRunId: call?.taskRunId ?? null, level, message: String(message), fields: f, at }] });
      const event = {
        runId: exec.id,
        flowName: exec.flow.name,
        taskRunId: call?.taskRunId ?? null,
        taskName: call?.taskName ?? null,
        level,
        message: String(message),
        fields: f,
        at,
      };
      this.emit('log', event);
      this.callHooks('onLog', event, exec.id);
    };
    return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  }

  private flowContext(exec: RunExecution, scope: AttemptScope, attempt: number): FlowContext {
    const engine = this;
    const log = this.logger(exec, undefined);
    const forEach = async <I, O>(
      t: Task<I, O>,
      inputs: Iterable<I> | AsyncIterable<I>,
      options: MapOptions = {},
      onResult?: (result: O, index: number) => void,
    ): Promise<{ count: number }> => {
      if (typeof t !== 'object' || t === null || t.kind !== 'task') invalid('task', 'a task(...) definition', t);
      const concurrency = checkInteger('concurrency', options.concurrency ?? 16, 1);
      const mapIndex = ++scope.mapCount;
      const isAsync = Symbol.asyncIterator in inputs;
      const iterator = isAsync ? (inputs as AsyncIterable<I>)[Symbol.asyncIterator]() : (inputs as Iterable<I>)[Symbol.iterator]();
      let next = 0;
      let failure: { error: unknown } | undefined;
      let done = false;
      const worker = async (): Promise<void> => {
        while (!failure && !done) {
          let item: IteratorResult<I>;
          try {
            // A sync iterator's next() is not awaited (no extra tick per item).
            item = isAsync ? await iterator.next() : (iterator.next() as IteratorResult<I>);
          } catch (error) {
            failure ??= { error };
            return;
          }
          if (item.done) {
            done = true;
            return;
          }
          const index = next++;
          try {
            const result = await engine.callTask(exec, scope, t as Task<unknown, unknown>, item.value, `${t.name}:map${mapIndex}#${index + 1}`);
            onResult?.(result as O, index);
          } catch (error) {
            failure ??= { error };
          }
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
      if (failure) {
        await (iterator as { return?: () => unknown }).return?.();
        throw failure.error;
      }
      return { count: next };
    };
    return {
      signal: scope.signal,
      log,
      runId: exec.id,
      flowName: exec.flow.name,
      attempt,
      idempotencyKey: exec.idempotencyKey ?? exec.id,
      run<I, O>(target: Runnable<I, O>, ...args: RunArgs<I>): Promise<O> {
        const [input, options] = args as [unknown, CallOptions | undefined];
        if (typeof target !== 'object' || target === null || (target.kind !== 'task' && target.kind !== 'flow')) {
          return Promise.reject(invalid('target', 'a task(...) or flow(...) definition', target));
        }
        const key = options?.key ?? `${target.name}#${(scope.counters.get(target.name) ?? 0) + 1}`;
        if (options?.key === undefined) scope.counters.set(target.name, (scope.counters.get(target.name) ?? 0) + 1);
        const p =
          target.kind === 'task'
            ? engine.callTask(exec, scope, target as Task<unknown, unknown>, input, key)
            : engine.callFlow(exec, scope, target as Flow<unknown, unknown>, input, key);
        return p as Promise<O>;
      },
      async map<I, O>(t: Task<I, O>, inputs: Iterable<I> | AsyncIterable<I>, options?: MapOptions): Promise<O[]> {
        const results: O[] = [];
        await forEach(t, inputs, options, (r, i) => (results[i] = r));
        return results;
      },
      forEach: (t, inputs, options) => forEach(t, inputs, options, options?.onResult),
      async skip<I, O>(target: Runnable<I, O>, reason: string, options?: CallOptions): Promise<void> {
        if (typeof target !== 'object' || target === null || (target.kind !== 'task' && target.kind !== 'flow')) {
          invalid('target', 'a task(...) or flow(...) definition', target);
        }
        const key = options?.key ?? `${target.name}#${(scope.counters.get(target.name) ?? 0) + 1}`;
        if (options?.key === undefined) scope.counters.set(target.name, (scope.counters.get(target.name) ?? 0) + 1);
        if (scope.keys.has(key)) invalid('key', 'unique in the run', key);
        scope.keys.add(key);
        const prior = exec.priorTasks?.get(key);
        if (prior) return;
        const id = randomUUID();
        const now = engine.clock.now();
        const written = engine.write({
          type: 'upsertTaskRun',
          taskRun: { id, runId: exec.id, taskKey: key, taskName: target.name, state: 'Skipped', maxAttempts: 0, now, reason: String(reason) },
        });
        const call: CallState = { taskRunId: id, taskKey: key, taskName: target.name, state: 'Skipped', attempt: 0, waitingFor: null, span: undefined, lastSpanContext: undefined, checkpoints: undefined, childRunId: null };
        engine.emitTaskState(exec, call, null, 'Skipped', String(reason));
        await written;
      },
    };
  }

  // ------------------------------------------------------------------ internals: task calls

  private emitTaskState(exec: RunExecution, call: CallState, from: RunState | null, to: RunState, reason: string | null, error?: SerializedError): void {
    if (exec.span?.isRecording()) {
      exec.span.addEvent(SpanEventName.State, {
        [SpanAttribute.StateFrom]: from ?? '',
        [SpanAttribute.StateTo]: to,
        [SpanAttribute.StateReason]: reason ?? '',
        [SpanAttribute.TaskKey]: call.taskKey,
        [SpanAttribute.Attempt]: call.attempt,
      });
    }
    // Hot path: build the payload only when someone listens.
    if (!this.taskStateHooked && this.emitter.listenerCount('task:state') === 0) return;
    const event: TaskStateEvent = {
      runId: exec.id,
      flowName: exec.flow.name,
      taskRunId: call.taskRunId,
      taskKey: call.taskKey,
      taskName: call.taskName,
      from,
      to,
      attempt: call.attempt,
      at: this.clock.now(),
      reason,
      ...(error ? { error } : {}),
    };
    this.emit('task:state', event);
    this.callHooks('onTaskRunStateChange', event, exec.id);
  }

  /** Stores (batched) and emits a task transition; the promise settles when it is committed. */
  private transitionTask(
    exec: RunExecution,
    call: CallState,
    to: RunState,
    options: { reason?: string | null; patch?: Record<string, unknown>; error?: SerializedError } = {},
  ): Promise<unknown> {
    return this.batcher.write(this.taskTransitionOp(exec, call, to, options));
  }

  /** Like `transitionTask`, for a transition nothing waits for (no promise made). */
  private postTaskTransition(
    exec: RunExecution,
    call: CallState,
    to: RunState,
    options: { reason?: string | null; patch?: Record<string, unknown>; error?: SerializedError } = {},
  ): void {
    this.batcher.post(this.taskTransitionOp(exec, call, to, options));
  }

  /** Moves `call` to `to`, emits it, and returns the store op. `options.patch` is used as is (callers pass a fresh object). */
  private taskTransitionOp(
    exec: RunExecution,
    call: CallState,
    to: RunState,
    options: { reason?: string | null; patch?: Record<string, unknown>; error?: SerializedError },
  ): StoreOp {
    const from = call.state;
    call.state = to;
    const patch = options.patch ?? {};
    if (options.error) patch['error'] = options.error;
    const reason = options.reason ?? null;
    this.emitTaskState(exec, call, from, to, reason, options.error);
    return { type: 'transitionTask', transition: { taskRunId: call.taskRunId, to, at: this.clock.now(), reason, patch } };
  }

  private newCall(exec: RunExecution, scope: AttemptScope, name: string, key: string, kind: 'task' | 'flow', maxAttempts: number, tags: readonly string[], atMostOnce: boolean): CallState {
    if (scope.keys.has(key)) {
      throw new FlowError('DUPLICATE_TASK_KEY', `Task key \`${key}\` is used twice in run \`${exec.id}\`; give each call a unique \`key\``, {
        runId: exec.id,
        taskName: name,
        category: 'validation',
      });
    }
    scope.keys.add(key);
    const prior = exec.priorTasks?.get(key);
    const call: CallState = {
      taskRunId: prior?.id ?? uuidv7(),
      taskKey: key,
      taskName: name,
      state: prior?.state ?? null,
      attempt: prior?.attempt ?? 0,
      waitingFor: null,
      span: undefined,
      lastSpanContext: undefined,
      checkpoints: undefined,
      childRunId: prior?.childRunId ?? null,
    };
    if (!prior) {
      call.state = 'Pending';
      this.post({
        type: 'upsertTaskRun',
        taskRun: { id: call.taskRunId, runId: exec.id, taskKey: key, taskName: name, state: 'Pending', maxAttempts, tags: [...tags], atMostOnce, now: this.clock.now(), reason: kind === 'flow' ? 'sub-flow' : null },
      });
      this.emitTaskState(exec, call, null, 'Pending', null);
    } else if (prior.state === 'Failed' || prior.state === 'Cancelled') {
      this.postTaskTransition(exec, call, 'Retrying', { reason: 'flow retry', patch: { nextRetryAt: null } });
    }
    exec.calls.set(call.taskRunId, call);
    return call;
  }

  private callTask(exec: RunExecution, scope: AttemptScope, t: Task<unknown, unknown>, rawInput: unknown, key: string): Promise<unknown> {
    if (scope.signal.aborted) return Promise.reject(scope.signal.reason);
    // `track` pre-handles it: a flow that never awaits a failing call causes no unhandled rejection.
    return scope.track(this.executeTask(exec, scope, t, rawInput, key));
  }

  private async executeTask(exec: RunExecution, scope: AttemptScope, t: Task<unknown, unknown>, rawInput: unknown, key: string): Promise<unknown> {
    const prior = exec.priorTasks?.get(key);
    const stepError = prior && priorStepError(exec.id, key, prior, t.name, 'task', t.options.atMostOnce);
    if (stepError) {
      if (stepError.code === 'AT_MOST_ONCE_INTERRUPTED') {
        const failed = this.newCall(exec, scope, t.name, key, 'task', 1, t.options.tags, true);
        exec.calls.delete(failed.taskRunId);
        await this.transitionTask(exec, failed, 'Failed', { reason: 'interrupted atMostOnce task', patch: { endedAt: this.clock.now() }, error: serializeError(stepError) });
      }
      throw stepError;
    }
    if (prior?.state === 'Completed' && prior.resultPersisted && t.options.persistResult) return prior.result;
    const policy = t.options.retry;
    const call = this.newCall(exec, scope, t.name, key, 'task', policy.retries + 1, t.options.tags, t.options.atMostOnce);
    const startedAt = this.clock.now();
    let finalState: RunState = 'Failed';
    try {
      let input: unknown = rawInput;
      try {
        if (t.input) input = await this.parse(t.input, rawInput, `input of task \`${t.name}\` (key \`${key}\`)`);
      } catch (error) {
        await this.transitionTask(exec, call, 'Failed', { reason: 'invalid input', patch: { endedAt: this.clock.now() }, error: serializeError(error) });
        throw error;
      }
      const result = await this.taskAttempts(exec, scope, call, t, input, policy);
      finalState = 'Completed';
      return result;
    } catch (error) {
      finalState = call.state ?? 'Failed';
      throw error;
    } finally {
      exec.calls.delete(call.taskRunId);
      const attrs = this.taskMetricAttributes(exec.flow.name, t.name, finalState);
      this.metrics.tasks.add(1, attrs);
      this.metrics.taskDuration.record(this.clock.now() - startedAt, attrs);
    }
  }

  private taskMetricAttributes(flowName: string, taskName: string, state: RunState): Attributes {
    let byTask = this.taskAttributes.get(flowName);
    if (!byTask) this.taskAttributes.set(flowName, (byTask = new Map()));
    let byState = byTask.get(taskName);
    if (!byState) byTask.set(taskName, (byState = new Map()));
    let attrs = byState.get(state);
    if (!attrs) {
      attrs = { [SpanAttribute.FlowName]: flowName, [SpanAttribute.TaskName]: taskName, [SpanAttribute.State]: state };
      byState.set(state, attrs);
    }
    return attrs;
  }

  /** Ends a task call interrupted by its scope's abort: `Crashed` on shutdown, else `Cancelled`; throws the reason. */
  private async cancelTask(exec: RunExecution, scope: AttemptScope, call: CallState): Promise<never> {
    const shutdown = isShutdown(scope.signal);
    const error: unknown = shutdown ? scope.signal.reason : cancelledError(scope.signal, exec.id);
    call.waitingFor = null;
    // Interrupted by a shutdown, the task is unfinished (resumed later), not cancelled.
    await this.transitionTask(exec, call, shutdown ? 'Crashed' : 'Cancelled', {
      reason: shutdown ? 'shutdown' : 'cancelled',
      patch: { endedAt: this.clock.now(), nextRetryAt: null },
      error: serializeError(error),
    }).catch(noop);
    throw error;
  }

  private async taskAttempts(exec: RunExecution, scope: AttemptScope, call: CallState, t: Task<unknown, unknown>, input: unknown, policy: RetryPolicy): Promise<unknown> {
    let errors: unknown[] | undefined;
    let previousDelay: number | undefined;
    for (;;) {
      let release: () => void;
      try {
        const acquired = this.limits.acquireTask(call.taskRunId, t.options.tags, scope.signal, call);
        release = typeof acquired === 'function' ? acquired : await acquired;
      } catch {
        return this.cancelTask(exec, scope, call);
      }
      let outcome: AttemptOutcome<unknown>;
      const attempt = call.attempt + 1;
      try {
        call.attempt = attempt;
        const running = {
          reason: attempt > 1 ? `attempt ${attempt}` : null,
          patch: attempt === 1 ? { attempt, nextRetryAt: null, startedAt: this.clock.now() } : { attempt, nextRetryAt: null },
        };
        // An atMostOnce task starts only once its `Running` is stored.
        if (t.options.atMostOnce) await this.transitionTask(exec, call, 'Running', running);
        else this.postTaskTransition(exec, call, 'Running', running);
        outcome = await this.runTaskAttempt(exec, scope, call, t, input, attempt);
      } finally {
        release();
      }
      if (outcome.ok) {
        let result: Json = null;
        try {
          if (t.options.persistResult) result = toJson(outcome.value, `the result of task \`${t.name}\``);
        } catch (error) {
          outcome = { ok: false, error };
        }
        if (outcome.ok) {
          await this.transitionTask(exec, call, 'Completed', {
            reason: 'completed',
            patch: { result, resultPersisted: t.options.persistResult, endedAt: this.clock.now(), error: null },
          });
          return outcome.value;
        }
      }
      const error = outcome.error;
      errors ??= [];
      errors.push(error);
      if (scope.signal.aborted) return this.cancelTask(exec, scope, call);
      const classification = resolveClassification(error, this.options.classifyError);
      const decision = decideRetry(policy, error, errors.length, classification, this.options.random, {
        ...(previousDelay === undefined ? {} : { previousDelayMs: previousDelay }),
      });
      const serialized = serializeError(error, classification);
      if (!decision.retry) {
        const final = this.finalError(error, errors, decision.reason, `Task \`${t.name}\` (key \`${call.taskKey}\`)`, exec.id, t.name);
        await this.transitionTask(exec, call, 'Failed', {
          reason: decision.reason,
          patch: { endedAt: this.clock.now() },
          error: serializeError(final, classification),
        });
        throw final;
      }
      const retryAt = this.clock.now() + decision.delayMs;
      call.waitingFor = { kind: 'retry', attempt: attempt + 1, retryAt };
      this.postTaskTransition(exec, call, 'Retrying', {
        reason: `attempt ${attempt} failed: ${serialized.message}`,
        patch: { nextRetryAt: retryAt },
        error: serialized,
      });
      this.emitRetry(
        'task:retry',
        { runId: exec.id, flowName: exec.flow.name, taskRunId: call.taskRunId, taskKey: call.taskKey, taskName: call.taskName, attempt, delayMs: decision.delayMs, retryAt, error: serialized },
        exec.span,
      );
      try {
        await sleep(this.clock, decision.delayMs, scope.signal);
      } catch {
        return this.cancelTask(exec, scope, call);
      }
      call.waitingFor = null;
      previousDelay = decision.delayMs;
    }
  }

  private async runTaskAttempt(exec: RunExecution, scope: AttemptScope, call: CallState, t: Task<unknown, unknown>, input: unknown, attempt: number): Promise<AttemptOutcome<unknown>> {
    const ctx = new AttemptContext(this.attemptHost, exec, call, attempt, scope.signal);
    const timeout = t.options.timeout;
    const timer =
      timeout === undefined
        ? undefined
        : this.clock.setTimeout(() => {
            ctx.abort(
              new TimeoutError(`Task \`${t.name}\` (key \`${call.taskKey}\`) attempt ${attempt} timed out after ${timeout} ms`, timeout, {
                runId: exec.id,
                taskName: t.name,
              }),
            );
          }, timeout);
    // With a timeout the attempt has its own signal from the start (the timer aborts it);
    // without, the scope's signal decides and `ctx.signal` is made only if the body reads it.
    const decider = timeout === undefined ? scope.signal : ctx.signal;
    // No tracer provider: the run's span is the API's no-op span, and task spans would be too.
    let span: Span | undefined;
    if (exec.tracing) {
      const links: Link[] = call.lastSpanContext ? [{ context: call.lastSpanContext, attributes: { [SpanAttribute.Attempt]: attempt - 1 } }] : [];
      span = this.tracer.startSpan(
        SpanName.TaskAttempt,
        {
          attributes: {
            [SpanAttribute.FlowName]: exec.flow.name,
            [SpanAttribute.RunId]: exec.id,
            [SpanAttribute.TaskName]: t.name,
            [SpanAttribute.TaskKey]: call.taskKey,
            [SpanAttribute.TaskRunId]: call.taskRunId,
            [SpanAttribute.Attempt]: attempt,
          },
          links,
        },
        exec.spanContext,
      );
      call.span = span;
    }
    let state: RunState = 'Completed';
    try {
      const body = span ? otelContext.with(trace.setSpan(exec.spanContext, span), invokeTask, undefined, t, ctx, input) : invokeTask(t, ctx, input);
      const value = await raceAbort(body, decider);
      return { ok: true, value };
    } catch (thrown) {
      const error: unknown = decider.aborted ? decider.reason : thrown;
      state = error instanceof ShutdownError ? 'Crashed' : error instanceof CancelledError ? 'Cancelled' : 'Failed';
      if (state === 'Failed' && span) {
        markSpanError(span, error);
        span.setAttribute(SpanAttribute.ErrorCategory, resolveClassification(error, this.options.classifyError).category);
      }
      return { ok: false, error };
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
      ctx.dispose();
      if (span) {
        span.setAttribute(SpanAttribute.State, state);
        span.end();
        call.span = undefined;
        call.lastSpanContext = span.spanContext();
      }
    }
  }

  /** What task attempts' contexts call back into. */
  private readonly attemptHost: AttemptHost = {
    logger: (exec, call) => this.logger(exec, call),
    progress: (exec, call, progress) => {
      if (typeof progress !== 'object' || progress === null || typeof progress.done !== 'number') {
        invalid('progress', 'an object { done: number, total?: number, unit?: string }', progress);
      }
      const at = this.clock.now();
      const p: Progress = { done: progress.done, ...(progress.total !== undefined ? { total: progress.total } : {}), ...(progress.unit !== undefined ? { unit: progress.unit } : {}) };
      this.post({ type: 'setTaskProgress', taskRunId: call.taskRunId, progress: p, at });
      this.emit('run:progress', { ...p, runId: exec.id, flowName: exec.flow.name, taskRunId: call.taskRunId, taskKey: call.taskKey, taskName: call.taskName, at });
    },
    getCheckpoint: async (exec, call, key) => {
      if (call.checkpoints?.has(key)) return call.checkpoints.get(key);
      await this.batcher.flush();
      return this.store.getCheckpoint(exec.id, call.taskKey, key);
    },
    setCheckpoint: async (exec, call, key, value) => {
      const json = toJson(value, `checkpoint \`${key}\``);
      (call.checkpoints ??= new Map()).set(key, json);
      await this.write({ type: 'setCheckpoint', checkpoint: { runId: exec.id, taskKey: call.taskKey, key, value: json, now: this.clock.now() } });
    },
  };

  // ------------------------------------------------------------------ internals: sub-flows

  private callFlow(exec: RunExecution, scope: AttemptScope, def: Flow<unknown, unknown>, rawParams: unknown, key: string): Promise<unknown> {
    if (scope.signal.aborted) return Promise.reject(scope.signal.reason);
    const promise = scope.track(this.executeChild(exec, scope, def, rawParams, key));
    promise.catch(noop);
    return promise;
  }

  private async executeChild(exec: RunExecution, scope: AttemptScope, def: Flow<unknown, unknown>, rawParams: unknown, key: string): Promise<unknown> {
    const prior = exec.priorTasks?.get(key);
    const stepError = prior && priorStepError(exec.id, key, prior, def.name, 'flow', false);
    if (stepError) throw stepError;
    if (prior?.state === 'Completed') return prior.result;
    const call = this.newCall(exec, scope, def.name, key, 'flow', 1, def.options.tags, false);
    try {
      let params: unknown;
      try {
        params = await this.parse(def.params, rawParams, `params of sub-flow \`${def.name}\` (key \`${key}\`)`);
      } catch (error) {
        await this.transitionTask(exec, call, 'Failed', { reason: 'invalid params', patch: { endedAt: this.clock.now() }, error: serializeError(error) });
        throw error;
      }
      const childId = randomUUID();
      const now = this.clock.now();
      void this.write({
        type: 'createRun',
        run: {
          id: childId,
          flowName: def.name,
          params: redact(rawParams, this.options.redactKeys, `params of flow \`${def.name}\``),
          state: 'Pending',
          parentRunId: exec.id,
          parentTaskKey: key,
          queue: exec.queue,
          tags: [...def.options.tags],
          leaseOwner: this.id,
          leaseExpiresAt: now + this.options.leaseMs,
          now,
          reason: 'sub-flow',
        },
      });
      call.childRunId = childId;
      call.attempt = 1;
      call.waitingFor = { kind: 'child_run', runId: childId };
      void this.transitionTask(exec, call, 'Running', { reason: 'sub-flow started', patch: { attempt: 1, startedAt: now, childRunId: childId } });
      const child = new RunExecution(childId, def, params, null, exec.queue, exec, exec.spanContext, scope.signal, (s) => s.reason);
      exec.children.add(child);
      this.launch(child, exec.id, { from: null, reason: 'started' });
      try {
        const value = await child.promise;
        await this.transitionTask(exec, call, 'Completed', {
          reason: 'completed',
          patch: { result: toJson(value, `the result of flow \`${def.name}\``), endedAt: this.clock.now() },
        });
        return value;
      } catch (error) {
        const shutdown = isShutdown(scope.signal);
        const cancelled = scope.signal.aborted || error instanceof CancelledError;
        await this.transitionTask(exec, call, shutdown ? 'Crashed' : cancelled ? 'Cancelled' : 'Failed', {
          reason: shutdown ? 'shutdown' : cancelled ? 'cancelled' : 'sub-flow failed',
          patch: { endedAt: this.clock.now() },
          error: serializeError(error),
        });
        throw error;
      } finally {
        exec.children.delete(child);
      }
    } finally {
      exec.calls.delete(call.taskRunId);
    }
  }

  // ------------------------------------------------------------------ internals: status

  private localStatus(exec: RunExecution): RunStatus {
    const waitingFor: WaitReason[] = [];
    const description: string[] = [];
    const who = `run ${exec.id}`;
    if (exec.waitingFor) {
      const w = this.limits.refresh(exec.waitingFor);
      waitingFor.push(w);
      description.push(describeWait(who, w));
    }
    const tasks: TaskStatus[] = [];
    const running: string[] = [];
    for (const call of exec.calls.values()) {
      const w = call.waitingFor ? this.limits.refresh(call.waitingFor) : null;
      tasks.push({ taskRunId: call.taskRunId, taskKey: call.taskKey, taskName: call.taskName, state: call.state, attempt: call.attempt, waitingFor: w });
      if (w) {
        waitingFor.push(w);
        description.push(describeWait(`task ${call.taskKey}`, w));
      } else if (call.state === 'Running') running.push(call.taskKey);
    }
    if (running.length > 0) {
      const w: WaitReason = { kind: 'tasks', taskKeys: running };
      waitingFor.push(w);
      description.push(describeWait(who, w));
    }
    return { runId: exec.id, flowName: exec.flow.name, state: exec.state, attempt: exec.attempt, local: true, waitingFor, tasks, description };
  }
}

/** Arguments after the flow of `engine.start` / `engine.run`: params optional when the flow takes none. */
export type StartArgs<P> = undefined extends P ? [params?: NoInfer<P>, options?: StartOptions] : [params: NoInfer<P>, options?: StartOptions];

/**
 * Creates an engine.
 *
 * @example
 * ```ts
 * const engine = createEngine({ concurrency: 8, tags: { salesforce: 2 }, rateLimits: { salesforce: { limit: 100, intervalMs: 60_000 } } });
 * engine.on('flow:state', (e) => console.log(e.runId, e.from, '→', e.to));
 * const result = await engine.run(nightly, {});
 * await engine.stop();
 * ```
 */
export function createEngine(options: EngineOptions = {}): Engine {
  return new Engine(options);
}
