/**
 * `Retry-After` as sent with HTTP 429/503: delta-seconds (`Retry-After: 1`) or an HTTP date
 * (`Retry-After: Wed, 21 Oct 2026 07:28:03 GMT`, one-second resolution).
 */

/** The wait a `Retry-After` value asks for, in ms from `now`; `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** `retry_after` (seconds) from a JSON body such as Slack's `{"ok":false,"error":"rate_limited","retry_after":1}`. */
export function retryAfterFromBody(body: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const seconds = (parsed as { retry_after?: unknown } | null)?.retry_after;
    return typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined;
  } catch {
    return undefined;
  }
}
