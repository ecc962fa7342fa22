import { FlowError, invalidOptionMessage, type ErrorCategory } from '@vms/flow-core';

/** Stable codes of {@link SheetsError}. */
export const SheetsErrorCode = {
  /** An option passed to this package was invalid. */
  InvalidOption: 'SHEETS_INVALID_OPTION',
  /** Credentials were missing, wrong, or lacked access (HTTP 401/403). */
  Auth: 'SHEETS_AUTH',
  /** The quota was still exhausted after every retry (HTTP 429). */
  RateLimited: 'SHEETS_RATE_LIMITED',
  /** The spreadsheet or range does not exist, or the request was malformed (HTTP 400/404). */
  BadRequest: 'SHEETS_BAD_REQUEST',
  /** Google answered with a 5xx after every retry. */
  Server: 'SHEETS_SERVER',
  /** The request never got an HTTP answer (connection refused or reset, DNS, timeout). */
  Network: 'SHEETS_NETWORK',
  /** The header row is missing, duplicated or otherwise unusable. */
  Header: 'SHEETS_HEADER',
  /** A text or serial date could not be parsed. */
  InvalidDate: 'SHEETS_INVALID_DATE',
} as const;
export type SheetsErrorCode = (typeof SheetsErrorCode)[keyof typeof SheetsErrorCode];

/** Extra context carried by a {@link SheetsError}. */
export interface SheetsErrorOptions {
  category: ErrorCategory;
  /** HTTP status of Google's answer, when there was one. */
  status?: number;
  /** Google's `error.status` (e.g. `RESOURCE_EXHAUSTED`), when there was one. */
  googleStatus?: string;
  /** Delay Google asked for through `Retry-After`, in ms. */
  retryAfterMs?: number;
  /** Number of HTTP attempts made before giving up. */
  attempts?: number;
}

/**
 * Every failure raised by `@vms/flow-sheets`. Messages never contain the API key, the bearer token
 * or the service-account private key: Google's error is summarised, never attached raw as `cause`
 * (its request config holds the key).
 */
export class SheetsError extends FlowError {
  override readonly name = 'SheetsError';
  readonly status: number | undefined;
  readonly googleStatus: string | undefined;
  readonly retryAfterMs: number | undefined;
  readonly attempts: number | undefined;

  constructor(code: SheetsErrorCode, message: string, options: SheetsErrorOptions) {
    super(code, message, { category: options.category });
    this.status = options.status;
    this.googleStatus = options.googleStatus;
    this.retryAfterMs = options.retryAfterMs;
    this.attempts = options.attempts;
  }
}

/** Throws a {@link SheetsError} `SHEETS_INVALID_OPTION` echoing the bad value. */
export function invalidOption(name: string, expected: string, value: unknown): never {
  throw new SheetsError(SheetsErrorCode.InvalidOption, invalidOptionMessage(name, expected, value, { quoteStrings: false }), {
    category: 'validation',
  });
}
