/**
 * `@vms/flow-store-sqlite`: a durable `Store` for `@vms/flow-core` on better-sqlite3. Point the
 * engine at a `.db` file, kill the process, restart, and runs continue from their last finished
 * task. Several processes may share one file: claims, leases and schedule slots are atomic.
 *
 * @example
 * ```ts
 * import { createEngine } from '@vms/flow-core';
 * import { SqliteStore } from '@vms/flow-store-sqlite';
 *
 * const store = new SqliteStore({ file: './data/flow.db' });
 * const engine = createEngine({ store });
 * await engine.recover(); // resume runs a crash interrupted
 * ```
 */
export { SqliteStore } from './sqlite-store.js';
export type { SqliteStoreOptions } from './options.js';
export { SqliteStoreError, SqliteStoreErrorCode } from './errors.js';
export { transaction } from './transaction.js';
export type { SyncResult, TransactionMode } from './transaction.js';
export { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from './migrations.js';
export type { Migration } from './migrations.js';
