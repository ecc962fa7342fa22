/**
 * POSTing an alert to a webhook with the case-C21 policy: a 429 is retried after its
 * `Retry-After` (seconds or HTTP date; capped, at most `maxRetries` times); 5xx answers,
 * timeouts and connection failures are NOT retried, because a webhook post is not idempotent
 * and a retry could post the same alert twice.
 */
import { sleep, systemClock, type Clock } from '@vms/flow-core';
import type { DeliveryReport } from './channel.js';
import { AlertError, AlertErrorCode, checkInteger, invalidOption } from './errors.js';
import type { Redactor } from './redact.js';
import { parseRetryAfter, retryAfterFromBody } from './retry-after.js';

/** Retry and timeout options shared by the HTTP channels. */
export interface HttpDeliveryOptions {
  /**
   * Retries after a 429 (total posts = maxRetries + 1). Nothing else is retried.
   * @default 2
   */
  maxRetries?: number;
  /**
   * Longest `Retry-After` honoured, in ms; a longer one fails at once with "retry window too long".
   * @default 60000
   */
  maxRetryAfterMs?: number;
  /**
   * Wait after a 429 that names none (no header, no `retry_after` in the body), in ms.
   * @default 1000
   */
  defaultRetryAfterMs?: number;
  /**
   * Timeout of one POST, in ms (real time; a timed-out post is not retried).
   * @default 10000
   */
  timeoutMs?: number;
  /**
   * Clock the `Retry-After` waits run on; pass `ManualClock` from `@vms/flow-core/testing` in tests.
   * @default systemClock
   */
  clock?: Clock;
}

/** Validated {@link HttpDeliveryOptions}. */
export interface HttpPolicy {
  maxRetries: number;
  maxRetryAfterMs: number;
  defaultRetryAfterMs: number;
  timeoutMs: number;
  clock: Clock;
}

/** Validates {@link HttpDeliveryOptions}, echoing the bad value. */
export function resolveHttpPolicy(options: HttpDeliveryOptions): HttpPolicy {
  return {
    maxRetries: checkInteger('maxRetries', options.maxRetries ?? 2, 0),
    maxRetryAfterMs: checkInteger('maxRetryAfterMs', options.maxRetryAfterMs ?? 60_000, 0, 'ms'),
    defaultRetryAfterMs: checkInteger('defaultRetryAfterMs', options.defaultRetryAfterMs ?? 1000, 0, 'ms'),
    timeoutMs: checkInteger('timeoutMs', options.timeoutMs ?? 10_000, 1, 'ms'),
    clock: options.clock ?? systemClock,
  };
}

/** One POST to deliver. */
export interface PostRequest {
  url: string;
  body: unknown;
  headers?: Record<string, string>;
  /** Channel display name (already redacted). */
  channel: string;
  redactor: Redactor;
  policy: HttpPolicy;
  signal?: AbortSignal;
}

function failureCode(error: unknown): string {
  const e = error as { name?: string; code?: unknown; cause?: { code?: unknown; name?: string } };
  const code = e.cause?.code ?? e.code;
  return typeof code === 'string' ? code : (e.cause?.name ?? e.name ?? 'unknown');
}

/** POSTs `body` as JSON under the C21 policy (see the module doc). */
export async function postJson(request: PostRequest): Promise<DeliveryReport> {
  const { url, channel, redactor, policy, signal } = request;
  const payload = JSON.stringify(request.body);
  const fail = (code: AlertErrorCode, message: string, category: AlertError['category'], attempts: number, status?: number): AlertError =>
    new AlertError(code, redactor.redact(`${channel}: ${message}`), {
      category: category ?? 'unknown',
      channel,
      attempts,
      ...(status === undefined ? {} : { status }),
    });

  for (let attempt = 1; ; attempt++) {
    let response: Response;
    const timeout = AbortSignal.timeout(policy.timeoutMs);
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...request.headers },
        body: payload,
        redirect: 'error',
        signal: signal === undefined ? timeout : AbortSignal.any([signal, timeout]),
      });
    } catch (error) {
      if (signal?.aborted === true) throw fail(AlertErrorCode.DeliveryFailed, 'delivery aborted', 'cancelled', attempt);
      const timedOut = timeout.aborted;
      throw fail(
        AlertErrorCode.DeliveryFailed,
        timedOut
          ? `no answer within ${policy.timeoutMs} ms; not retried (a webhook post is not idempotent)`
          : `connection failed (${failureCode(error)}); not retried (a webhook post is not idempotent)`,
        timedOut ? 'timeout' : 'network',
        attempt,
      );
    }
    const text = (await response.text().catch(() => '')).slice(0, 500);
    if (response.ok) return { attempts: attempt };
    const status = response.status;
    if (status === 429) {
      const waitMs =
        parseRetryAfter(response.headers.get('retry-after'), policy.clock.now()) ?? retryAfterFromBody(text) ?? policy.defaultRetryAfterMs;
      if (waitMs > policy.maxRetryAfterMs) {
        throw fail(
          AlertErrorCode.RetryWindowTooLong,
          `rate limited (429) and asked to wait ${Math.ceil(waitMs / 1000)} s: retry window too long (cap ${Math.round(policy.maxRetryAfterMs / 1000)} s)`,
          'rate_limit',
          attempt,
          status,
        );
      }
      if (attempt > policy.maxRetries) {
        throw fail(AlertErrorCode.DeliveryFailed, `still rate limited (429) after ${attempt} attempts`, 'rate_limit', attempt, status);
      }
      try {
        await sleep(policy.clock, waitMs, signal);
      } catch {
        throw fail(AlertErrorCode.DeliveryFailed, 'delivery aborted during a Retry-After wait', 'cancelled', attempt, status);
      }
      continue;
    }
    const detail = text.trim() === '' ? '' : `: ${text.trim().slice(0, 200)}`;
    if (status >= 500) {
      throw fail(AlertErrorCode.DeliveryFailed, `receiver answered ${status}${detail}; not retried (a webhook post is not idempotent)`, 'network', attempt, status);
    }
    const category = status === 401 || status === 403 || status === 404 || status === 410 ? 'auth' : 'validation';
    throw fail(AlertErrorCode.DeliveryFailed, `receiver answered ${status}${detail}`, category, attempt, status);
  }
}

/** Validates a webhook URL option without ever echoing it (it is a credential). */
export function checkUrl(url: unknown, name: string): string {
  if (typeof url !== 'string') invalidOption(name, 'an http(s) URL', url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Never echo the URL: it is the credential.
    return invalidOption(name, 'an http(s) URL', url, `an unparsable string of ${url.length} characters`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    invalidOption(name, 'an http(s) URL', url, `a \`${parsed.protocol}\` URL`);
  }
  return url;
}

