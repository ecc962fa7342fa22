/**
 * JSON views of stored records for the API: errors lose their stack traces (which may hold local
 * paths or values) and everything else is passed through as stored (times in epoch ms).
 */
import type { FlowRunRecord, RunDetail, SerializedError, TaskRunRecord } from '@vms/flow-core';
import type { RowErrorView } from './row-errors.js';

/** An error without its stack (recursively). */
export function publicError(error: SerializedError | null): SerializedError | null {
  if (error === null) return null;
  const { stack: _stack, attempts, cause, ...rest } = error;
  const out: SerializedError = { ...rest };
  if (attempts !== undefined) out.attempts = attempts.map((a) => publicError(a) as SerializedError);
  if (cause !== undefined) out.cause = publicError(cause) as SerializedError;
  return out;
}

/** A run for the API. */
export function runView(run: FlowRunRecord): FlowRunRecord {
  return { ...run, error: publicError(run.error) };
}

/** A task run for the API. */
export function taskRunView(taskRun: TaskRunRecord): TaskRunRecord {
  return { ...taskRun, error: publicError(taskRun.error) };
}

/** `GET /api/runs/:id`. */
export function runDetailView(detail: RunDetail, rowErrors: RowErrorView[]): Record<string, unknown> {
  return {
    run: runView(detail.run),
    taskRuns: detail.taskRuns.map(taskRunView),
    logs: detail.logs,
    history: detail.history,
    children: detail.children.map(runView),
    rowErrors,
  };
}
