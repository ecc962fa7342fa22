import { NonRetriableError, RetryAfterError } from '@vms/flow-core';

/**
 * `Retry-After` as a delay in ms: either delta-seconds (`120`) or an HTTP date
 * (`Wed, 21 Oct 2026 07:28:00 GMT`). `undefined` when absent or unreadable.
 */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * GET JSON, mapping HTTP failures to the engine's retry rules:
 * - 429/503 with `Retry-After`: {@link RetryAfterError}, so the next attempt waits exactly that long
 *   (instead of the task's own backoff);
 * - other 5xx and network errors: a plain error, retried with the task's backoff;
 * - other 4xx: {@link NonRetriableError}: asking again will not help.
 */
export async function fetchJson(url: string, signal: AbortSignal): Promise<unknown> {
  const res = await fetch(url, { signal });
  if (res.ok) return res.json();
  const body = await res.text();
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
  if ((res.status === 429 || res.status === 503) && retryAfterMs !== undefined) {
    throw new RetryAfterError(`HTTP ${res.status} from ${url}; Retry-After ${retryAfterMs} ms`, retryAfterMs);
  }
  if (res.status >= 500) throw new Error(`HTTP ${res.status} from ${url}: ${body}`);
  throw new NonRetriableError(`HTTP ${res.status} from ${url}: ${body}`);
}
