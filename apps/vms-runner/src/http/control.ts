/**
 * What the HTTP API and the dashboard need from the running engine, as a narrow interface, so
 * they depend on neither the engine's internals nor the runner's composition. `createRunner()`
 * builds one from the engine and its scheduler; tests may build one from any real engine.
 */
import type { z } from 'zod';
import type { Json, RunState } from '@vms/flow-core';

/** A flow the API can trigger. */
export interface TriggerableFlow {
  /** The flow's name, as in `POST /api/runs { flow }`. */
  name: string;
  /** One line shown in the dashboard's trigger form. @default none */
  description?: string;
  /** The flow's params schema; the API validates params with it before queuing (400 on failure). @default any JSON object */
  params?: z.ZodType;
  /** Params the dashboard's trigger form pre-fills (JSON). @default {} */
  exampleParams?: Json;
}

/** Options of {@link RunnerControl.trigger}. */
export interface TriggerOptions {
  /** A second trigger with the same key returns the first run. @default none */
  idempotencyKey?: string;
}

/** A schedule as shown by the API and dashboard (a subset of core's `ScheduleInfo`). */
export interface ScheduleView {
  name: string;
  flowName: string;
  /** Cron (with its IANA time zone) or interval timing. */
  spec: { cron?: string; timezone?: string; intervalMs?: number; dst?: { gap: string; repeat: string } };
  paused: boolean;
  /** The next instant the schedule fires, or `null`. */
  nextRunAt: Date | null;
  /** The last slot handled, or `null`. */
  lastSlotAt: Date | null;
}

/** One upcoming fire time (core's `PreviewEntry`). */
export interface SchedulePreviewEntry {
  /** ISO-8601 UTC instant. */
  at: string;
  /** The same instant as local time with its offset. */
  local: string;
  /** The local slot the expression named. */
  localSlot: string;
  /** What the DST policy did to this slot, when it did something. */
  note?: string;
}

/** Schedules: list, pause, resume, preview. */
export interface ScheduleControl {
  list(): Promise<ScheduleView[]>;
  /** Rejects (or resolves `undefined`) when there is no such schedule. */
  pause(name: string): Promise<ScheduleView | undefined>;
  resume(name: string): Promise<ScheduleView | undefined>;
  /** The next `n` fire times with DST notes. */
  preview(name: string, n: number): Promise<SchedulePreviewEntry[]>;
}

/** Result of {@link RunnerControl.cancel}. */
export type CancelResult =
  | { ok: true; state: RunState }
  | { ok: false; reason: 'not_found' | 'already_ended'; state?: RunState };

/** The engine as the HTTP layer sees it. */
export interface RunnerControl {
  /** Flows that may be triggered. */
  flows(): readonly TriggerableFlow[];
  /**
   * Queues a run of `flowName` with already validated `params` and returns its id at once; the
   * run itself starts when a worker claims it.
   */
  trigger(flowName: string, params: Json, options?: TriggerOptions): Promise<{ runId: string }>;
  /** Cancels a queued or running run. */
  cancel(runId: string): Promise<CancelResult>;
  /** Schedules, when the runner has a scheduler. @default none */
  schedules?: ScheduleControl;
  /**
   * Engine events, for `/metrics` task counters (an eventemitter3 engine fits as is).
   * @default none: task counters are absent from `/metrics`
   */
  events?: TaskEventSource;
}

/** The slice of a `task:state` event `/metrics` needs. */
export interface TaskStateLike {
  taskRunId: string;
  flowName: string;
  taskName: string;
  from: RunState | null;
  to: RunState;
  at: number;
}

/** Something that emits `task:state` events. */
export interface TaskEventSource {
  on(event: 'task:state', listener: (event: TaskStateLike) => void): unknown;
  off(event: 'task:state', listener: (event: TaskStateLike) => void): unknown;
}
