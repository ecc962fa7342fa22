import { FlowError, invalidOptionMessage, type ErrorCategory } from '@vms/flow-core';

/** Stable codes of {@link AlertError}. */
export const AlertErrorCode = {
  /** An option passed to this package was invalid. */
  InvalidOption: 'ALERT_INVALID_OPTION',
  /** The channel could not deliver the alert (after the retries its policy allows). */
  DeliveryFailed: 'ALERT_DELIVERY_FAILED',
  /** The receiver asked to wait longer than the channel's retry window (`Retry-After` above the cap). */
  RetryWindowTooLong: 'ALERT_RETRY_WINDOW_TOO_LONG',
} as const;
export type AlertErrorCode = (typeof AlertErrorCode)[keyof typeof AlertErrorCode];

/** Extra context carried by an {@link AlertError}. */
export interface AlertErrorOptions {
  category: ErrorCategory;
  /** The channel's display name (secrets already redacted). */
  channel?: string;
  /** Delivery attempts made (HTTP posts or SMTP connections). */
  attempts?: number;
  /** HTTP status of the last answer, when there was one. */
  status?: number;
}

/**
 * Every failure raised by `@vms/flow-alerts`. Messages are built from redacted parts only: a
 * webhook URL shows as its origin, SMTP credentials never appear.
 */
export class AlertError extends FlowError {
  override readonly name = 'AlertError';
  readonly channel: string | undefined;
  readonly attempts: number | undefined;
  readonly status: number | undefined;

  constructor(code: AlertErrorCode, message: string, options: AlertErrorOptions) {
    super(code, message, { category: options.category });
    this.channel = options.channel;
    this.attempts = options.attempts;
    this.status = options.status;
  }
}

/** Throws `ALERT_INVALID_OPTION` echoing the bad value (pass `shown` instead for a secret). */
export function invalidOption(name: string, expected: string, value: unknown, shown?: string): never {
  throw new AlertError(
    AlertErrorCode.InvalidOption,
    invalidOptionMessage(name, expected, value, { quoteStrings: false, ...(shown === undefined ? {} : { shown }) }),
    { category: 'validation' },
  );
}

/** Validates an integer option within bounds, echoing the bad value. */
export function checkInteger(name: string, value: unknown, min: number, unit = ''): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    invalidOption(name, `an integer >= ${min}${unit === '' ? '' : ` (${unit})`}`, value);
  }
  return value;
}
