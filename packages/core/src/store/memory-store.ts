/**
 * `MemoryStore`: the in-process {@link Store} for tests and ephemeral use. Single-threaded, so each
 * call is atomic by construction; {@link MemoryStore.applyBatch} keeps an undo journal so a batch
 * that throws leaves nothing behind, like a rolled-back transaction.
 *
 * Records are replaced, never mutated, on update; returned records must be treated as read-only.
 */
import { FlowError, ErrorCode } from '../errors.js';
import { ACTIVE_STATES, ENDED_STATES, canTransition } from '../states.js';
import type {
  CheckpointRecord,
  CheckpointWrite,
  ClaimOptions,
  FlowRunRecord,
  FlowStats,
  Json,
  LeaseExtension,
  ListRunsQuery,
  LogRecord,
  NewFlowRun,
  NewLog,
  NewTaskRun,
  Page,
  Progress,
  PruneOptions,
  PruneResult,
  RunDetail,
  RunTransition,
  RunTransitionResult,
  ScheduleRecord,
  ScheduleSlotClaim,
  ScheduleSlotClaimResult,
  ScheduleUpsert,
  SlotRecord,
  SlotRequest,
  StateHistoryRecord,
  StatsQuery,
  Store,
  StoreCapabilities,
  StoreOp,
  StoreOpResult,
  TaskRunRecord,
  TaskTransition,
  TaskTransitionResult,
} from './types.js';

const SEP = '\u0000';
const DAY_MS = 86_400_000;

/** Encodes a `listRuns` cursor (opaque to callers). */
export function encodeRunCursor(createdAt: number, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

/** Decodes a `listRuns` cursor; throws a clear error naming the input when it is malformed. */
export function decodeRunCursor(cursor: string): [number, string] {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'number' &&
      typeof value[1] === 'string'
    ) {
      return [value[0], value[1]];
    }
  } catch {
    // fall through
  }
  throw new FlowError(ErrorCode.InvalidOption, `Expected \`cursor\` to be a cursor from listRuns, got \`${cursor}\``, {
    category: 'validation',
  });
}

/** Options of {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * Called for each batch before it applies; lets tests count flushes.
   * @default undefined
   */
  onBatch?: (ops: readonly StoreOp[]) => void;
}

/**
 * The stored record of a new task run (attempt 0, nothing stored yet). For `Store`
 * implementations, so every store creates task runs alike.
 */
export function newTaskRunRecord(input: NewTaskRun): TaskRunRecord {
  return {
    id: input.id,
    runId: input.runId,
    taskKey: input.taskKey,
    taskName: input.taskName,
    state: input.state,
    stateReason: input.reason ?? null,
    attempt: 0,
    maxAttempts: input.maxAttempts,
    nextRetryAt: null,
    result: null,
    resultPersisted: true,
    error: null,
    progress: null,
    childRunId: input.childRunId ?? null,
    tags: input.tags ?? [],
    atMostOnce: input.atMostOnce ?? false,
    createdAt: input.now,
    updatedAt: input.now,
    startedAt: null,
    endedAt: null,
  };
}

/**
 * The stored record of a new run, with every defaulted field filled in (queue `default`,
 * priority 0, `runAt` = now, attempt 1). For `Store` implementations, so every store creates
 * runs alike.
 */
export function newRunRecord(input: NewFlowRun): FlowRunRecord {
  return {
    id: input.id,
    flowName: input.flowName,
    params: input.params,
    state: input.state,
    stateReason: input.reason ?? null,
    waitingFor: null,
    parentRunId: input.parentRunId ?? null,
    parentTaskKey: input.parentTaskKey ?? null,
    idempotencyKey: input.idempotencyKey ?? null,
    queue: input.queue ?? 'default',
    priority: input.priority ?? 0,
    runAt: input.runAt ?? input.now,
    attempt: 1,
    leaseOwner: input.leaseOwner ?? null,
    leaseExpiresAt: input.leaseExpiresAt ?? null,
    tags: input.tags ?? [],
    scheduleName: input.scheduleName ?? null,
    scheduledFor: input.scheduledFor ?? null,
    createdAt: input.now,
    updatedAt: input.now,
    startedAt: null,
    endedAt: null,
    result: null,
    error: null,
  };
}

/** An in-memory {@link Store}. Not durable, one process only. */
export class MemoryStore implements Store {
  readonly capabilities: StoreCapabilities = { durable: false, multiProcess: false };

  private readonly runs = new Map<string, FlowRunRecord>();
  private readonly idempotency = new Map<string, string>();
  private readonly tasks = new Map<string, TaskRunRecord>();
  private readonly taskKeys = new Map<string, string>();
  private readonly tasksByRun = new Map<string, string[]>();
  private readonly historyByRun = new Map<string, StateHistoryRecord[]>();
  private readonly logsByRun = new Map<string, LogRecord[]>();
  private readonly checkpoints = new Map<string, CheckpointRecord>();
  private readonly schedules = new Map<string, ScheduleRecord>();
  private readonly slots = new Map<string, SlotRecord>();
  private seq = 0;
  private journal: (() => void)[] | undefined;
  private closed = false;
  private readonly onBatch: ((ops: readonly StoreOp[]) => void) | undefined;
  /** Number of `applyBatch` calls so far (for tests and benchmarks). */
  batchCount = 0;

  constructor(options: MemoryStoreOptions = {}) {
    this.onBatch = options.onBatch;
  }

  // ------------------------------------------------------------------ journaled primitives

  private setIn<K, V>(map: Map<K, V>, key: K, value: V): void {
    if (this.journal) {
      const had = map.has(key);
      const old = map.get(key);
      this.journal.push(() => {
        if (had) map.set(key, old as V);
        else map.delete(key);
      });
    }
    map.set(key, value);
  }

  private deleteIn<K, V>(map: Map<K, V>, key: K): boolean {
    if (!map.has(key)) return false;
    if (this.journal) {
      const old = map.get(key) as V;
      this.journal.push(() => map.set(key, old));
    }
    map.delete(key);
    return true;
  }

  private pushIn<T>(map: Map<string, T[]>, key: string, item: T): void {
    let list = map.get(key);
    if (!list) {
      list = [];
      this.setIn(map, key, list);
    }
    const target = list;
    target.push(item);
    if (this.journal) this.journal.push(() => void target.pop());
  }

  private nextSeq(): number {
    const before = this.seq;
    if (this.journal) this.journal.push(() => (this.seq = before));
    return ++this.seq;
  }

  private atomic<T>(fn: () => T): T {
    this.assertOpen();
    if (this.journal) return fn();
    const undo: (() => void)[] = [];
    this.journal = undo;
    try {
      const result = fn();
      this.journal = undefined;
      return result;
    } catch (error) {
      this.journal = undefined;
      for (let i = undo.length - 1; i >= 0; i--) undo[i]?.();
      throw error;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new FlowError(ErrorCode.Store, 'MemoryStore is closed', { category: 'database' });
  }

  // ------------------------------------------------------------------ batch

  async applyBatch(ops: readonly StoreOp[]): Promise<StoreOpResult[]> {
    this.batchCount++;
    this.onBatch?.(ops);
    this.assertOpen();
    // Fast path: a batch that provably cannot throw needs no undo journal.
    if (!this.mayThrow(ops)) return ops.map((op) => this.applyOp(op));
    return this.atomic(() => ops.map((op) => this.applyOp(op)));
  }

  /** True when some op of the batch could throw (so the batch needs the undo journal). */
  private mayThrow(ops: readonly StoreOp[]): boolean {
    let createdRuns: Set<string> | undefined;
    let createdTasks: Set<string> | undefined;
    for (const op of ops) {
      if (op.type === 'createRun') {
        if (this.runs.has(op.run.id) || createdRuns?.has(op.run.id)) return true;
        (createdRuns ??= new Set()).add(op.run.id);
      } else if (op.type === 'upsertTaskRun') {
        const t = op.taskRun;
        if (!this.runs.has(t.runId) && !createdRuns?.has(t.runId)) return true;
        if (this.tasks.has(t.id) || createdTasks?.has(t.id)) return true;
        (createdTasks ??= new Set()).add(t.id);
      }
    }
    return false;
  }

  private applyOp(op: StoreOp): StoreOpResult {
    switch (op.type) {
      case 'createRun':
        return { type: 'createRun', ...this.createRunSync(op.run) };
      case 'transitionRun':
        return { type: 'transitionRun', result: this.transitionRunSync(op.transition) };
      case 'upsertTaskRun':
        return { type: 'upsertTaskRun', ...this.upsertTaskRunSync(op.taskRun) };
      case 'transitionTask':
        return { type: 'transitionTask', result: this.transitionTaskSync(op.transition) };
      case 'setTaskProgress':
        return { type: 'setTaskProgress', ok: this.setTaskProgressSync(op.taskRunId, op.progress, op.at) };
      case 'appendLogs':
        return { type: 'appendLogs', count: this.appendLogsSync(op.logs) };
      case 'setCheckpoint':
        this.setCheckpointSync(op.checkpoint);
        return { type: 'setCheckpoint' };
    }
  }

  // ------------------------------------------------------------------ runs

  async createRun(run: NewFlowRun): Promise<{ run: FlowRunRecord; created: boolean }> {
    return this.atomic(() => this.createRunSync(run));
  }

  private createRunSync(input: NewFlowRun): { run: FlowRunRecord; created: boolean } {
    if (input.idempotencyKey != null) {
      const existingId = this.idempotency.get(input.flowName + SEP + input.idempotencyKey);
      const existing = existingId === undefined ? undefined : this.runs.get(existingId);
      if (existing) return { run: existing, created: false };
    }
    if (this.runs.has(input.id)) {
      throw new FlowError(ErrorCode.Store, `A run with id \`${input.id}\` already exists`, { category: 'database' });
    }
    const run = newRunRecord(input);
    this.setIn(this.runs, run.id, run);
    if (run.idempotencyKey !== null) this.setIn(this.idempotency, run.flowName + SEP + run.idempotencyKey, run.id);
    this.addHistory(run.id, null, null, null, run.state, 1, input.now, input.reason ?? null);
    return { run, created: true };
  }

  private addHistory(
    runId: string,
    taskRunId: string | null,
    taskKey: string | null,
    from: StateHistoryRecord['from'],
    to: StateHistoryRecord['to'],
    attempt: number,
    at: number,
    reason: string | null,
  ): void {
    this.pushIn(this.historyByRun, runId, {
      seq: this.nextSeq(),
      entity: taskRunId === null ? 'flow' : 'task',
      runId,
      taskRunId,
      taskKey,
      from,
      to,
      attempt,
      at,
      reason,
    });
  }

  async getRun(runId: string): Promise<FlowRunRecord | undefined> {
    this.assertOpen();
    return this.runs.get(runId);
  }

  async findRunByIdempotencyKey(flowName: string, key: string): Promise<FlowRunRecord | undefined> {
    this.assertOpen();
    const id = this.idempotency.get(flowName + SEP + key);
    return id === undefined ? undefined : this.runs.get(id);
  }

  async transitionRun(transition: RunTransition): Promise<RunTransitionResult> {
    return this.atomic(() => this.transitionRunSync(transition));
  }

  private transitionRunSync(t: RunTransition): RunTransitionResult {
    const run = this.runs.get(t.runId);
    if (!run) return { ok: false, reason: 'not_found', run: undefined };
    if (t.from && !t.from.includes(run.state)) return { ok: false, reason: 'state_mismatch', run };
    if (t.owner !== undefined && run.leaseOwner !== t.owner) return { ok: false, reason: 'lease_mismatch', run };
    if (run.state !== t.to && !canTransition(run.state, t.to)) return { ok: false, reason: 'illegal_transition', run };
    const next: FlowRunRecord = { ...run, ...t.patch, state: t.to, stateReason: t.reason ?? null, updatedAt: t.at };
    this.setIn(this.runs, run.id, next);
    if (run.state !== t.to) this.addHistory(run.id, null, null, run.state, t.to, next.attempt, t.at, t.reason ?? null);
    return { ok: true, run: next };
  }

  async listRuns(query: ListRunsQuery = {}): Promise<Page<FlowRunRecord>> {
    this.assertOpen();
    const limit = query.limit ?? 50;
    const states =
      query.state === undefined ? undefined : new Set(typeof query.state === 'string' ? [query.state] : query.state);
    const after = query.cursor === undefined ? undefined : decodeRunCursor(query.cursor);
    const matches = [...this.runs.values()]
      .filter(
        (r) =>
          (query.flowName === undefined || r.flowName === query.flowName) &&
          (states === undefined || states.has(r.state)) &&
          (query.queue === undefined || r.queue === query.queue) &&
          (query.since === undefined || r.createdAt >= query.since) &&
          (query.until === undefined || r.createdAt < query.until) &&
          (query.parentRunId === undefined || r.parentRunId === query.parentRunId) &&
          (query.scheduleName === undefined || r.scheduleName === query.scheduleName) &&
          (after === undefined || r.createdAt < after[0] || (r.createdAt === after[0] && r.id < after[1])),
      )
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    const items = matches.slice(0, limit);
    const last = items.at(-1);
    return matches.length > limit && last ? { items, nextCursor: encodeRunCursor(last.createdAt, last.id) } : { items };
  }

  async getRunDetail(runId: string, options: { logLimit?: number } = {}): Promise<RunDetail | undefined> {
    this.assertOpen();
    const run = this.runs.get(runId);
    if (!run) return undefined;
    const logs = this.logsByRun.get(runId) ?? [];
    return {
      run,
      taskRuns: this.taskRunsOf(runId),
      logs: options.logLimit === undefined ? [...logs] : logs.slice(0, options.logLimit),
      history: [...(this.historyByRun.get(runId) ?? [])],
      children: [...this.runs.values()]
        .filter((r) => r.parentRunId === runId)
        .sort((a, b) => a.createdAt - b.createdAt),
    };
  }

  // ------------------------------------------------------------------ queue and leases

  private claimable(now: number, queues?: ReadonlySet<string>, flows?: ReadonlySet<string>): FlowRunRecord[] {
    return [...this.runs.values()]
      .filter(
        (r) =>
          r.state === 'Scheduled' &&
          r.runAt <= now &&
          (queues === undefined || queues.has(r.queue)) &&
          (flows === undefined || flows.has(r.flowName)),
      )
      .sort((a, b) => b.priority - a.priority || a.runAt - b.runAt || a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  async claimNextRun(options: ClaimOptions): Promise<FlowRunRecord | undefined> {
    return this.atomic(() => {
      const queues = options.queues ? new Set(options.queues) : undefined;
      const flows = options.flowNames ? new Set(options.flowNames) : undefined;
      const run = this.claimable(options.now, queues, flows)[0];
      if (!run) return undefined;
      const late = options.lateAfterMs !== undefined && options.now - run.runAt > options.lateAfterMs;
      const result = this.transitionRunSync({
        runId: run.id,
        from: ['Scheduled'],
        to: late ? 'Late' : 'Pending',
        at: options.now,
        reason: late ? `claimed ${options.now - run.runAt} ms after its runAt` : 'claimed',
        patch: { leaseOwner: options.owner, leaseExpiresAt: options.now + options.leaseMs },
      });
      return result.ok ? result.run : undefined;
    });
  }

  async extendLease(e: LeaseExtension): Promise<boolean> {
    return this.atomic(() => {
      const run = this.runs.get(e.runId);
      if (!run || run.leaseOwner !== e.owner || ENDED_STATES.has(run.state)) return false;
      this.setIn(this.runs, run.id, { ...run, leaseExpiresAt: e.now + e.leaseMs, updatedAt: e.now });
      return true;
    });
  }

  async releaseLease(runId: string, owner: string): Promise<boolean> {
    return this.atomic(() => {
      const run = this.runs.get(runId);
      if (!run || run.leaseOwner !== owner) return false;
      this.setIn(this.runs, run.id, { ...run, leaseOwner: null, leaseExpiresAt: null });
      return true;
    });
  }

  async findExpiredLeases(now: number, limit = 100): Promise<FlowRunRecord[]> {
    this.assertOpen();
    return [...this.runs.values()]
      .filter((r) => ACTIVE_STATES.has(r.state) && r.leaseExpiresAt !== null && r.leaseExpiresAt < now)
      .sort((a, b) => (a.leaseExpiresAt ?? 0) - (b.leaseExpiresAt ?? 0))
      .slice(0, limit);
  }

  async queuePosition(runId: string, now: number): Promise<number | undefined> {
    this.assertOpen();
    const run = this.runs.get(runId);
    if (!run || run.state !== 'Scheduled') return undefined;
    const ahead = this.claimable(Math.max(now, run.runAt), new Set([run.queue]));
    const index = ahead.findIndex((r) => r.id === runId);
    return index === -1 ? undefined : index;
  }

  // ------------------------------------------------------------------ task runs

  async upsertTaskRun(taskRun: NewTaskRun): Promise<{ taskRun: TaskRunRecord; created: boolean }> {
    return this.atomic(() => this.upsertTaskRunSync(taskRun));
  }

  private upsertTaskRunSync(input: NewTaskRun): { taskRun: TaskRunRecord; created: boolean } {
    const existingId = this.taskKeys.get(input.runId + SEP + input.taskKey);
    const existing = existingId === undefined ? undefined : this.tasks.get(existingId);
    if (existing) return { taskRun: existing, created: false };
    if (!this.runs.has(input.runId)) {
      throw new FlowError(ErrorCode.NotFound, `No run \`${input.runId}\` for task run \`${input.taskKey}\``, {
        category: 'database',
        runId: input.runId,
      });
    }
    if (this.tasks.has(input.id)) {
      throw new FlowError(ErrorCode.Store, `A task run with id \`${input.id}\` already exists`, { category: 'database' });
    }
    const taskRun = newTaskRunRecord(input);
    this.setIn(this.tasks, taskRun.id, taskRun);
    this.setIn(this.taskKeys, input.runId + SEP + input.taskKey, taskRun.id);
    this.pushIn(this.tasksByRun, input.runId, taskRun.id);
    this.addHistory(input.runId, taskRun.id, taskRun.taskKey, null, taskRun.state, 0, input.now, input.reason ?? null);
    return { taskRun, created: true };
  }

  async transitionTask(transition: TaskTransition): Promise<TaskTransitionResult> {
    return this.atomic(() => this.transitionTaskSync(transition));
  }

  private transitionTaskSync(t: TaskTransition): TaskTransitionResult {
    const task = this.tasks.get(t.taskRunId);
    if (!task) return { ok: false, reason: 'not_found', taskRun: undefined };
    if (t.from && !t.from.includes(task.state)) return { ok: false, reason: 'state_mismatch', taskRun: task };
    if (task.state !== t.to && !canTransition(task.state, t.to)) {
      return { ok: false, reason: 'illegal_transition', taskRun: task };
    }
    const next: TaskRunRecord = { ...task, ...t.patch, state: t.to, stateReason: t.reason ?? null, updatedAt: t.at };
    this.setIn(this.tasks, task.id, next);
    if (task.state !== t.to) {
      this.addHistory(task.runId, task.id, task.taskKey, task.state, t.to, next.attempt, t.at, t.reason ?? null);
    }
    return { ok: true, taskRun: next };
  }

  async setTaskProgress(taskRunId: string, progress: Progress, at: number): Promise<boolean> {
    return this.atomic(() => this.setTaskProgressSync(taskRunId, progress, at));
  }

  private setTaskProgressSync(taskRunId: string, progress: Progress, at: number): boolean {
    const task = this.tasks.get(taskRunId);
    if (!task) return false;
    this.setIn(this.tasks, taskRunId, { ...task, progress, updatedAt: at });
    return true;
  }

  async getTaskRun(taskRunId: string): Promise<TaskRunRecord | undefined> {
    this.assertOpen();
    return this.tasks.get(taskRunId);
  }

  async getTaskRunsByRun(runId: string): Promise<TaskRunRecord[]> {
    this.assertOpen();
    return this.taskRunsOf(runId);
  }

  private taskRunsOf(runId: string): TaskRunRecord[] {
    const out: TaskRunRecord[] = [];
    for (const id of this.tasksByRun.get(runId) ?? []) {
      const task = this.tasks.get(id);
      if (task) out.push(task);
    }
    return out;
  }

  async findCompletedTaskResult(
    runId: string,
    taskKey: string,
  ): Promise<{ result: Json | null; resultPersisted: boolean } | undefined> {
    this.assertOpen();
    const id = this.taskKeys.get(runId + SEP + taskKey);
    const task = id === undefined ? undefined : this.tasks.get(id);
    if (!task || task.state !== 'Completed') return undefined;
    return { result: task.result, resultPersisted: task.resultPersisted };
  }

  // ------------------------------------------------------------------ history and logs

  async getHistory(runId: string): Promise<StateHistoryRecord[]> {
    this.assertOpen();
    return [...(this.historyByRun.get(runId) ?? [])];
  }

  async appendLogs(logs: readonly NewLog[]): Promise<void> {
    this.atomic(() => this.appendLogsSync(logs));
  }

  private appendLogsSync(logs: readonly NewLog[]): number {
    for (const log of logs) {
      this.pushIn(this.logsByRun, log.runId, {
        seq: this.nextSeq(),
        runId: log.runId,
        taskRunId: log.taskRunId ?? null,
        level: log.level,
        message: log.message,
        fields: log.fields ?? null,
        at: log.at,
      });
    }
    return logs.length;
  }

  async getLogs(
    runId: string,
    options: { afterSeq?: number; limit?: number; taskRunId?: string } = {},
  ): Promise<LogRecord[]> {
    this.assertOpen();
    const out = (this.logsByRun.get(runId) ?? []).filter(
      (l) =>
        (options.afterSeq === undefined || l.seq > options.afterSeq) &&
        (options.taskRunId === undefined || l.taskRunId === options.taskRunId),
    );
    return options.limit === undefined ? out : out.slice(0, options.limit);
  }

  // ------------------------------------------------------------------ checkpoints

  async getCheckpoint(runId: string, taskKey: string, key: string): Promise<Json | undefined> {
    this.assertOpen();
    return this.checkpoints.get(runId + SEP + taskKey + SEP + key)?.value;
  }

  async setCheckpoint(checkpoint: CheckpointWrite): Promise<void> {
    this.atomic(() => this.setCheckpointSync(checkpoint));
  }

  private setCheckpointSync(c: CheckpointWrite): void {
    this.setIn(this.checkpoints, c.runId + SEP + c.taskKey + SEP + c.key, {
      runId: c.runId,
      taskKey: c.taskKey,
      key: c.key,
      value: c.value,
      updatedAt: c.now,
    });
  }

  async listCheckpoints(runId: string): Promise<CheckpointRecord[]> {
    this.assertOpen();
    return [...this.checkpoints.values()].filter((c) => c.runId === runId);
  }

  // ------------------------------------------------------------------ schedules

  async upsertSchedule(s: ScheduleUpsert): Promise<ScheduleRecord> {
    return this.atomic(() => {
      const existing = this.schedules.get(s.name);
      const record: ScheduleRecord = existing
        ? {
            ...existing,
            flowName: s.flowName,
            spec: s.spec,
            nextSlot: s.resetSlot ? s.nextSlot : existing.nextSlot,
            paused: s.paused ?? existing.paused,
            updatedAt: s.now,
          }
        : {
            name: s.name,
            flowName: s.flowName,
            spec: s.spec,
            nextSlot: s.nextSlot,
            lastSlot: null,
            paused: s.paused ?? false,
            createdAt: s.now,
            updatedAt: s.now,
          };
      this.setIn(this.schedules, s.name, record);
      return record;
    });
  }

  async getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    this.assertOpen();
    return this.schedules.get(name);
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    this.assertOpen();
    return [...this.schedules.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async setSchedulePaused(name: string, paused: boolean, now: number): Promise<ScheduleRecord | undefined> {
    return this.atomic(() => {
      const existing = this.schedules.get(name);
      if (!existing) return undefined;
      const record = { ...existing, paused, updatedAt: now };
      this.setIn(this.schedules, name, record);
      return record;
    });
  }

  async deleteSchedule(name: string): Promise<boolean> {
    return this.atomic(() => this.deleteIn(this.schedules, name));
  }

  async claimScheduleSlot(claim: ScheduleSlotClaim): Promise<ScheduleSlotClaimResult> {
    return this.atomic(() => {
      const existing = this.schedules.get(claim.name);
      if (!existing || existing.nextSlot !== claim.slot) return { claimed: false, schedule: existing };
      const schedule: ScheduleRecord = { ...existing, lastSlot: claim.lastSlot === undefined ? claim.slot : claim.lastSlot, nextSlot: claim.nextSlot, updatedAt: claim.now };
      this.setIn(this.schedules, claim.name, schedule);
      const run = claim.run ? this.createRunSync(claim.run).run : undefined;
      return { claimed: true, schedule, run };
    });
  }

  // ------------------------------------------------------------------ concurrency slots

  async acquireSlot(r: SlotRequest): Promise<boolean> {
    return this.atomic(() => {
      const id = r.key + SEP + r.holder;
      const mine = this.slots.get(id);
      const live = (s: SlotRecord): boolean => s.expiresAt === null || s.expiresAt > r.now;
      if (!mine || !live(mine)) {
        let inUse = 0;
        for (const s of this.slots.values()) if (s.key === r.key && live(s)) inUse++;
        if (inUse >= r.limit) return false;
      }
      this.setIn(this.slots, id, {
        key: r.key,
        holder: r.holder,
        runId: r.runId,
        owner: r.owner,
        acquiredAt: mine && live(mine) ? mine.acquiredAt : r.now,
        expiresAt: r.ttlMs === undefined ? null : r.now + r.ttlMs,
      });
      return true;
    });
  }

  async releaseSlot(key: string, holder: string): Promise<boolean> {
    return this.atomic(() => this.deleteIn(this.slots, key + SEP + holder));
  }

  async releaseSlotsOfRun(runId: string): Promise<number> {
    return this.atomic(() => {
      let count = 0;
      for (const [id, slot] of [...this.slots]) {
        if (slot.runId === runId && this.deleteIn(this.slots, id)) count++;
      }
      return count;
    });
  }

  async listSlots(now: number, key?: string): Promise<SlotRecord[]> {
    this.assertOpen();
    return [...this.slots.values()].filter(
      (s) => (key === undefined || s.key === key) && (s.expiresAt === null || s.expiresAt > now),
    );
  }

  // ------------------------------------------------------------------ dashboard and retention

  async stats(query: StatsQuery): Promise<FlowStats[]> {
    this.assertOpen();
    const groups = new Map<string, { flowName: string; periodStart: number; runs: FlowRunRecord[] }>();
    for (const run of this.runs.values()) {
      if (run.createdAt < query.since || (query.until !== undefined && run.createdAt >= query.until)) continue;
      if (query.flowName !== undefined && run.flowName !== query.flowName) continue;
      const periodStart =
        query.bucketMs === undefined
          ? query.since
          : query.since + Math.floor((run.createdAt - query.since) / query.bucketMs) * query.bucketMs;
      const id = run.flowName + SEP + periodStart;
      let group = groups.get(id);
      if (!group) {
        group = { flowName: run.flowName, periodStart, runs: [] };
        groups.set(id, group);
      }
      group.runs.push(run);
    }
    return [...groups.values()]
      .map((g) => summarise(g.flowName, g.periodStart, g.runs))
      .sort((a, b) => (a.flowName < b.flowName ? -1 : a.flowName > b.flowName ? 1 : a.periodStart - b.periodStart));
  }

  async prune(options: PruneOptions): Promise<PruneResult> {
    return this.atomic(() => {
      const cutoff = options.now - options.olderThanDays * DAY_MS;
      const result: PruneResult = { runs: 0, taskRuns: 0, logs: 0, checkpoints: 0, history: 0 };
      for (const run of [...this.runs.values()]) {
        if (!ENDED_STATES.has(run.state) || (run.endedAt ?? run.createdAt) >= cutoff) continue;
        result.runs++;
        this.deleteIn(this.runs, run.id);
        if (run.idempotencyKey !== null) this.deleteIn(this.idempotency, run.flowName + SEP + run.idempotencyKey);
        for (const id of this.tasksByRun.get(run.id) ?? []) {
          const task = this.tasks.get(id);
          if (task) this.deleteIn(this.taskKeys, run.id + SEP + task.taskKey);
          if (this.deleteIn(this.tasks, id)) result.taskRuns++;
        }
        this.deleteIn(this.tasksByRun, run.id);
        result.logs += this.logsByRun.get(run.id)?.length ?? 0;
        this.deleteIn(this.logsByRun, run.id);
        result.history += this.historyByRun.get(run.id)?.length ?? 0;
        this.deleteIn(this.historyByRun, run.id);
        for (const [id, c] of [...this.checkpoints]) {
          if (c.runId === run.id && this.deleteIn(this.checkpoints, id)) result.checkpoints++;
        }
        for (const [id, s] of [...this.slots]) if (s.runId === run.id) this.deleteIn(this.slots, id);
      }
      return result;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** Computes {@link FlowStats} for one group of runs (shared with other stores' tests). */
export function summarise(flowName: string, periodStart: number, runs: readonly FlowRunRecord[]): FlowStats {
  let completed = 0;
  let failed = 0;
  let cancelled = 0;
  let crashed = 0;
  let min: number | null = null;
  let max: number | null = null;
  let sum = 0;
  let timed = 0;
  const errorTypes: Record<string, number> = {};
  for (const run of runs) {
    if (run.state === 'Completed') completed++;
    else if (run.state === 'Failed') failed++;
    else if (run.state === 'Cancelled') cancelled++;
    else if (run.state === 'Crashed') crashed++;
    if ((run.state === 'Failed' || run.state === 'Crashed') && run.error) {
      const type = run.error.code ?? run.error.name;
      errorTypes[type] = (errorTypes[type] ?? 0) + 1;
    }
    if (ENDED_STATES.has(run.state) && run.startedAt !== null && run.endedAt !== null) {
      const d = run.endedAt - run.startedAt;
      min = min === null ? d : Math.min(min, d);
      max = max === null ? d : Math.max(max, d);
      sum += d;
      timed++;
    }
  }
  const ended = completed + failed + cancelled + crashed;
  return {
    flowName,
    periodStart,
    total: runs.length,
    completed,
    failed,
    cancelled,
    crashed,
    successRate: ended === 0 ? null : completed / ended,
    minDurationMs: min,
    avgDurationMs: timed === 0 ? null : sum / timed,
    maxDurationMs: max,
    errorTypes,
  };
}
