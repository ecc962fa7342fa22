/**
 * A canonical dump of a VMS database: every table, rows as sorted JSON lines, so two databases
 * built by different histories (an uninterrupted sync, a sync killed and restarted) compare equal
 * exactly when they hold the same data.
 *
 * What is not data, and so left out (listed in {@link VOLATILE_COLUMNS} and reported by
 * {@link canonicalDump}):
 * - local integer keys (`INTEGER PRIMARY KEY` row ids): they depend on insertion order, which
 *   differs between parallel entity tasks and restarts. Every foreign key to such a table is
 *   replaced by the referenced row's natural key (its Salesforce Id, or its unique name), so
 *   links are still compared;
 * - columns whose default is the current time (`created_at`, `updated_at`, `last_updated`);
 * - `row_hash`, a digest that includes the local ids of linked rows;
 * - run bookkeeping: the whole `sync_logs` table (one row per entity per run: a restarted sync
 *   has more runs by design), and the run-dependent columns listed below.
 *
 * `row_errors` is compared as the set of distinct errors (a record that is bad in three runs has
 * the same error three times, once per run, by design).
 */
import Database from 'better-sqlite3';

/** Tables left out entirely, with why. */
export const VOLATILE_TABLES: Readonly<Record<string, string>> = {
  sync_logs: 'one row per entity per run (counts are per run)',
};

/** Columns left out per table, besides local row ids and columns defaulting to now, with why. */
export const VOLATILE_COLUMNS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  sync_watermarks: { updated_at: 'time of the last write', run_id: 'run that wrote it' },
  row_errors: {
    sync_log_id: 'per run',
    run_id: 'per run',
    created_at: 'time of the write',
    // Finding (RELIABILITY.md): a DUPLICATE_RECORD warning raised for the *other* affiliation
    // (importer `otherIssues`) is stored without a record name, the same warning raised
    // directly carries it; which path runs depends on arrival order, so on the run history.
    record_name: 'display label; NULL or not depending on the path that raised a DUPLICATE_RECORD warning',
  },
  pending_imports: {
    first_seen_at: 'time of the first sighting',
    retry_count: 'grows with each run that retried it',
    last_retry_at: 'time of the last retry',
    resolved_at: 'time of the resolving run',
    error_reason: 'message of the last retry',
  },
  data_quality_flag: { entity_id: 'local row id (entity_sf_id holds the natural key)' },
};

/** Columns left out of every table, with why. */
export const VOLATILE_ANY_TABLE: Readonly<Record<string, string>> = {
  row_hash: 'change-detection digest that includes local row ids of links (the values it digests are compared)',
};

/** Tables whose rows are compared as a set (duplicates across runs collapse). */
const SET_TABLES = new Set(['row_errors']);

interface ColumnInfo {
  name: string;
  type: string;
  pk: number;
  dflt_value: string | null;
}
interface ForeignKey {
  table: string;
  from: string;
  to: string | null;
}

/** The dump: table → sorted JSON rows; `excluded` lists what was left out. */
export interface CanonicalDump {
  tables: Record<string, string[]>;
  excluded: string[];
}

/**
 * Dumps the database at `path` (opened read-only).
 *
 * @example
 * ```ts
 * expect(canonicalDump('crashed/vms.db').tables).toEqual(canonicalDump('clean/vms.db').tables);
 * ```
 */
export function canonicalDump(path: string): CanonicalDump {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[]);
    const columns = new Map<string, ColumnInfo[]>();
    for (const t of tables) columns.set(t, db.prepare(`PRAGMA table_info("${t}")`).all() as ColumnInfo[]);

    /** The row-id column of a table whose ids are local (INTEGER PRIMARY KEY), if any. */
    const rowIdColumn = (t: string): string | undefined => {
      const pks = (columns.get(t) ?? []).filter((c) => c.pk > 0);
      return pks.length === 1 && pks[0]!.type.toUpperCase() === 'INTEGER' ? pks[0]!.name : undefined;
    };
    /** The natural key expression of a table: a unique non-key column, or the parent's key when the id is a foreign key. */
    const naturalKey = new Map<string, (id: unknown) => unknown>();
    const keyOf = (t: string): ((id: unknown) => unknown) => {
      const cached = naturalKey.get(t);
      if (cached) return cached;
      const idCol = rowIdColumn(t);
      let fn: (id: unknown) => unknown = (id) => id;
      if (idCol) {
        const unique = (db.prepare(`PRAGMA index_list("${t}")`).all() as { name: string; unique: number; origin: string }[])
          .filter((i) => i.unique === 1 && i.origin !== 'pk')
          .map((i) => db.prepare(`PRAGMA index_info("${i.name}")`).all() as { name: string }[])
          .filter((cols) => cols.length === 1)
          .map((cols) => cols[0]!.name);
        const parent = (db.prepare(`PRAGMA foreign_key_list("${t}")`).all() as ForeignKey[]).find((f) => f.from === idCol);
        if (unique.length > 0) {
          const stmt = db.prepare(`SELECT "${unique[0]}" FROM "${t}" WHERE "${idCol}" = ?`).pluck();
          fn = (id) => (id === null ? null : `${t}:${String(stmt.get(id))}`);
        } else if (parent) {
          const up = keyOf(parent.table);
          fn = (id) => (id === null ? null : up(id));
        } else {
          fn = (id) => (id === null ? null : `${t}#local`);
        }
      }
      naturalKey.set(t, fn);
      return fn;
    };

    const out: CanonicalDump = { tables: {}, excluded: [] };
    for (const t of tables) {
      if (VOLATILE_TABLES[t]) {
        out.excluded.push(`${t} (whole table: ${VOLATILE_TABLES[t]})`);
        continue;
      }
      const cols = columns.get(t) ?? [];
      const fks = new Map((db.prepare(`PRAGMA foreign_key_list("${t}")`).all() as ForeignKey[]).map((f) => [f.from, f]));
      const idCol = rowIdColumn(t);
      const keep: { name: string; map: (v: unknown) => unknown }[] = [];
      for (const c of cols) {
        const why = VOLATILE_COLUMNS[t]?.[c.name] ?? VOLATILE_ANY_TABLE[c.name];
        if (why) {
          out.excluded.push(`${t}.${c.name} (${why})`);
          continue;
        }
        if (c.dflt_value !== null && /'now'/.test(c.dflt_value)) {
          out.excluded.push(`${t}.${c.name} (defaults to the current time)`);
          continue;
        }
        const fk = fks.get(c.name);
        if (fk && rowIdColumn(fk.table) && (fk.to === null || fk.to === rowIdColumn(fk.table))) {
          keep.push({ name: c.name, map: keyOf(fk.table) });
          continue;
        }
        if (c.name === idCol) {
          out.excluded.push(`${t}.${c.name} (local row id)`);
          continue;
        }
        keep.push({ name: c.name, map: (v) => v });
      }
      const rows = (db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[]).map((r) =>
        JSON.stringify(keep.map((k) => [k.name, k.map(r[k.name])])),
      );
      const lines = SET_TABLES.has(t) ? [...new Set(rows)] : rows;
      out.tables[t] = lines.sort();
    }
    return out;
  } finally {
    db.close();
  }
}

/** Rows only in `a` and only in `b`, per table (empty when the dumps are equal). */
export function diffDumps(a: CanonicalDump, b: CanonicalDump): Record<string, { onlyInA: string[]; onlyInB: string[] }> {
  const out: Record<string, { onlyInA: string[]; onlyInB: string[] }> = {};
  for (const t of new Set([...Object.keys(a.tables), ...Object.keys(b.tables)])) {
    const ra = a.tables[t] ?? [];
    const rb = b.tables[t] ?? [];
    const count = (rows: string[]): Map<string, number> => {
      const m = new Map<string, number>();
      for (const r of rows) m.set(r, (m.get(r) ?? 0) + 1);
      return m;
    };
    const ca = count(ra);
    const cb = count(rb);
    const onlyInA: string[] = [];
    const onlyInB: string[] = [];
    for (const [r, n] of ca) for (let i = 0; i < n - (cb.get(r) ?? 0); i++) onlyInA.push(r);
    for (const [r, n] of cb) for (let i = 0; i < n - (ca.get(r) ?? 0); i++) onlyInB.push(r);
    if (onlyInA.length + onlyInB.length > 0) out[t] = { onlyInA: onlyInA.slice(0, 20), onlyInB: onlyInB.slice(0, 20) };
  }
  return out;
}

/** Rows appearing more than once in a table (a table of distinct rows must have none). */
export function duplicateRows(dump: CanonicalDump): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [t, rows] of Object.entries(dump.tables)) {
    const dups = rows.filter((r, i) => i > 0 && rows[i - 1] === r);
    if (dups.length > 0) out[t] = dups.slice(0, 20);
  }
  return out;
}
