/** Slack incoming webhooks: one attachment per alert, coloured by severity, linking to the run. */
import { SEVERITY_COLORS, type Alert } from '../alert.js';
import type { AlertChannel } from '../channel.js';
import { invalidOption } from '../errors.js';
import { checkUrl, postJson, resolveHttpPolicy, type HttpDeliveryOptions } from '../http-post.js';
import { Redactor, urlSecrets } from '../redact.js';

/** Options of {@link slackWebhook}. */
export interface SlackWebhookOptions extends HttpDeliveryOptions {
  /** The incoming-webhook URL (`https://hooks.slack.com/services/T…/B…/…`). A secret: never logged. Required. */
  url: string;
  /** Display name of the channel in logs and delivery records. @default `slack(<host>)` */
  name?: string;
  /** Overrides the webhook's default channel (legacy webhooks only). @default undefined */
  channel?: string;
  /** Overrides the poster's name (legacy webhooks only). @default undefined */
  username?: string;
  /** Overrides the poster's icon, e.g. `:rotating_light:`. @default undefined */
  iconEmoji?: string;
}

/** The JSON body posted for an alert (exported for tests and custom channels). */
export function slackPayload(alert: Alert, options: Pick<SlackWebhookOptions, 'channel' | 'username' | 'iconEmoji'> = {}) {
  const fields: Array<{ title: string; value: string; short: boolean }> = [
    { title: 'Severity', value: alert.severity, short: true },
  ];
  if (alert.flowName !== undefined) fields.push({ title: 'Flow', value: alert.flowName, short: true });
  if (alert.state !== undefined) fields.push({ title: 'State', value: alert.state, short: true });
  if (alert.runId !== undefined) {
    fields.push({ title: 'Run', value: alert.runUrl === undefined ? alert.runId : `<${alert.runUrl}|${alert.runId}>`, short: true });
  }
  for (const [title, value] of Object.entries(alert.fields ?? {})) fields.push({ title, value, short: value.length <= 40 });
  if (alert.suppressed !== undefined && alert.suppressed > 0) {
    fields.push({ title: 'Held back', value: `${alert.suppressed} similar alert(s) since the last one`, short: false });
  }
  const summary = `[${alert.severity.toUpperCase()}] ${alert.title}`;
  return {
    text: summary,
    ...(options.channel === undefined ? {} : { channel: options.channel }),
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.iconEmoji === undefined ? {} : { icon_emoji: options.iconEmoji }),
    attachments: [
      {
        fallback: alert.runUrl === undefined ? summary : `${summary} ${alert.runUrl}`,
        color: SEVERITY_COLORS[alert.severity],
        title: alert.title,
        ...(alert.runUrl === undefined ? {} : { title_link: alert.runUrl }),
        text: alert.text,
        fields,
        footer: 'VMS Flow',
        ts: Math.floor(alert.at / 1000),
      },
    ],
  };
}

/**
 * A Slack incoming-webhook channel. Honours 429 `Retry-After` (seconds or HTTP date) up to
 * `maxRetryAfterMs`, at most `maxRetries` times; never retries a 5xx or a dropped connection
 * (case C21). The URL never appears in logs, errors or the channel's name.
 *
 * @example
 * const slack = slackWebhook({ url: process.env.SLACK_WEBHOOK_URL! });
 */
export function slackWebhook(options: SlackWebhookOptions): AlertChannel {
  if (options === null || typeof options !== 'object') invalidOption('options', 'an object', options);
  const url = checkUrl(options.url, 'url');
  const policy = resolveHttpPolicy(options);
  const redactor = new Redactor(urlSecrets(url));
  const name = options.name ?? `slack(${new URL(url).host})`;
  return {
    name,
    send(alert, sendOptions) {
      return postJson({
        url,
        body: slackPayload(alert, options),
        channel: name,
        redactor,
        policy,
        ...(sendOptions?.signal === undefined ? {} : { signal: sendOptions.signal }),
      });
    },
  };
}
