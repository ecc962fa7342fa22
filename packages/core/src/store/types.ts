/**
 * The `Store` contract: everything the engine persists, designed for several processes sharing
 * one store (SPEC §2.4, §2.6, §2.9, §9).
 *
 * Rules every implementation follows (the contract suite in `@vms/flow-core/testing` checks them):
 * - **Every method call is atomic.** A store backed by a database runs each call (and each
 *   {@link Store.applyBatch} call as a whole) in one transaction. Nothing the engine needs to be
 *   atomic spans two calls: claiming a run sets its lease and its state together; a transition
 *   writes the new state and its history row together; claiming a schedule slot can create the
 *   slot's run in the same step.
 * - **Time is passed in.** Methods that compare against "now" take `now` (epoch ms) from the
 *   engine's clock, so a manual clock drives leases and schedules in tests and several processes
 *   agree on one time source per call. Stores never call `Date.now()` for contract semantics.
 * - **Ids are made by the engine** (`crypto.randomUUID()`), so writes can be batched without a
 *   round trip to learn an id.
 * - **Compare-and-set, not read-then-write.** Transitions carry the states they expect to leave
 *   (and optionally the lease owner); a mismatch is reported in the result, never thrown, so one
 *   stale write cannot abort a batch of good ones.
 * - **JSON only.** Params, results, errors, fields, checkpoints and schedule specs are
 *   JSON-serialisable values ({@link Json}); a store may keep them as text.
 * - **Timestamps are epoch milliseconds** (`number`).
 *
 * A PostgreSQL store implements {@link Store.claimNextRun} with `SELECT … FOR UPDATE SKIP LOCKED`
 * and {@link Store.acquireSlot} with a row lock on the slot key (or an advisory lock); SQLite uses
 * `BEGIN IMMEDIATE`; {@link MemoryStore} is single-threaded so plain code is atomic.
 */
import type { ErrorCategory } from '../errors.js';
import type { RunState } from '../states.js';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** An error as stored: plain data, never an `Error` instance. */
export interface SerializedError {
  /** The error's class name, e.g. `TimeoutError`. */
  name: string;
  message: string;
  /** `FlowError.code`, when the error had one. */
  code?: string;
  /** The category `classifyError` gave it. */
  category?: ErrorCategory;
  /** Whether the engine considered it retryable. */
  retryable?: boolean;
  stack?: string;
  /** Each attempt's error, oldest first (for `RetriesExhaustedError`). */
  attempts?: SerializedError[];
  /** The error's `cause`, serialised. */
  cause?: SerializedError;
}

/** Task or run progress as reported through `ctx.progress`. */
export interface Progress {
  /** Units done so far. */
  done: number;
  /** Units in total, when known. */
  total?: number;
  /** What a unit is, e.g. `records`. */
  unit?: string;
}

/**
 * What a run (or task) currently waits for; answers "why is my run not running?" (SPEC §2.5).
 * Stored on the run as {@link FlowRunRecord.waitingFor} and returned by `engine.status`.
 */
export type WaitReason =
  | {
      kind: 'concurrency';
      /** Which limit: the engine-wide one, a queue's, or a tag's. */
      scope: 'engine' | 'queue' | 'tag';
      /** Queue or tag name (`'*'` for the engine-wide limit). */
      key: string;
      limit: number;
      inUse: number;
      /** Who holds the slots: task run ids (or run ids for queue slots). */
      holders: string[];
    }
  | { kind: 'rate_limit'; key: string; limit: number; intervalMs: number }
  | { kind: 'queue'; queue: string; position: number }
  | { kind: 'retry'; attempt: number; retryAt: number }
  | { kind: 'schedule'; runAt: number }
  | { kind: 'tasks'; taskKeys: string[] }
  | { kind: 'child_run'; runId: string };

// ---------------------------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------------------------

/** One flow run. */
export interface FlowRunRecord {
  id: string;
  flowName: string;
  /** Validated params, secrets redacted by the engine before they reach the store. */
  params: Json;
  state: RunState;
  /** Reason given with the last transition (e.g. `lease expired`). */
  stateReason: string | null;
  /** What the run waits for right now, or `null`. */
  waitingFor: WaitReason | null;
  /** The run that started this one as a sub-flow, or `null` for a top-level run. */
  parentRunId: string | null;
  /** The parent's task key of the `ctx.run` call that started this sub-flow. */
  parentTaskKey: string | null;
  /** Unique per `flowName` when set: a second `createRun` with it returns the first run. */
  idempotencyKey: string | null;
  /** Work queue the run belongs to. @default 'default' */
  queue: string;
  /** Higher runs first among claimable runs. @default 0 */
  priority: number;
  /** Earliest time (epoch ms) the run may be claimed. */
  runAt: number;
  /** Flow-level attempt number, starting at 1; a resume after a crash increments it. */
  attempt: number;
  /** Process/engine id holding the run, or `null`. */
  leaseOwner: string | null;
  /** When the lease lapses (epoch ms) unless extended, or `null` when not leased. */
  leaseExpiresAt: number | null;
  tags: string[];
  /** Schedule that created the run, and the slot it fired for. */
  scheduleName: string | null;
  scheduledFor: number | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  endedAt: number | null;
  /** The flow's return value when `Completed` (and persisted). */
  result: Json | null;
  error: SerializedError | null;
}

/** One task run: a `ctx.run` call of a task inside a flow run, across all its attempts. */
export interface TaskRunRecord {
  id: string;
  runId: string;
  /**
   * Deterministic key inside the run: the explicit `key` option, or `"<task name>#<n>"` where n
   * is the call order of that task name in the run (1-based). Unique per run.
   */
  taskKey: string;
  taskName: string;
  state: RunState;
  stateReason: string | null;
  /** Attempts started so far (0 before the first starts). */
  attempt: number;
  /** Total attempts allowed (`retries + 1`). */
  maxAttempts: number;
  /** The next attempt's start time while `Retrying`. */
  nextRetryAt: number | null;
  /** Result when `Completed` and the task persists results. */
  result: Json | null;
  /** False when the task declared `persistResult: false` (so `result` is not the real value). */
  resultPersisted: boolean;
  error: SerializedError | null;
  progress: Progress | null;
  /** For a sub-flow call: the child flow run's id. */
  childRunId: string | null;
  tags: string[];
  /** True when the task asked for at-most-once execution (SPEC §2.4). */
  atMostOnce: boolean;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  endedAt: number | null;
}

/** One stored state transition. */
export interface StateHistoryRecord {
  /** Monotonic id (insertion order). */
  seq: number;
  entity: 'flow' | 'task';
  runId: string;
  /** Set for task transitions. */
  taskRunId: string | null;
  taskKey: string | null;
  from: RunState | null;
  to: RunState;
  /** Attempt number at the time of the transition. */
  attempt: number;
  at: number;
  reason: string | null;
}

/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One stored log line of a run. */
export interface LogRecord {
  seq: number;
  runId: string;
  taskRunId: string | null;
  level: LogLevel;
  message: string;
  fields: JsonObject | null;
  at: number;
}

/** A checkpoint value of one task in one run. */
export interface CheckpointRecord {
  runId: string;
  taskKey: string;
  key: string;
  value: Json;
  updatedAt: number;
}

/** A stored schedule and its slot bookkeeping. */
export interface ScheduleRecord {
  name: string;
  flowName: string;
  /** The schedule's definition (cron/interval/time zone/params/policies), as the scheduler wrote it. */
  spec: Json;
  /** The next slot to fire (epoch ms), or `null` when the schedule has no future slot. */
  nextSlot: number | null;
  /** The last slot fired, or `null`. */
  lastSlot: number | null;
  paused: boolean;
  createdAt: number;
  updatedAt: number;
}

/** A concurrency slot held in the store (cross-process limits). */
export interface SlotRecord {
  /** Limit key, e.g. `tag:salesforce` or `queue:default`. */
  key: string;
  /** Who holds it: a task run id or run id. */
  holder: string;
  /** The run the holder belongs to (for release on cancel/crash). */
  runId: string;
  /** Process/engine id that acquired it. */
  owner: string;
  acquiredAt: number;
  /** The slot lapses at this time unless re-acquired (crash safety), or `null` for never. */
  expiresAt: number | null;
}

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/** Input of {@link Store.createRun}. */
export interface NewFlowRun {
  id: string;
  flowName: string;
  params: Json;
  /** `Scheduled` for queued/enqueued runs, `Pending` for runs started in-process. */
  state: 'Scheduled' | 'Pending';
  parentRunId?: string | null;
  parentTaskKey?: string | null;
  idempotencyKey?: string | null;
  /** @default 'default' */
  queue?: string;
  /** @default 0 */
  priority?: number;
  /** @default now */
  runAt?: number;
  tags?: string[];
  scheduleName?: string | null;
  scheduledFor?: number | null;
  /** Lease the run at creation (a run started in-process). */
  leaseOwner?: string | null;
  leaseExpiresAt?: number | null;
  now: number;
  reason?: string | null;
}

/** Fields a run transition may set along with the state. Omitted fields are left unchanged. */
export interface FlowRunPatch {
  attempt?: number;
  result?: Json | null;
  error?: SerializedError | null;
  startedAt?: number | null;
  endedAt?: number | null;
  waitingFor?: WaitReason | null;
  leaseOwner?: string | null;
  leaseExpiresAt?: number | null;
  runAt?: number;
}

/** Input of {@link Store.transitionRun}: compare-and-set of a run's state plus a history row. */
export interface RunTransition {
  runId: string;
  to: RunState;
  /** The states the run must be in; otherwise the result is `state_mismatch`. Omit for any. */
  from?: readonly RunState[];
  /** When set, the run's `leaseOwner` must equal it; otherwise `lease_mismatch`. */
  owner?: string;
  at: number;
  reason?: string | null;
  patch?: FlowRunPatch;
}

/** Why a compare-and-set write did not apply. */
export type CasFailure = 'not_found' | 'state_mismatch' | 'lease_mismatch' | 'illegal_transition';

/** Result of {@link Store.transitionRun}. */
export type RunTransitionResult =
  | { ok: true; run: FlowRunRecord }
  | { ok: false; reason: CasFailure; run: FlowRunRecord | undefined };

/**
 * Input of {@link Store.upsertTaskRun}: inserts the task run for `(runId, taskKey)` if there is
 * none (writing a history row `null → state`), otherwise returns the existing one unchanged
 * (first write wins, so a resumed run keeps its stored task runs).
 */
export interface NewTaskRun {
  id: string;
  runId: string;
  taskKey: string;
  taskName: string;
  state: RunState;
  maxAttempts: number;
  tags?: string[];
  atMostOnce?: boolean;
  childRunId?: string | null;
  now: number;
  reason?: string | null;
}

/** Fields a task transition may set along with the state. Omitted fields are left unchanged. */
export interface TaskRunPatch {
  attempt?: number;
  maxAttempts?: number;
  nextRetryAt?: number | null;
  result?: Json | null;
  resultPersisted?: boolean;
  error?: SerializedError | null;
  startedAt?: number | null;
  endedAt?: number | null;
  progress?: Progress | null;
  childRunId?: string | null;
}

/** Input of {@link Store.transitionTask}. */
export interface TaskTransition {
  taskRunId: string;
  to: RunState;
  /** The states the task run must be in; otherwise `state_mismatch`. Omit for any. */
  from?: readonly RunState[];
  at: number;
  reason?: string | null;
  patch?: TaskRunPatch;
}

/** Result of {@link Store.transitionTask}. */
export type TaskTransitionResult =
  | { ok: true; taskRun: TaskRunRecord }
  | { ok: false; reason: CasFailure; taskRun: TaskRunRecord | undefined };

/** Input of {@link Store.appendLogs} (one line; `seq` is assigned by the store). */
export interface NewLog {
  runId: string;
  taskRunId?: string | null;
  level: LogLevel;
  message: string;
  fields?: JsonObject | null;
  at: number;
}

/** Input of {@link Store.setCheckpoint}. */
export interface CheckpointWrite {
  runId: string;
  taskKey: string;
  key: string;
  value: Json;
  now: number;
}

/** One write in an {@link Store.applyBatch} call. */
export type StoreOp =
  | { type: 'createRun'; run: NewFlowRun }
  | { type: 'transitionRun'; transition: RunTransition }
  | { type: 'upsertTaskRun'; taskRun: NewTaskRun }
  | { type: 'transitionTask'; transition: TaskTransition }
  | { type: 'setTaskProgress'; taskRunId: string; progress: Progress; at: number }
  | { type: 'appendLogs'; logs: readonly NewLog[] }
  | { type: 'setCheckpoint'; checkpoint: CheckpointWrite };

/** The result of one {@link StoreOp}, in the same position as the op. */
export type StoreOpResult =
  | { type: 'createRun'; run: FlowRunRecord; created: boolean }
  | { type: 'transitionRun'; result: RunTransitionResult }
  | { type: 'upsertTaskRun'; taskRun: TaskRunRecord; created: boolean }
  | { type: 'transitionTask'; result: TaskTransitionResult }
  | { type: 'setTaskProgress'; ok: boolean }
  | { type: 'appendLogs'; count: number }
  | { type: 'setCheckpoint' };

/** Input of {@link Store.claimNextRun}. */
export interface ClaimOptions {
  /** Engine/process id that will hold the lease. Required. */
  owner: string;
  /** Lease length in ms from `now`. Required. */
  leaseMs: number;
  /** The current time, epoch ms (time is passed in, never read by the store). Required. */
  now: number;
  /** Only claim from these queues. Omit for every queue. @default every queue */
  queues?: readonly string[];
  /** Only claim runs of these flows (the ones this worker knows). Omit for any. @default any flow */
  flowNames?: readonly string[];
  /**
   * A run claimed more than this many ms after its `runAt` enters `Late` instead of `Pending`.
   * Omit to never mark runs late.
   * @default none (never late)
   */
  lateAfterMs?: number;
}

/** Input of {@link Store.extendLease}. */
export interface LeaseExtension {
  runId: string;
  owner: string;
  leaseMs: number;
  now: number;
}

/** Input of {@link Store.acquireSlot}. */
export interface SlotRequest {
  key: string;
  /** Max holders of `key` at once (unexpired slots count). */
  limit: number;
  holder: string;
  runId: string;
  owner: string;
  now: number;
  /** Slot lifetime in ms (renew by acquiring again), or omit for no expiry. */
  ttlMs?: number;
}

/** Input of {@link Store.upsertSchedule}. */
export interface ScheduleUpsert {
  name: string;
  flowName: string;
  spec: Json;
  /**
   * First slot for a new schedule. For an existing one it is applied only with `resetSlot`, so
   * re-registering a schedule at start-up never loses or repeats a slot.
   */
  nextSlot: number | null;
  /** Replace the stored `nextSlot` of an existing schedule (after its spec changed). @default false */
  resetSlot?: boolean;
  /** Set the paused flag; omit to keep the stored one (new schedules start unpaused). */
  paused?: boolean;
  now: number;
}

/** Input of {@link Store.claimScheduleSlot}. */
export interface ScheduleSlotClaim {
  name: string;
  /** The slot being fired; must equal the stored `nextSlot`, else the claim fails. */
  slot: number;
  /** The slot after it (or `null` when there is none). */
  nextSlot: number | null;
  /**
   * What to store as `lastSlot`: the last slot this claim handled (when one claim jumps over
   * several skipped slots, the last of them). @default slot
   */
  lastSlot?: number | null;
  now: number;
  /** A run to create in the same atomic step (so a crash cannot fire a slot without its run). */
  run?: NewFlowRun;
}

/** Result of {@link Store.claimScheduleSlot}. */
export type ScheduleSlotClaimResult =
  | { claimed: true; schedule: ScheduleRecord; run: FlowRunRecord | undefined }
  | { claimed: false; schedule: ScheduleRecord | undefined };

/** Filters of {@link Store.listRuns}. Newest first (`createdAt` desc, then `id` desc). */
export interface ListRunsQuery {
  flowName?: string;
  state?: RunState | readonly RunState[];
  queue?: string;
  /** Only runs created at or after this time (epoch ms). */
  since?: number;
  /** Only runs created before this time (epoch ms). */
  until?: number;
  /** `null` for top-level runs only; a run id for that run's children. Omit for all. */
  parentRunId?: string | null;
  /** Only runs created by this schedule. */
  scheduleName?: string;
  /** Page size. @default 50 */
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

/** A page of results. */
export interface Page<T> {
  items: T[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** One run with everything a detail view shows. */
export interface RunDetail {
  run: FlowRunRecord;
  taskRuns: TaskRunRecord[];
  logs: LogRecord[];
  history: StateHistoryRecord[];
  children: FlowRunRecord[];
}

/** Input of {@link Store.stats}. */
export interface StatsQuery {
  /** Period start (epoch ms, inclusive), on `createdAt`. */
  since: number;
  /** Period end (epoch ms, exclusive). @default no end */
  until?: number;
  flowName?: string;
  /** Split the period into buckets of this many ms (for charts). @default one bucket */
  bucketMs?: number;
}

/** Run statistics of one flow in one period (bucket). */
export interface FlowStats {
  flowName: string;
  /** Start of the bucket (epoch ms); equals `since` without `bucketMs`. */
  periodStart: number;
  total: number;
  completed: number;
  failed: number;
  cancelled: number;
  crashed: number;
  /** completed / (runs that ended), 0..1; `null` when none ended. */
  successRate: number | null;
  /** Over ended runs with both `startedAt` and `endedAt`; `null` when none. */
  minDurationMs: number | null;
  avgDurationMs: number | null;
  maxDurationMs: number | null;
  /** Failed/crashed runs by `error.code ?? error.name`. */
  errorTypes: Record<string, number>;
}

/** Input of {@link Store.prune}. */
export interface PruneOptions {
  /** Delete ended runs (final states or `Crashed`) whose `endedAt ?? createdAt` is older than this many days. Required. */
  olderThanDays: number;
  /** The current time, epoch ms (the age is measured from it). Required. */
  now: number;
}

/** What {@link Store.prune} deleted. */
export interface PruneResult {
  runs: number;
  taskRuns: number;
  logs: number;
  checkpoints: number;
  history: number;
}

/** What a store can do; lets the engine and tests adapt. */
export interface StoreCapabilities {
  /** Survives the process (SQLite, PostgreSQL). */
  durable: boolean;
  /** Safe for several processes at once (claims, leases, slots are enforced by the store). */
  multiProcess: boolean;
}

// ---------------------------------------------------------------------------------------------
// The contract
// ---------------------------------------------------------------------------------------------

/**
 * Persistence for the engine. See the module doc for the rules; every method is one atomic step.
 */
export interface Store {
  readonly capabilities: StoreCapabilities;

  /**
   * Applies the ops in order, all in one atomic step (one transaction): either all apply or,
   * when one throws, none. CAS mismatches do not throw; they are reported in the results.
   * The engine coalesces its writes of one tick into one call (SPEC §7).
   */
  applyBatch(ops: readonly StoreOp[]): Promise<StoreOpResult[]>;

  // --- runs ---
  /** Creates a run (history row `null → state`), or returns the existing run of `(flowName, idempotencyKey)`. */
  createRun(run: NewFlowRun): Promise<{ run: FlowRunRecord; created: boolean }>;
  getRun(runId: string): Promise<FlowRunRecord | undefined>;
  /** Finds a run by `(flowName, idempotencyKey)`. */
  findRunByIdempotencyKey(flowName: string, key: string): Promise<FlowRunRecord | undefined>;
  /** Compare-and-set of a run's state, with the patch and a history row, atomically. */
  transitionRun(transition: RunTransition): Promise<RunTransitionResult>;
  listRuns(query?: ListRunsQuery): Promise<Page<FlowRunRecord>>;
  /** A run with its task runs, logs (oldest first, up to `logLimit`), history and child runs. */
  getRunDetail(runId: string, options?: { logLimit?: number }): Promise<RunDetail | undefined>;

  // --- queue and leases ---
  /**
   * Atomically picks the best claimable run and leases it: state `Scheduled`, `runAt <= now`,
   * in `queues`/`flowNames` when given, highest `priority` first, then earliest `runAt`, then
   * earliest `createdAt`. Sets `leaseOwner`, `leaseExpiresAt = now + leaseMs` and moves it to
   * `Pending` (or `Late`, see {@link ClaimOptions.lateAfterMs}) with a history row.
   * Two concurrent callers never get the same run.
   */
  claimNextRun(options: ClaimOptions): Promise<FlowRunRecord | undefined>;
  /** Extends the lease if `owner` still holds it and it has not been taken over; false otherwise. */
  extendLease(extension: LeaseExtension): Promise<boolean>;
  /** Clears the lease if `owner` holds it; false otherwise. */
  releaseLease(runId: string, owner: string): Promise<boolean>;
  /** Runs in an active state ({@link ACTIVE_STATES}) whose lease expired before `now`, oldest first. */
  findExpiredLeases(now: number, limit?: number): Promise<FlowRunRecord[]>;
  /** Scheduled runs ahead of `runId` in its queue (0 = next), or `undefined` when it is not queued. */
  queuePosition(runId: string, now: number): Promise<number | undefined>;

  // --- task runs ---
  /** Inserts the task run of `(runId, taskKey)` or returns the existing one (first write wins). */
  upsertTaskRun(taskRun: NewTaskRun): Promise<{ taskRun: TaskRunRecord; created: boolean }>;
  /** Compare-and-set of a task run's state, with the patch and a history row, atomically. */
  transitionTask(transition: TaskTransition): Promise<TaskTransitionResult>;
  setTaskProgress(taskRunId: string, progress: Progress, at: number): Promise<boolean>;
  getTaskRun(taskRunId: string): Promise<TaskRunRecord | undefined>;
  /** Task runs of a run, in creation order. */
  getTaskRunsByRun(runId: string): Promise<TaskRunRecord[]>;
  /** The stored result of a `Completed` task run of `(runId, taskKey)`; `undefined` when there is none. */
  findCompletedTaskResult(
    runId: string,
    taskKey: string,
  ): Promise<{ result: Json | null; resultPersisted: boolean } | undefined>;

  // --- history and logs ---
  /** State history of a run and its task runs, oldest first. */
  getHistory(runId: string): Promise<StateHistoryRecord[]>;
  /** Appends log lines (one atomic step for the whole batch). */
  appendLogs(logs: readonly NewLog[]): Promise<void>;
  /** Logs of a run, oldest first; `afterSeq` pages on, `limit` caps. */
  getLogs(
    runId: string,
    options?: { afterSeq?: number; limit?: number; taskRunId?: string },
  ): Promise<LogRecord[]>;

  // --- checkpoints ---
  getCheckpoint(runId: string, taskKey: string, key: string): Promise<Json | undefined>;
  setCheckpoint(checkpoint: CheckpointWrite): Promise<void>;
  /** All checkpoints of a run (for inspection and `rerun`). */
  listCheckpoints(runId: string): Promise<CheckpointRecord[]>;

  // --- schedules ---
  upsertSchedule(schedule: ScheduleUpsert): Promise<ScheduleRecord>;
  getSchedule(name: string): Promise<ScheduleRecord | undefined>;
  listSchedules(): Promise<ScheduleRecord[]>;
  setSchedulePaused(name: string, paused: boolean, now: number): Promise<ScheduleRecord | undefined>;
  deleteSchedule(name: string): Promise<boolean>;
  /**
   * Compare-and-set of `nextSlot`: succeeds only when the stored `nextSlot === slot` (so two
   * processes never fire one slot twice); sets `lastSlot = slot`, `nextSlot`, and creates `run`
   * in the same atomic step.
   */
  claimScheduleSlot(claim: ScheduleSlotClaim): Promise<ScheduleSlotClaimResult>;

  // --- concurrency slots (cross-process limits) ---
  /**
   * Takes a slot of `key` if fewer than `limit` unexpired slots are held (re-acquiring a slot
   * the holder already has renews it and succeeds). Atomic across processes.
   */
  acquireSlot(request: SlotRequest): Promise<boolean>;
  releaseSlot(key: string, holder: string): Promise<boolean>;
  /** Releases every slot a run's holders have (on cancel and crash recovery); returns how many. */
  releaseSlotsOfRun(runId: string): Promise<number>;
  /** Unexpired slots, optionally of one key. */
  listSlots(now: number, key?: string): Promise<SlotRecord[]>;

  // --- dashboard and retention ---
  stats(query: StatsQuery): Promise<FlowStats[]>;
  /** Deletes old ended runs with their task runs, logs, checkpoints, history and slots; never schedules. */
  prune(options: PruneOptions): Promise<PruneResult>;

  /** Releases resources (database handles). Idempotent. */
  close(): Promise<void>;
}
