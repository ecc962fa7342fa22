/**
 * `@vms/flow-core`: an embeddable, durable workflow engine. Flows and tasks are plain typed
 * functions; the engine adds retries, timeouts, cancellation, concurrency and rate limits, a
 * stored state history, logs, events and OpenTelemetry spans.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * import { createEngine, flow, task } from '@vms/flow-core';
 *
 * const fetchPage = task({
 *   name: 'fetch-page',
 *   input: z.object({ page: z.number().int() }),
 *   retries: 3,
 *   run: async (ctx, { page }) => ({ page, rows: 10 }),
 * });
 *
 * const sync = flow({
 *   name: 'sync',
 *   params: z.object({ pages: z.number().int().min(1) }),
 *   run: async (ctx, { pages }) => {
 *     const results = await ctx.map(fetchPage, Array.from({ length: pages }, (_, page) => ({ page })));
 *     return results.reduce((n, r) => n + r.rows, 0);
 *   },
 * });
 *
 * const engine = createEngine({ concurrency: 4 });
 * const total = await engine.run(sync, { pages: 3 }); // 30
 * await engine.stop();
 * ```
 */
export {
  ErrorCode,
  FlowError,
  NonRetriableError,
  RetryAfterError,
  TimeoutError,
  CancelledError,
  ShutdownError,
  RetriesExhaustedError,
  InvalidParamsError,
  InvalidOptionError,
  NotFoundError,
} from './errors.js';
export type { ErrorCategory, FlowErrorOptions, ValidationIssue } from './errors.js';
export { describeValue, invalidOptionMessage } from './validate.js';
export type { DescribeValueOptions, InvalidOptionMessageOptions } from './validate.js';

export { task, flow } from './definitions.js';
export type {
  Task,
  Flow,
  Runnable,
  TaskConfig,
  FlowConfig,
  TaskOptions,
  FlowOptions,
  CommonOptions,
  TaskContext,
  FlowContext,
  CallOptions,
  MapOptions,
  RunArgs,
  RunLogger,
  Checkpoints,
  InputOf,
  OutputOf,
  AnySchema,
  ResolvedOptions,
} from './definitions.js';

export { createEngine, Engine } from './engine/engine.js';
export type { StartOptions, StartArgs, RunHandle, RunStatus, TaskStatus, EngineScheduleOptions, ShutdownOptions } from './engine/engine.js';
export { QueueWorker } from './durable/queue.js';
export type { EnqueueOptions, WorkerOptions } from './durable/queue.js';
export type { RecoverOptions, RecoverResult } from './durable/recovery.js';
export type { RerunOptions } from './durable/rerun.js';
export { IncompatibleStepError, AtMostOnceInterruptedError } from './durable/step-guard.js';
export type { EngineOptions } from './engine/options.js';
export type { RateLimit, SlotUsage } from './engine/limits.js';
export { serializeError, DEFAULT_REDACT_KEYS } from './engine/serialize.js';

export {
  exponentialBackoff,
  nextRetryDelay,
  baseRetryDelay,
  retryDelayCap,
  resolveRetryPolicy,
  decideRetry,
} from './retry/policy.js';
export type { ExponentialBackoff, RetryDelay, RetryJitter, RetryOptions, RetryPolicy, RetryDecision } from './retry/policy.js';
export { classifyError, resolveClassification } from './retry/classify.js';
export type { ErrorClassification, ClassifyErrorHook } from './retry/classify.js';

export {
  TELEMETRY_PREFIX,
  SpanName,
  SpanAttribute,
  SpanEventName,
  withSpan,
  markSpanError,
} from './telemetry/tracing.js';
export type { WithSpanOptions } from './telemetry/tracing.js';
export { MetricName } from './telemetry/metrics.js';
export { shutdownTelemetry } from './telemetry/shutdown.js';
export type { TelemetryShutdownTarget, ShutdownTelemetryOptions, ShutdownTelemetryResult } from './telemetry/shutdown.js';

export {
  RunState,
  RUN_STATES,
  FINAL_STATES,
  ENDED_STATES,
  ACTIVE_STATES,
  TRANSITIONS,
  canTransition,
  isFinalState,
  isRunState,
} from './states.js';

export type {
  EngineEvents,
  EngineEventName,
  EngineHooks,
  EngineErrorEvent,
  FlowStateEvent,
  TaskStateEvent,
  RetryEvent,
  ProgressEvent,
  LogEvent,
  ScheduleFiredEvent,
  ScheduleSkippedEvent,
  ScheduleSkipReason,
  RunEnqueuedEvent,
  RunRecoveredEvent,
} from './events.js';

export type {
  Json,
  JsonObject,
  SerializedError,
  Progress,
  WaitReason,
  FlowRunRecord,
  TaskRunRecord,
  StateHistoryRecord,
  LogLevel,
  LogRecord,
  CheckpointRecord,
  ScheduleRecord,
  SlotRecord,
  NewFlowRun,
  FlowRunPatch,
  RunTransition,
  CasFailure,
  RunTransitionResult,
  NewTaskRun,
  TaskRunPatch,
  TaskTransition,
  TaskTransitionResult,
  NewLog,
  CheckpointWrite,
  StoreOp,
  StoreOpResult,
  ClaimOptions,
  LeaseExtension,
  SlotRequest,
  ScheduleUpsert,
  ScheduleSlotClaim,
  ScheduleSlotClaimResult,
  ListRunsQuery,
  Page,
  RunDetail,
  StatsQuery,
  FlowStats,
  PruneOptions,
  PruneResult,
  StoreCapabilities,
  Store,
} from './store/types.js';
export { MemoryStore, summarise, encodeRunCursor, decodeRunCursor, newRunRecord, newTaskRunRecord } from './store/memory-store.js';
export type { MemoryStoreOptions } from './store/memory-store.js';

export { systemClock, sleep } from './time/clock.js';
export type { Clock, TimerHandle } from './time/clock.js';
export type { RandomSource } from './time/random.js';

// schedule exports (owned by src/schedule; see src/schedule/README.md)
export {
  DEFAULT_DST_POLICY,
  validateScheduleSpec,
  nextSlot,
  nextSlots,
  missedSlots,
  preview,
  Scheduler,
  OVERLAP_POLICIES,
  assertTimeZone,
  offsetAt,
  resolveWallTime,
  wallTimeOf,
  wallTimeToInstant,
} from './schedule/index.js';
export type {
  CronScheduleSpec,
  IntervalScheduleSpec,
  ScheduleSpec,
  NormalizedScheduleSpec,
  DstPolicy,
  DstGapPolicy,
  DstRepeatPolicy,
  Slot,
  SlotDstNote,
  SkippedSlot,
  CatchupPolicy,
  MissedSlots,
  MissedSlotsOptions,
  PreviewEntry,
  OverlapPolicy,
  ScheduleOptions,
  ScheduleDefinition,
  ScheduleInfo,
  SchedulerOptions,
  SchedulerEvents,
  WallResolution,
} from './schedule/index.js';
// end schedule exports
