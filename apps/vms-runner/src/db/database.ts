/**
 * Opening the VMS database: one SQLite file (apart from the runner's store), WAL journal,
 * `busy_timeout`, foreign keys on, migrated to {@link SCHEMA_VERSION} through `user_version`.
 */
import Database from 'better-sqlite3';
import { VmsError, VmsErrorCode, invalidOption } from './errors';
import { SCHEMA_VERSION, migrations, type Migration } from './schema';
import { transaction } from './transaction';

/** A better-sqlite3 connection to a VMS database. */
export type VmsDatabase = Database.Database;

/** Options of {@link openVmsDatabase}. */
export interface OpenVmsDatabaseOptions {
  /**
   * How long a statement waits for another connection's lock before failing, in ms.
   * @default 5000
   */
  busyTimeoutMs?: number;
  /**
   * Receives every SQL statement run (for debugging and tests).
   * @default undefined (no statement log)
   */
  verbose?: (sql: string) => void;
  /**
   * Open the file read-only (no migration is run).
   * @default false
   */
  readonly?: boolean;
}

/**
 * Opens (creating when missing) the VMS database at `path` and migrates it.
 *
 * @example
 * ```ts
 * const db = openVmsDatabase('/var/lib/vms/vms.db');
 * db.prepare('SELECT count(*) AS n FROM organization').get();
 * db.close();
 * ```
 */
export function openVmsDatabase(path: string, options: OpenVmsDatabaseOptions = {}): VmsDatabase {
  if (typeof path !== 'string' || path.length === 0) invalidOption('path', 'a non-empty file path', path);
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    invalidOption('busyTimeoutMs', 'an integer >= 0', busyTimeoutMs);
  }
  const db = new Database(path, {
    readonly: options.readonly ?? false,
    ...(options.verbose ? { verbose: (sql: unknown) => options.verbose?.(String(sql)) } : {}),
  });
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a commit is durable once the WAL is synced at checkpoint; a crash loses no
      // committed transaction's consistency (only the last commits before a power loss).
      db.pragma('synchronous = NORMAL');
    }
    db.pragma('foreign_keys = ON');
    // Temporary b-trees (sorts of the pending queue) in memory, not temp files. The page cache
    // stays at SQLite's default (2 MiB): a 32 MiB cache measured no faster for the full sync.
    db.pragma('temp_store = MEMORY');
    if (!options.readonly) migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The database's `user_version`. */
export function schemaVersion(db: VmsDatabase): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Runs every migration newer than the database's `user_version`, each in its own immediate
 * transaction that also sets the new version, so a failed migration leaves the previous version.
 * Returns the versions applied.
 */
export function migrate(db: VmsDatabase, list: readonly Migration[] = migrations): number[] {
  const current = schemaVersion(db);
  const latest = list.length;
  if (current > latest) {
    throw new VmsError(
      VmsErrorCode.SchemaTooNew,
      `The VMS database is at schema version ${current}, newer than this runner's ${latest} (${SCHEMA_VERSION}); upgrade the runner`,
      { category: 'database' },
    );
  }
  const applied: number[] = [];
  for (const migration of list.slice(current)) {
    try {
      transaction(db, () => {
        db.exec(migration.sql);
        db.pragma(`user_version = ${migration.version}`);
      });
    } catch (error) {
      throw new VmsError(
        VmsErrorCode.MigrationFailed,
        `VMS migration ${migration.version} (${migration.description}) failed: ${(error as Error).message}`,
        { category: 'database', cause: error },
      );
    }
    applied.push(migration.version);
  }
  return applied;
}
