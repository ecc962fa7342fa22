/**
 * Versioned schema migrations. The schema version lives in SQLite's `user_version`; each
 * migration moves it up by one inside one immediate transaction, so two processes opening a new
 * file at once migrate it once. A file with a higher version than {@link SCHEMA_VERSION} was
 * written by a newer release and is refused, never migrated down.
 */
import type { Database } from 'better-sqlite3';
import { SqliteStoreError, SqliteStoreErrorCode } from './errors.js';
import { transaction } from './transaction.js';

/** One step of the schema: the SQL that moves it from `version - 1` to `version`. */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

/** Every migration, oldest first; append only, never edit a released one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'runs, task runs, history, logs, checkpoints, schedules, slots',
    sql: `
      CREATE TABLE flow_runs (
        id TEXT PRIMARY KEY,
        flow_name TEXT NOT NULL,
        params TEXT NOT NULL,
        state TEXT NOT NULL,
        state_reason TEXT,
        waiting_for TEXT,
        parent_run_id TEXT,
        parent_task_key TEXT,
        idempotency_key TEXT,
        queue TEXT NOT NULL,
        priority INTEGER NOT NULL,
        run_at INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        lease_owner TEXT,
        lease_expires_at INTEGER,
        tags TEXT NOT NULL,
        schedule_name TEXT,
        scheduled_for INTEGER,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        started_at INTEGER,
        ended_at INTEGER,
        result TEXT,
        error TEXT
      ) WITHOUT ROWID;
      CREATE UNIQUE INDEX flow_runs_idempotency ON flow_runs (flow_name, idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX flow_runs_recent ON flow_runs (created_at DESC, id DESC);
      CREATE INDEX flow_runs_flow_recent ON flow_runs (flow_name, created_at DESC);
      CREATE INDEX flow_runs_state_recent ON flow_runs (state, created_at DESC);
      CREATE INDEX flow_runs_parent ON flow_runs (parent_run_id, created_at);
      CREATE INDEX flow_runs_claim ON flow_runs (queue, priority DESC, run_at, created_at) WHERE state = 'Scheduled';
      CREATE INDEX flow_runs_lease ON flow_runs (lease_expires_at) WHERE lease_expires_at IS NOT NULL;
      CREATE INDEX flow_runs_retention ON flow_runs (coalesce(ended_at, created_at));

      CREATE TABLE flow_task_runs (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        run_id TEXT NOT NULL,
        task_key TEXT NOT NULL,
        task_name TEXT NOT NULL,
        state TEXT NOT NULL,
        state_reason TEXT,
        attempt INTEGER NOT NULL,
        max_attempts INTEGER NOT NULL,
        next_retry_at INTEGER,
        result TEXT,
        result_persisted INTEGER NOT NULL,
        error TEXT,
        progress TEXT,
        child_run_id TEXT,
        tags TEXT NOT NULL,
        at_most_once INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        started_at INTEGER,
        ended_at INTEGER,
        UNIQUE (run_id, task_key)
      );

      CREATE TABLE flow_state_history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        entity TEXT NOT NULL,
        run_id TEXT NOT NULL,
        task_run_id TEXT,
        task_key TEXT,
        from_state TEXT,
        to_state TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        at INTEGER NOT NULL,
        reason TEXT
      );
      CREATE INDEX flow_state_history_run ON flow_state_history (run_id, seq);

      CREATE TABLE flow_logs (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id TEXT NOT NULL,
        task_run_id TEXT,
        level TEXT NOT NULL,
        message TEXT NOT NULL,
        fields TEXT,
        at INTEGER NOT NULL
      );
      CREATE INDEX flow_logs_run ON flow_logs (run_id, seq);

      CREATE TABLE flow_checkpoints (
        run_id TEXT NOT NULL,
        task_key TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (run_id, task_key, key)
      ) WITHOUT ROWID;

      CREATE TABLE flow_schedules (
        name TEXT PRIMARY KEY,
        flow_name TEXT NOT NULL,
        spec TEXT NOT NULL,
        next_slot INTEGER,
        last_slot INTEGER,
        paused INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE flow_slots (
        key TEXT NOT NULL,
        holder TEXT NOT NULL,
        run_id TEXT NOT NULL,
        owner TEXT NOT NULL,
        acquired_at INTEGER NOT NULL,
        expires_at INTEGER,
        PRIMARY KEY (key, holder)
      ) WITHOUT ROWID;
      CREATE INDEX flow_slots_run ON flow_slots (run_id);
    `,
  },
  {
    version: 2,
    description: 'runs by schedule (overlap checks, schedule views)',
    sql: `
      CREATE INDEX flow_runs_schedule ON flow_runs (schedule_name, created_at DESC) WHERE schedule_name IS NOT NULL;
    `,
  },
];

/** The schema version this release writes. */
export const SCHEMA_VERSION: number = MIGRATIONS.at(-1)?.version ?? 0;

/** Reads `user_version`. */
export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function refuseNewer(found: number, latest: number, file: string): SqliteStoreError {
  return new SqliteStoreError(
    SqliteStoreErrorCode.SchemaTooNew,
    `Database \`${file}\` has schema version ${found}, newer than version ${latest} that this @vms/flow-store-sqlite supports. ` +
      'It was written by a newer release; upgrade @vms/flow-store-sqlite (the schema is never migrated down).',
    { file },
  );
}

/**
 * Brings the schema of `db` up to the newest version of `migrations`; returns the versions
 * applied. Throws {@link SqliteStoreError} `STORE_SCHEMA_TOO_NEW` for a newer file.
 */
export function migrate(db: Database, file: string, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const latest = migrations.at(-1)?.version ?? 0;
  const before = schemaVersion(db);
  if (before > latest) throw refuseNewer(before, latest, file);
  if (before === latest) return [];
  return transaction(db, () => {
    // Re-read under the write lock: another process may have migrated since.
    const current = schemaVersion(db);
    if (current > latest) throw refuseNewer(current, latest, file);
    const applied: number[] = [];
    for (const m of migrations) {
      if (m.version <= current) continue;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
      applied.push(m.version);
    }
    return applied;
  });
}
