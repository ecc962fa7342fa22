import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '@vms/test-utils';
import type { TempDir } from '@vms/test-utils';
import { SqliteStoreError } from './errors.js';
import { SqliteStore } from './sqlite-store.js';
import { transaction } from './transaction.js';

/** Rows as a sheet fetch would return them (the C13 report imported spreadsheet rows). */
async function fetchSheetRows(n: number): Promise<{ name: string; hours: number }[]> {
  await new Promise((r) => setImmediate(r));
  return Array.from({ length: n }, (_, i) => ({ name: `volunteer-${i}`, hours: i }));
}

describe('transaction (C13)', () => {
  let dir: TempDir;
  let db: Database.Database;
  let log: string[];

  beforeEach(async () => {
    dir = await tempDir();
    log = [];
    db = new Database(join(dir.path, 'app.db'), { verbose: (sql) => log.push(String(sql)) });
    db.exec('CREATE TABLE rows (name TEXT NOT NULL, hours INTEGER NOT NULL)');
    log.length = 0;
  });

  afterEach(async () => {
    db.close();
    await dir.cleanup();
  });

  it('C13: an async body throws synchronously before BEGIN; the statement log stays empty', () => {
    const insert = db.prepare('INSERT INTO rows (name, hours) VALUES (?, ?)');
    let threw: unknown;
    let returned: unknown;
    try {
      // @ts-expect-error an async body is a type error as well as a runtime error
      returned = transaction(db, async () => {
        for (const row of await fetchSheetRows(300)) insert.run(row.name, row.hours);
      });
    } catch (error) {
      threw = error;
    }
    expect(returned).toBeUndefined();
    expect(threw).toBeInstanceOf(SqliteStoreError);
    expect((threw as SqliteStoreError).code).toBe('STORE_ASYNC_TRANSACTION');
    expect((threw as Error).message).toMatch(/must be synchronous.*first `await`/);
    expect(log).toEqual([]);
    expect(db.inTransaction).toBe(false);
  });

  it('C13: fetch first, then a synchronous transaction logs BEGIN, INSERT ×n, COMMIT', async () => {
    const insert = db.prepare('INSERT INTO rows (name, hours) VALUES (?, ?)');
    const rows = await fetchSheetRows(300);
    log.length = 0;
    const count = transaction(db, () => {
      for (const row of rows) insert.run(row.name, row.hours);
      return rows.length;
    });
    expect(count).toBe(300);
    expect(log).toHaveLength(302);
    expect(log[0]).toBe('BEGIN IMMEDIATE');
    expect(log.slice(1, 301).every((sql) => sql.startsWith('INSERT INTO rows'))).toBe(true);
    expect(log[301]).toBe('COMMIT');
    expect(db.prepare('SELECT count(*) AS n FROM rows').get()).toEqual({ n: 300 });
  });

  it('C13: an error after the 2nd of 3 inserts rolls back to 0 rows', () => {
    const insert = db.prepare('INSERT INTO rows (name, hours) VALUES (?, ?)');
    expect(() =>
      transaction(db, () => {
        insert.run('a', 1);
        insert.run('b', 2);
        throw new Error('sheet row 3 is invalid');
      }),
    ).toThrow('sheet row 3 is invalid');
    expect(log.at(-1)).toBe('ROLLBACK');
    expect(db.prepare('SELECT count(*) AS n FROM rows').get()).toEqual({ n: 0 });
  });

  it('a plain function that returns a promise is rolled back and rejected', () => {
    const insert = db.prepare('INSERT INTO rows (name, hours) VALUES (?, ?)');
    expect(() =>
      // @ts-expect-error a promise-returning body is a type error as well
      transaction(db, () => {
        insert.run('a', 1);
        return Promise.resolve(1);
      }),
    ).toThrow(/must be synchronous/);
    expect(log).toEqual(['BEGIN IMMEDIATE', 'INSERT INTO rows (name, hours) VALUES (\'a\', 1.0)', 'ROLLBACK']);
    expect(db.prepare('SELECT count(*) AS n FROM rows').get()).toEqual({ n: 0 });
  });

  it('nested calls use a savepoint: an inner failure rolls back only the inner part', () => {
    const insert = db.prepare('INSERT INTO rows (name, hours) VALUES (?, ?)');
    transaction(db, () => {
      insert.run('outer', 1);
      expect(() =>
        transaction(db, () => {
          insert.run('inner', 2);
          throw new Error('inner fails');
        }),
      ).toThrow('inner fails');
    });
    expect(db.prepare('SELECT name FROM rows').all()).toEqual([{ name: 'outer' }]);
  });

  it('SqliteStore#transaction refuses an async body before BEGIN too', async () => {
    const storeLog: string[] = [];
    const store = new SqliteStore({ file: join(dir.path, 'flow.db'), verbose: (sql) => storeLog.push(sql) });
    try {
      storeLog.length = 0;
      // @ts-expect-error an async body is a type error as well
      expect(() => store.transaction(async () => 1)).toThrow(SqliteStoreError);
      expect(storeLog).toEqual([]);
      expect(store.transaction(() => 42)).toBe(42);
      expect(storeLog).toEqual(['BEGIN IMMEDIATE', 'COMMIT']);
    } finally {
      await store.close();
    }
  });
});
