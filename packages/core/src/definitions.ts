/**
 * `task(...)` and `flow(...)`: typed definitions. With a zod schema, the caller's input type is
 * `z.input<Schema>` and the body receives `z.output<Schema>`; the result type is the body's
 * return type, so `await ctx.run(task, input)` is typed end to end without casts.
 */
import type { z } from 'zod';
import type { Json, Progress } from './store/types.js';
import { resolveRetryPolicy, type RetryOptions, type RetryPolicy } from './retry/policy.js';
import { checkFunction, checkInteger, checkName, invalid } from './validate.js';

/** Levelled logger persisted per run (`ctx.log`). `fields` must be JSON; secret-looking keys are redacted. */
export interface RunLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A task's persisted progress markers (`ctx.checkpoint`), scoped to run + task key. */
export interface Checkpoints {
  /** The stored value of `key`, or `undefined`. */
  get<T extends Json = Json>(key: string): Promise<T | undefined>;
  /** Stores `value` under `key`; durable when the promise resolves. */
  set(key: string, value: Json): Promise<void>;
}

/** Per-call options of `ctx.run`. */
export interface CallOptions {
  /**
   * Explicit deterministic key of this call inside the run (unique per run).
   * @default `"<name>#<n>"`, n = call order of that name in the flow attempt
   */
  key?: string;
}

/** Context of one task attempt. */
export interface TaskContext {
  /** Aborts on cancel, timeout, or when the flow attempt ends. Pass it to fetch, DB drivers, ... */
  readonly signal: AbortSignal;
  readonly log: RunLogger;
  readonly runId: string;
  readonly flowName: string;
  readonly taskName: string;
  readonly taskKey: string;
  readonly taskRunId: string;
  /** Attempt number, 1-based. */
  readonly attempt: number;
  /** Stable across attempts and resumes: `"<runId>:<taskKey>"`. Hand it to external systems. */
  readonly idempotencyKey: string;
  /** Reports progress (stored, emitted as `run:progress`). */
  progress(progress: Progress): void;
  readonly checkpoint: Checkpoints;
}

/** Context of one flow attempt. */
export interface FlowContext {
  readonly signal: AbortSignal;
  readonly log: RunLogger;
  readonly runId: string;
  readonly flowName: string;
  /** Flow attempt number, 1-based. */
  readonly attempt: number;
  /** Stable per run: the run's idempotency key, or its id. */
  readonly idempotencyKey: string;
  /** Runs a task or a sub-flow and resolves with its result. */
  run<I, O>(target: Runnable<I, O>, ...args: RunArgs<I>): Promise<O>;
  /**
   * Runs `task` once per input with at most `concurrency` in flight, pulling inputs lazily
   * (backpressure), and resolves with the results in input order. Rejects with the first
   * failure after in-flight calls settle; no further input is pulled.
   */
  map<I, O>(task: Task<I, O>, inputs: Iterable<I> | AsyncIterable<I>, options?: MapOptions): Promise<O[]>;
  /**
   * Records a call as `Skipped` without running it (e.g. a dependency failed and the flow
   * chooses to go on): the task run is stored and emitted with `reason`. Uses the same key as
   * `ctx.run` would (`"<name>#<n>"`, or `options.key`).
   */
  skip<I, O>(target: Runnable<I, O>, reason: string, options?: CallOptions): Promise<void>;
  /** Like {@link FlowContext.map} but keeps no results (memory stays flat for any input count). */
  forEach<I, O>(
    task: Task<I, O>,
    inputs: Iterable<I> | AsyncIterable<I>,
    options?: MapOptions & { onResult?: (result: O, index: number) => void },
  ): Promise<{ count: number }>;
}

/** Options of `ctx.map` / `ctx.forEach`. */
export interface MapOptions {
  /** Calls in flight at once (engine, tag and rate limits still apply). @default 16 */
  concurrency?: number;
}

/** Arguments after the target of `ctx.run`: input optional when the task takes none. */
export type RunArgs<I> = undefined extends I
  ? [input?: NoInfer<I>, options?: CallOptions]
  : [input: NoInfer<I>, options?: CallOptions];

/** Options shared by tasks and flows. */
export interface CommonOptions extends RetryOptions {
  /** Per-attempt time limit in ms; the attempt's signal aborts and it fails with `TimeoutError`. @default none */
  timeout?: number;
  /** Tags; a task holds a slot of each tag's limit (engine option `tags`) and rate limit while it runs. @default [] */
  tags?: readonly string[];
}

/** Options of {@link task}. */
export interface TaskOptions extends CommonOptions {
  /** Store the result (must be JSON) so a resumed run reuses it. @default true */
  persistResult?: boolean;
  /** Store the start before the body runs; after a crash, fail instead of running it again blind. @default false */
  atMostOnce?: boolean;
}

/** Options of {@link flow}. */
export interface FlowOptions extends CommonOptions {
  /** Work queue; its limit (engine option `queues`) bounds concurrent runs. @default 'default' */
  queue?: string;
  /** Resume after a crash, reusing completed task results. @default true */
  resumable?: boolean;
}

/** Phantom type carrier shared by tasks and flows. */
interface Typed<I, O> {
  /** Type-level only; never set at runtime. */
  readonly '~types'?: { readonly input: (input: I) => void; readonly output: O };
}

/** A schema as the engine uses it (zod 4 or anything with `safeParseAsync`). */
export type AnySchema = z.ZodType;

/** A defined task. `I` is what callers pass, `O` what they get back. */
export interface Task<I, O> extends Typed<I, O> {
  readonly kind: 'task';
  readonly name: string;
  readonly input: AnySchema | undefined;
  readonly options: ResolvedOptions & { readonly persistResult: boolean; readonly atMostOnce: boolean };
  readonly run: (ctx: TaskContext, input: never) => unknown;
}

/** A defined flow. `P` is what callers pass as params, `O` the result. */
export interface Flow<P, O> extends Typed<P, O> {
  readonly kind: 'flow';
  readonly name: string;
  readonly params: AnySchema | undefined;
  readonly options: ResolvedOptions & { readonly queue: string; readonly resumable: boolean };
  readonly run: (ctx: FlowContext, params: never) => unknown;
}

/** A task or a flow. */
export type Runnable<I, O> = Task<I, O> | Flow<I, O>;

/** Validated common options. */
export interface ResolvedOptions {
  readonly retry: RetryPolicy;
  readonly timeout: number | undefined;
  readonly tags: readonly string[];
}

/** The input type callers pass to a task or flow. */
export type InputOf<T> = T extends Typed<infer I, unknown> ? I : never;
/** The result type of a task or flow. */
export type OutputOf<T> = T extends Typed<never, infer O> ? O : never;

/** Config of {@link task}. */
export type TaskConfig<I, R> = TaskOptions & {
  /** Unique, stable name (part of task keys; used in spans and logs). Required. */
  name: string;
  /** The body. `input` is validated by the schema first when there is one. Required. */
  run: (ctx: TaskContext, input: I) => R;
};

/** Config of {@link flow}. */
export type FlowConfig<P, R> = FlowOptions & {
  /** Unique, stable name (stored with each run; `register`, schedules, spans and logs use it). Required. */
  name: string;
  /** The body. `params` is validated by the `params` schema first when there is one. Required. */
  run: (ctx: FlowContext, params: P) => R;
};

function resolveCommon(options: CommonOptions, what: string): ResolvedOptions {
  const retry = resolveRetryPolicy(options);
  const timeout = options.timeout === undefined ? undefined : checkInteger('timeout', options.timeout, 1);
  const tags = options.tags ?? [];
  if (!Array.isArray(tags)) invalid('tags', 'an array of tag names', tags);
  tags.forEach((t: unknown, i) => checkName(`tags[${i}]`, t));
  void what;
  return { retry, timeout, tags: [...new Set(tags)] };
}

function checkSchema(name: string, schema: unknown): AnySchema | undefined {
  if (schema === undefined) return undefined;
  if (typeof schema !== 'object' || schema === null || typeof (schema as { safeParseAsync?: unknown }).safeParseAsync !== 'function') {
    invalid(name, 'a zod schema', schema);
  }
  return schema as AnySchema;
}

/**
 * Defines a task.
 *
 * @example
 * ```ts
 * const upsert = task({
 *   name: 'upsert-volunteers',
 *   input: z.object({ ids: z.array(z.string()) }),
 *   retries: 3,
 *   retryDelay: exponentialBackoff({ base: 500, max: 10_000 }),
 *   tags: ['salesforce'],
 *   run: async (ctx, { ids }) => ({ upserted: ids.length }),
 * });
 * ```
 */
export function task<S extends AnySchema, R>(
  config: TaskConfig<z.output<S>, R> & {
    /** zod schema of the input: callers pass `z.input`, the body gets `z.output`. @default none (the body's parameter type) */
    input: S;
  },
): Task<z.input<S>, Awaited<R>>;
export function task<I = undefined, R = unknown>(config: TaskConfig<I, R> & { input?: undefined }): Task<I, Awaited<R>>;
export function task(config: TaskConfig<unknown, unknown> & { input?: AnySchema }): Task<unknown, unknown> {
  if (typeof config !== 'object' || config === null) invalid('task config', 'an object', config);
  const name = checkName('name', config.name);
  checkFunction('run', config.run);
  const input = checkSchema('input', config.input);
  return Object.freeze({
    kind: 'task' as const,
    name,
    input,
    options: {
      ...resolveCommon(config, `task \`${name}\``),
      persistResult: config.persistResult ?? true,
      atMostOnce: config.atMostOnce ?? false,
    },
    run: config.run as (ctx: TaskContext, input: never) => unknown,
  });
}

/**
 * Defines a flow.
 *
 * @example
 * ```ts
 * const nightly = flow({
 *   name: 'nightly-sync',
 *   params: z.object({ since: z.iso.datetime().optional() }),
 *   retries: 1,
 *   run: async (ctx, { since }) => {
 *     const [orgs, schools] = await Promise.all([ctx.run(syncOrgs, { since }), ctx.run(syncSchools, { since })]);
 *     return { orgs, schools };
 *   },
 * });
 * ```
 */
export function flow<S extends AnySchema, R>(
  config: FlowConfig<z.output<S>, R> & {
    /** zod schema of the params: callers pass `z.input`, the body gets `z.output`. @default none (the body's parameter type) */
    params: S;
  },
): Flow<z.input<S>, Awaited<R>>;
export function flow<P = undefined, R = unknown>(config: FlowConfig<P, R> & { params?: undefined }): Flow<P, Awaited<R>>;
export function flow(config: FlowConfig<unknown, unknown> & { params?: AnySchema }): Flow<unknown, unknown> {
  if (typeof config !== 'object' || config === null) invalid('flow config', 'an object', config);
  const name = checkName('name', config.name);
  checkFunction('run', config.run);
  const params = checkSchema('params', config.params);
  return Object.freeze({
    kind: 'flow' as const,
    name,
    params,
    options: {
      ...resolveCommon(config, `flow \`${name}\``),
      queue: checkName('queue', config.queue ?? 'default'),
      resumable: config.resumable ?? true,
    },
    run: config.run as (ctx: FlowContext, params: never) => unknown,
  });
}
