/**
 * Errors raised by `SqliteStore`. Every one is a `FlowError` with category `database` (or
 * `validation` for bad options), so the engine's `classifyError` needs no SQLite knowledge.
 */
import { ErrorCode, FlowError } from '@vms/flow-core';
import type { ErrorCategory } from '@vms/flow-core';

/** Codes of {@link SqliteStoreError}. */
export const SqliteStoreErrorCode = {
  /** The database file could not be opened or is not a database. */
  OpenFailed: 'STORE_OPEN_FAILED',
  /** The file was written by a newer version of this package (schema version too high). */
  SchemaTooNew: 'STORE_SCHEMA_TOO_NEW',
  /** A transaction body was async or returned a promise. */
  AsyncTransaction: 'STORE_ASYNC_TRANSACTION',
  /** The store was used after `close()`. */
  Closed: 'STORE_CLOSED',
  /** An option was invalid. */
  InvalidOption: ErrorCode.InvalidOption,
  /** Any other storage failure. */
  Store: ErrorCode.Store,
} as const;
export type SqliteStoreErrorCode = (typeof SqliteStoreErrorCode)[keyof typeof SqliteStoreErrorCode];

/** A failure of the SQLite store; `file` names the database file when known. */
export class SqliteStoreError extends FlowError {
  override readonly name = 'SqliteStoreError';
  /** The database file the error is about, when known. */
  readonly file: string | undefined;
  constructor(
    code: SqliteStoreErrorCode,
    message: string,
    options: { cause?: unknown; file?: string; category?: ErrorCategory } = {},
  ) {
    super(code, message, { cause: options.cause, category: options.category ?? 'database' });
    this.file = options.file;
  }
}

/** Describes a value for an error message: `` `-1` (number) ``. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return `\`${text}\` (${value === null ? 'null' : typeof value})`;
}
