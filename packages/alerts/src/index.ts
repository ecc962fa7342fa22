/**
 * `@vms/flow-alerts`: tell people when a `@vms/flow-core` run breaks, through Slack incoming
 * webhooks, email (SMTP with nodemailer) or any JSON webhook.
 *
 * `attachAlerts(engine, { channels, rules })` alerts on flow runs that fail, crash or start late,
 * on failed health checks and on flows with no successful run within a window (dead-man's
 * switch), with de-duplication, a throttle window and a "recovered" message. Webhook URLs and
 * SMTP passwords never appear in logs or errors.
 *
 * @example
 * ```ts
 * import { createEngine } from '@vms/flow-core';
 * import { attachAlerts, email, slackWebhook } from '@vms/flow-alerts';
 *
 * const engine = createEngine();
 * const alerts = attachAlerts(engine, {
 *   channels: [
 *     slackWebhook({ url: process.env.SLACK_WEBHOOK_URL! }),
 *     email({
 *       smtp: { host: 'smtp.example.org', port: 587, auth: { user: 'alerts', pass: process.env.SMTP_PASS! } },
 *       from: 'VMS Flow <alerts@example.org>',
 *       to: 'ops@example.org',
 *     }),
 *   ],
 *   rules: [
 *     { type: 'flow-state', states: ['Failed', 'Crashed', 'Late'] },
 *     { type: 'health' },
 *     { type: 'dead-man', flow: 'incremental-salesforce-sync', windowMs: 26 * 3_600_000 },
 *   ],
 *   throttleMs: 30 * 60_000,
 *   runUrl: ({ runId }) => `https://vms.example.org/runs/${runId}`,
 * });
 * alerts.on('alert:failed', (d) => console.warn(`alert not delivered via ${d.channel}: ${d.error}`));
 * alerts.reportHealth({ name: 'salesforce', ok: false, message: 'API usage at 97%' });
 * ```
 *
 * @packageDocumentation
 */
export { alertText, SEVERITY_COLORS, type Alert, type AlertKind, type AlertSeverity } from './alert.js';
export {
  attachAlerts,
  type AlertDelivery,
  type AlertLogger,
  type AlertsEngine,
  type AlertsEvents,
  type AlertsHandle,
  type AlertSuppressed,
  type AttachAlertsOptions,
  type HealthCheckResult,
} from './attach.js';
export type { AlertChannel, DeliveryReport, SendOptions } from './channel.js';
export { email, type EmailOptions, type SmtpOptions } from './channels/email.js';
export { slackPayload, slackWebhook, type SlackWebhookOptions } from './channels/slack.js';
export { webhook, type WebhookOptions } from './channels/webhook.js';
export { AlertError, AlertErrorCode, type AlertErrorOptions } from './errors.js';
export type { HttpDeliveryOptions } from './http-post.js';
export { Redactor, redactUrl } from './redact.js';
export { parseRetryAfter } from './retry-after.js';
export {
  DEFAULT_RULES,
  type AlertingState,
  type AlertRule,
  type DeadManRule,
  type FlowStateRule,
  type HealthRule,
} from './rules.js';
