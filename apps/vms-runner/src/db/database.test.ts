import { join } from 'node:path';
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, openVmsDatabase, schemaVersion, type VmsDatabase } from './database';
import { VmsError } from './errors';
import { SCHEMA_VERSION, migrations } from './schema';
import { transaction } from './transaction';

let dir: TempDir;
let db: VmsDatabase | undefined;
beforeEach(async () => {
  dir = await tempDir('vms-db-');
});
afterEach(async () => {
  db?.close();
  db = undefined;
  await dir.cleanup();
});

describe('openVmsDatabase', () => {
  it('creates the schema at the current version, in WAL mode with a busy timeout and foreign keys', () => {
    db = openVmsDatabase(join(dir.path, 'vms.db'), { busyTimeoutMs: 1234 });
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBe(1234);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]).sort();
    for (const t of [
      'organization', 'district', 'school', 'class', 'contact', 'volunteer', 'teacher', 'student', 'email', 'phone',
      'address', 'skill', 'volunteer_skills', 'connector_data', 'volunteer_organization', 'event', 'event_districts',
      'event_skills', 'event_volunteers', 'event_teacher', 'event_participation', 'event_student_participation', 'history',
      'pathway', 'pathway_events', 'pathway_contacts', 'google_sheets', 'virtual_session_report_cache',
      'virtual_session_district_cache', 'sync_logs', 'sync_watermarks', 'row_errors', 'pending_imports', 'data_quality_flag',
    ]) {
      expect(tables).toContain(t);
    }
  });

  it('re-opening an up-to-date file applies nothing and keeps the data', () => {
    const file = join(dir.path, 'vms.db');
    db = openVmsDatabase(file);
    db.prepare("INSERT INTO district (salesforce_id, name) VALUES ('001000000000001AAA', 'D')").run();
    db.close();
    db = openVmsDatabase(file);
    expect(migrate(db)).toEqual([]);
    expect(db.prepare('SELECT name FROM district').pluck().get()).toBe('D');
  });

  it('refuses a database newer than the runner, naming both versions', () => {
    const file = join(dir.path, 'vms.db');
    db = openVmsDatabase(file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    db.close();
    db = undefined;
    expect(() => openVmsDatabase(file)).toThrow(new RegExp(`schema version ${SCHEMA_VERSION + 5}.*${SCHEMA_VERSION}`));
  });

  it('a failing migration leaves the previous version and none of its changes', () => {
    db = openVmsDatabase(join(dir.path, 'vms.db'));
    const broken = [...migrations, { version: SCHEMA_VERSION + 1, description: 'broken', sql: 'CREATE TABLE extra (x INTEGER); SELECT * FROM no_such_table;' }];
    expect(() => migrate(db as VmsDatabase, broken)).toThrow(/migration .*broken.* failed/);
    expect(schemaVersion(db)).toBe(SCHEMA_VERSION);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'extra'").pluck().get()).toBe(0);
  });

  it('rejects bad options with the bad value in the message', () => {
    expect(() => openVmsDatabase(join(dir.path, 'x.db'), { busyTimeoutMs: -1 })).toThrow('Expected `busyTimeoutMs` to be an integer >= 0, got `-1` (number)');
    expect(() => openVmsDatabase('')).toThrow(/Expected `path`/);
  });
});

describe('transaction', () => {
  const open = (log: string[]): VmsDatabase => {
    const d = openVmsDatabase(join(dir.path, 'tx.db'), { verbose: (sql) => log.push(sql) });
    d.exec('CREATE TABLE rows (n INTEGER NOT NULL)');
    log.length = 0;
    return d;
  };

  it('C13: an async callback throws synchronously before any BEGIN, and the statement log stays empty', () => {
    const log: string[] = [];
    db = open(log);
    const d = db;
    const insert = d.prepare('INSERT INTO rows (n) VALUES (?)');
    let thrown: unknown;
    try {
      // The bug report's shape: await a fetch, then insert each row.
      transaction(d, (async () => {
        const fetched = await Promise.resolve([1, 2, 3]);
        for (const n of fetched) insert.run(n);
      }) as unknown as () => void);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(VmsError);
    expect((thrown as VmsError).code).toBe('VMS_ASYNC_TRANSACTION');
    expect((thrown as Error).message).toMatch(/must be synchronous/);
    expect(log).toEqual([]);
    expect(d.inTransaction).toBe(false);
  });

  it('C13: a plain function returning a promise is rolled back and rejected', () => {
    const log: string[] = [];
    db = open(log);
    const d = db;
    expect(() =>
      transaction(d, (() => {
        d.prepare('INSERT INTO rows (n) VALUES (1)').run();
        return Promise.resolve();
      }) as unknown as () => void),
    ).toThrow(/must be synchronous/);
    expect(d.prepare('SELECT count(*) FROM rows').pluck().get()).toBe(0);
    expect(log.some((s) => /ROLLBACK/.test(s))).toBe(true);
  });

  it('C13: the supported pattern (fetch first, then a synchronous transaction) logs BEGIN, INSERT x3, COMMIT', async () => {
    const log: string[] = [];
    db = open(log);
    const d = db;
    const fetched = await Promise.resolve([1, 2, 3]);
    const insert = d.prepare('INSERT INTO rows (n) VALUES (?)');
    log.length = 0;
    transaction(d, () => {
      for (const n of fetched) insert.run(n);
    });
    expect(log.map((s) => s.split(' ')[0])).toEqual(['BEGIN', 'INSERT', 'INSERT', 'INSERT', 'COMMIT']);
    expect(d.prepare('SELECT count(*) FROM rows').pluck().get()).toBe(3);
  });

  it('C13: an error after the 2nd of 3 inserts leaves 0 rows', () => {
    db = open([]);
    const d = db;
    const insert = d.prepare('INSERT INTO rows (n) VALUES (?)');
    expect(() =>
      transaction(d, () => {
        insert.run(1);
        insert.run(2);
        throw new Error('sheet row 3 is bad');
      }),
    ).toThrow('sheet row 3 is bad');
    expect(d.prepare('SELECT count(*) FROM rows').pluck().get()).toBe(0);
  });

  it('nests as a savepoint: an inner failure rolls back only the inner writes', () => {
    db = open([]);
    const d = db;
    const insert = d.prepare('INSERT INTO rows (n) VALUES (?)');
    transaction(d, () => {
      insert.run(1);
      expect(() => transaction(d, () => { insert.run(2); throw new Error('inner'); })).toThrow('inner');
      insert.run(3);
    });
    expect(d.prepare('SELECT n FROM rows ORDER BY n').pluck().all()).toEqual([1, 3]);
  });
});
