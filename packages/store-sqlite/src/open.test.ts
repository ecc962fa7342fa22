import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '@vms/test-utils';
import type { TempDir } from '@vms/test-utils';
import { SqliteStoreError } from './errors.js';
import { MIGRATIONS, SCHEMA_VERSION, migrate, schemaVersion } from './migrations.js';
import { SqliteStore } from './sqlite-store.js';

const T0 = Date.UTC(2026, 0, 5);

function openError(fn: () => unknown): SqliteStoreError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SqliteStoreError);
    return error as SqliteStoreError;
  }
  throw new Error('expected the open to fail');
}

describe('opening a database', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await dir.cleanup();
  });

  it('creates a WAL file at the newest schema version with its own flow_ tables', async () => {
    const file = join(dir.path, 'flow.db');
    const store = new SqliteStore({ file });
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
      expect(tables).toEqual(['flow_checkpoints', 'flow_logs', 'flow_runs', 'flow_schedules', 'flow_slots', 'flow_state_history', 'flow_task_runs']);
      const indexes = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'flow_runs_%'").all() as { name: string }[]).map((i) => i.name);
      expect(indexes).toEqual(expect.arrayContaining(['flow_runs_recent', 'flow_runs_flow_recent', 'flow_runs_state_recent', 'flow_runs_claim', 'flow_runs_lease']));
    } finally {
      db.close();
    }
  });

  it('the dashboard queries use the indexes (query plan)', async () => {
    const store = new SqliteStore({ file: join(dir.path, 'flow.db') });
    try {
      const plan = (sql: string): string =>
        (store.database.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join(' | ');
      expect(plan("SELECT * FROM flow_runs WHERE flow_name = 'sync' ORDER BY created_at DESC, id DESC LIMIT 50")).toMatch(/flow_runs_flow_recent/);
      expect(plan("SELECT * FROM flow_runs WHERE state = 'Failed' ORDER BY created_at DESC, id DESC LIMIT 50")).toMatch(/flow_runs_state_recent/);
      expect(plan('SELECT * FROM flow_runs ORDER BY created_at DESC, id DESC LIMIT 50')).toMatch(/flow_runs_recent/);
      expect(plan("SELECT * FROM flow_logs WHERE run_id = 'r' ORDER BY seq")).toMatch(/flow_logs_run/);
      expect(plan("SELECT * FROM flow_runs WHERE state IN ('Scheduled', 'Running') AND schedule_name = 'nightly' ORDER BY created_at DESC, id DESC LIMIT 2")).toMatch(
        /flow_runs_schedule/,
      );
    } finally {
      await store.close();
    }
  });

  it('a version 1 file is migrated up to the newest version, keeping its runs (and gains the runs-by-schedule index)', async () => {
    const file = join(dir.path, 'flow.db');
    const raw = new Database(file);
    migrate(raw, file, MIGRATIONS.slice(0, 1));
    expect(schemaVersion(raw)).toBe(1);
    raw
      .prepare(
        `INSERT INTO flow_runs (id, flow_name, params, state, queue, priority, run_at, attempt, tags, schedule_name, created_at, updated_at)
         VALUES ('r1', 'sync', '{"y":1}', 'Completed', 'default', 0, ?, 1, '[]', 'nightly', ?, ?)`,
      )
      .run(T0, T0, T0);
    raw.close();
    const store = new SqliteStore({ file });
    try {
      expect(schemaVersion(store.database)).toBe(SCHEMA_VERSION);
      expect((await store.listRuns({ scheduleName: 'nightly' })).items.map((r) => [r.id, r.params])).toEqual([['r1', { y: 1 }]]);
      expect(SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
      const index = store.database.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'flow_runs_schedule'").get();
      expect(index).toEqual({ name: 'flow_runs_schedule' });
    } finally {
      await store.close();
    }
  });

  it('reopening keeps the data and does not migrate again', async () => {
    const file = join(dir.path, 'flow.db');
    const a = new SqliteStore({ file });
    await a.createRun({ id: 'r1', flowName: 'sync', params: { y: 1 }, state: 'Scheduled', now: T0 });
    await a.close();
    const log: string[] = [];
    const b = new SqliteStore({ file, verbose: (sql) => log.push(sql) });
    try {
      expect((await b.getRun('r1'))?.params).toEqual({ y: 1 });
      expect(log.some((sql) => sql.includes('CREATE TABLE'))).toBe(false);
    } finally {
      await b.close();
    }
  });

  it('a path inside a missing directory fails at open with the path in the message', () => {
    const file = join(dir.path, 'no-such-dir', 'flow.db');
    const error = openError(() => new SqliteStore({ file }));
    expect(error.code).toBe('STORE_OPEN_FAILED');
    expect(error.category).toBe('database');
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.message).toContain('does not exist');
  });

  it('an unwritable path (its parent is a file) fails at open with the path in the message', async () => {
    await writeFile(join(dir.path, 'plain-file'), 'x');
    const file = join(dir.path, 'plain-file', 'flow.db');
    const error = openError(() => new SqliteStore({ file }));
    expect(error.code).toBe('STORE_OPEN_FAILED');
    expect(error.message).toContain(file);
    expect(error.message).toContain('is not a directory');
  });

  it('a directory given as the file fails at open with the path in the message', async () => {
    const file = join(dir.path, 'a-dir');
    await mkdir(file);
    const error = openError(() => new SqliteStore({ file }));
    expect(error.code).toBe('STORE_OPEN_FAILED');
    expect(error.message).toContain(file);
  });

  it('a corrupt file fails at open with the path in the message and is left untouched', async () => {
    const file = join(dir.path, 'corrupt.db');
    const garbage = Buffer.from('this is not a database, just some bytes that look nothing like a SQLite header '.repeat(80));
    await writeFile(file, garbage);
    const error = openError(() => new SqliteStore({ file }));
    expect(error.code).toBe('STORE_OPEN_FAILED');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/not a database/);
    expect(await readFile(file)).toEqual(garbage);
  });

  it('a database from a newer schema version is refused with a clear message, never migrated down', async () => {
    const file = join(dir.path, 'future.db');
    const store = new SqliteStore({ file });
    await store.createRun({ id: 'r1', flowName: 'sync', params: null, state: 'Scheduled', now: T0 });
    await store.close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.exec('CREATE TABLE flow_future_thing (x)');
    raw.close();

    const error = openError(() => new SqliteStore({ file }));
    expect(error.code).toBe('STORE_SCHEMA_TOO_NEW');
    expect(error.message).toContain(file);
    expect(error.message).toContain(`schema version ${SCHEMA_VERSION + 1}`);
    expect(error.message).toContain(`version ${SCHEMA_VERSION}`);
    expect(error.message).toMatch(/never migrated down/);

    const after = new Database(file, { readonly: true });
    try {
      expect(schemaVersion(after)).toBe(SCHEMA_VERSION + 1);
      expect(after.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'flow_future_thing'").get()).toEqual({ n: 1 });
      expect(after.prepare('SELECT id FROM flow_runs').all()).toEqual([{ id: 'r1' }]);
    } finally {
      after.close();
    }
  });

  it('validates options and echoes the bad value', () => {
    expect(() => new SqliteStore({ file: '' })).toThrow('Expected `file` to be a non-empty path, got `` (string)');
    expect(() => new SqliteStore({ file: join(dir.path, 'x.db'), busyTimeoutMs: -1 })).toThrow(
      'Expected `busyTimeoutMs` to be an integer >= 0, got `-1` (number)',
    );
    expect(() => new SqliteStore({ file: join(dir.path, 'x.db'), synchronous: 'SOMETIMES' as never })).toThrow(
      /Expected `synchronous` to be one of .* got `SOMETIMES` \(string\)/,
    );
  });

  it('a closed store refuses calls with a clear error', async () => {
    const store = new SqliteStore({ file: join(dir.path, 'flow.db') });
    await store.close();
    await store.close();
    await expect(store.getRun('x')).rejects.toThrow(/is closed/);
  });

  it('can live in an application connection (flow_ tables next to the app tables)', async () => {
    const db = new Database(join(dir.path, 'app.db'));
    db.exec('CREATE TABLE volunteers (id INTEGER PRIMARY KEY)');
    const store = new SqliteStore({ database: db });
    try {
      await store.createRun({ id: 'r1', flowName: 'sync', params: null, state: 'Scheduled', now: T0 });
      await store.close();
      expect(db.open).toBe(true);
      expect(db.prepare('SELECT id FROM flow_runs').all()).toEqual([{ id: 'r1' }]);
    } finally {
      db.close();
    }
  });
});
