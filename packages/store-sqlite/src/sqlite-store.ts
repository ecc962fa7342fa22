/**
 * `SqliteStore`: the durable {@link Store} on better-sqlite3. Every write is one `BEGIN
 * IMMEDIATE` transaction (so the write lock is taken up front and concurrent writers wait on
 * `busy_timeout` instead of failing with `SQLITE_BUSY`), and every transaction body is
 * synchronous: no `await` ever runs inside one.
 */
import { resolve } from 'node:path';
import type { Database as DatabaseHandle, Statement } from 'better-sqlite3';
import {
  ACTIVE_STATES,
  ENDED_STATES,
  ErrorCode,
  FlowError,
  canTransition,
  decodeRunCursor,
  encodeRunCursor,
  newRunRecord,
  newTaskRunRecord,
} from '@vms/flow-core';
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
  RunState,
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
} from '@vms/flow-core';
import { SqliteStoreError, SqliteStoreErrorCode } from './errors.js';
import { adoptDatabase, openDatabase } from './open.js';
import { validateOptions } from './options.js';
import type { SqliteStoreOptions } from './options.js';
import {
  checkpointFromRow,
  historyFromRow,
  logFromRow,
  runFromRow,
  runToParams,
  scheduleFromRow,
  slotFromRow,
  taskFromRow,
  taskToParams,
  toJson,
  toNullableJson,
} from './rows.js';
import type { CheckpointRow, HistoryRow, LogRow, RunRow, ScheduleRow, SlotRow, TaskRow } from './rows.js';
import { transaction } from './transaction.js';
import type { SyncResult } from './transaction.js';

const DAY_MS = 86_400_000;
const ACTIVE = JSON.stringify([...ACTIVE_STATES]);
const ENDED = JSON.stringify([...ENDED_STATES]);

const RUN_COLUMNS =
  'id, flow_name, params, state, state_reason, waiting_for, parent_run_id, parent_task_key, idempotency_key, queue, priority, run_at, attempt, lease_owner, lease_expires_at, tags, schedule_name, scheduled_for, created_at, updated_at, started_at, ended_at, result, error';
const TASK_COLUMNS =
  'id, run_id, task_key, task_name, state, state_reason, attempt, max_attempts, next_retry_at, result, result_persisted, error, progress, child_run_id, tags, at_most_once, created_at, updated_at, started_at, ended_at';
const named = (columns: string): string =>
  columns
    .split(', ')
    .map((c) => `@${c}`)
    .join(', ');
const assignments = (columns: string): string =>
  columns
    .split(', ')
    .filter((c) => c !== 'id')
    .map((c) => `${c} = @${c}`)
    .join(', ');

/** Ordering of claimable runs (the claim index's order). */
const CLAIM_ORDER = 'priority DESC, run_at ASC, created_at ASC, id ASC';

const SEP = '\u0000';

/**
 * Task-run rows written in the current write transaction, kept in memory and written once at
 * its end: a task that goes `Pending → Running → Completed` within one batch (one engine tick)
 * costs one INSERT instead of an INSERT, two SELECTs and two full-row UPDATEs. Only ever lives
 * inside one `BEGIN IMMEDIATE` transaction (no other connection can write meanwhile), so it is
 * never stale.
 */
interface PendingTasks {
  /** By task-run id: the row as it will be written; `insert` when it is not in the table yet. */
  readonly rows: Map<string, { record: TaskRunRecord; insert: boolean }>;
  /** `runId SEP taskKey` → id, for rows to insert. */
  readonly byKey: Map<string, string>;
  /** Runs known to exist in this transaction (checked once each). */
  readonly runs: Set<string>;
  /** State-history rows (9 values each, in order), inserted a chunk per statement before `COMMIT`. */
  readonly history: (string | number | null)[];
}

/** State-history rows per multi-row INSERT. */
const HISTORY_CHUNK = 32;
const HISTORY_INSERT = 'INSERT INTO flow_state_history (entity, run_id, task_run_id, task_key, from_state, to_state, attempt, at, reason) VALUES ';
const historyInsert = (rows: number): string => HISTORY_INSERT + Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');

/** A durable {@link Store} in one SQLite file, safe for several processes at once. */
export class SqliteStore implements Store {
  readonly capabilities: StoreCapabilities;
  /** Absolute path of the database file (or `:memory:`). */
  readonly file: string;
  private readonly db: DatabaseHandle;
  private readonly ownsDatabase: boolean;
  private readonly statements = new Map<string, Statement>();
  private closed = false;
  /** Set while a `write` transaction runs (see {@link PendingTasks}). */
  private pending: PendingTasks | undefined;

  constructor(options: SqliteStoreOptions = {}) {
    const o = validateOptions(options);
    if (o.database) {
      this.db = o.database;
      this.ownsDatabase = false;
      this.file = o.database.name;
      adoptDatabase(this.db, o);
    } else {
      this.file = o.file === ':memory:' ? o.file : resolve(o.file);
      this.db = openDatabase(o.file, o);
      this.ownsDatabase = true;
    }
    const durable = this.file !== ':memory:' && this.file !== '';
    this.capabilities = { durable, multiProcess: durable };
  }

  // ------------------------------------------------------------------ plumbing

  private stmt(sql: string): Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new SqliteStoreError(SqliteStoreErrorCode.Closed, `SqliteStore \`${this.file}\` is closed`, { file: this.file });
    }
  }

  /**
   * One immediate (write-locking) transaction; `fn` must be synchronous. Task rows it writes are
   * held in {@link PendingTasks} and written just before `COMMIT`.
   */
  private write<T>(fn: () => T): T {
    this.assertOpen();
    if (this.pending) return transaction(this.db, fn as () => SyncResult<T>, 'immediate');
    return transaction(
      this.db,
      (() => {
        const pending: PendingTasks = { rows: new Map(), byKey: new Map(), runs: new Set(), history: [] };
        this.pending = pending;
        try {
          const result = fn();
          this.writePendingTasks(pending);
          return result;
        } finally {
          this.pending = undefined;
        }
      }) as () => SyncResult<T>,
      'immediate',
    );
  }

  /** Writes what a write transaction held: history rows (chunked INSERTs), then one INSERT or UPDATE per task row. */
  private writePendingTasks(pending: PendingTasks): void {
    const h = pending.history;
    if (h.length > 0) {
      const chunk = HISTORY_CHUNK * 9;
      let i = 0;
      if (h.length >= chunk) {
        const many = this.stmt(historyInsert(HISTORY_CHUNK));
        for (; i + chunk <= h.length; i += chunk) many.run(h.slice(i, i + chunk));
      }
      if (i < h.length) this.stmt(historyInsert((h.length - i) / 9)).run(i === 0 ? h : h.slice(i));
    }
    if (pending.rows.size === 0) return;
    const insert = this.stmt(`INSERT INTO flow_task_runs (${TASK_COLUMNS}) VALUES (${named(TASK_COLUMNS)})`);
    const update = this.stmt(`UPDATE flow_task_runs SET ${assignments(TASK_COLUMNS)} WHERE id = @id`);
    for (const { record, insert: isNew } of pending.rows.values()) {
      if (!isNew) {
        update.run(taskToParams(record));
        continue;
      }
      try {
        insert.run(taskToParams(record));
      } catch (error) {
        // The id is taken by a row of another (run, taskKey): the same error the check used to give.
        if ((error as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE' && String((error as Error).message).includes('flow_task_runs.id')) {
          throw new FlowError(ErrorCode.Store, `A task run with id \`${record.id}\` already exists`, { category: 'database', cause: error });
        }
        throw error;
      }
    }
  }

  /** One read transaction (a consistent snapshot across several statements). */
  private read<T>(fn: () => T): T {
    this.assertOpen();
    return transaction(this.db, fn as () => SyncResult<T>, 'deferred');
  }

  /**
   * Runs `fn` in one `BEGIN IMMEDIATE` transaction on this store's connection and returns its
   * result. Throws synchronously, before `BEGIN`, when `fn` is `async` (see CASES C13): do the
   * async work first, then write synchronously.
   */
  transaction<T>(fn: () => SyncResult<T>): T {
    this.assertOpen();
    return transaction<T>(this.db, fn, 'immediate');
  }

  /** The underlying better-sqlite3 handle (for inspection and tests; writes should use {@link transaction}). */
  get database(): DatabaseHandle {
    this.assertOpen();
    return this.db;
  }

  // ------------------------------------------------------------------ batch

  async applyBatch(ops: readonly StoreOp[]): Promise<StoreOpResult[]> {
    return this.write(() => ops.map((op) => this.applyOp(op)));
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
      default: {
        const unknownOp: unknown = op;
        throw new FlowError(ErrorCode.Store, `Unknown store op \`${JSON.stringify(unknownOp)}\``, { category: 'database' });
      }
    }
  }

  // ------------------------------------------------------------------ runs

  async createRun(run: NewFlowRun): Promise<{ run: FlowRunRecord; created: boolean }> {
    return this.write(() => this.createRunSync(run));
  }

  private getRunSync(runId: string): FlowRunRecord | undefined {
    const row = this.stmt(`SELECT ${RUN_COLUMNS} FROM flow_runs WHERE id = ?`).get(runId) as RunRow | undefined;
    return row ? runFromRow(row) : undefined;
  }

  private findByKeySync(flowName: string, key: string): FlowRunRecord | undefined {
    const row = this.stmt(`SELECT ${RUN_COLUMNS} FROM flow_runs WHERE flow_name = ? AND idempotency_key = ?`).get(flowName, key) as
      | RunRow
      | undefined;
    return row ? runFromRow(row) : undefined;
  }

  private createRunSync(input: NewFlowRun): { run: FlowRunRecord; created: boolean } {
    if (input.idempotencyKey != null) {
      const existing = this.findByKeySync(input.flowName, input.idempotencyKey);
      if (existing) return { run: existing, created: false };
    }
    if (this.stmt('SELECT 1 FROM flow_runs WHERE id = ?').get(input.id) !== undefined) {
      throw new FlowError(ErrorCode.Store, `A run with id \`${input.id}\` already exists`, { category: 'database' });
    }
    const run = newRunRecord(input);
    this.stmt(`INSERT INTO flow_runs (${RUN_COLUMNS}) VALUES (${named(RUN_COLUMNS)})`).run(runToParams(run));
    this.addHistory(run.id, null, null, null, run.state, 1, input.now, input.reason ?? null);
    return { run, created: true };
  }

  private addHistory(
    runId: string,
    taskRunId: string | null,
    taskKey: string | null,
    from: RunState | null,
    to: RunState,
    attempt: number,
    at: number,
    reason: string | null,
  ): void {
    const entity = taskRunId === null ? 'flow' : 'task';
    if (this.pending) this.pending.history.push(entity, runId, taskRunId, taskKey, from, to, attempt, at, reason);
    else this.stmt(historyInsert(1)).run(entity, runId, taskRunId, taskKey, from, to, attempt, at, reason);
  }

  async getRun(runId: string): Promise<FlowRunRecord | undefined> {
    this.assertOpen();
    return this.getRunSync(runId);
  }

  async findRunByIdempotencyKey(flowName: string, key: string): Promise<FlowRunRecord | undefined> {
    this.assertOpen();
    return this.findByKeySync(flowName, key);
  }

  async transitionRun(transition: RunTransition): Promise<RunTransitionResult> {
    return this.write(() => this.transitionRunSync(transition));
  }

  private transitionRunSync(t: RunTransition): RunTransitionResult {
    const run = this.getRunSync(t.runId);
    if (!run) return { ok: false, reason: 'not_found', run: undefined };
    if (t.from && !t.from.includes(run.state)) return { ok: false, reason: 'state_mismatch', run };
    if (t.owner !== undefined && run.leaseOwner !== t.owner) return { ok: false, reason: 'lease_mismatch', run };
    if (run.state !== t.to && !canTransition(run.state, t.to)) return { ok: false, reason: 'illegal_transition', run };
    const next: FlowRunRecord = { ...run, ...definedOnly(t.patch), state: t.to, stateReason: t.reason ?? null, updatedAt: t.at };
    this.stmt(`UPDATE flow_runs SET ${assignments(RUN_COLUMNS)} WHERE id = @id`).run(runToParams(next));
    if (run.state !== t.to) this.addHistory(run.id, null, null, run.state, t.to, next.attempt, t.at, t.reason ?? null);
    return { ok: true, run: next };
  }

  async listRuns(query: ListRunsQuery = {}): Promise<Page<FlowRunRecord>> {
    this.assertOpen();
    const limit = query.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new SqliteStoreError(SqliteStoreErrorCode.InvalidOption, `Expected \`limit\` to be an integer >= 1, got \`${String(limit)}\` (${typeof limit})`, {
        category: 'validation',
      });
    }
    const where: string[] = [];
    const params: unknown[] = [];
    if (query.flowName !== undefined) {
      where.push('flow_name = ?');
      params.push(query.flowName);
    }
    if (query.state !== undefined) {
      const states = typeof query.state === 'string' ? [query.state] : [...query.state];
      where.push(`state IN (${states.map(() => '?').join(', ') || 'NULL'})`);
      params.push(...states);
    }
    if (query.queue !== undefined) {
      where.push('queue = ?');
      params.push(query.queue);
    }
    if (query.since !== undefined) {
      where.push('created_at >= ?');
      params.push(query.since);
    }
    if (query.until !== undefined) {
      where.push('created_at < ?');
      params.push(query.until);
    }
    if (query.parentRunId === null) where.push('parent_run_id IS NULL');
    else if (query.parentRunId !== undefined) {
      where.push('parent_run_id = ?');
      params.push(query.parentRunId);
    }
    if (query.scheduleName !== undefined) {
      where.push('schedule_name = ?');
      params.push(query.scheduleName);
    }
    if (query.cursor !== undefined) {
      const [createdAt, id] = decodeRunCursor(query.cursor);
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      params.push(createdAt, createdAt, id);
    }
    const sql = `SELECT ${RUN_COLUMNS} FROM flow_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT ?`;
    const rows = this.stmt(sql).all(...params, limit + 1) as RunRow[];
    const items = rows.slice(0, limit).map(runFromRow);
    const last = items.at(-1);
    return rows.length > limit && last ? { items, nextCursor: encodeRunCursor(last.createdAt, last.id) } : { items };
  }

  async getRunDetail(runId: string, options: { logLimit?: number } = {}): Promise<RunDetail | undefined> {
    return this.read(() => {
      const run = this.getRunSync(runId);
      if (!run) return undefined;
      const logs =
        options.logLimit === undefined
          ? (this.stmt('SELECT * FROM flow_logs WHERE run_id = ? ORDER BY seq').all(runId) as LogRow[])
          : (this.stmt('SELECT * FROM flow_logs WHERE run_id = ? ORDER BY seq LIMIT ?').all(runId, options.logLimit) as LogRow[]);
      const children = this.stmt(`SELECT ${RUN_COLUMNS} FROM flow_runs WHERE parent_run_id = ? ORDER BY created_at, id`).all(runId) as RunRow[];
      return {
        run,
        taskRuns: this.taskRunsOf(runId),
        logs: logs.map(logFromRow),
        history: this.historyOf(runId),
        children: children.map(runFromRow),
      };
    });
  }

  // ------------------------------------------------------------------ queue and leases

  async claimNextRun(options: ClaimOptions): Promise<FlowRunRecord | undefined> {
    return this.write(() => {
      const row = this.stmt(
        `SELECT ${RUN_COLUMNS} FROM flow_runs
         WHERE state = 'Scheduled' AND run_at <= @now
           AND (@queues IS NULL OR queue IN (SELECT value FROM json_each(@queues)))
           AND (@flows IS NULL OR flow_name IN (SELECT value FROM json_each(@flows)))
         ORDER BY ${CLAIM_ORDER} LIMIT 1`,
      ).get({
        now: options.now,
        queues: options.queues ? JSON.stringify(options.queues) : null,
        flows: options.flowNames ? JSON.stringify(options.flowNames) : null,
      }) as RunRow | undefined;
      if (!row) return undefined;
      const late = options.lateAfterMs !== undefined && options.now - row.run_at > options.lateAfterMs;
      const result = this.transitionRunSync({
        runId: row.id,
        from: ['Scheduled'],
        to: late ? 'Late' : 'Pending',
        at: options.now,
        reason: late ? `claimed ${options.now - row.run_at} ms after its runAt` : 'claimed',
        patch: { leaseOwner: options.owner, leaseExpiresAt: options.now + options.leaseMs },
      });
      return result.ok ? result.run : undefined;
    });
  }

  async extendLease(e: LeaseExtension): Promise<boolean> {
    return this.write(() => {
      const info = this.stmt(
        `UPDATE flow_runs SET lease_expires_at = ?, updated_at = ?
         WHERE id = ? AND lease_owner = ? AND state NOT IN (SELECT value FROM json_each(?))`,
      ).run(e.now + e.leaseMs, e.now, e.runId, e.owner, ENDED);
      return info.changes > 0;
    });
  }

  async releaseLease(runId: string, owner: string): Promise<boolean> {
    return this.write(() => {
      const info = this.stmt('UPDATE flow_runs SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ? AND lease_owner = ?').run(runId, owner);
      return info.changes > 0;
    });
  }

  async findExpiredLeases(now: number, limit = 100): Promise<FlowRunRecord[]> {
    this.assertOpen();
    const rows = this.stmt(
      `SELECT ${RUN_COLUMNS} FROM flow_runs
       WHERE lease_expires_at IS NOT NULL AND lease_expires_at < ? AND state IN (SELECT value FROM json_each(?))
       ORDER BY lease_expires_at, id LIMIT ?`,
    ).all(now, ACTIVE, limit) as RunRow[];
    return rows.map(runFromRow);
  }

  async queuePosition(runId: string, now: number): Promise<number | undefined> {
    return this.read(() => {
      const run = this.getRunSync(runId);
      if (!run || run.state !== 'Scheduled') return undefined;
      const at = Math.max(now, run.runAt);
      const row = this.stmt(
        `SELECT count(*) AS n FROM flow_runs
         WHERE state = 'Scheduled' AND queue = @queue AND run_at <= @at AND id <> @id AND (
           priority > @priority
           OR (priority = @priority AND run_at < @runAt)
           OR (priority = @priority AND run_at = @runAt AND created_at < @createdAt)
           OR (priority = @priority AND run_at = @runAt AND created_at = @createdAt AND id < @id))`,
      ).get({ queue: run.queue, at, id: run.id, priority: run.priority, runAt: run.runAt, createdAt: run.createdAt }) as { n: number };
      return row.n;
    });
  }

  // ------------------------------------------------------------------ task runs

  async upsertTaskRun(taskRun: NewTaskRun): Promise<{ taskRun: TaskRunRecord; created: boolean }> {
    return this.write(() => this.upsertTaskRunSync(taskRun));
  }

  private upsertTaskRunSync(input: NewTaskRun): { taskRun: TaskRunRecord; created: boolean } {
    const pending = this.pending as PendingTasks;
    const key = input.runId + SEP + input.taskKey;
    const pendingId = pending.byKey.get(key);
    if (pendingId !== undefined) return { taskRun: (pending.rows.get(pendingId) as { record: TaskRunRecord }).record, created: false };
    const existing = this.stmt(`SELECT * FROM flow_task_runs WHERE run_id = ? AND task_key = ?`).get(input.runId, input.taskKey) as
      | TaskRow
      | undefined;
    if (existing) return { taskRun: pending.rows.get(existing.id)?.record ?? taskFromRow(existing), created: false };
    if (!pending.runs.has(input.runId)) {
      if (this.stmt('SELECT 1 FROM flow_runs WHERE id = ?').get(input.runId) === undefined) {
        throw new FlowError(ErrorCode.NotFound, `No run \`${input.runId}\` for task run \`${input.taskKey}\``, {
          category: 'database',
          runId: input.runId,
        });
      }
      pending.runs.add(input.runId);
    }
    // An id already in the table is caught by its UNIQUE constraint when the row is written.
    if (pending.rows.has(input.id)) {
      throw new FlowError(ErrorCode.Store, `A task run with id \`${input.id}\` already exists`, { category: 'database' });
    }
    const taskRun = newTaskRunRecord(input);
    pending.rows.set(taskRun.id, { record: taskRun, insert: true });
    pending.byKey.set(key, taskRun.id);
    this.addHistory(input.runId, taskRun.id, taskRun.taskKey, null, taskRun.state, 0, input.now, input.reason ?? null);
    return { taskRun, created: true };
  }

  private getTaskSync(taskRunId: string): TaskRunRecord | undefined {
    const row = this.stmt('SELECT * FROM flow_task_runs WHERE id = ?').get(taskRunId) as TaskRow | undefined;
    return row ? taskFromRow(row) : undefined;
  }

  async transitionTask(transition: TaskTransition): Promise<TaskTransitionResult> {
    return this.write(() => this.transitionTaskSync(transition));
  }

  private transitionTaskSync(t: TaskTransition): TaskTransitionResult {
    const pending = this.pending as PendingTasks;
    let entry = pending.rows.get(t.taskRunId);
    if (!entry) {
      const stored = this.getTaskSync(t.taskRunId);
      if (!stored) return { ok: false, reason: 'not_found', taskRun: undefined };
      entry = { record: stored, insert: false };
    }
    const task = entry.record;
    if (t.from && !t.from.includes(task.state)) return { ok: false, reason: 'state_mismatch', taskRun: task };
    if (task.state !== t.to && !canTransition(task.state, t.to)) return { ok: false, reason: 'illegal_transition', taskRun: task };
    const next: TaskRunRecord = { ...task, ...definedOnly(t.patch), state: t.to, stateReason: t.reason ?? null, updatedAt: t.at };
    entry.record = next;
    pending.rows.set(t.taskRunId, entry);
    if (task.state !== t.to) {
      this.addHistory(task.runId, task.id, task.taskKey, task.state, t.to, next.attempt, t.at, t.reason ?? null);
    }
    return { ok: true, taskRun: next };
  }

  async setTaskProgress(taskRunId: string, progress: Progress, at: number): Promise<boolean> {
    return this.write(() => this.setTaskProgressSync(taskRunId, progress, at));
  }

  private setTaskProgressSync(taskRunId: string, progress: Progress, at: number): boolean {
    const entry = this.pending?.rows.get(taskRunId);
    if (entry) {
      entry.record = { ...entry.record, progress, updatedAt: at };
      return true;
    }
    return this.stmt('UPDATE flow_task_runs SET progress = ?, updated_at = ? WHERE id = ?').run(toJson(progress), at, taskRunId).changes > 0;
  }

  async getTaskRun(taskRunId: string): Promise<TaskRunRecord | undefined> {
    this.assertOpen();
    return this.getTaskSync(taskRunId);
  }

  async getTaskRunsByRun(runId: string): Promise<TaskRunRecord[]> {
    this.assertOpen();
    return this.taskRunsOf(runId);
  }

  private taskRunsOf(runId: string): TaskRunRecord[] {
    return (this.stmt('SELECT * FROM flow_task_runs WHERE run_id = ? ORDER BY seq').all(runId) as TaskRow[]).map(taskFromRow);
  }

  async findCompletedTaskResult(
    runId: string,
    taskKey: string,
  ): Promise<{ result: Json | null; resultPersisted: boolean } | undefined> {
    this.assertOpen();
    const row = this.stmt(
      `SELECT result, result_persisted FROM flow_task_runs WHERE run_id = ? AND task_key = ? AND state = 'Completed'`,
    ).get(runId, taskKey) as { result: string | null; result_persisted: number } | undefined;
    if (!row) return undefined;
    return { result: row.result === null ? null : (JSON.parse(row.result) as Json), resultPersisted: row.result_persisted === 1 };
  }

  // ------------------------------------------------------------------ history and logs

  async getHistory(runId: string): Promise<StateHistoryRecord[]> {
    this.assertOpen();
    return this.historyOf(runId);
  }

  private historyOf(runId: string): StateHistoryRecord[] {
    return (this.stmt('SELECT * FROM flow_state_history WHERE run_id = ? ORDER BY seq').all(runId) as HistoryRow[]).map(historyFromRow);
  }

  async appendLogs(logs: readonly NewLog[]): Promise<void> {
    if (logs.length === 0) return;
    this.write(() => this.appendLogsSync(logs));
  }

  private appendLogsSync(logs: readonly NewLog[]): number {
    const insert = this.stmt('INSERT INTO flow_logs (run_id, task_run_id, level, message, fields, at) VALUES (?, ?, ?, ?, ?, ?)');
    for (const log of logs) {
      insert.run(log.runId, log.taskRunId ?? null, log.level, log.message, toNullableJson(log.fields), log.at);
    }
    return logs.length;
  }

  async getLogs(
    runId: string,
    options: { afterSeq?: number; limit?: number; taskRunId?: string } = {},
  ): Promise<LogRecord[]> {
    this.assertOpen();
    const rows = this.stmt(
      `SELECT * FROM flow_logs WHERE run_id = @runId AND seq > @afterSeq AND (@taskRunId IS NULL OR task_run_id = @taskRunId)
       ORDER BY seq LIMIT @limit`,
    ).all({ runId, afterSeq: options.afterSeq ?? -1, taskRunId: options.taskRunId ?? null, limit: options.limit ?? -1 }) as LogRow[];
    return rows.map(logFromRow);
  }

  // ------------------------------------------------------------------ checkpoints

  async getCheckpoint(runId: string, taskKey: string, key: string): Promise<Json | undefined> {
    this.assertOpen();
    const row = this.stmt('SELECT value FROM flow_checkpoints WHERE run_id = ? AND task_key = ? AND key = ?').get(runId, taskKey, key) as
      | { value: string }
      | undefined;
    return row ? (JSON.parse(row.value) as Json) : undefined;
  }

  async setCheckpoint(checkpoint: CheckpointWrite): Promise<void> {
    this.write(() => this.setCheckpointSync(checkpoint));
  }

  private setCheckpointSync(c: CheckpointWrite): void {
    this.stmt(
      `INSERT INTO flow_checkpoints (run_id, task_key, key, value, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (run_id, task_key, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
    ).run(c.runId, c.taskKey, c.key, toJson(c.value), c.now);
  }

  async listCheckpoints(runId: string): Promise<CheckpointRecord[]> {
    this.assertOpen();
    return (this.stmt('SELECT * FROM flow_checkpoints WHERE run_id = ? ORDER BY task_key, key').all(runId) as CheckpointRow[]).map(checkpointFromRow);
  }

  // ------------------------------------------------------------------ schedules

  private getScheduleSync(name: string): ScheduleRecord | undefined {
    const row = this.stmt('SELECT * FROM flow_schedules WHERE name = ?').get(name) as ScheduleRow | undefined;
    return row ? scheduleFromRow(row) : undefined;
  }

  private putSchedule(s: ScheduleRecord): void {
    this.stmt(
      `INSERT INTO flow_schedules (name, flow_name, spec, next_slot, last_slot, paused, created_at, updated_at)
       VALUES (@name, @flow_name, @spec, @next_slot, @last_slot, @paused, @created_at, @updated_at)
       ON CONFLICT (name) DO UPDATE SET flow_name = excluded.flow_name, spec = excluded.spec, next_slot = excluded.next_slot,
         last_slot = excluded.last_slot, paused = excluded.paused, updated_at = excluded.updated_at`,
    ).run({
      name: s.name,
      flow_name: s.flowName,
      spec: toJson(s.spec),
      next_slot: s.nextSlot,
      last_slot: s.lastSlot,
      paused: s.paused ? 1 : 0,
      created_at: s.createdAt,
      updated_at: s.updatedAt,
    });
  }

  async upsertSchedule(s: ScheduleUpsert): Promise<ScheduleRecord> {
    return this.write(() => {
      const existing = this.getScheduleSync(s.name);
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
      this.putSchedule(record);
      return record;
    });
  }

  async getSchedule(name: string): Promise<ScheduleRecord | undefined> {
    this.assertOpen();
    return this.getScheduleSync(name);
  }

  async listSchedules(): Promise<ScheduleRecord[]> {
    this.assertOpen();
    return (this.stmt('SELECT * FROM flow_schedules ORDER BY name').all() as ScheduleRow[]).map(scheduleFromRow);
  }

  async setSchedulePaused(name: string, paused: boolean, now: number): Promise<ScheduleRecord | undefined> {
    return this.write(() => {
      const existing = this.getScheduleSync(name);
      if (!existing) return undefined;
      const record = { ...existing, paused, updatedAt: now };
      this.putSchedule(record);
      return record;
    });
  }

  async deleteSchedule(name: string): Promise<boolean> {
    return this.write(() => this.stmt('DELETE FROM flow_schedules WHERE name = ?').run(name).changes > 0);
  }

  async claimScheduleSlot(claim: ScheduleSlotClaim): Promise<ScheduleSlotClaimResult> {
    return this.write(() => {
      const existing = this.getScheduleSync(claim.name);
      if (!existing || existing.nextSlot !== claim.slot) return { claimed: false, schedule: existing };
      const schedule: ScheduleRecord = { ...existing, lastSlot: claim.lastSlot === undefined ? claim.slot : claim.lastSlot, nextSlot: claim.nextSlot, updatedAt: claim.now };
      this.putSchedule(schedule);
      const run = claim.run ? this.createRunSync(claim.run).run : undefined;
      return { claimed: true, schedule, run };
    });
  }

  // ------------------------------------------------------------------ concurrency slots

  async acquireSlot(r: SlotRequest): Promise<boolean> {
    return this.write(() => {
      const mine = this.stmt('SELECT * FROM flow_slots WHERE key = ? AND holder = ?').get(r.key, r.holder) as SlotRow | undefined;
      const mineLive = mine !== undefined && (mine.expires_at === null || mine.expires_at > r.now);
      if (!mineLive) {
        const { n } = this.stmt('SELECT count(*) AS n FROM flow_slots WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)').get(r.key, r.now) as {
          n: number;
        };
        if (n >= r.limit) return false;
      }
      this.stmt(
        `INSERT INTO flow_slots (key, holder, run_id, owner, acquired_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (key, holder) DO UPDATE SET run_id = excluded.run_id, owner = excluded.owner,
           acquired_at = excluded.acquired_at, expires_at = excluded.expires_at`,
      ).run(r.key, r.holder, r.runId, r.owner, mineLive ? mine.acquired_at : r.now, r.ttlMs === undefined ? null : r.now + r.ttlMs);
      return true;
    });
  }

  async releaseSlot(key: string, holder: string): Promise<boolean> {
    return this.write(() => this.stmt('DELETE FROM flow_slots WHERE key = ? AND holder = ?').run(key, holder).changes > 0);
  }

  async releaseSlotsOfRun(runId: string): Promise<number> {
    return this.write(() => this.stmt('DELETE FROM flow_slots WHERE run_id = ?').run(runId).changes);
  }

  async listSlots(now: number, key?: string): Promise<SlotRecord[]> {
    this.assertOpen();
    const rows = this.stmt(
      `SELECT * FROM flow_slots WHERE (@key IS NULL OR key = @key) AND (expires_at IS NULL OR expires_at > @now) ORDER BY key, acquired_at, holder`,
    ).all({ key: key ?? null, now }) as SlotRow[];
    return rows.map(slotFromRow);
  }

  // ------------------------------------------------------------------ dashboard and retention

  async stats(query: StatsQuery): Promise<FlowStats[]> {
    return this.read(() => {
      const bucket = query.bucketMs;
      if (bucket !== undefined && (!Number.isFinite(bucket) || bucket <= 0)) {
        throw new SqliteStoreError(SqliteStoreErrorCode.InvalidOption, `Expected \`bucketMs\` to be a number > 0, got \`${String(bucket)}\` (${typeof bucket})`, {
          category: 'validation',
        });
      }
      const params = {
        since: query.since,
        until: query.until ?? null,
        flow: query.flowName ?? null,
        bucket: bucket === undefined ? null : Math.floor(bucket),
        ended: ENDED,
      };
      const period = `CASE WHEN @bucket IS NULL THEN @since ELSE @since + CAST((created_at - @since) / @bucket AS INTEGER) * @bucket END`;
      const filter = `created_at >= @since AND (@until IS NULL OR created_at < @until) AND (@flow IS NULL OR flow_name = @flow)`;
      const timed = `state IN (SELECT value FROM json_each(@ended)) AND started_at IS NOT NULL AND ended_at IS NOT NULL`;
      const rows = this.stmt(
        `SELECT flow_name, ${period} AS period_start, count(*) AS total,
           sum(state = 'Completed') AS completed, sum(state = 'Failed') AS failed,
           sum(state = 'Cancelled') AS cancelled, sum(state = 'Crashed') AS crashed,
           min(CASE WHEN ${timed} THEN ended_at - started_at END) AS min_d,
           avg(CASE WHEN ${timed} THEN ended_at - started_at END) AS avg_d,
           max(CASE WHEN ${timed} THEN ended_at - started_at END) AS max_d
         FROM flow_runs WHERE ${filter}
         GROUP BY flow_name, period_start ORDER BY flow_name, period_start`,
      ).all(params) as {
        flow_name: string;
        period_start: number;
        total: number;
        completed: number;
        failed: number;
        cancelled: number;
        crashed: number;
        min_d: number | null;
        avg_d: number | null;
        max_d: number | null;
      }[];
      const errors = this.stmt(
        `SELECT flow_name, ${period} AS period_start,
           coalesce(json_extract(error, '$.code'), json_extract(error, '$.name')) AS type, count(*) AS n
         FROM flow_runs WHERE ${filter} AND state IN ('Failed', 'Crashed') AND error IS NOT NULL
         GROUP BY flow_name, period_start, type`,
      ).all(params) as { flow_name: string; period_start: number; type: string | null; n: number }[];
      const byGroup = new Map<string, Record<string, number>>();
      for (const e of errors) {
        const id = `${e.flow_name}\u0000${e.period_start}`;
        const types = byGroup.get(id) ?? {};
        types[String(e.type)] = e.n;
        byGroup.set(id, types);
      }
      return rows.map((r) => {
        const ended = r.completed + r.failed + r.cancelled + r.crashed;
        return {
          flowName: r.flow_name,
          periodStart: r.period_start,
          total: r.total,
          completed: r.completed,
          failed: r.failed,
          cancelled: r.cancelled,
          crashed: r.crashed,
          successRate: ended === 0 ? null : r.completed / ended,
          minDurationMs: r.min_d,
          avgDurationMs: r.avg_d,
          maxDurationMs: r.max_d,
          errorTypes: byGroup.get(`${r.flow_name}\u0000${r.period_start}`) ?? {},
        };
      });
    });
  }

  async prune(options: PruneOptions): Promise<PruneResult> {
    const days = options.olderThanDays;
    if (typeof days !== 'number' || !Number.isFinite(days) || days < 0) {
      throw new SqliteStoreError(SqliteStoreErrorCode.InvalidOption, `Expected \`olderThanDays\` to be a number >= 0, got \`${String(days)}\` (${typeof days})`, {
        category: 'validation',
      });
    }
    return this.write(() => {
      const cutoff = options.now - days * DAY_MS;
      this.stmt('CREATE TEMP TABLE IF NOT EXISTS flow_prune_ids (id TEXT PRIMARY KEY) WITHOUT ROWID').run();
      this.stmt('DELETE FROM temp.flow_prune_ids').run();
      const runs = this.stmt(
        `INSERT INTO temp.flow_prune_ids (id) SELECT id FROM flow_runs
         WHERE coalesce(ended_at, created_at) < ? AND state IN (SELECT value FROM json_each(?))`,
      ).run(cutoff, ENDED).changes;
      const from = (table: string): number =>
        this.stmt(`DELETE FROM ${table} WHERE run_id IN (SELECT id FROM temp.flow_prune_ids)`).run().changes;
      const result: PruneResult = {
        runs,
        taskRuns: from('flow_task_runs'),
        logs: from('flow_logs'),
        checkpoints: from('flow_checkpoints'),
        history: from('flow_state_history'),
      };
      from('flow_slots');
      this.stmt('DELETE FROM flow_runs WHERE id IN (SELECT id FROM temp.flow_prune_ids)').run();
      this.stmt('DELETE FROM temp.flow_prune_ids').run();
      return result;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    if (this.ownsDatabase && this.db.open) this.db.close();
  }
}

/** The patch without keys whose value is `undefined` (an omitted field leaves the column unchanged). */
function definedOnly<T extends object>(patch: T | undefined): Partial<T> {
  if (!patch) return {};
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(patch)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
