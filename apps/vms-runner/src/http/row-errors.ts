/**
 * Row errors of a run: records a sync task could not map cleanly. By default they are read from
 * the task results (a sync task returns `{ errors: [{ code, message, ... }] }`, capped); a runner
 * that stores every row error elsewhere passes its own {@link RowErrorSource}.
 */
import type { Json, RunDetail } from '@vms/flow-core';

/** One row error as the API and dashboard show it. */
export interface RowErrorView {
  /** Task key the error came from, when known. */
  taskKey?: string;
  /** Entity (e.g. `contacts`), when known. */
  entity?: string;
  /** Row-error code, e.g. `INVALID_DATE`. */
  code: string;
  /** `error` (not written) or `warning` (written, a value dropped). @default 'error' */
  severity: string;
  field?: string;
  message: string;
  salesforceId?: string;
  recordName?: string;
  /** Sheet row number, for sheet imports. */
  row?: number;
}

/** Returns the row errors of a run (e.g. from the VMS database's `row_errors` table). */
export type RowErrorSource = (runId: string, detail: RunDetail) => Promise<RowErrorView[]>;

function str(value: Json | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** Reads row errors from task results shaped `{ errors: [...] }` (the default {@link RowErrorSource}). */
export function rowErrorsFromResults(detail: RunDetail): RowErrorView[] {
  const out: RowErrorView[] = [];
  for (const taskRun of detail.taskRuns) {
    const result = taskRun.result;
    if (typeof result !== 'object' || result === null || Array.isArray(result)) continue;
    const errors = result['errors'];
    if (!Array.isArray(errors)) continue;
    for (const item of errors) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
      const message = str(item['message']);
      if (message === undefined) continue;
      const view: RowErrorView = {
        taskKey: taskRun.taskKey,
        code: str(item['code']) ?? 'UNKNOWN',
        severity: str(item['severity']) ?? 'error',
        message,
      };
      const entity = str(item['entity']) ?? str(result['entity'] as Json | undefined);
      if (entity !== undefined) view.entity = entity;
      const field = str(item['field']);
      if (field !== undefined) view.field = field;
      const salesforceId = str(item['salesforceId']);
      if (salesforceId !== undefined) view.salesforceId = salesforceId;
      const recordName = str(item['recordName']);
      if (recordName !== undefined) view.recordName = recordName;
      const row = item['row'];
      if (typeof row === 'number') view.row = row;
      out.push(view);
    }
  }
  return out;
}
