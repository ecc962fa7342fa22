/**
 * The engine's error hierarchy: every error the engine raises is a {@link FlowError} with a
 * string `code` from {@link ErrorCode}. Plugins extend `FlowError` for their own failures and set
 * `category` so {@link classifyError} can decide retryability without knowing the plugin.
 */

/** Stable machine-readable error codes. */
export const ErrorCode = {
  NonRetriable: 'NON_RETRIABLE',
  RetryAfter: 'RETRY_AFTER',
  Timeout: 'TIMEOUT',
  Cancelled: 'CANCELLED',
  RetriesExhausted: 'RETRIES_EXHAUSTED',
  InvalidParams: 'INVALID_PARAMS',
  InvalidOption: 'INVALID_OPTION',
  IncompatibleStep: 'INCOMPATIBLE_STEP',
  AtMostOnceInterrupted: 'AT_MOST_ONCE_INTERRUPTED',
  Crashed: 'CRASHED',
  Shutdown: 'SHUTDOWN',
  EngineStopped: 'ENGINE_STOPPED',
  NotFound: 'NOT_FOUND',
  Store: 'STORE',
  Plugin: 'PLUGIN',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** What kind of failure an error is; decides whether it is retried by default. */
export type ErrorCategory =
  | 'auth'
  | 'rate_limit'
  | 'network'
  | 'timeout'
  | 'validation'
  | 'database'
  | 'cancelled'
  | 'unknown';

/** Options shared by every {@link FlowError}. */
export interface FlowErrorOptions {
  /** The underlying error, kept as `cause`. */
  cause?: unknown;
  /** The flow run this error belongs to, when known. */
  runId?: string;
  /** The task this error belongs to, when known. */
  taskName?: string;
  /** Failure category; set by plugins so `classifyError` needs no plugin knowledge. */
  category?: ErrorCategory;
}

/** Base class of every error raised by the engine and its plugins. */
export class FlowError extends Error {
  override readonly name: string = 'FlowError';
  readonly code: string;
  readonly runId: string | undefined;
  readonly taskName: string | undefined;
  readonly category: ErrorCategory | undefined;

  constructor(code: string, message: string, options: FlowErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.runId = options.runId;
    this.taskName = options.taskName;
    this.category = options.category;
  }
}

/** Thrown by a task to fail at once, without retries. */
export class NonRetriableError extends FlowError {
  override readonly name = 'NonRetriableError';
  constructor(message: string, options: FlowErrorOptions = {}) {
    super(ErrorCode.NonRetriable, message, options);
  }
}

/** Thrown by a task to be retried after exactly `delayMs` (e.g. an HTTP 429 `Retry-After`). */
export class RetryAfterError extends FlowError {
  override readonly name = 'RetryAfterError';
  /** Delay before the next attempt, in ms. */
  readonly delayMs: number;
  /**
   * @param message what went wrong
   * @param retryAfter a delay in ms, or the instant to retry at
   * @param now the current time, for a `Date` (defaults to `Date.now()`)
   */
  constructor(
    message: string,
    retryAfter: number | Date,
    options: FlowErrorOptions & { now?: number } = {},
  ) {
    super(ErrorCode.RetryAfter, message, { category: 'rate_limit', ...options });
    const ms =
      retryAfter instanceof Date ? retryAfter.getTime() - (options.now ?? Date.now()) : retryAfter;
    if (!Number.isFinite(ms)) {
      throw new TypeError(`Expected \`retryAfter\` to be a finite delay or a valid Date, got \`${String(retryAfter)}\``);
    }
    this.delayMs = Math.max(0, ms);
  }
}

/** An attempt ran past its `timeout`. */
export class TimeoutError extends FlowError {
  override readonly name = 'TimeoutError';
  readonly timeoutMs: number;
  constructor(message: string, timeoutMs: number, options: FlowErrorOptions = {}) {
    super(ErrorCode.Timeout, message, { category: 'timeout', ...options });
    this.timeoutMs = timeoutMs;
  }
}

/** The run or task was cancelled (by `engine.cancel`, shutdown, or the caller's signal). */
export class CancelledError extends FlowError {
  override readonly name = 'CancelledError';
  constructor(message = 'Cancelled', options: FlowErrorOptions = {}) {
    super(ErrorCode.Cancelled, message, { category: 'cancelled', ...options });
  }
}

/**
 * The engine shut down (`engine.shutdown`) while the run was in progress: its tasks were aborted
 * with this reason and the run was left `Crashed`, so the next `recover()` resumes it. Like a
 * cancellation it is never retried; unlike one, the run is not over.
 */
export class ShutdownError extends FlowError {
  override readonly name = 'ShutdownError';
  constructor(message = 'The engine shut down', options: FlowErrorOptions = {}) {
    super(ErrorCode.Shutdown, message, { category: 'cancelled', ...options });
  }
}

/** Every attempt failed; `attempts` holds each attempt's error, oldest first. */
export class RetriesExhaustedError extends FlowError {
  override readonly name = 'RetriesExhaustedError';
  readonly attempts: readonly unknown[];
  constructor(message: string, attempts: readonly unknown[], options: FlowErrorOptions = {}) {
    super(ErrorCode.RetriesExhausted, message, { cause: attempts.at(-1), ...options });
    this.attempts = attempts;
  }
}

/** One problem found by schema validation (a zod issue, reduced to plain data). */
export interface ValidationIssue {
  /** Where in the input, e.g. `['rows', 3, 'email']`; empty for the root. */
  path: (string | number)[];
  message: string;
  /** The zod issue code, e.g. `too_small`. */
  code?: string;
}

/** Flow params or task input failed their zod schema; `issues` lists every problem. */
export class InvalidParamsError extends FlowError {
  override readonly name = 'InvalidParamsError';
  readonly issues: readonly ValidationIssue[];
  constructor(what: string, issues: readonly ValidationIssue[], options: FlowErrorOptions = {}) {
    super(
      ErrorCode.InvalidParams,
      `Invalid ${what}:\n${issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n')}`,
      { category: 'validation', ...options },
    );
    this.issues = issues;
  }
}

/** An option given to `task`, `flow`, `createEngine` or a method was invalid; the message names it and echoes the value. */
export class InvalidOptionError extends FlowError {
  override readonly name = 'InvalidOptionError';
  /** The option's name, e.g. `retries`. */
  readonly option: string;
  constructor(option: string, message: string, options: FlowErrorOptions = {}) {
    super(ErrorCode.InvalidOption, message, { category: 'validation', ...options });
    this.option = option;
  }
}

/** A run, task run or schedule that was asked for does not exist. */
export class NotFoundError extends FlowError {
  override readonly name = 'NotFoundError';
  constructor(message: string, options: FlowErrorOptions = {}) {
    super(ErrorCode.NotFound, message, options);
  }
}
