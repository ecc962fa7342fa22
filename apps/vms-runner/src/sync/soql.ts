/**
 * SOQL per entity: the entity's fields and filter, the watermark condition, and a stable order
 * `(SystemModstamp, Id)` so records sharing a timestamp are neither lost nor repeated, and a
 * chunk's last record is a valid resume point.
 *
 * Literals go through the Salesforce plugin's helpers (`soqlDateTime`: unquoted UTC literal;
 * `soqlId`: length, alphabet and checksum validated): nothing reaches the query unchecked.
 */
import { soqlDateTime, soqlId } from '@vms/flow-salesforce';
import type { EntityDefinition } from './entity';

/** A position in `(SystemModstamp, Id)` order. `id: ''` means "from this instant on". */
export interface Cursor {
  /** ISO-8601 UTC instant, `2025-06-01T10:00:00.000Z`. */
  readonly modstamp: string;
  /** Salesforce Id of the last record at that instant, or '' for none. */
  readonly id: string;
}

export { soqlDateTime, soqlId };

/** The fields every entity query selects besides its own. */
export const STAMP_FIELDS = ['Id', 'SystemModstamp', 'LastModifiedDate'] as const;

const SOQL_WORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'NULL', 'TRUE', 'FALSE', 'LIKE', 'INCLUDES', 'EXCLUDES']);

/** The fields a SOQL condition compares (`Type`, `Contact_Type__c`), string literals ignored. */
export function filterFields(where: string | null): string[] {
  if (!where) return [];
  const text = where.replace(/'(?:[^'\\]|\\.)*'/g, "''");
  const out = new Set<string>();
  for (const m of text.matchAll(/([A-Za-z_][\w.]*)\s*(?:!=|<>|<=|>=|=|<|>|\bNOT\s+IN\b|\bIN\b|\bLIKE\b|\bINCLUDES\b|\bEXCLUDES\b)/gi)) {
    const name = m[1] as string;
    if (!SOQL_WORDS.has(name.toUpperCase())) out.add(name);
  }
  return [...out];
}

/**
 * `SELECT ... FROM ... WHERE <entity filter> AND <after cursor> ORDER BY SystemModstamp, Id`.
 * With an Id the condition is strictly after the cursor; with `id: ''` (a look-back start) it is
 * "at or after the instant".
 */
export function buildEntitySoql(entity: EntityDefinition<unknown>, after: Cursor | null = null): string {
  // The filter's own fields too: the importer re-checks each record with `matches`, which reads them.
  const fields = [...new Set([...STAMP_FIELDS, ...entity.fields, ...filterFields(entity.where)])];
  const conditions: string[] = [];
  if (entity.where) conditions.push(entity.where.includes(' OR ') && !entity.where.startsWith('(') ? `(${entity.where})` : entity.where);
  if (after) {
    const ts = soqlDateTime(Date.parse(after.modstamp));
    if (after.id !== '') {
      conditions.push(`(SystemModstamp > ${ts} OR (SystemModstamp = ${ts} AND Id > ${soqlId(after.id)}))`);
    } else {
      conditions.push(`SystemModstamp >= ${ts}`);
    }
  }
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  return `SELECT ${fields.join(', ')} FROM ${entity.sobject}${where} ORDER BY SystemModstamp ASC, Id ASC`;
}

/** `2025-06-01T10:00:00.000+0000` or `...000Z`: Salesforce's own format, read without `Date`. */
const CANONICAL_STAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(?:Z|\+0000|\+00:00)$/;
/** An ISO-8601 UTC instant as `toISOString` writes it (years 0000-9999): ordered as text. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The cursor of a record: its SystemModstamp (else LastModifiedDate) and Id, or null. */
export function cursorOf(record: { Id: string; SystemModstamp?: unknown; LastModifiedDate?: unknown }): Cursor | null {
  const raw = record.SystemModstamp ?? record.LastModifiedDate;
  if (typeof raw !== 'string') return null;
  if (CANONICAL_STAMP.test(raw)) return { modstamp: `${raw.slice(0, 23)}Z`, id: record.Id };
  const ms = Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (!Number.isFinite(ms)) return null;
  return { modstamp: new Date(ms).toISOString(), id: record.Id };
}

/** Orders cursors: by instant, then Id. */
export function compareCursors(a: Cursor, b: Cursor): number {
  if (a.modstamp !== b.modstamp) {
    if (ISO_INSTANT.test(a.modstamp) && ISO_INSTANT.test(b.modstamp)) return a.modstamp < b.modstamp ? -1 : 1;
    const d = Date.parse(a.modstamp) - Date.parse(b.modstamp);
    if (d !== 0) return d;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The later of two cursors (null is earliest). */
export function maxCursor(a: Cursor | null, b: Cursor | null): Cursor | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareCursors(a, b) >= 0 ? a : b;
}
