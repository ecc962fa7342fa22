/**
 * Retry policy as plain data plus one pure function. Requests that fail with a retryable
 * category (`rate_limit`, `network`, `timeout`) are retried with exponential backoff and jitter.
 */
import { SalesforceError, invalidArgument, toSalesforceError } from './errors.js';

/** How failed requests are retried. */
export interface RetryPolicy {
  /** Retries after the first attempt (0 disables retrying). @default 4 */
  readonly retries: number;
  /** Delay before the first retry, in ms. @default 1000 */
  readonly minDelayMs: number;
  /** Each further retry waits this many times longer. @default 2 */
  readonly factor: number;
  /** Upper bound of one delay, in ms. @default 30000 */
  readonly maxDelayMs: number;
  /** Random spread of each delay, as a fraction (0.2 = ±20%). @default 0.2 */
  readonly jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 4, minDelayMs: 1000, factor: 2, maxDelayMs: 30_000, jitter: 0.2 };

function check(name: string, value: unknown, ok: boolean, expected: string): void {
  if (!ok) throw invalidArgument(name, expected, value);
}

/** Fills defaults and validates a partial policy, echoing a bad value in the error. */
export function retryPolicy(input: Partial<RetryPolicy> = {}): RetryPolicy {
  const p = { ...DEFAULT_RETRY_POLICY, ...input };
  check('retry.retries', p.retries, Number.isInteger(p.retries) && p.retries >= 0, 'an integer >= 0');
  check('retry.minDelayMs', p.minDelayMs, Number.isFinite(p.minDelayMs) && p.minDelayMs >= 0, 'a number >= 0');
  check('retry.factor', p.factor, Number.isFinite(p.factor) && p.factor >= 1, 'a number >= 1');
  check('retry.maxDelayMs', p.maxDelayMs, Number.isFinite(p.maxDelayMs) && p.maxDelayMs >= p.minDelayMs, 'a number >= minDelayMs');
  check('retry.jitter', p.jitter, Number.isFinite(p.jitter) && p.jitter >= 0 && p.jitter <= 1, 'a number from 0 to 1');
  return p;
}

/**
 * The delay before retry number `retry` (1 for the first retry), or `undefined` when retries
 * are used up. `random` returns a number in [0, 1).
 */
export function nextRetryDelay(policy: RetryPolicy, retry: number, random: () => number): number | undefined {
  if (retry < 1 || retry > policy.retries) return undefined;
  const base = Math.min(policy.maxDelayMs, policy.minDelayMs * policy.factor ** (retry - 1));
  const spread = base * policy.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(base + spread));
}

/** One scheduled retry, as reported to `onRetry`. */
export interface RetryEvent {
  /** Which retry this is (1 for the first). */
  readonly retry: number;
  /** How long the client waits before it, in ms. */
  readonly delayMs: number;
  /** The failure that caused it. */
  readonly error: SalesforceError;
  /** What was being done (`query`, `queryMore`, ...). */
  readonly operation: string;
}

export interface RetryDeps {
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly onRetry?: ((event: RetryEvent) => void) | undefined;
}

/** Runs `op`, retrying retryable `SalesforceError`s per `policy`. */
export async function withRetry<T>(operation: string, policy: RetryPolicy, deps: RetryDeps, op: () => Promise<T>): Promise<T> {
  for (let retry = 1; ; retry++) {
    try {
      return await op();
    } catch (raw) {
      const error = toSalesforceError(raw, `Salesforce ${operation}`);
      const delay = error.retryable ? nextRetryDelay(policy, retry, deps.random) : undefined;
      if (delay === undefined) throw error;
      deps.onRetry?.({ retry, delayMs: delay, error, operation });
      await deps.sleep(delay);
    }
  }
}
