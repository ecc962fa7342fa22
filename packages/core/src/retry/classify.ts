/**
 * `classifyError`: maps any error to a category and decides whether it is retried by default.
 * Auth and validation failures are never retried; neither is a cancellation.
 */
import { FlowError, NonRetriableError, type ErrorCategory } from '../errors.js';

/** What {@link classifyError} says about an error. */
export interface ErrorClassification {
  category: ErrorCategory;
  retryable: boolean;
}

/**
 * A user hook (engine option `classifyError`) that classifies foreign errors. Return
 * `undefined` (or omit fields) to fall back to the built-in rules.
 */
export type ClassifyErrorHook = (error: unknown) => Partial<ErrorClassification> | undefined;

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

const NOT_RETRIED: ReadonlySet<ErrorCategory> = new Set<ErrorCategory>(['auth', 'validation', 'cancelled']);

function prop(error: unknown, key: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[key] : undefined;
}

function categoryOf(error: unknown): ErrorCategory {
  if (error instanceof FlowError && error.category) return error.category;
  const name = prop(error, 'name');
  if (name === 'ZodError' || name === '$ZodError') return 'validation';
  if (name === 'AbortError') return 'cancelled';
  if (name === 'TimeoutError') return 'timeout';
  const code = prop(error, 'code');
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return 'network';
    if (code.startsWith('SQLITE_')) return 'database';
  }
  const status = prop(error, 'status') ?? prop(error, 'statusCode');
  if (typeof status === 'number') {
    if (status === 401 || status === 403) return 'auth';
    if (status === 429) return 'rate_limit';
    if (status === 408) return 'timeout';
    if (status >= 500) return 'network';
    if (status >= 400) return 'validation';
  }
  const cause = prop(error, 'cause');
  if (cause !== undefined && cause !== error && typeof cause === 'object') return categoryOf(cause);
  return 'unknown';
}

/**
 * The built-in classification:
 *
 * | error | category | retried |
 * | --- | --- | --- |
 * | `NonRetriableError` | its category (default `unknown`) | no |
 * | `FlowError` with a `category` | that category | unless auth / validation / cancelled |
 * | `ZodError` | validation | no |
 * | `AbortError` | cancelled | no |
 * | `TimeoutError` (incl. `AbortSignal.timeout`) | timeout | yes |
 * | `code` ECONNRESET, ETIMEDOUT, UND_ERR_* ... | network | yes |
 * | `code` SQLITE_BUSY / SQLITE_LOCKED | database | yes |
 * | other `code` SQLITE_* | database | no |
 * | `status` 401/403 | auth | no |
 * | `status` 429 | rate_limit | yes |
 * | `status` 408 | timeout | yes |
 * | `status` >= 500 | network | yes |
 * | other `status` 4xx | validation | no |
 * | anything else | unknown | yes |
 */
export function classifyError(error: unknown): ErrorClassification {
  const category = categoryOf(error);
  if (error instanceof NonRetriableError) return { category, retryable: false };
  if (category === 'database') {
    const code = prop(error, 'code');
    return { category, retryable: code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED' };
  }
  return { category, retryable: !NOT_RETRIED.has(category) };
}

/**
 * Applies a user hook over the built-in rules. Whatever the hook says, auth and validation
 * failures and `NonRetriableError` stay non-retryable.
 */
export function resolveClassification(error: unknown, hook?: ClassifyErrorHook): ErrorClassification {
  const builtIn = classifyError(error);
  const custom = hook?.(error);
  const category = custom?.category ?? builtIn.category;
  let retryable = custom?.retryable ?? (custom?.category ? !NOT_RETRIED.has(category) : builtIn.retryable);
  if (NOT_RETRIED.has(category) || error instanceof NonRetriableError) retryable = false;
  return { category, retryable };
}
