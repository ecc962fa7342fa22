/**
 * Quota retry policy as plain data plus one pure function ({@link nextRetryDelay}), so the delay
 * table is tested without timers. `readSheet` applies it with an injectable `sleep` and `random`.
 */
import { setTimeout as sleepFor } from 'node:timers/promises';
import { invalidOption, type SheetsError } from './errors.js';

/** How `readSheet` retries a `values.get` that hit the quota (429), a 5xx or a network failure. */
export interface SheetsRetryPolicy {
  /**
   * Extra attempts after the first (total attempts = retries + 1).
   * @default 5
   */
  retries: number;
  /**
   * Backoff before the first retry, in ms; doubles (by `factor`) each retry.
   * @default 1000
   */
  baseMs: number;
  /**
   * Growth factor of the backoff.
   * @default 2
   */
  factor: number;
  /**
   * Longest backoff, in ms (Google suggests 32-64 s).
   * @default 32000
   */
  maxMs: number;
  /**
   * Longest `Retry-After` honoured, in ms; a longer one fails at once with the error's `retryAfterMs` set.
   * @default 60000
   */
  maxRetryAfterMs: number;
}

/** The default {@link SheetsRetryPolicy}. */
export const DEFAULT_SHEETS_RETRY: Readonly<SheetsRetryPolicy> = Object.freeze({
  retries: 5,
  baseMs: 1000,
  factor: 2,
  maxMs: 32_000,
  maxRetryAfterMs: 60_000,
});

/** Merges and validates a partial policy, echoing the bad value. */
export function resolveRetryPolicy(partial: Partial<SheetsRetryPolicy> | undefined): SheetsRetryPolicy {
  const policy = { ...DEFAULT_SHEETS_RETRY, ...partial };
  if (!Number.isInteger(policy.retries) || policy.retries < 0) invalidOption('retry.retries', 'an integer >= 0', policy.retries);
  for (const key of ['baseMs', 'maxMs', 'maxRetryAfterMs'] as const) {
    if (!Number.isFinite(policy[key]) || policy[key] < 0) invalidOption(`retry.${key}`, 'a number >= 0 (ms)', policy[key]);
  }
  if (!Number.isFinite(policy.factor) || policy.factor < 1) invalidOption('retry.factor', 'a number >= 1', policy.factor);
  return policy;
}

/** True for failures worth another `values.get` (a GET is safe to repeat): 429, 5xx, network. */
export function isRetryable(error: SheetsError): boolean {
  if (error.status !== undefined) return error.status === 429 || error.status >= 500;
  return error.category === 'network' || error.category === 'timeout';
}

/**
 * Delay before the retry that follows failed attempt `attempt` (1-based), or `undefined` when no
 * retry is left or the server asked for a wait longer than `maxRetryAfterMs`.
 *
 * A `Retry-After` is honoured exactly. Otherwise the backoff is `min(maxMs, baseMs * factor^(attempt-1))`
 * with "equal jitter": a value drawn from `[backoff / 2, backoff]` by `random` (in `[0, 1)`).
 */
export function nextRetryDelay(
  policy: SheetsRetryPolicy,
  attempt: number,
  random: () => number,
  retryAfterMs?: number,
): number | undefined {
  if (attempt > policy.retries) return undefined;
  if (retryAfterMs !== undefined) return retryAfterMs > policy.maxRetryAfterMs ? undefined : retryAfterMs;
  const backoff = Math.min(policy.maxMs, policy.baseMs * policy.factor ** (attempt - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(backoff / 2 + (backoff / 2) * r);
}

/** Waits `ms`, ending early (rejecting) when `signal` aborts. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The real {@link Sleep}, on Node timers. */
export const realSleep: Sleep = async (ms, signal) => {
  await sleepFor(ms, undefined, signal === undefined ? undefined : { signal });
};
