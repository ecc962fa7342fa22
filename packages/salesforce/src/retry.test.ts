import { describe, expect, it } from 'vitest';
import { nextRetryDelay, retryPolicy, withRetry } from './retry.js';
import { SalesforceError } from './errors.js';
import { parseLimitInfo } from './api-usage.js';
import { toSalesforceError } from './errors.js';
import { FlowError, classifyError } from '@vms/flow-core';

describe('retry policy', () => {
  it('backs off exponentially up to maxDelayMs, with bounded jitter, and stops after `retries`', () => {
    const p = retryPolicy({ retries: 5, minDelayMs: 1000, factor: 2, maxDelayMs: 5000, jitter: 0.2 });
    expect([1, 2, 3, 4, 5, 6].map((n) => nextRetryDelay(p, n, () => 0.5))).toEqual([1000, 2000, 4000, 5000, 5000, undefined]);
    expect(nextRetryDelay(p, 1, () => 0)).toBe(800);
    expect(nextRetryDelay(p, 1, () => 0.999999)).toBe(1200);
  });

  it('retries only retryable categories', async () => {
    const sleeps: number[] = [];
    const deps = { sleep: async (ms: number) => void sleeps.push(ms), random: () => 0.5 };
    let calls = 0;
    const auth = withRetry('query', retryPolicy(), deps, async () => {
      calls++;
      throw new SalesforceError('SF_AUTH_FAILED', 'auth', 'no');
    });
    await expect(auth).rejects.toMatchObject({ category: 'auth' });
    expect(calls).toBe(1);
    let n = 0;
    const ok = await withRetry('query', retryPolicy({ retries: 2 }), deps, async () => {
      if (++n < 3) throw Object.assign(new Error('Server temporarily unavailable'), { errorCode: 'SERVER_UNAVAILABLE' });
      return 'done';
    });
    expect(ok).toBe('done');
    expect(sleeps).toEqual([1000, 2000]);
  });

  it('classifies jsforce and transport errors', () => {
    const cases: Array<[unknown, string]> = [
      [Object.assign(new Error('x'), { errorCode: 'REQUEST_LIMIT_EXCEEDED' }), 'rate_limit'],
      [Object.assign(new Error('x'), { errorCode: 'ERROR_HTTP_503' }), 'network'],
      [Object.assign(new Error('x'), { errorCode: 'INVALID_SESSION_ID' }), 'auth'],
      [Object.assign(new Error('authentication failure'), { name: 'invalid_grant' }), 'auth'],
      [new Error('INVALID_LOGIN: Invalid username, password, security token; or user locked out.'), 'auth'],
      [Object.assign(new Error('x'), { errorCode: 'MALFORMED_QUERY' }), 'validation'],
      [Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } }), 'network'],
      [new Error('something else'), 'unknown'],
    ];
    expect(cases.map(([e]) => toSalesforceError(e).category)).toEqual(cases.map(([, c]) => c));
  });

  it('SalesforceError is a FlowError the engine classifies by category', () => {
    const limit = new SalesforceError('SF_REQUEST_LIMIT', 'rate_limit', 'limit');
    const auth = new SalesforceError('SF_AUTH_FAILED', 'auth', 'bad password');
    expect(limit).toBeInstanceOf(FlowError);
    expect(classifyError(limit)).toMatchObject({ category: 'rate_limit', retryable: true });
    expect(classifyError(auth)).toMatchObject({ category: 'auth', retryable: false });
  });

  it('parses Sforce-Limit-Info', () => {
    expect(parseLimitInfo('api-usage=25/15000')).toEqual({ used: 25, limit: 15000, fraction: 25 / 15000 });
    expect(parseLimitInfo('per-app-api-usage=1/10(appName=x)')).toBeUndefined();
    expect(parseLimitInfo('api-usage=18/5000, per-app-api-usage=17/250(appName=sample-app)')).toMatchObject({ used: 18, limit: 5000 });
    expect(parseLimitInfo(undefined)).toBeUndefined();
  });
});
