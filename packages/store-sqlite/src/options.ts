/**
 * Options of `SqliteStore`, validated where they are given with messages that echo the bad value.
 */
import type { Database } from 'better-sqlite3';
import { SqliteStoreError, SqliteStoreErrorCode, describeValue } from './errors.js';

/** Options of `SqliteStore`. */
export interface SqliteStoreOptions {
  /**
   * Path of the database file, created with its directory's permissions if missing (the directory
   * must exist). The engine's tables live in their own file by default, apart from your
   * application's data. `':memory:'` gives a non-durable, single-connection store.
   * @default 'vms-flow.db' (in the current working directory)
   */
  file?: string;
  /**
   * Use an existing better-sqlite3 connection instead of opening `file` (its tables are all
   * prefixed `flow_`). The store migrates it but never closes it.
   * @default undefined
   */
  database?: Database;
  /**
   * How long a write waits for another connection's write lock before failing, in ms
   * (SQLite `busy_timeout`). Writes are short, so waits are short; this is a safety margin.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * SQLite `synchronous` level. `NORMAL` in WAL mode never loses a committed transaction when
   * the process dies (SIGKILL); only an OS crash or power loss can drop the last commits. `FULL`
   * also survives power loss, at a cost per commit.
   * @default 'NORMAL'
   */
  synchronous?: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
  /**
   * Called with each SQL statement as it runs (statement logging, for debugging and tests).
   * @default undefined
   */
  verbose?: (sql: string) => void;
}

/** {@link SqliteStoreOptions} with defaults applied. */
export interface ResolvedOptions {
  file: string;
  database: Database | undefined;
  busyTimeoutMs: number;
  synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
  verbose: ((sql: string) => void) | undefined;
}

const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'] as const;

function invalid(option: string, expected: string, value: unknown): SqliteStoreError {
  return new SqliteStoreError(SqliteStoreErrorCode.InvalidOption, `Expected \`${option}\` to be ${expected}, got ${describeValue(value)}`, {
    category: 'validation',
  });
}

/** Validates `options` and applies defaults. */
export function validateOptions(options: SqliteStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options);
  const { file = 'vms-flow.db', database, busyTimeoutMs = 5000, synchronous = 'NORMAL', verbose } = options;
  if (typeof file !== 'string' || file.trim() === '') throw invalid('file', 'a non-empty path', file);
  if (file.includes('\u0000')) throw invalid('file', 'a path without NUL characters', file);
  if (database !== undefined && (typeof database !== 'object' || database === null || typeof database.prepare !== 'function')) {
    throw invalid('database', 'a better-sqlite3 Database', database);
  }
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) throw invalid('busyTimeoutMs', 'an integer >= 0', busyTimeoutMs);
  if (!(SYNCHRONOUS as readonly unknown[]).includes(synchronous)) {
    throw invalid('synchronous', `one of ${SYNCHRONOUS.map((s) => `\`${s}\``).join(', ')}`, synchronous);
  }
  if (verbose !== undefined && typeof verbose !== 'function') throw invalid('verbose', 'a function', verbose);
  return { file, database, busyTimeoutMs, synchronous, verbose };
}
