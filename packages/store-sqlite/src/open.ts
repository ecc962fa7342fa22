/**
 * Opening a database file: connection pragmas (WAL, busy timeout, synchronous), a write probe
 * and the schema migrations, with every failure reported as a {@link SqliteStoreError} that
 * names the file.
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { Database as DatabaseHandle } from 'better-sqlite3';
import { SqliteStoreError, SqliteStoreErrorCode } from './errors.js';
import { migrate } from './migrations.js';

/** Settings {@link openDatabase} applies to a connection. */
export interface ConnectionSettings {
  busyTimeoutMs: number;
  synchronous: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
  verbose: ((sql: string) => void) | undefined;
}

/** Applies the pragmas every connection of the store uses. */
export function configureConnection(db: DatabaseHandle, settings: ConnectionSettings, inMemory: boolean): void {
  // busy_timeout first: switching to WAL needs a lock another process may hold for a moment.
  db.pragma(`busy_timeout = ${settings.busyTimeoutMs}`);
  if (!inMemory) {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') throw new Error(`could not switch to WAL journal mode (got \`${String(mode)}\`)`);
  }
  db.pragma(`synchronous = ${settings.synchronous}`);
}

function hint(file: string): string {
  const dir = dirname(file);
  if (!existsSync(dir)) return ` (directory \`${dir}\` does not exist)`;
  if (!statSync(dir).isDirectory()) return ` (\`${dir}\` is not a directory)`;
  if (existsSync(file) && statSync(file).isDirectory()) return ' (it is a directory)';
  return '';
}

/**
 * Opens (creating if needed) the database at `file`, configures it, checks it is writable and
 * migrates its schema. Throws {@link SqliteStoreError}: `STORE_OPEN_FAILED` for an unwritable,
 * missing-directory or corrupt path, `STORE_SCHEMA_TOO_NEW` for a file from a newer release.
 */
export function openDatabase(file: string, settings: ConnectionSettings): DatabaseHandle {
  const inMemory = file === ':memory:';
  const shown = inMemory ? file : resolve(file);
  let db: DatabaseHandle | undefined;
  try {
    db = new Database(file, {
      timeout: settings.busyTimeoutMs,
      ...(settings.verbose ? { verbose: (sql: unknown) => settings.verbose?.(String(sql)) } : {}),
    });
    configureConnection(db, settings, inMemory);
    // Write probe: a read-only file or directory fails here, at open, not at the first run.
    db.prepare('BEGIN IMMEDIATE').run();
    db.prepare('ROLLBACK').run();
    migrate(db, shown);
    return db;
  } catch (error) {
    try {
      if (db?.inTransaction) db.prepare('ROLLBACK').run();
      db?.close();
    } catch {
      // already failing; the original error is the one to report
    }
    if (error instanceof SqliteStoreError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new SqliteStoreError(
      SqliteStoreErrorCode.OpenFailed,
      `Cannot open the SQLite database \`${shown}\`: ${reason}${inMemory ? '' : hint(shown)}`,
      { cause: error, file: shown },
    );
  }
}

/** Prepares a connection the application opened: busy timeout and migrations (no journal-mode change). */
export function adoptDatabase(db: DatabaseHandle, settings: ConnectionSettings): void {
  try {
    db.pragma(`busy_timeout = ${settings.busyTimeoutMs}`);
    migrate(db, db.name);
  } catch (error) {
    if (error instanceof SqliteStoreError) throw error;
    throw new SqliteStoreError(
      SqliteStoreErrorCode.OpenFailed,
      `Cannot use the SQLite database \`${db.name}\`: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error, file: db.name },
    );
  }
}
