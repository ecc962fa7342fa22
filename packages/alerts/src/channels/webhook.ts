/** A generic JSON webhook: the alert as JSON, with the headers you give (e.g. a bearer token). */
import type { Alert } from '../alert.js';
import type { AlertChannel } from '../channel.js';
import { invalidOption } from '../errors.js';
import { checkUrl, postJson, resolveHttpPolicy, type HttpDeliveryOptions } from '../http-post.js';
import { Redactor, urlSecrets } from '../redact.js';

/** Options of {@link webhook}. */
export interface WebhookOptions extends HttpDeliveryOptions {
  /** Where to POST. Its path and query are treated as secrets. Required. */
  url: string;
  /** Extra request headers; their values are treated as secrets (never logged). @default {} */
  headers?: Record<string, string>;
  /** Display name in logs and delivery records. @default `webhook(<host>)` */
  name?: string;
  /** Builds the JSON body. @default `{ source: 'vms-flow', alert }` */
  body?: (alert: Alert) => unknown;
}

/**
 * A generic JSON webhook channel, with the same retry policy as Slack (429 `Retry-After` honoured
 * and capped; no retry on 5xx or connection failures).
 *
 * @example
 * const hook = webhook({ url: 'https://ops.example.org/hooks/vms', headers: { authorization: `Bearer ${token}` } });
 */
export function webhook(options: WebhookOptions): AlertChannel {
  if (options === null || typeof options !== 'object') invalidOption('options', 'an object', options);
  const url = checkUrl(options.url, 'url');
  const headers = options.headers ?? {};
  if (headers === null || typeof headers !== 'object' || Object.values(headers).some((v) => typeof v !== 'string')) {
    invalidOption('headers', 'an object of string values', Object.keys(headers ?? {}), 'a non-string header value');
  }
  const policy = resolveHttpPolicy(options);
  const redactor = new Redactor([...urlSecrets(url), ...Object.values(headers), ...Object.values(headers).map((v) => v.replace(/^Bearer\s+/i, ''))]);
  const name = options.name ?? `webhook(${new URL(url).host})`;
  const body = options.body ?? ((alert: Alert) => ({ source: 'vms-flow', alert }));
  return {
    name,
    send(alert, sendOptions) {
      return postJson({
        url,
        body: body(alert),
        headers,
        channel: name,
        redactor,
        policy,
        ...(sendOptions?.signal === undefined ? {} : { signal: sendOptions.signal }),
      });
    },
  };
}
