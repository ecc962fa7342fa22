/**
 * Errors of the HTTP API. Each maps to one status code; the JSON body is
 * `{ error: { code, message, problems? } }` and never contains a token or a request header.
 */
import { FlowError, type ErrorCategory } from '@vms/flow-core';

/** Error codes of the HTTP API (the `error.code` field of every error response). */
export const HttpErrorCode = {
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  BadRequest: 'BAD_REQUEST',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  Internal: 'INTERNAL',
  Unavailable: 'UNAVAILABLE',
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/** One reason a request was rejected: where (`body.params.year`) and why. */
export interface Problem {
  /** Dotted path of the bad input, starting with `body`, `query` or `path`. */
  path: string;
  message: string;
}

/** Status codes the API answers errors with. */
export type HttpStatus = 400 | 401 | 403 | 404 | 409 | 413 | 500 | 503;

const STATUS: Record<HttpErrorCode, HttpStatus> = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

const CATEGORY: Record<HttpErrorCode, ErrorCategory> = {
  UNAUTHORIZED: 'auth',
  FORBIDDEN: 'auth',
  BAD_REQUEST: 'validation',
  NOT_FOUND: 'validation',
  CONFLICT: 'validation',
  PAYLOAD_TOO_LARGE: 'validation',
  INTERNAL: 'unknown',
  UNAVAILABLE: 'unknown',
};

/** A failed API request: its status code, a safe message, and the problems for a 400. */
export class HttpError extends FlowError {
  override readonly name = 'HttpError';
  /** HTTP status code sent to the client. */
  readonly status: HttpStatus;
  /** For `BAD_REQUEST`: every problem found in the input. */
  readonly problems: readonly Problem[];

  constructor(code: HttpErrorCode, message: string, problems: readonly Problem[] = [], options: { cause?: unknown } = {}) {
    super(code, message, { category: CATEGORY[code], ...options });
    this.status = STATUS[code];
    this.problems = problems;
  }

  /** The response body. */
  toJSON(): { error: { code: string; message: string; problems?: Problem[] } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.problems.length > 0 ? { problems: [...this.problems] } : {}),
      },
    };
  }
}
