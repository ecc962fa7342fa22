/**
 * The engine's typed event map (eventemitter3, `noun:verb` names, one payload object each) and
 * the hooks plugins attach with (SPEC §2.7).
 */
import type { RunState } from './states.js';
import type { LogLevel, JsonObject, Progress, SerializedError } from './store/types.js';

/** Payload of `flow:state`. */
export interface FlowStateEvent {
  runId: string;
  flowName: string;
  parentRunId: string | null;
  from: RunState | null;
  to: RunState;
  attempt: number;
  at: number;
  reason: string | null;
  /** Set when `to` is `Failed`, `Crashed` or `Cancelled`. */
  error?: SerializedError;
}

/** Payload of `task:state`. */
export interface TaskStateEvent {
  runId: string;
  flowName: string;
  taskRunId: string;
  taskKey: string;
  taskName: string;
  from: RunState | null;
  to: RunState;
  attempt: number;
  at: number;
  reason: string | null;
  error?: SerializedError;
}

/** Payload of `task:retry` and `flow:retry`. */
export interface RetryEvent {
  runId: string;
  flowName: string;
  /** Set for `task:retry`. */
  taskRunId?: string;
  taskKey?: string;
  taskName?: string;
  /** The attempt that failed (1-based). */
  attempt: number;
  /** The delay actually waited before the next attempt, in ms. */
  delayMs: number;
  /** When the next attempt starts (epoch ms). */
  retryAt: number;
  error: SerializedError;
}

/** Payload of `run:progress`. */
export interface ProgressEvent extends Progress {
  runId: string;
  flowName: string;
  taskRunId: string;
  taskKey: string;
  taskName: string;
  at: number;
}

/** Payload of `log`. */
export interface LogEvent {
  runId: string;
  flowName: string;
  taskRunId: string | null;
  taskName: string | null;
  level: LogLevel;
  message: string;
  fields: JsonObject | null;
  at: number;
}

/** Payload of `schedule:fired`. */
export interface ScheduleFiredEvent {
  scheduleName: string;
  flowName: string;
  slot: number;
  runId: string;
  /** True when the slot fired after its time (a catch-up). */
  late: boolean;
  at: number;
}

/** Why a schedule slot did not fire. */
export type ScheduleSkipReason = 'dst-gap' | 'catchup' | 'overlap';

/** Payload of `schedule:skipped`. */
export interface ScheduleSkippedEvent {
  scheduleName: string;
  flowName: string;
  slot: number;
  /**
   * Why: `dst-gap` (the slot's local time fell in a DST gap under `dst: { gap: 'skip' }`),
   * `catchup` (missed while no scheduler ran, and the catch-up policy does not run it) or
   * `overlap` (the previous run was still going under `overlap: 'skip'`).
   */
  reason: ScheduleSkipReason;
  at: number;
}

/** Payload of `run:enqueued`. */
export interface RunEnqueuedEvent {
  runId: string;
  flowName: string;
  queue: string;
  priority: number;
  runAt: number;
}

/** Payload of `run:recovered`. */
export interface RunRecoveredEvent {
  runId: string;
  flowName: string;
  /** `crashed`: marked Crashed; `resumed`: a new attempt started. */
  action: 'crashed' | 'resumed';
  at: number;
}

/** Payload of `engine:error`: a failure outside any run's own result (a hook, the store, a listener). */
export interface EngineErrorEvent {
  error: unknown;
  /** Where it happened, e.g. `hook:onFlowRunStateChange` or `store:flush`. */
  source: string;
  runId?: string;
}

/** Every event the engine emits. */
export interface EngineEvents {
  /** A flow run changed state (every transition, including the first). */
  'flow:state': [event: FlowStateEvent];
  /** A task run changed state. */
  'task:state': [event: TaskStateEvent];
  /** A task attempt failed and another will start after `delayMs`. */
  'task:retry': [event: RetryEvent];
  /** A flow attempt failed and another will start after `delayMs`. */
  'flow:retry': [event: RetryEvent];
  /** A task reported progress through `ctx.progress`. */
  'run:progress': [event: ProgressEvent];
  /** A run was stored as `Scheduled` in a work queue. */
  'run:enqueued': [event: RunEnqueuedEvent];
  /** Recovery marked a run crashed or resumed it. */
  'run:recovered': [event: RunRecoveredEvent];
  /** A run wrote a log line through `ctx.log`. */
  log: [event: LogEvent];
  /** A schedule fired a slot. */
  'schedule:fired': [event: ScheduleFiredEvent];
  /** A schedule skipped a slot (`dst-gap`, `catchup` or `overlap`). */
  'schedule:skipped': [event: ScheduleSkippedEvent];
  /** Something failed outside a run (hook, listener, store flush). */
  'engine:error': [event: EngineErrorEvent];
}

/** Names of {@link EngineEvents}. */
export type EngineEventName = keyof EngineEvents;

/** A value or a promise of it. */
type MaybePromise<T> = T | Promise<T>;

/**
 * Hooks for plugins (alerts, metrics, custom stores of events). Each is awaited in the background:
 * a throwing or rejecting hook never affects the run; its error is emitted as `engine:error`.
 */
export interface EngineHooks {
  /** Every flow run state change. */
  onFlowRunStateChange?(event: FlowStateEvent): MaybePromise<void>;
  /** Every task run state change. */
  onTaskRunStateChange?(event: TaskStateEvent): MaybePromise<void>;
  /** Each scheduled retry of a task or flow. */
  onRetry?(event: RetryEvent): MaybePromise<void>;
  /** Once per run that ends `Failed` or `Crashed`, with the final error. */
  onRunError?(event: FlowStateEvent & { error: SerializedError }): MaybePromise<void>;
  /** Each log line. */
  onLog?(event: LogEvent): MaybePromise<void>;
  /** Each fired schedule slot. */
  onScheduleFired?(event: ScheduleFiredEvent): MaybePromise<void>;
}
