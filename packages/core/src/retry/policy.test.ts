import { describe, expect, it } from 'vitest';
import { NonRetriableError, RetryAfterError } from '../errors.js';
import { seededRandom } from '../time/random.js';
import { classifyError } from './classify.js';
import { baseRetryDelay, decideRetry, exponentialBackoff, nextRetryDelay, resolveRetryPolicy, type RetryJitter } from './policy.js';

const backoff = exponentialBackoff({ base: 1000, factor: 2, max: 20_000 });

function table(jitter: RetryJitter, seed = 42, retries = 6): (number | undefined)[] {
  const policy = resolveRetryPolicy({ retries, retryDelay: backoff, retryJitter: jitter });
  const random = seededRandom(seed);
  const out: (number | undefined)[] = [];
  let prev: number | undefined;
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    const d = nextRetryDelay(policy, attempt, random, prev);
    out.push(d === undefined ? undefined : Math.round(d * 1000) / 1000);
    prev = d;
  }
  return out;
}

describe('nextRetryDelay: delay tables with seededRandom(42), backoff base 1000 factor 2 max 20000', () => {
  it('none: exactly the backoff, capped at max', () => {
    expect(table('none')).toEqual([1000, 2000, 4000, 8000, 16000, 20000, undefined]);
  });
  it('full: r·b, within [0, b]', () => {
    expect(table('full')).toEqual([601.104, 896.581, 3409.863, 5357.872, 2797.022, 10531.851, undefined]);
  });
  it('equal: b/2 + r·b/2, within [b/2, b]', () => {
    expect(table('equal')).toEqual([800.552, 1448.291, 3704.932, 6678.936, 9398.511, 15265.925, undefined]);
  });
  it('decorrelated: within [b, min(max, 3·prev)]', () => {
    expect(table('decorrelated')).toEqual([2202.208, 4065.105, 10986.227, 16036.808, 16699.256, 20000, undefined]);
  });
  it('{ factor: 0.3 }: b·(1 ± 0.3), capped at max', () => {
    expect(table({ factor: 0.3 })).toEqual([1060.662, 1937.949, 4845.918, 8814.723, 12878.213, 20000, undefined]);
  });

  it('every strategy stays within its documented bounds and never above max, for 200 seeds', () => {
    const strategies: RetryJitter[] = ['none', 'full', 'equal', 'decorrelated', { factor: 0.3 }, { factor: 1 }];
    for (const jitter of strategies) {
      const policy = resolveRetryPolicy({ retries: 12, retryDelay: backoff, retryJitter: jitter });
      for (let seed = 0; seed < 200; seed++) {
        const random = seededRandom(seed);
        let prev: number | undefined;
        for (let attempt = 1; attempt <= 12; attempt++) {
          const b = baseRetryDelay(policy, attempt);
          const d = nextRetryDelay(policy, attempt, random, prev) as number;
          expect(d).toBeLessThanOrEqual(20_000);
          expect(d).toBeGreaterThanOrEqual(0);
          if (jitter === 'none') expect(d).toBe(b);
          if (jitter === 'full') expect(d).toBeLessThanOrEqual(b);
          if (jitter === 'equal') expect(d).toBeGreaterThanOrEqual(b / 2);
          if (jitter === 'decorrelated') expect(d).toBeGreaterThanOrEqual(b);
          if (typeof jitter === 'object') {
            expect(d).toBeGreaterThanOrEqual(b * (1 - jitter.factor) - 1e-9);
            expect(d).toBeLessThanOrEqual(Math.min(20_000, b * (1 + jitter.factor)) + 1e-9);
          }
          prev = d;
        }
      }
    }
  });

  it('total attempts = retries + 1: a delay exists for attempts 1..retries, none after', () => {
    for (const retries of [0, 1, 3, 5]) {
      const policy = resolveRetryPolicy({ retries, retryDelay: 10 });
      const random = seededRandom(1);
      let delays = 0;
      for (let attempt = 1; nextRetryDelay(policy, attempt, random) !== undefined; attempt++) delays++;
      expect(delays).toBe(retries);
    }
  });

  it('retryDelay as a number, an array (last value repeats) and a function of the attempt', () => {
    const r = seededRandom(1);
    expect(nextRetryDelay(resolveRetryPolicy({ retries: 3, retryDelay: 250 }), 2, r)).toBe(250);
    const arr = resolveRetryPolicy({ retries: 5, retryDelay: [100, 200, 300] });
    expect([1, 2, 3, 4, 5].map((a) => nextRetryDelay(arr, a, r))).toEqual([100, 200, 300, 300, 300]);
    const fn = resolveRetryPolicy({ retries: 3, retryDelay: (a) => a * 7 });
    expect([1, 2, 3].map((a) => nextRetryDelay(fn, a, r))).toEqual([7, 14, 21]);
    const capped = resolveRetryPolicy({ retries: 3, retryDelay: (a) => a * 1000, maxRetryDelay: 1500 });
    expect([1, 2, 3].map((a) => nextRetryDelay(capped, a, r))).toEqual([1000, 1500, 1500]);
  });
});

describe('C10: turning on jitter never turns off the backoff', () => {
  // Prefect's service loop: base 1 s, backoff after 3 failures, max exponent 6, 15 failures.
  const unjittered = [1, 1, 2, 2, 2, 4, 4, 4, 8, 8, 8, 16, 16, 16, 32].map((s) => s * 1000);

  it('C10: with jitter range 0.3 each sleep is within 0.7·b..1.3·b, so the 15th is >= 22.4 s (many seeds)', () => {
    const policy = resolveRetryPolicy({ retries: 15, retryDelay: unjittered, retryJitter: { factor: 0.3 } });
    for (let seed = 0; seed < 100; seed++) {
      const random = seededRandom(seed);
      const sleeps = unjittered.map((_, i) => nextRetryDelay(policy, i + 1, random) as number);
      sleeps.forEach((s, i) => {
        const b = unjittered[i] as number;
        expect(s).toBeGreaterThanOrEqual(0.7 * b - 1e-9);
        expect(s).toBeLessThanOrEqual(1.3 * b + 1e-9);
      });
      expect(sleeps[14]).toBeGreaterThanOrEqual(22_400);
    }
  });

  it('C10: every named strategy keeps growing with the backoff (mean of the 15th sleep far above the 1st)', () => {
    for (const jitter of ['full', 'equal', 'decorrelated', { factor: 0.3 }] as const) {
      const policy = resolveRetryPolicy({ retries: 15, retryDelay: unjittered, retryJitter: jitter });
      let first = 0;
      let last = 0;
      for (let seed = 0; seed < 200; seed++) {
        const random = seededRandom(seed);
        let prev: number | undefined;
        for (let a = 1; a <= 15; a++) {
          const d = nextRetryDelay(policy, a, random, prev) as number;
          if (a === 1) first += d;
          if (a === 15) last += d;
          prev = d;
        }
      }
      expect(last / first).toBeGreaterThan(10);
    }
  });

  it('C10: task-retry delays [2, 2, 2] with a nonzero jitter factor are not all exactly 2.0 and none is negative', () => {
    const policy = resolveRetryPolicy({ retries: 3, retryDelay: [2000, 2000, 2000], retryJitter: { factor: 1 } });
    const random = seededRandom(7);
    const delays = [1, 2, 3].map((a) => nextRetryDelay(policy, a, random) as number);
    expect(delays.every((d) => d === 2000)).toBe(false);
    expect(delays.every((d) => d >= 0)).toBe(true);
  });
});

describe('decideRetry', () => {
  const policy = resolveRetryPolicy({ retries: 3, retryDelay: 1000, retryJitter: 'full' });
  const random = seededRandom(3);
  const classify = (e: unknown) => classifyError(e);

  it('RetryAfterError waits exactly its delay, without jitter or cap', () => {
    const capped = resolveRetryPolicy({ retries: 3, retryDelay: exponentialBackoff({ base: 10, max: 100 }), retryJitter: 'full' });
    const error = new RetryAfterError('429', 4321);
    expect(decideRetry(capped, error, 1, classify(error), random)).toEqual({ retry: true, delayMs: 4321 });
    const at = new RetryAfterError('429', new Date(10_000 + 3000), { now: 10_000 });
    expect(decideRetry(capped, at, 2, classify(at), random)).toEqual({ retry: true, delayMs: 3000 });
    expect(decideRetry(capped, error, 4, classify(error), random)).toEqual({ retry: false, reason: 'exhausted' });
  });

  it('never retries NonRetriableError, auth or validation errors, or a cancellation', () => {
    const nr = new NonRetriableError('no');
    expect(decideRetry(policy, nr, 1, classify(nr), random)).toEqual({ retry: false, reason: 'non_retriable' });
    const auth = Object.assign(new Error('401'), { status: 401 });
    expect(decideRetry(policy, auth, 1, classify(auth), random)).toEqual({ retry: false, reason: 'not_retryable' });
    const bad = Object.assign(new Error('bad'), { name: 'ZodError' });
    expect(decideRetry(policy, bad, 1, classify(bad), random)).toEqual({ retry: false, reason: 'not_retryable' });
    const e = new Error('x');
    expect(decideRetry(policy, e, 1, classify(e), random, { cancelled: true })).toEqual({ retry: false, reason: 'cancelled' });
  });

  it('retryOn decides for retryable errors and gets the failed attempt number', () => {
    const seen: number[] = [];
    const p = resolveRetryPolicy({ retries: 5, retryDelay: 1, retryOn: (_e, attempt) => (seen.push(attempt), attempt < 2) });
    const e = new Error('flaky');
    expect(decideRetry(p, e, 1, classify(e), random).retry).toBe(true);
    expect(decideRetry(p, e, 2, classify(e), random)).toEqual({ retry: false, reason: 'retry_on' });
    expect(seen).toEqual([1, 2]);
  });
});

describe('option validation echoes the bad value', () => {
  it.each([
    [{ retries: -1 }, 'Expected `retries` to be an integer >= 0, got `-1` (number)'],
    [{ retries: 1.5 }, 'Expected `retries` to be an integer >= 0, got `1.5` (number)'],
    [{ retries: '3' }, 'Expected `retries` to be an integer >= 0, got `"3"` (string)'],
    [{ retryDelay: -5 }, 'Expected `retryDelay` to be a finite number >= 0, got `-5` (number)'],
    [{ retryDelay: [] }, 'Expected `retryDelay` to be a non-empty array of delays in ms, got `[]` (array)'],
    [{ retryJitter: 'wild' }, "Expected `retryJitter` to be 'none', 'full', 'equal', 'decorrelated' or { factor }, got `\"wild\"` (string)"],
    [{ retryJitter: { factor: 3 } }, 'Expected `retryJitter.factor` to be a number between 0 and 1, got `3` (number)'],
  ])('%j', (options, message) => {
    expect(() => resolveRetryPolicy(options as never)).toThrow(message);
  });

  it('exponentialBackoff rejects max < base and factor < 1', () => {
    expect(() => exponentialBackoff({ base: 100, max: 50 })).toThrow('Expected `max` to be >= `base` (100), got `50` (number)');
    expect(() => exponentialBackoff({ factor: 0.5 })).toThrow('Expected `factor` to be a finite number >= 1, got `0.5` (number)');
  });
});

describe('classifyError', () => {
  it.each([
    [Object.assign(new Error('x'), { code: 'ECONNRESET' }), 'network', true],
    [Object.assign(new Error('x'), { status: 503 }), 'network', true],
    [Object.assign(new Error('x'), { status: 429 }), 'rate_limit', true],
    [Object.assign(new Error('x'), { status: 403 }), 'auth', false],
    [Object.assign(new Error('x'), { status: 422 }), 'validation', false],
    [Object.assign(new Error('x'), { code: 'SQLITE_BUSY' }), 'database', true],
    [Object.assign(new Error('x'), { code: 'SQLITE_CONSTRAINT' }), 'database', false],
    [new DOMException('t', 'TimeoutError'), 'timeout', true],
    [new DOMException('a', 'AbortError'), 'cancelled', false],
    [new Error('plain'), 'unknown', true],
    [new Error('wrapped', { cause: Object.assign(new Error('x'), { status: 401 }) }), 'auth', false],
  ])('%s → %s', (error, category, retryable) => {
    expect(classifyError(error)).toEqual({ category, retryable });
  });
});
