/**
 * Loads a CumulusCI dataset (a `mapping.yml` plus a SQLite SQL dump, the format Salesforce
 * nonprofit projects ship sample org data in) into records for the test server: every row gets a
 * valid 18-character Id, lookup columns (local integer ids) become the Ids of the rows they name,
 * and record-type mapping tables become `RecordType` records.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type * as NodeSqlite from 'node:sqlite';
import { parse as parseYaml } from 'yaml';
import { makeSalesforceId } from '../ids.js';
import type { InputRecord } from './record-store.js';

/** The records of a loaded dataset, by object, ready for `startSalesforceTestServer({ records })`. */
export interface CumulusDataset {
  readonly records: Record<string, InputRecord[]>;
  /** Lookup values that named a row missing from the dump (left null), as `Object.Field: count`. */
  readonly unresolvedLookups: Readonly<Record<string, number>>;
}

interface MappingStep {
  sf_object?: string;
  table?: string;
  fields?: Record<string, string> | string[];
  lookups?: Record<string, { table?: string | string[]; key_field?: string }>;
}

type Row = Record<string, unknown>;

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const BOOL_RE = /^(true|false)$/i;
const DECIMAL_RE = /^-?\d+\.\d+$/;

/** Column-wise typing of dump values: 'True'/'False' columns are booleans, '75.0' columns numbers. */
function columnKinds(rows: Row[], columns: string[]): Map<string, 'boolean' | 'number' | 'string'> {
  const kinds = new Map<string, 'boolean' | 'number' | 'string'>();
  for (const col of columns) {
    let bool = true;
    let num = true;
    let any = false;
    for (const r of rows) {
      const v = r[col];
      if (v === null || v === undefined || v === '') continue;
      any = true;
      const s = String(v);
      if (!BOOL_RE.test(s)) bool = false;
      if (!DECIMAL_RE.test(s)) num = false;
      if (!bool && !num) break;
    }
    kinds.set(col, !any ? 'string' : bool ? 'boolean' : num ? 'number' : 'string');
  }
  return kinds;
}

function convert(value: unknown, kind: 'boolean' | 'number' | 'string' | undefined): unknown {
  if (value === null || value === undefined || value === '') return null;
  if (kind === 'boolean') return /^true$/i.test(String(value));
  if (kind === 'number') return Number(value);
  return typeof value === 'bigint' ? Number(value) : value;
}

/**
 * Reads `mapping.yml` and `test_data.sql` from `dir` (a CumulusCI dataset folder).
 *
 * @example
 * ```ts
 * const { records } = await loadCumulusDataset('shared/data/npsp-dev-org');
 * const server = await startSalesforceTestServer({ records });
 * ```
 */
export async function loadCumulusDataset(
  dir: string,
  options: { mappingFile?: string; sqlFile?: string } = {},
): Promise<CumulusDataset> {
  const mappingPath = join(dir, options.mappingFile ?? 'mapping.yml');
  const sqlPath = join(dir, options.sqlFile ?? 'test_data.sql');
  const mapping = parseYaml(await readFile(mappingPath, 'utf8')) as unknown;
  if (!mapping || typeof mapping !== 'object') {
    throw new TypeError(`Expected ${mappingPath} to hold a CumulusCI mapping (an object of steps), got ${typeof mapping}`);
  }
  const steps = Object.entries(mapping as Record<string, MappingStep>).map(([name, step]) => {
    const sfObject = step.sf_object ?? name;
    return { name, sfObject, table: step.table ?? sfObject, step };
  });
  // Loaded at run time: bundlers drop the `node:` prefix that `sqlite` (a prefix-only builtin) needs.
  const { DatabaseSync } = process.getBuiltinModule('node:sqlite') as typeof NodeSqlite;
  const db = new DatabaseSync(':memory:');
  try {
    db.exec(await readFile(sqlPath, 'utf8'));
    const tableNames = new Set(
      (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name),
    );
    // Pass 1: an Id for every row of every mapped table.
    const idMaps = new Map<string, Map<string, string>>();
    const rowsByStep = new Map<string, Row[]>();
    for (const s of steps) {
      if (!tableNames.has(s.table)) throw new TypeError(`${mappingPath}: step '${s.name}' names table '${s.table}', which ${sqlPath} does not create`);
      const rows = db.prepare(`SELECT * FROM ${quoteIdent(s.table)}`).all() as Row[];
      rowsByStep.set(s.name, rows);
      const ids = idMaps.get(s.table) ?? new Map<string, string>();
      for (const r of rows) {
        const local = String(r.id);
        ids.set(local, makeSalesforceId(s.sfObject, Number(r.id)));
      }
      idMaps.set(s.table, ids);
    }
    // Pass 2: records, with lookups resolved.
    const records: Record<string, InputRecord[]> = {};
    const unresolved: Record<string, number> = {};
    for (const s of steps) {
      const rows = rowsByStep.get(s.name) ?? [];
      const fields: Array<[string, string]> = Array.isArray(s.step.fields)
        ? s.step.fields.map((f) => [f, f])
        : Object.entries(s.step.fields ?? {});
      const lookups = Object.entries(s.step.lookups ?? {});
      const kinds = columnKinds(rows, fields.map(([, col]) => col));
      const ids = idMaps.get(s.table)!;
      const out: InputRecord[] = (records[s.sfObject] ??= []);
      for (const r of rows) {
        const rec: Record<string, unknown> = { Id: ids.get(String(r.id)) };
        for (const [field, col] of fields) {
          if (field === 'Id') continue;
          rec[field] = convert(r[col], kinds.get(col));
        }
        for (const [field, spec] of lookups) {
          const col = spec.key_field ?? field;
          const v = r[col];
          if (v === null || v === undefined || v === '') {
            rec[field] = null;
            continue;
          }
          const targets = Array.isArray(spec.table) ? spec.table : [spec.table ?? ''];
          const id = targets.map((t) => idMaps.get(t)?.get(String(v))).find((x) => x !== undefined);
          if (!id) unresolved[`${s.sfObject}.${field}`] = (unresolved[`${s.sfObject}.${field}`] ?? 0) + 1;
          rec[field] = id ?? null;
        }
        out.push(rec);
      }
      // Record types of this object, when the dump maps them.
      const rtTable = `${s.table}_rt_mapping`;
      if (tableNames.has(rtTable)) {
        const rts = db.prepare(`SELECT * FROM ${quoteIdent(rtTable)}`).all() as Array<{ record_type_id: string; developer_name: string }>;
        const list = (records.RecordType ??= []);
        for (const rt of rts) {
          if (list.some((x) => x.Id === rt.record_type_id)) continue;
          list.push({ Id: rt.record_type_id, DeveloperName: rt.developer_name, Name: rt.developer_name, SobjectType: s.sfObject, IsActive: true });
        }
      }
    }
    // RecordType first, so RecordTypeId lookups know their target object.
    if (records.RecordType) {
      const { RecordType, ...rest } = records;
      return { records: { RecordType, ...rest }, unresolvedLookups: unresolved };
    }
    return { records, unresolvedLookups: unresolved };
  } finally {
    db.close();
  }
}
