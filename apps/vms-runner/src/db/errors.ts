/**
 * Errors raised by the VMS data layer and the sync logic. All extend `FlowError`, so the engine
 * can classify them (`category`) without knowing this app.
 */
import { FlowError, type FlowErrorOptions } from '@vms/flow-core';

/** Stable codes of {@link VmsError}. */
export const VmsErrorCode = {
  /** A transaction callback was async or returned a promise (see CASES C13). */
  AsyncTransaction: 'VMS_ASYNC_TRANSACTION',
  /** The database file is newer than this build of the runner. */
  SchemaTooNew: 'VMS_SCHEMA_TOO_NEW',
  /** A migration failed; the database stays at the version before it. */
  MigrationFailed: 'VMS_MIGRATION_FAILED',
  /** An option or argument was invalid. */
  InvalidOption: 'VMS_INVALID_OPTION',
  /** An entity name that the sync DAG does not know. */
  UnknownEntity: 'VMS_UNKNOWN_ENTITY',
  /** A Salesforce source yielded something that is not a record. */
  InvalidRecord: 'VMS_INVALID_RECORD',
  /** A sheet could not be read as a virtual-sessions sheet (no header row, ...). */
  InvalidSheet: 'VMS_INVALID_SHEET',
} as const;
export type VmsErrorCode = (typeof VmsErrorCode)[keyof typeof VmsErrorCode];

/** An error of the VMS data layer or sync logic. */
export class VmsError extends FlowError {
  override readonly name: string = 'VmsError';
  constructor(code: VmsErrorCode, message: string, options: FlowErrorOptions = {}) {
    super(code, message, options);
  }
}

/** Formats a value for an error message: `` `-1` (number) ``. */
export function describeValue(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  if (text.length > 80) text = `${text.slice(0, 77)}...`;
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  return `\`${text}\` (${type})`;
}

/** Throws a validation {@link VmsError} for option `name`. */
export function invalidOption(name: string, expected: string, value: unknown): never {
  throw new VmsError(
    VmsErrorCode.InvalidOption,
    `Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`,
    { category: 'validation' },
  );
}
