/**
 * OpenTelemetry through `@opentelemetry/api` only (no SDK in core): span names, attribute keys
 * (all under the `vms_flow.` prefix) and the {@link withSpan} helper.
 *
 * Spans: one `vms_flow.flow_run` per flow run (a sub-flow's is a child of its parent's), one
 * `vms_flow.task_attempt` per task attempt as a child of its flow run's span, also across
 * parallel tasks (the parent is passed explicitly, so no context manager is needed). A retry's
 * span links to the attempt before it. Every flow and task state transition is an event named
 * `vms_flow.state` on the flow run's span (task ones carry `vms_flow.task.key`); scheduled
 * retries are `vms_flow.retry` events; each attempt span carries its outcome in `vms_flow.state`.
 */
import { SpanStatusCode, context as otelContext, trace, type Context, type Span, type SpanOptions, type Tracer } from '@opentelemetry/api';

/** Prefix of every span name, attribute key, event and metric of the engine. */
export const TELEMETRY_PREFIX = 'vms_flow.';

/** Span names. */
export const SpanName = {
  /** One flow run (all its attempts). */
  FlowRun: 'vms_flow.flow_run',
  /** One attempt of one task run. */
  TaskAttempt: 'vms_flow.task_attempt',
} as const;

/** Span attribute keys. */
export const SpanAttribute = {
  FlowName: 'vms_flow.flow.name',
  RunId: 'vms_flow.run.id',
  ParentRunId: 'vms_flow.run.parent_id',
  Queue: 'vms_flow.run.queue',
  TaskName: 'vms_flow.task.name',
  TaskKey: 'vms_flow.task.key',
  TaskRunId: 'vms_flow.task.run_id',
  /** Attempt number (1-based) of the task attempt or, on a flow span, the last flow attempt. */
  Attempt: 'vms_flow.attempt',
  /** Final state, set when the span ends. */
  State: 'vms_flow.state',
  ErrorCategory: 'vms_flow.error.category',
  ErrorCode: 'vms_flow.error.code',
  /** On state events: the state left and entered. */
  StateFrom: 'vms_flow.state.from',
  StateTo: 'vms_flow.state.to',
  StateReason: 'vms_flow.state.reason',
  /** On retry events: the wait before the next attempt, ms. */
  RetryDelayMs: 'vms_flow.retry.delay_ms',
  ScheduleName: 'vms_flow.schedule.name',
} as const;

/** Span event names. */
export const SpanEventName = {
  State: 'vms_flow.state',
  Retry: 'vms_flow.retry',
} as const;

/** Options of {@link withSpan}. */
export interface WithSpanOptions extends SpanOptions {
  /** Parent context. @default the active context */
  parent?: Context;
  /** Decides whether a thrown value marks the span ERROR. @default every thrown value */
  isError?: (error: unknown) => boolean;
}

/**
 * Runs `fn` inside a new active span: on a throw, records the exception and sets ERROR status
 * (unless `isError` says otherwise) and rethrows; the span always ends.
 *
 * @example
 * ```ts
 * const rows = await withSpan(tracer, 'load-rows', {}, async (span) => {
 *   span.setAttribute('rows', 10);
 *   return load();
 * });
 * ```
 */
export async function withSpan<T>(
  tracer: Tracer,
  name: string,
  options: WithSpanOptions,
  fn: (span: Span) => Promise<T> | T,
): Promise<T> {
  const { parent, isError, ...spanOptions } = options;
  const parentContext = parent ?? otelContext.active();
  const span = tracer.startSpan(name, spanOptions, parentContext);
  try {
    return await otelContext.with(trace.setSpan(parentContext, span), () => fn(span));
  } catch (error) {
    if (!isError || isError(error)) markSpanError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Records `error` on `span` and sets its status to ERROR. */
export function markSpanError(span: Span, error: unknown): void {
  if (error instanceof Error) span.recordException(error);
  else span.recordException(String(error));
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
}
