/**
 * Errors of the Salesforce plugin. `SalesforceError` extends `FlowError` from `@vms/flow-core`
 * with a string `code` and a `category` that decides retryability, so the engine classifies it
 * without knowing this plugin.
 */
import { FlowError, invalidOptionMessage, type ErrorCategory } from '@vms/flow-core';

/** Stable machine-readable codes of {@link SalesforceError}. */
export const SalesforceErrorCode = {
  /** Bad or missing connection settings. */
  InvalidConfig: 'SF_INVALID_CONFIG',
  /** Login refused: wrong username, password, token, client or key. */
  AuthFailed: 'SF_AUTH_FAILED',
  /** The session stayed invalid after one re-authentication. */
  SessionInvalid: 'SF_SESSION_INVALID',
  /** `REQUEST_LIMIT_EXCEEDED` or a 429: too many API requests. */
  RequestLimit: 'SF_REQUEST_LIMIT',
  /** Paused because API usage is above the configured share of the daily limit. */
  ApiUsagePaused: 'SF_API_USAGE_PAUSED',
  /** 5xx answer, dropped connection or other transport failure. */
  Network: 'SF_NETWORK',
  /** The request took longer than allowed. */
  Timeout: 'SF_TIMEOUT',
  /** Salesforce rejected the query (`MALFORMED_QUERY`, `INVALID_FIELD`, ...). */
  InvalidQuery: 'SF_INVALID_QUERY',
  /** A value given to a SOQL helper is not acceptable (bad Id, bad date, ...). */
  InvalidValue: 'SF_INVALID_VALUE',
  /** The result has more records than the configured cap. */
  Truncated: 'SF_RESULT_TRUNCATED',
  /** The server returned fewer records than it announced in `totalSize`. */
  Incomplete: 'SF_RESULT_INCOMPLETE',
  /** A Bulk API 2.0 job failed, was aborted, or did not finish in time. */
  BulkJobFailed: 'SF_BULK_JOB_FAILED',
  /** Anything else Salesforce answered with an error. */
  Api: 'SF_API_ERROR',
} as const;
export type SalesforceErrorCode = (typeof SalesforceErrorCode)[keyof typeof SalesforceErrorCode];

/** Failure categories: `@vms/flow-core`'s, but for `database`, which this plugin never raises. */
export type SalesforceErrorCategory = Exclude<ErrorCategory, 'database'>;

/** Options of {@link SalesforceError}. */
export interface SalesforceErrorOptions {
  /** The underlying error. */
  cause?: unknown;
  /** Salesforce's own `errorCode` (`INVALID_SESSION_ID`, `MALFORMED_QUERY`, ...), when known. */
  apiErrorCode?: string;
  /** HTTP status of the failed response, when known. */
  statusCode?: number;
}

/** An error raised by `@vms/flow-salesforce`. */
export class SalesforceError extends FlowError {
  override readonly name = 'SalesforceError';
  /** One of {@link SalesforceErrorCode}. */
  declare readonly code: SalesforceErrorCode;
  /** What kind of failure this is; `rate_limit`, `network` and `timeout` are retryable. */
  declare readonly category: SalesforceErrorCategory;
  /** Salesforce's own `errorCode`, when it sent one. */
  readonly apiErrorCode: string | undefined;
  /** HTTP status of the failed response, when known. */
  readonly statusCode: number | undefined;

  constructor(
    code: SalesforceErrorCode,
    category: SalesforceErrorCategory,
    message: string,
    options: SalesforceErrorOptions = {},
  ) {
    super(code, message, { cause: options.cause, category });
    this.apiErrorCode = options.apiErrorCode;
    this.statusCode = options.statusCode;
  }

  /** Whether retrying the same request later may succeed. */
  get retryable(): boolean {
    return this.category === 'rate_limit' || this.category === 'network' || this.category === 'timeout';
  }
}

/**
 * A `TypeError` for a bad option or argument, echoing the value in core's format:
 * ``Expected `chunkSize` to be an integer >= 1, got `0` (number)``.
 */
export function invalidArgument(name: string, expected: string, value: unknown): TypeError {
  return new TypeError(invalidOptionMessage(name, expected, value, { quoteStrings: false }));
}

/** Throws {@link invalidArgument} unless `value` is `undefined` or an integer >= `min`. */
export function checkOptionalInteger(name: string, value: unknown, min: number): void {
  if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value >= min)) {
    throw invalidArgument(name, `an integer >= ${min}`, value);
  }
}

const QUERY_ERRORS = new Set([
  'MALFORMED_QUERY',
  'INVALID_FIELD',
  'INVALID_TYPE',
  'INVALID_QUERY_FILTER_OPERATOR',
  'INVALID_QUERY_LOCATOR',
  'QUERY_TOO_COMPLICATED',
  'INVALID_OPERATION',
  'NOT_FOUND',
]);
const AUTH_ERRORS = new Set([
  'INVALID_LOGIN',
  'invalid_grant',
  'invalid_client',
  'invalid_client_id',
  'invalid_request',
  'unsupported_grant_type',
  'inactive_user',
  'INVALID_AUTH_HEADER',
  'API_DISABLED_FOR_ORG',
]);
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ENOTFOUND',
  'ENETDOWN',
  'ENETUNREACH',
  'EHOSTDOWN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'ETIMEDOUT',
]);

function causeCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Turns whatever jsforce (or the transport under it) threw into a {@link SalesforceError} with
 * the right category. An existing `SalesforceError` is returned unchanged.
 */
export function toSalesforceError(err: unknown, context = 'Salesforce request'): SalesforceError {
  if (err instanceof SalesforceError) return err;
  const e = (err ?? {}) as { name?: unknown; errorCode?: unknown; message?: unknown };
  const apiCode =
    typeof e.errorCode === 'string' ? e.errorCode : typeof e.name === 'string' ? e.name : undefined;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const httpMatch = apiCode?.match(/^ERROR_HTTP_(\d{3})$/);
  const status = httpMatch ? Number(httpMatch[1]) : undefined;
  const opts = { cause: err, apiErrorCode: apiCode, statusCode: status };

  if (apiCode === 'REQUEST_LIMIT_EXCEEDED' || status === 429) {
    return new SalesforceError(SalesforceErrorCode.RequestLimit, 'rate_limit', `${context}: ${message}`, opts);
  }
  if (apiCode === 'INVALID_SESSION_ID') {
    return new SalesforceError(SalesforceErrorCode.SessionInvalid, 'auth', `${context}: ${message}`, opts);
  }
  if (apiCode && AUTH_ERRORS.has(apiCode)) {
    return new SalesforceError(SalesforceErrorCode.AuthFailed, 'auth', `${context}: authentication failed: ${message}`, opts);
  }
  if (/^INVALID_LOGIN\b/.test(message) || /^Unable to refresh session due to/.test(message)) {
    return new SalesforceError(SalesforceErrorCode.AuthFailed, 'auth', `${context}: authentication failed: ${message}`, opts);
  }
  if (apiCode && QUERY_ERRORS.has(apiCode)) {
    return new SalesforceError(SalesforceErrorCode.InvalidQuery, 'validation', `${context}: ${apiCode}: ${message}`, opts);
  }
  if (apiCode === 'SERVER_UNAVAILABLE' || (status !== undefined && status >= 500)) {
    return new SalesforceError(SalesforceErrorCode.Network, 'network', `${context}: server error: ${message}`, opts);
  }
  if (e.name === 'AbortError' || e.name === 'TimeoutError' || /timed? ?out/i.test(message)) {
    return new SalesforceError(SalesforceErrorCode.Timeout, 'timeout', `${context}: ${message}`, opts);
  }
  const netCode = causeCode(err);
  if (netCode || (err instanceof TypeError && /fetch failed|terminated|socket/i.test(message))) {
    return new SalesforceError(
      SalesforceErrorCode.Network,
      'network',
      `${context}: connection failed${netCode ? ` (${netCode})` : ''}: ${message}`,
      opts,
    );
  }
  return new SalesforceError(SalesforceErrorCode.Api, 'unknown', `${context}: ${message}`, opts);
}
