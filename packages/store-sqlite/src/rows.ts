/**
 * Row shapes of the SQLite tables and their mapping to the core records. JSON values are kept
 * as text; booleans as 0/1; timestamps as integer epoch ms.
 */
import type {
  CheckpointRecord,
  FlowRunRecord,
  Json,
  JsonObject,
  LogLevel,
  LogRecord,
  Progress,
  RunState,
  ScheduleRecord,
  SerializedError,
  SlotRecord,
  StateHistoryRecord,
  TaskRunRecord,
  WaitReason,
} from '@vms/flow-core';

export interface RunRow {
  id: string;
  flow_name: string;
  params: string;
  state: string;
  state_reason: string | null;
  waiting_for: string | null;
  parent_run_id: string | null;
  parent_task_key: string | null;
  idempotency_key: string | null;
  queue: string;
  priority: number;
  run_at: number;
  attempt: number;
  lease_owner: string | null;
  lease_expires_at: number | null;
  tags: string;
  schedule_name: string | null;
  scheduled_for: number | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  ended_at: number | null;
  result: string | null;
  error: string | null;
}

export interface TaskRow {
  seq: number;
  id: string;
  run_id: string;
  task_key: string;
  task_name: string;
  state: string;
  state_reason: string | null;
  attempt: number;
  max_attempts: number;
  next_retry_at: number | null;
  result: string | null;
  result_persisted: number;
  error: string | null;
  progress: string | null;
  child_run_id: string | null;
  tags: string;
  at_most_once: number;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  ended_at: number | null;
}

export interface HistoryRow {
  seq: number;
  entity: string;
  run_id: string;
  task_run_id: string | null;
  task_key: string | null;
  from_state: string | null;
  to_state: string;
  attempt: number;
  at: number;
  reason: string | null;
}

export interface LogRow {
  seq: number;
  run_id: string;
  task_run_id: string | null;
  level: string;
  message: string;
  fields: string | null;
  at: number;
}

export interface CheckpointRow {
  run_id: string;
  task_key: string;
  key: string;
  value: string;
  updated_at: number;
}

export interface ScheduleRow {
  name: string;
  flow_name: string;
  spec: string;
  next_slot: number | null;
  last_slot: number | null;
  paused: number;
  created_at: number;
  updated_at: number;
}

export interface SlotRow {
  key: string;
  holder: string;
  run_id: string;
  owner: string;
  acquired_at: number;
  expires_at: number | null;
}

/** JSON text of a value; `undefined` is stored as JSON `null`. */
export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** JSON text of a nullable value, SQL `NULL` for `null`/`undefined`. */
export function toNullableJson(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function parse<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

export function runFromRow(r: RunRow): FlowRunRecord {
  return {
    id: r.id,
    flowName: r.flow_name,
    params: JSON.parse(r.params) as Json,
    state: r.state as RunState,
    stateReason: r.state_reason,
    waitingFor: parse<WaitReason>(r.waiting_for),
    parentRunId: r.parent_run_id,
    parentTaskKey: r.parent_task_key,
    idempotencyKey: r.idempotency_key,
    queue: r.queue,
    priority: r.priority,
    runAt: r.run_at,
    attempt: r.attempt,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
    tags: JSON.parse(r.tags) as string[],
    scheduleName: r.schedule_name,
    scheduledFor: r.scheduled_for,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    result: parse<Json>(r.result),
    error: parse<SerializedError>(r.error),
  };
}

/** Named parameters of the full `flow_runs` row of `run`. */
export function runToParams(run: FlowRunRecord): RunRow {
  return {
    id: run.id,
    flow_name: run.flowName,
    params: toJson(run.params),
    state: run.state,
    state_reason: run.stateReason,
    waiting_for: toNullableJson(run.waitingFor),
    parent_run_id: run.parentRunId,
    parent_task_key: run.parentTaskKey,
    idempotency_key: run.idempotencyKey,
    queue: run.queue,
    priority: run.priority,
    run_at: run.runAt,
    attempt: run.attempt,
    lease_owner: run.leaseOwner,
    lease_expires_at: run.leaseExpiresAt,
    tags: toJson(run.tags),
    schedule_name: run.scheduleName,
    scheduled_for: run.scheduledFor,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    started_at: run.startedAt,
    ended_at: run.endedAt,
    result: toNullableJson(run.result),
    error: toNullableJson(run.error),
  };
}

export function taskFromRow(r: TaskRow): TaskRunRecord {
  return {
    id: r.id,
    runId: r.run_id,
    taskKey: r.task_key,
    taskName: r.task_name,
    state: r.state as RunState,
    stateReason: r.state_reason,
    attempt: r.attempt,
    maxAttempts: r.max_attempts,
    nextRetryAt: r.next_retry_at,
    result: parse<Json>(r.result),
    resultPersisted: r.result_persisted === 1,
    error: parse<SerializedError>(r.error),
    progress: parse<Progress>(r.progress),
    childRunId: r.child_run_id,
    tags: JSON.parse(r.tags) as string[],
    atMostOnce: r.at_most_once === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
  };
}

/** Named parameters of the full `flow_task_runs` row of `task` (without `seq`). */
export function taskToParams(task: TaskRunRecord): Omit<TaskRow, 'seq'> {
  return {
    id: task.id,
    run_id: task.runId,
    task_key: task.taskKey,
    task_name: task.taskName,
    state: task.state,
    state_reason: task.stateReason,
    attempt: task.attempt,
    max_attempts: task.maxAttempts,
    next_retry_at: task.nextRetryAt,
    result: toNullableJson(task.result),
    result_persisted: task.resultPersisted ? 1 : 0,
    error: toNullableJson(task.error),
    progress: toNullableJson(task.progress),
    child_run_id: task.childRunId,
    tags: toJson(task.tags),
    at_most_once: task.atMostOnce ? 1 : 0,
    created_at: task.createdAt,
    updated_at: task.updatedAt,
    started_at: task.startedAt,
    ended_at: task.endedAt,
  };
}

export function historyFromRow(r: HistoryRow): StateHistoryRecord {
  return {
    seq: r.seq,
    entity: r.entity as 'flow' | 'task',
    runId: r.run_id,
    taskRunId: r.task_run_id,
    taskKey: r.task_key,
    from: r.from_state as RunState | null,
    to: r.to_state as RunState,
    attempt: r.attempt,
    at: r.at,
    reason: r.reason,
  };
}

export function logFromRow(r: LogRow): LogRecord {
  return {
    seq: r.seq,
    runId: r.run_id,
    taskRunId: r.task_run_id,
    level: r.level as LogLevel,
    message: r.message,
    fields: parse<JsonObject>(r.fields),
    at: r.at,
  };
}

export function checkpointFromRow(r: CheckpointRow): CheckpointRecord {
  return { runId: r.run_id, taskKey: r.task_key, key: r.key, value: JSON.parse(r.value) as Json, updatedAt: r.updated_at };
}

export function scheduleFromRow(r: ScheduleRow): ScheduleRecord {
  return {
    name: r.name,
    flowName: r.flow_name,
    spec: JSON.parse(r.spec) as Json,
    nextSlot: r.next_slot,
    lastSlot: r.last_slot,
    paused: r.paused === 1,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export function slotFromRow(r: SlotRow): SlotRecord {
  return { key: r.key, holder: r.holder, runId: r.run_id, owner: r.owner, acquiredAt: r.acquired_at, expiresAt: r.expires_at };
}
