import type { Alert } from './alert.js';

/** Per-send options. */
export interface SendOptions {
  /** Aborts the delivery, including a `Retry-After` wait. @default none */
  signal?: AbortSignal;
}

/** What a successful delivery took. */
export interface DeliveryReport {
  /** Attempts made (HTTP posts or SMTP connections), 1 when the first one worked. */
  attempts: number;
}

/**
 * A place alerts go. `send` resolves once the receiver accepted the alert and rejects with an
 * `AlertError` (secrets redacted) when it could not be delivered under the channel's retry policy.
 */
export interface AlertChannel {
  /** Display name for logs and delivery records; never contains a secret (e.g. `slack(hooks.slack.com)`). */
  readonly name: string;
  send(alert: Alert, options?: SendOptions): Promise<DeliveryReport>;
}
