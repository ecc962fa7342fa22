/**
 * Row-error codes: why one Salesforce record did not map cleanly. The codes are those of the
 * real VMS (`ImportErrorCode`, VMS-DOMAIN.md §4), so reports stay comparable.
 */

/** Every row-error code. */
export const RowErrorCode = {
  MissingSfId: 'MISSING_SF_ID',
  MissingRequiredField: 'MISSING_REQUIRED_FIELD',
  InvalidDate: 'INVALID_DATE',
  InvalidEnum: 'INVALID_ENUM',
  InvalidEmail: 'INVALID_EMAIL',
  InvalidPhone: 'INVALID_PHONE',
  FkNotFound: 'FK_NOT_FOUND',
  DuplicateRecord: 'DUPLICATE_RECORD',
  ParentNotFound: 'PARENT_NOT_FOUND',
  ContactInfoFailed: 'CONTACT_INFO_FAILED',
  DbConstraint: 'DB_CONSTRAINT',
  DbIntegrity: 'DB_INTEGRITY',
  Unknown: 'UNKNOWN',
} as const;
export type RowErrorCode = (typeof RowErrorCode)[keyof typeof RowErrorCode];

/**
 * `error`: the record was not written (failed, or queued until its parent arrives).
 * `warning`: the record was written, but a value was dropped or defaulted.
 */
export type RowErrorSeverity = 'error' | 'warning';

/** One problem with one record. */
export interface RowIssue {
  readonly code: RowErrorCode;
  readonly severity: RowErrorSeverity;
  /** The Salesforce field at fault, when one is. */
  readonly field?: string;
  readonly message: string;
}

/** A row issue tied to its record, as stored in `row_errors`. */
export interface RowError extends RowIssue {
  readonly entity: string;
  readonly salesforceId: string | null;
  readonly recordName: string | null;
}

/**
 * Maps a database exception to a row-error code, by the same substring rules as the real VMS's
 * `classify_exception`, with SQLite's constraint codes checked first.
 */
export function classifyRowException(error: unknown): RowErrorCode {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return RowErrorCode.FkNotFound;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return RowErrorCode.DuplicateRecord;
  if (code === 'SQLITE_CONSTRAINT_NOTNULL') return RowErrorCode.MissingRequiredField;
  if (typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT')) return RowErrorCode.DbConstraint;
  const text = (error instanceof Error ? error.message : String(error)).toLowerCase();
  if (text.includes('foreign key')) return RowErrorCode.FkNotFound;
  if (text.includes('duplicate') || text.includes('unique constraint')) return RowErrorCode.DuplicateRecord;
  if (text.includes('integrity')) return RowErrorCode.DbIntegrity;
  if (text.includes('not null') || text.includes('required')) return RowErrorCode.MissingRequiredField;
  if (text.includes('date')) return RowErrorCode.InvalidDate;
  if (text.includes('email')) return RowErrorCode.InvalidEmail;
  return RowErrorCode.Unknown;
}
