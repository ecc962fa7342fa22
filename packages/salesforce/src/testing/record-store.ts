/**
 * The test server's in-memory org: objects, their records and a schema inferred from the
 * records (plus any declared fields). Works for any object name and any field without
 * per-object code.
 */
import { keyPrefixFor, makeSalesforceId, normalizeSalesforceId } from '../ids.js';
import { ApiError } from './api-error.js';
import { formatDateTime, normalizeDateTime } from './soql-parser.js';

/** Field types the test server knows; inferred from values unless declared. */
export type FieldType =
  | 'id'
  | 'reference'
  | 'string'
  | 'boolean'
  | 'int'
  | 'double'
  | 'date'
  | 'datetime'
  | 'address';

/** A record as given to the test server: field name to JSON-like value. */
export type InputRecord = Readonly<Record<string, unknown>>;

/** A stored record (canonical field names, normalized values). */
export type StoredRecord = Record<string, unknown> & { Id: string };

export interface FieldInfo {
  readonly name: string;
  type: FieldType | undefined;
  /** Objects this reference field points to (from its values' key prefixes). */
  readonly referenceTo: Set<string>;
}

export class SObjectTable {
  readonly fields = new Map<string, FieldInfo>();
  readonly records: StoredRecord[] = [];
  readonly keyPrefix: string;
  nextNumber = 1;

  constructor(readonly name: string) {
    this.keyPrefix = keyPrefixFor(name);
    for (const [f, t] of [
      ['Id', 'id'],
      ['CreatedDate', 'datetime'],
      ['LastModifiedDate', 'datetime'],
      ['SystemModstamp', 'datetime'],
      ['IsDeleted', 'boolean'],
    ] as const) {
      this.declare(f, t);
    }
  }

  private readonly exact = new Map<string, FieldInfo>();

  field(name: string): FieldInfo | undefined {
    const hit = this.exact.get(name);
    if (hit) return hit;
    const info = this.fields.get(name.toLowerCase());
    if (info) this.exact.set(name, info);
    return info;
  }

  declare(name: string, type: FieldType | undefined): FieldInfo {
    const key = name.toLowerCase();
    let info = this.fields.get(key);
    if (!info) {
      info = { name, type, referenceTo: new Set() };
      this.fields.set(key, info);
    } else if (info.type === undefined && type !== undefined) {
      info.type = type;
    }
    return info;
  }
}

const ADDRESS_PARTS = ['Street', 'City', 'State', 'PostalCode', 'Country', 'Latitude', 'Longitude', 'GeocodeAccuracy'] as const;

/** The in-memory records of every object, with a global Id index. */
export class RecordStore {
  private readonly tables = new Map<string, SObjectTable>();
  private readonly byPrefix = new Map<string, SObjectTable>();
  readonly byId = new Map<string, { table: SObjectTable; record: StoredRecord }>();

  constructor(private readonly now: () => number) {}

  /** The table of an object, case-insensitively, or `undefined`. */
  table(name: string): SObjectTable | undefined {
    return this.tables.get(name.toLowerCase());
  }

  /** The table of an object, created when missing. */
  ensureTable(name: string): SObjectTable {
    let t = this.table(name);
    if (!t) {
      t = new SObjectTable(name);
      this.tables.set(name.toLowerCase(), t);
      if (!this.byPrefix.has(t.keyPrefix)) this.byPrefix.set(t.keyPrefix, t);
    }
    return t;
  }

  objectNames(): string[] {
    return [...this.tables.values()].map((t) => t.name);
  }

  tableForId(id: string): SObjectTable | undefined {
    return this.byPrefix.get(id.slice(0, 3));
  }

  /** Inserts records into `object`; returns their 18-character Ids. */
  insert(object: string, records: Iterable<InputRecord>): string[] {
    const table = this.ensureTable(object);
    const ids: string[] = [];
    const stamp = formatDateTime(this.now());
    for (const input of records) {
      const rec = this.normalize(table, input, stamp);
      if (this.byId.has(rec.Id)) {
        throw new ApiError(400, 'DUPLICATE_VALUE', `duplicate value found: Id duplicates value on record with id: ${rec.Id}`);
      }
      table.records.push(rec);
      this.byId.set(rec.Id, { table, record: rec });
      ids.push(rec.Id);
    }
    return ids;
  }

  /**
   * Updates one record's fields; `SystemModstamp` and `LastModifiedDate` move to now unless
   * the patch sets them.
   */
  update(id: string, patch: InputRecord): StoredRecord {
    const norm = normalizeSalesforceId(id);
    const found = norm ? this.byId.get(norm) : undefined;
    if (!found) throw new ApiError(404, 'NOT_FOUND', `The requested resource does not exist: ${id}`);
    const stamp = formatDateTime(this.now());
    const next = this.normalize(found.table, { ...found.record, LastModifiedDate: stamp, SystemModstamp: stamp, ...patch, Id: found.record.Id }, stamp);
    for (const key of Object.keys(found.record)) delete found.record[key];
    Object.assign(found.record, next);
    return found.record;
  }

  /** Removes one record. */
  delete(id: string): void {
    const norm = normalizeSalesforceId(id);
    const found = norm ? this.byId.get(norm) : undefined;
    if (!found) throw new ApiError(404, 'NOT_FOUND', `The requested resource does not exist: ${id}`);
    const idx = found.table.records.indexOf(found.record);
    if (idx >= 0) found.table.records.splice(idx, 1);
    this.byId.delete(found.record.Id);
  }

  private normalize(table: SObjectTable, input: InputRecord, stamp: string): StoredRecord {
    const out: Record<string, unknown> = { Id: '' };
    let id: string | undefined;
    for (const [rawKey, rawValue] of Object.entries(input)) {
      if (rawKey === 'attributes' || rawValue === undefined) continue;
      const info = table.field(rawKey) ?? table.declare(rawKey, undefined);
      const key = info.name;
      if (key === 'Id') {
        if (rawValue === null) continue;
        id = normalizeSalesforceId(rawValue);
        if (!id) throw new ApiError(400, 'MALFORMED_ID', `${table.name}: invalid Id ${JSON.stringify(rawValue)}`);
        continue;
      }
      out[key] = this.normalizeValue(info, rawValue);
    }
    if (!id) {
      do {
        id = makeSalesforceId(table.keyPrefix, table.nextNumber++);
      } while (this.byId.has(id));
    }
    const lm = (out.LastModifiedDate as string | null | undefined) ?? (out.SystemModstamp as string | null | undefined) ?? stamp;
    out.CreatedDate ??= lm;
    out.LastModifiedDate ??= lm;
    out.SystemModstamp ??= lm;
    out.IsDeleted ??= false;
    if (out.Name === undefined && (table.field('FirstName') || table.field('LastName')) && ('FirstName' in out || 'LastName' in out)) {
      const name = [out.FirstName, out.LastName].filter((v) => typeof v === 'string' && v !== '').join(' ');
      table.declare('Name', 'string');
      out.Name = name === '' ? null : name;
    }
    out.Id = id;
    return out as StoredRecord;
  }

  private normalizeValue(info: FieldInfo, value: unknown): unknown {
    if (value === null || value === '') return null;
    if (value instanceof Date) {
      info.type ??= 'datetime';
      return formatDateTime(value.getTime());
    }
    switch (typeof value) {
      case 'boolean':
        info.type ??= 'boolean';
        return value;
      case 'number':
        info.type ??= Number.isInteger(value) ? 'int' : 'double';
        if (info.type === 'int' && !Number.isInteger(value)) info.type = 'double';
        return value;
      case 'string': {
        if (info.type === undefined || info.type === 'datetime') {
          const dt = /^\d{4}-\d{2}-\d{2}T/.test(value) ? normalizeDateTime(value) : undefined;
          if (dt) {
            info.type ??= 'datetime';
            return dt;
          }
        }
        if ((info.type === undefined || info.type === 'date') && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
          info.type ??= 'date';
          return value;
        }
        if (info.type === undefined || info.type === 'reference' || info.type === 'id') {
          const looksLikeLookup = value.length === 18 || /Id$/.test(info.name);
          const id = looksLikeLookup ? normalizeSalesforceId(value) : undefined;
          if (id) {
            info.type ??= 'reference';
            const target = this.tableForId(id);
            if (target) info.referenceTo.add(target.name);
            else info.referenceTo.add(`prefix:${id.slice(0, 3)}`);
            return id;
          }
        }
        info.type ??= 'string';
        if (info.type === 'int' || info.type === 'double') {
          const n = Number(value);
          return Number.isFinite(n) ? n : value;
        }
        if (info.type === 'boolean') return value === 'true' || value === '1';
        return value;
      }
      default:
        info.type ??= 'string';
        return value;
    }
  }

  /** Objects a reference field may point to (resolving prefixes seen before the target loaded). */
  referenceTargets(info: FieldInfo): SObjectTable[] {
    const out: SObjectTable[] = [];
    for (const name of info.referenceTo) {
      const t = name.startsWith('prefix:') ? this.byPrefix.get(name.slice(7)) : this.table(name);
      if (t && !out.includes(t)) out.push(t);
    }
    return out;
  }

  /** Whether `name` is a compound address field of `table` (`MailingAddress` from `MailingStreet`, ...). */
  addressField(table: SObjectTable, name: string): string | undefined {
    const m = /^(.*)Address$/i.exec(name);
    if (!m || table.field(name)) return undefined;
    const prefix = m[1]!;
    return ADDRESS_PARTS.some((p) => table.field(prefix + p)) ? `${table.field(prefix + 'Street')?.name.replace(/Street$/, '') ?? prefix}Address` : undefined;
  }

  /** The compound address value of a record, or null when every part is empty. */
  addressValue(table: SObjectTable, record: StoredRecord, addressName: string): Record<string, unknown> | null {
    const prefix = addressName.replace(/Address$/, '');
    const out: Record<string, unknown> = {};
    let any = false;
    for (const part of ADDRESS_PARTS) {
      const info = table.field(prefix + part);
      const v = info ? (record[info.name] ?? null) : null;
      if (v !== null) any = true;
      out[part.charAt(0).toLowerCase() + part.slice(1)] = v;
    }
    return any ? out : null;
  }
}
