/**
 * Retry policy as plain data plus one pure function, {@link nextRetryDelay} (STYLE 7). The same
 * rules apply to tasks and flows.
 *
 * Delay of the retry after failed attempt `n` (1-based), before jitter, is `b = min(base(n), cap)`
 * where `base(n)` comes from `retryDelay` and `cap` is the backoff's `max` (or `maxRetryDelay`).
 * Jitter then draws from the injected random source `r ∈ [0, 1)`:
 *
 * | `retryJitter` | delay | bounds |
 * | --- | --- | --- |
 * | `'none'` | `b` | exactly `b` |
 * | `'full'` | `r·b` | `[0, b]` |
 * | `'equal'` | `b/2 + r·b/2` | `[b/2, b]` |
 * | `'decorrelated'` | `b + r·(min(cap, max(b, 3·prev)) − b)` | `[b, min(cap, max(b, 3·prev))]`, `prev` = the previous delay (or `b`) |
 * | `{ factor: f }` (0 ≤ f ≤ 1) | `b·(1 + f·(2r − 1))`, then `≤ cap` | `[b·(1−f), min(cap, b·(1+f))]` |
 *
 * So a delay never exceeds `cap`, and jitter never replaces the backoff: every strategy is
 * computed from the backed-off `b` (the bug of case C10 was a jitter branch that started from the
 * base interval). A `RetryAfterError` is retried after exactly its delay, without jitter or cap.
 */
import { NonRetriableError, RetryAfterError } from '../errors.js';
import type { RandomSource } from '../time/random.js';
import { checkFunction, checkInteger, checkNumber, invalid } from '../validate.js';
import type { ErrorClassification } from './classify.js';

/** Exponential backoff as data: `min(max, base · factor^(n−1))` ms before retry `n`. */
export interface ExponentialBackoff {
  readonly kind: 'exponential';
  /** First delay, ms. */
  readonly base: number;
  /** Growth per retry. */
  readonly factor: number;
  /** Upper bound of any delay, ms (jitter included). */
  readonly max: number;
}

/**
 * Exponential backoff: `min(max, base · factor^(n−1))` ms before retry `n`.
 *
 * @param options.base first delay in ms. @default 1000
 * @param options.factor growth per retry, >= 1. @default 2
 * @param options.max upper bound of every delay in ms, jitter included. @default 60000
 */
export function exponentialBackoff(options: { base?: number; factor?: number; max?: number } = {}): ExponentialBackoff {
  const base = checkNumber('base', options.base ?? 1000, 0);
  const factor = checkNumber('factor', options.factor ?? 2, 1);
  const max = checkNumber('max', options.max ?? 60_000, 0);
  if (max < base) invalid('max', `>= \`base\` (${base})`, max);
  return Object.freeze({ kind: 'exponential', base, factor, max });
}

/** How long to wait before a retry: ms, ms per retry (last repeats), a function of the failed attempt, or a backoff. */
export type RetryDelay = number | readonly number[] | ((attempt: number) => number) | ExponentialBackoff;

/** Jitter strategy; see the bounds table in this module's doc. */
export type RetryJitter = 'none' | 'full' | 'equal' | 'decorrelated' | { readonly factor: number };

/** Retry options of a task or flow. */
export interface RetryOptions {
  /** Extra attempts after the first: total attempts = `retries + 1`. @default 0 */
  retries?: number;
  /** Delay before each retry, ms. @default exponentialBackoff({ base: 1000, factor: 2, max: 60000 }) */
  retryDelay?: RetryDelay;
  /** Jitter strategy. @default 'none' */
  retryJitter?: RetryJitter;
  /** Upper bound of any delay in ms (besides a backoff's `max`). @default Infinity */
  maxRetryDelay?: number;
  /**
   * Decides whether an error is retried (after the built-in rules: a `NonRetriableError`, an auth
   * or validation error, and a cancellation are never retried). `attempt` is the failed attempt (1-based).
   * @default retry every retryable error
   */
  retryOn?: (error: unknown, attempt: number) => boolean;
}

/** A validated, complete retry policy (plain data). */
export interface RetryPolicy {
  readonly retries: number;
  readonly retryDelay: RetryDelay;
  readonly retryJitter: RetryJitter;
  readonly maxRetryDelay: number;
  readonly retryOn: ((error: unknown, attempt: number) => boolean) | undefined;
}

const DEFAULT_DELAY = exponentialBackoff();

/** Validates retry options where they are given and fills defaults. */
export function resolveRetryPolicy(options: RetryOptions = {}): RetryPolicy {
  const retries = checkInteger('retries', options.retries ?? 0, 0);
  const retryDelay = options.retryDelay ?? DEFAULT_DELAY;
  if (typeof retryDelay === 'number') checkNumber('retryDelay', retryDelay, 0);
  else if (Array.isArray(retryDelay)) {
    if (retryDelay.length === 0) invalid('retryDelay', 'a non-empty array of delays in ms', retryDelay);
    retryDelay.forEach((d: unknown, i) => checkNumber(`retryDelay[${i}]`, d, 0));
  } else if (typeof retryDelay === 'function') checkFunction('retryDelay', retryDelay);
  else if (typeof retryDelay !== 'object' || retryDelay === null || (retryDelay as { kind?: unknown }).kind !== 'exponential') {
    invalid('retryDelay', 'ms, an array of ms, a function of the attempt, or exponentialBackoff(...)', retryDelay);
  }
  const retryJitter = options.retryJitter ?? 'none';
  if (typeof retryJitter === 'object' && retryJitter !== null) {
    const f = (retryJitter as { factor?: unknown }).factor;
    if (typeof f !== 'number' || !(f >= 0 && f <= 1)) invalid('retryJitter.factor', 'a number between 0 and 1', f);
  } else if (!['none', 'full', 'equal', 'decorrelated'].includes(retryJitter as string)) {
    invalid('retryJitter', "'none', 'full', 'equal', 'decorrelated' or { factor }", retryJitter);
  }
  const maxRetryDelay = options.maxRetryDelay === undefined ? Infinity : checkNumber('maxRetryDelay', options.maxRetryDelay, 0);
  if (options.retryOn !== undefined) checkFunction('retryOn', options.retryOn);
  return Object.freeze({ retries, retryDelay, retryJitter, maxRetryDelay, retryOn: options.retryOn });
}

/** The delay cap of a policy: the backoff's `max` and `maxRetryDelay`, whichever is lower. */
export function retryDelayCap(policy: RetryPolicy): number {
  const d = policy.retryDelay;
  const backoffMax = typeof d === 'object' && !Array.isArray(d) ? (d as ExponentialBackoff).max : Infinity;
  return Math.min(backoffMax, policy.maxRetryDelay);
}

/** The delay before the retry after failed attempt `attempt`, before jitter (capped). */
export function baseRetryDelay(policy: RetryPolicy, attempt: number): number {
  const d = policy.retryDelay;
  let ms: number;
  if (typeof d === 'number') ms = d;
  else if (typeof d === 'function') ms = d(attempt);
  else if (Array.isArray(d)) ms = (d as readonly number[])[Math.min(attempt - 1, d.length - 1)] ?? 0;
  else {
    const b = d as ExponentialBackoff;
    ms = b.base * b.factor ** (attempt - 1);
  }
  if (Number.isNaN(ms) || ms < 0) ms = 0;
  return Math.min(ms, retryDelayCap(policy));
}

/**
 * The delay in ms before the retry that follows failed attempt `attempt` (1-based), or
 * `undefined` when no attempt is left (`attempt >= retries + 1`). Pure: all randomness comes
 * from `random`; `previousDelayMs` (the delay before this attempt) feeds `'decorrelated'`.
 */
export function nextRetryDelay(
  policy: RetryPolicy,
  attempt: number,
  random: RandomSource,
  previousDelayMs?: number,
): number | undefined {
  if (attempt >= policy.retries + 1) return undefined;
  const cap = retryDelayCap(policy);
  const b = baseRetryDelay(policy, attempt);
  const j = policy.retryJitter;
  if (j === 'none') return b;
  const r = random();
  if (j === 'full') return r * b;
  if (j === 'equal') return b / 2 + (r * b) / 2;
  if (j === 'decorrelated') {
    const upper = Math.min(cap, Math.max(b, 3 * (previousDelayMs ?? b)));
    return b + r * (upper - b);
  }
  return Math.max(0, Math.min(cap, b * (1 + j.factor * (2 * r - 1))));
}

/** What to do after a failed attempt. */
export type RetryDecision =
  | { retry: true; delayMs: number }
  | { retry: false; reason: 'non_retriable' | 'not_retryable' | 'retry_on' | 'exhausted' | 'cancelled' };

/**
 * Decides whether failed attempt `attempt` is retried, and after how long. Order: the caller's
 * cancellation, `NonRetriableError`, attempts left, `RetryAfterError` (exact delay), the
 * classification, then `retryOn`.
 */
export function decideRetry(
  policy: RetryPolicy,
  error: unknown,
  attempt: number,
  classification: ErrorClassification,
  random: RandomSource,
  options: { cancelled?: boolean; previousDelayMs?: number } = {},
): RetryDecision {
  if (options.cancelled) return { retry: false, reason: 'cancelled' };
  if (error instanceof NonRetriableError) return { retry: false, reason: 'non_retriable' };
  if (attempt >= policy.retries + 1) return { retry: false, reason: 'exhausted' };
  if (error instanceof RetryAfterError) {
    if (policy.retryOn && !policy.retryOn(error, attempt)) return { retry: false, reason: 'retry_on' };
    return { retry: true, delayMs: error.delayMs };
  }
  if (!classification.retryable) return { retry: false, reason: 'not_retryable' };
  if (policy.retryOn && !policy.retryOn(error, attempt)) return { retry: false, reason: 'retry_on' };
  const delayMs = nextRetryDelay(policy, attempt, random, options.previousDelayMs);
  return delayMs === undefined ? { retry: false, reason: 'exhausted' } : { retry: true, delayMs };
}
