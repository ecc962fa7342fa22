/**
 * The shape every synced entity implements: what to query, how to map one Salesforce record
 * (pure, validated: no database access), and how to write a mapped record (prepared statements,
 * parent lookups, created/updated/unchanged by row hash).
 */
import { hash } from 'node:crypto';
import type { VmsDatabase } from '../db/database';
import type { SfRecord } from '../generator/dataset';
import type { EntityName } from './dag';
import type { RowIssue } from './row-errors';

export type { SfRecord };

/** The result of mapping one record. */
export type MapOutcome<T> =
  | { readonly ok: true; readonly value: T; readonly warnings: readonly RowIssue[] }
  | { readonly ok: false; readonly issue: RowIssue };

/** What writing one mapped record did. */
export type WriteOutcome =
  | {
      readonly status: 'created' | 'updated' | 'unchanged';
      /** Problems with this record that did not stop the write. */
      readonly warnings?: readonly RowIssue[];
      /** Problems this write revealed about other records (a displaced duplicate). */
      readonly otherIssues?: readonly { readonly salesforceId: string; readonly issue: RowIssue }[];
    }
  /** Deliberately not written (e.g. a student's affiliation, a duplicate pair). */
  | { readonly status: 'skipped'; readonly reason: string; readonly issue?: RowIssue }
  /** A parent is missing: the record waits in the pending queue. */
  | { readonly status: 'queued'; readonly missing: string; readonly message: string };

/**
 * Writes one mapped record; runs inside the importer's transaction (and, on the retry path, a
 * savepoint). `discard`, when given, drops any in-memory cache of database rows: the importer
 * calls it after rolling back writes, so no cache outlives the rows it remembers.
 */
export type EntityWriter<T> = ((value: T, record: SfRecord) => WriteOutcome) & { discard?: () => void };

/** One synced entity. */
export interface EntityDefinition<T = unknown> {
  readonly name: EntityName;
  /** The SObject queried. */
  readonly sobject: string;
  /** Fields selected (Id, SystemModstamp and LastModifiedDate are added by the query builder). */
  readonly fields: readonly string[];
  /** The entity's SOQL condition, without `WHERE`, or null. */
  readonly where: string | null;
  /** The same condition in JavaScript, for sources that are not a SOQL query. */
  matches(record: SfRecord): boolean;
  /** A human name for row errors (`Name`, or first + last name). */
  nameOf(record: SfRecord): string | null;
  /** Validates and maps a record; never touches the database. */
  map(record: SfRecord): MapOutcome<T>;
  /** Prepares the statements of this entity's writes on `db`. */
  prepare(db: VmsDatabase): EntityWriter<T>;
}

/** Digest of a mapped value; equal digests mean nothing to update. */
export function rowHash(value: unknown): string {
  return hash('sha1', JSON.stringify(value), 'base64');
}

/** SQLite cannot bind booleans: true/false → 1/0, undefined → null. */
export function sqlValue(value: unknown): unknown {
  if (value === true) return 1;
  if (value === false) return 0;
  if (value === undefined) return null;
  return value;
}

const quote = (column: string): string => `"${column}"`;

/** Created / updated / unchanged upsert of one table row, keyed by a unique column. */
export interface Upserter {
  /**
   * Upserts the row whose `key` column equals `keyValue`; returns its local id and what happened.
   * `existing`: the row as {@link find} just returned it (`null`: known absent), to skip the lookup.
   */
  upsert(
    keyValue: unknown,
    values: Record<string, unknown>,
    hash: string,
    existing?: { id: number | string; row_hash: string | null } | null,
  ): { id: number | string; status: 'created' | 'updated' | 'unchanged' };
  /** The local id of the row with that key, if any. */
  find(keyValue: unknown): { id: number | string; row_hash: string | null } | undefined;
}

/**
 * Builds an {@link Upserter} for `table`: rows are matched on `key`, compared by `row_hash`, and
 * only written when new or changed.
 *
 * While records keep turning out new (a first full sync), a row is written with one
 * `INSERT ... ON CONFLICT (key) DO NOTHING` instead of a lookup and an insert; once a record
 * exists (a re-sync), it looks up first again. Either way the outcome is the same.
 */
export function upserter(
  db: VmsDatabase,
  table: string,
  key: string,
  columns: readonly string[],
  options: { idColumn?: string; touchUpdatedAt?: boolean } = {},
): Upserter {
  const idColumn = options.idColumn ?? 'id';
  const keyIsId = key === idColumn;
  const select = db.prepare(`SELECT ${quote(idColumn)} AS id, row_hash FROM ${table} WHERE ${quote(key)} = ?`);
  const insertColumns = [key, ...columns, 'row_hash'];
  const insertSql = `INSERT INTO ${table} (${insertColumns.map(quote).join(', ')}) VALUES (${insertColumns.map(() => '?').join(', ')})`;
  const insert = db.prepare(insertSql);
  const insertIfNew = db.prepare(`${insertSql} ON CONFLICT (${quote(key)}) DO NOTHING`);
  const sets = [...columns.map((c) => `${quote(c)} = ?`), 'row_hash = ?'];
  if (options.touchUpdatedAt) sets.push("updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')");
  const update = db.prepare(`UPDATE ${table} SET ${sets.join(', ')} WHERE ${quote(idColumn)} = ?`);
  const find = (keyValue: unknown) => select.get(keyValue) as { id: number | string; row_hash: string | null } | undefined;
  const created = (keyValue: unknown, rowid: number | bigint) => ({ id: keyIsId ? (keyValue as string) : Number(rowid), status: 'created' as const });
  let expectNew = true;
  return {
    find,
    upsert(keyValue, values, hash, known) {
      if (known === undefined && expectNew) {
        const info = insertIfNew.run(keyValue, ...columns.map((c) => sqlValue(values[c])), hash);
        if (info.changes > 0) return created(keyValue, info.lastInsertRowid);
        expectNew = false;
      }
      const existing = known === undefined ? find(keyValue) : known;
      if (existing && existing.row_hash === hash) return { id: existing.id, status: 'unchanged' };
      const ordered = columns.map((c) => sqlValue(values[c]));
      if (!existing) {
        expectNew = true;
        return created(keyValue, insert.run(keyValue, ...ordered, hash).lastInsertRowid);
      }
      update.run(...ordered, hash, existing.id);
      return { id: existing.id, status: 'updated' };
    },
  };
}

/** A lookup of parent rows that remembers what it found. */
export interface CachedLookup<V> {
  get(key: string): V | undefined;
  /** Forgets everything (after a rollback). */
  clear(): void;
}

/**
 * Remembers the rows `lookup` found (not the misses: a parent may arrive later), at most `max`
 * of them (the cache starts over when full), so memory stays flat. For parents this entity never
 * writes or deletes, whose id cannot change during one entity run.
 */
export function cachedLookup<V>(lookup: (key: string) => V | undefined, max = 20_000): CachedLookup<V> {
  const found = new Map<string, V>();
  return {
    get(key) {
      let value = found.get(key);
      if (value === undefined) {
        value = lookup(key);
        if (value !== undefined) {
          if (found.size >= max) found.clear();
          found.set(key, value);
        }
      }
      return value;
    },
    clear: () => found.clear(),
  };
}
