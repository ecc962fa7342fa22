/**
 * SOQL per entity: the entity's fields and filter, the watermark condition, and a stable order
 * `(SystemModstamp, Id)` so records sharing a timestamp are neither lost nor repeated, and a
 * chunk's last record is a valid resume point.
 *
 * Literals are built here by small validating helpers (datetimes as unquoted UTC literals, Ids
 * checked against the Id alphabet): nothing from outside reaches the query unchecked.
 */
import { VmsError, VmsErrorCode, describeValue } from '../db/errors';
import type { EntityDefinition } from './entity';

/** A position in `(SystemModstamp, Id)` order. `id: ''` means "from this instant on". */
export interface Cursor {
  /** ISO-8601 UTC instant, `2025-06-01T10:00:00.000Z`. */
  readonly modstamp: string;
  /** Salesforce Id of the last record at that instant, or '' for none. */
  readonly id: string;
}

/** An unquoted SOQL datetime literal in UTC, second precision (`2025-06-01T10:00:00Z`). */
export function soqlDateTime(value: string | number | Date): string {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new VmsError(VmsErrorCode.InvalidOption, `Expected a datetime for a SOQL literal, got ${describeValue(value)}`, { category: 'validation' });
  }
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/** A quoted SOQL Id literal; throws unless `value` is a 15/18-character alphanumeric Id. */
export function soqlId(value: string): string {
  if (typeof value !== 'string' || !/^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/.test(value)) {
    throw new VmsError(VmsErrorCode.InvalidOption, `Expected a Salesforce Id, got ${describeValue(value)}`, { category: 'validation' });
  }
  return `'${value}'`;
}

/** The fields every entity query selects besides its own. */
export const STAMP_FIELDS = ['Id', 'SystemModstamp', 'LastModifiedDate'] as const;

/**
 * `SELECT ... FROM ... WHERE <entity filter> AND <after cursor> ORDER BY SystemModstamp, Id`.
 * With a cursor at a whole second and an Id, the condition is strictly after it; otherwise
 * (a look-back start) it is "at or after the instant".
 */
export function buildEntitySoql(entity: EntityDefinition<unknown>, after: Cursor | null = null): string {
  const fields = [...new Set([...STAMP_FIELDS, ...entity.fields])];
  const conditions: string[] = [];
  if (entity.where) conditions.push(entity.where.includes(' OR ') && !entity.where.startsWith('(') ? `(${entity.where})` : entity.where);
  if (after) {
    const ms = Date.parse(after.modstamp);
    const ts = soqlDateTime(ms);
    if (after.id !== '' && ms % 1000 === 0) {
      conditions.push(`(SystemModstamp > ${ts} OR (SystemModstamp = ${ts} AND Id > ${soqlId(after.id)}))`);
    } else {
      conditions.push(`SystemModstamp >= ${ts}`);
    }
  }
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  return `SELECT ${fields.join(', ')} FROM ${entity.sobject}${where} ORDER BY SystemModstamp ASC, Id ASC`;
}

/** The cursor of a record: its SystemModstamp (else LastModifiedDate) and Id, or null. */
export function cursorOf(record: { Id: string; SystemModstamp?: unknown; LastModifiedDate?: unknown }): Cursor | null {
  const raw = record.SystemModstamp ?? record.LastModifiedDate;
  if (typeof raw !== 'string') return null;
  const ms = Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (!Number.isFinite(ms)) return null;
  return { modstamp: new Date(ms).toISOString(), id: record.Id };
}

/** Orders cursors: by instant, then Id. */
export function compareCursors(a: Cursor, b: Cursor): number {
  const d = Date.parse(a.modstamp) - Date.parse(b.modstamp);
  if (d !== 0) return d;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The later of two cursors (null is earliest). */
export function maxCursor(a: Cursor | null, b: Cursor | null): Cursor | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareCursors(a, b) >= 0 ? a : b;
}
