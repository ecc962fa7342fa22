/**
 * The one way to open a write transaction on the VMS database.
 *
 * A transaction body must be synchronous: better-sqlite3 is synchronous, and an `await` inside a
 * transaction would let the COMMIT run before the writes after it (CASES C13). Collect async
 * input first, then write in a synchronous callback.
 */
import type Database from 'better-sqlite3';
import { VmsError, VmsErrorCode } from './errors';

/** How the transaction takes its lock. `immediate` takes the write lock at BEGIN. */
export type TransactionMode = 'deferred' | 'immediate' | 'exclusive';

const AsyncFunction = (async () => {}).constructor;
const AsyncGeneratorFunction = (async function* () {}).constructor;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

function asyncError(): VmsError {
  return new VmsError(
    VmsErrorCode.AsyncTransaction,
    'A transaction callback must be synchronous: fetch async input first, then write inside a synchronous callback (an await inside a transaction would commit early)',
    { category: 'database' },
  );
}

/**
 * Runs `fn` inside one transaction (a savepoint when already inside one) and returns its result.
 * Throws, before any BEGIN, when `fn` is an async function; when a plain function returns a
 * promise anyway, the transaction is rolled back and the same error is thrown.
 *
 * @example
 * ```ts
 * const rows = await fetchRows();              // async work first
 * transaction(db, () => { for (const r of rows) insert.run(r); });
 * ```
 */
export function transaction<T>(
  db: Database.Database,
  fn: () => T,
  mode: TransactionMode = 'immediate',
): T extends PromiseLike<unknown> ? never : T {
  if (typeof fn !== 'function') {
    throw new TypeError(`Expected \`fn\` to be a function, got \`${String(fn)}\` (${typeof fn})`);
  }
  if (fn instanceof AsyncFunction || fn instanceof AsyncGeneratorFunction) throw asyncError();
  const wrapped = db.transaction(() => {
    const result = fn();
    if (isThenable(result)) {
      // Keep an unobserved rejection from crashing the process; the caller gets our error.
      Promise.resolve(result).catch(() => {});
      throw asyncError();
    }
    return result;
  });
  return wrapped[mode]() as T extends PromiseLike<unknown> ? never : T;
}
