/**
 * Synchronous transactions on better-sqlite3. A transaction body must never `await`: SQLite
 * would commit at the first `await` and the rest would run outside the transaction (CASES C13,
 * better-sqlite3 #476). So the helper refuses an `async` body before issuing `BEGIN`, and rolls
 * back and throws if a plain function returns a promise anyway.
 */
import type { Database, Statement } from 'better-sqlite3';
import { SqliteStoreError, SqliteStoreErrorCode } from './errors.js';

/** `T`, or `never` when `T` is a promise: an async transaction body is a type error too. */
export type SyncResult<T> = T extends PromiseLike<unknown> ? never : T;

/** How a transaction takes its locks. */
export type TransactionMode = 'deferred' | 'immediate' | 'exclusive';

const BEGIN: Record<TransactionMode, string> = {
  deferred: 'BEGIN',
  immediate: 'BEGIN IMMEDIATE',
  exclusive: 'BEGIN EXCLUSIVE',
};

const controlStatements = new WeakMap<Database, Map<string, Statement>>();

/** A cached prepared transaction-control statement (BEGIN, COMMIT, ...) of `db`. */
function control(db: Database, sql: string): Statement {
  let cache = controlStatements.get(db);
  if (!cache) {
    cache = new Map();
    controlStatements.set(db, cache);
  }
  let stmt = cache.get(sql);
  if (!stmt) {
    stmt = db.prepare(sql);
    cache.set(sql, stmt);
  }
  return stmt;
}

function isAsyncFunction(fn: unknown): boolean {
  return typeof fn === 'function' && (fn.constructor?.name === 'AsyncFunction' || fn.constructor?.name === 'AsyncGeneratorFunction');
}

function isThenable(value: unknown): boolean {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

const asyncMessage =
  'A transaction body must be synchronous: SQLite would commit at its first `await` and run the rest outside the transaction. ' +
  'Collect async input (fetches, reads) first, then pass a synchronous function.';

/**
 * Runs `fn` in one transaction on `db` and returns its result: `BEGIN IMMEDIATE` (by default),
 * then `COMMIT`, or `ROLLBACK` and rethrow when `fn` throws. Nested calls use a savepoint.
 *
 * Throws {@link SqliteStoreError} (`STORE_ASYNC_TRANSACTION`) synchronously, before `BEGIN`,
 * when `fn` is an `async` function; when a plain function returns a promise, the transaction is
 * rolled back and the same error is thrown.
 *
 * @example
 * ```ts
 * const rows = await fetchRows();            // async work first
 * transaction(db, () => {                     // then a synchronous transaction
 *   for (const row of rows) insert.run(row);
 * });
 * ```
 */
export function transaction<T>(db: Database, fn: () => SyncResult<T>, mode: TransactionMode = 'immediate'): T {
  if (typeof fn !== 'function') {
    throw new SqliteStoreError(SqliteStoreErrorCode.InvalidOption, `Expected the transaction body to be a function, got \`${String(fn)}\` (${typeof fn})`, {
      category: 'validation',
    });
  }
  if (isAsyncFunction(fn)) {
    throw new SqliteStoreError(SqliteStoreErrorCode.AsyncTransaction, asyncMessage, { category: 'validation' });
  }
  const nested = db.inTransaction;
  const run = (sql: string): void => void control(db, sql).run();
  if (nested) run('SAVEPOINT vms_flow_nested');
  else run(BEGIN[mode]);
  let result: T;
  try {
    result = fn() as T;
    if (isThenable(result)) {
      // Keep the caller's promise from becoming an unhandled rejection; the error below is the report.
      (result as unknown as Promise<unknown>).then(undefined, () => undefined);
      throw new SqliteStoreError(SqliteStoreErrorCode.AsyncTransaction, asyncMessage, { category: 'validation' });
    }
  } catch (error) {
    if (db.inTransaction) {
      if (nested) {
        run('ROLLBACK TO vms_flow_nested');
        run('RELEASE vms_flow_nested');
      } else {
        run('ROLLBACK');
      }
    }
    throw error;
  }
  if (nested) run('RELEASE vms_flow_nested');
  else run('COMMIT');
  return result;
}
