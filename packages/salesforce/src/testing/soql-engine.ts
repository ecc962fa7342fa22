/**
 * Runs a parsed SOQL query against the {@link RecordStore}, with Salesforce's semantics: field
 * names are case-insensitive, text comparisons and sorting are case-insensitive, `''` is null,
 * logic is two-valued (`!=` and `NOT IN` match nulls, `<`/`>`/`LIKE` never do), a boolean null
 * is false, a missing parent makes its fields null, and nulls sort first unless `NULLS LAST`.
 */
import { normalizeSalesforceId } from '../ids.js';
import { ApiError } from './api-error.js';
import type { FieldType, RecordStore, SObjectTable, StoredRecord } from './record-store.js';
import {
  type CmpOp,
  type Condition,
  type Literal,
  type SelectItem,
  type SoqlQuery,
  formatDateTime,
  parseSoql,
} from './soql-parser.js';

/** The outcome of a query: the rows (all of them) and how to render each. */
export interface QueryResultSet {
  readonly objectName: string;
  readonly totalSize: number;
  /** `SELECT COUNT() ...`: no rows, only `totalSize`. */
  readonly countOnly: boolean;
  readonly size: number;
  /** The REST JSON shape of row `i`. */
  row(i: number): Record<string, unknown>;
  /** The Bulk API CSV header (field paths as written in the query). */
  readonly columns: readonly string[];
  /** Row `i` as CSV cells, in `columns` order (null as `undefined`). */
  cells(i: number): unknown[];
}

interface Resolved {
  readonly type: FieldType | undefined;
  get(rec: StoredRecord): unknown;
}

type ValueClass = 'text' | 'id' | 'number' | 'boolean' | 'datetime' | 'date' | 'address';

function classOf(type: FieldType | undefined): ValueClass {
  switch (type) {
    case 'id':
    case 'reference':
      return 'id';
    case 'int':
    case 'double':
      return 'number';
    case 'boolean':
    case 'datetime':
    case 'date':
    case 'address':
      return type;
    default:
      return 'text';
  }
}

function invalidField(name: string, object: string): ApiError {
  return new ApiError(
    400,
    'INVALID_FIELD',
    `No such column '${name}' on entity '${object}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

function badRelationship(name: string): ApiError {
  return new ApiError(
    400,
    'INVALID_FIELD',
    `Didn't understand relationship '${name}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
  );
}

function lookupFieldName(relationship: string): string {
  return /__r$/i.test(relationship) ? `${relationship.slice(0, -3)}__c` : `${relationship}Id`;
}

function relationshipName(lookupField: string): string {
  return lookupField.endsWith('__c') ? `${lookupField.slice(0, -3)}__r` : lookupField.replace(/Id$/, '');
}

class Planner {
  constructor(
    private readonly store: RecordStore,
    private readonly root: SObjectTable,
  ) {}

  /** Resolves a field path for filtering and sorting, checking names against the schema. */
  resolve(path: readonly string[]): Resolved {
    let tables: SObjectTable[] = [this.root];
    const steps: Array<(rec: StoredRecord) => StoredRecord | undefined> = [];
    for (let i = 0; i < path.length - 1; i++) {
      const seg = path[i]!;
      const lookup = tables.map((t) => t.field(lookupFieldName(seg))).find((f) => f !== undefined);
      if (!lookup || (lookup.type !== undefined && lookup.type !== 'reference' && lookup.type !== 'id')) {
        throw badRelationship(seg);
      }
      const key = lookup.name;
      const byId = this.store.byId;
      steps.push((rec) => {
        const id = rec[key];
        return typeof id === 'string' ? byId.get(id)?.record : undefined;
      });
      const next = this.store.referenceTargets(lookup);
      tables = next.length > 0 ? next : [];
    }
    const last = path[path.length - 1]!;
    if (tables.length === 0) {
      // Parent object unknown (no parent loaded): resolve the field at run time.
      const lower = last.toLowerCase();
      const store = this.store;
      return {
        type: undefined,
        get: (rec) => {
          let cur: StoredRecord | undefined = rec;
          for (const step of steps) cur = cur ? step(cur) : undefined;
          if (!cur) return null;
          const info = store.tableForId(cur.Id)?.field(lower);
          return info ? (cur[info.name] ?? null) : null;
        },
      };
    }
    const info = tables.map((t) => t.field(last)).find((f) => f !== undefined);
    if (!info) {
      const address = tables.map((t) => this.store.addressField(t, last)).find((a) => a !== undefined);
      if (address) {
        const t = tables[0]!;
        const store = this.store;
        return {
          type: 'address',
          get: (rec) => {
            let cur: StoredRecord | undefined = rec;
            for (const step of steps) cur = cur ? step(cur) : undefined;
            return cur ? store.addressValue(t, cur, address) : null;
          },
        };
      }
      throw invalidField(path.length > 1 ? path.join('.') : last, tables[0]!.name);
    }
    const key = info.name;
    const isBoolean = info.type === 'boolean';
    if (steps.length === 0) {
      return { type: info.type, get: isBoolean ? (rec) => rec[key] ?? false : (rec) => rec[key] ?? null };
    }
    return {
      type: info.type,
      get: (rec) => {
        let cur: StoredRecord | undefined = rec;
        for (const step of steps) cur = cur ? step(cur) : undefined;
        const v = cur ? (cur[key] ?? null) : null;
        return isBoolean && v === null ? false : v;
      },
    };
  }
}

function dayStart(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

const DAY = 86_400_000;

/** A date literal (TODAY, LAST_N_DAYS:n, ...) as a half-open range [lo, hi) of epoch ms. */
function dateLiteralRange(name: string, n: number | undefined, now: number): [number, number] {
  const today = dayStart(now);
  const d = new Date(now);
  const k = n ?? 0;
  switch (name) {
    case 'TODAY':
      return [today, today + DAY];
    case 'YESTERDAY':
      return [today - DAY, today];
    case 'TOMORROW':
      return [today + DAY, today + 2 * DAY];
    case 'LAST_N_DAYS':
      return [today - k * DAY, today + DAY];
    case 'NEXT_N_DAYS':
      return [today, today + (k + 1) * DAY];
    case 'N_DAYS_AGO':
      return [today - k * DAY, today - (k - 1) * DAY];
    case 'THIS_MONTH':
      return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)];
    case 'LAST_MONTH':
      return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - 1, 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)];
    case 'THIS_YEAR':
      return [Date.UTC(d.getUTCFullYear(), 0, 1), Date.UTC(d.getUTCFullYear() + 1, 0, 1)];
    case 'LAST_YEAR':
      return [Date.UTC(d.getUTCFullYear() - 1, 0, 1), Date.UTC(d.getUTCFullYear(), 0, 1)];
    default:
      throw new ApiError(400, 'MALFORMED_QUERY', `unsupported date literal ${name}`);
  }
}

function typeName(cls: ValueClass): string {
  return cls === 'number' ? 'double' : cls === 'datetime' ? 'dateTime' : cls === 'text' || cls === 'id' ? 'string' : cls;
}

function filterTypeError(field: string, cls: ValueClass, quoted: boolean): ApiError {
  const quoting = cls === 'text' || cls === 'id' ? 'should be enclosed in quotes' : 'should not be enclosed in quotes';
  void quoted;
  return new ApiError(
    400,
    'INVALID_QUERY_FILTER_OPERATOR',
    `value of filter criterion for field '${field}' must be of type ${typeName(cls)} and ${quoting}`,
  );
}

type Normalized = { kind: 'value'; v: unknown } | { kind: 'range'; lo: unknown; hi: unknown } | { kind: 'null' };

/** Checks a literal against the field's type and converts it to the stored representation. */
function normalizeLiteral(lit: Literal, cls: ValueClass, field: string, now: number): Normalized {
  if (lit.t === 'null') return { kind: 'null' };
  switch (cls) {
    case 'text':
      if (lit.t !== 'str') throw filterTypeError(field, cls, false);
      return lit.v === '' ? { kind: 'null' } : { kind: 'value', v: lit.v.toUpperCase() };
    case 'id': {
      if (lit.t !== 'str') throw filterTypeError(field, cls, false);
      if (lit.v === '') return { kind: 'null' };
      const id = normalizeSalesforceId(lit.v);
      if (!id) throw new ApiError(400, 'INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${lit.v}`);
      return { kind: 'value', v: id };
    }
    case 'number':
      if (lit.t !== 'num') throw filterTypeError(field, cls, lit.t === 'str');
      return { kind: 'value', v: lit.v };
    case 'boolean':
      if (lit.t !== 'bool') throw filterTypeError(field, cls, lit.t === 'str');
      return { kind: 'value', v: lit.v };
    case 'datetime':
      if (lit.t === 'datetime') return { kind: 'value', v: lit.v };
      if (lit.t === 'dateLiteral') {
        const [lo, hi] = dateLiteralRange(lit.name, lit.n, now);
        return { kind: 'range', lo: formatDateTime(lo), hi: formatDateTime(hi) };
      }
      throw filterTypeError(field, cls, lit.t === 'str');
    case 'date':
      if (lit.t === 'date') return { kind: 'value', v: lit.v };
      if (lit.t === 'dateLiteral') {
        const [lo, hi] = dateLiteralRange(lit.name, lit.n, now);
        return { kind: 'range', lo: new Date(lo).toISOString().slice(0, 10), hi: new Date(hi).toISOString().slice(0, 10) };
      }
      throw filterTypeError(field, cls, lit.t === 'str');
    case 'address':
      throw new ApiError(400, 'INVALID_FIELD', `field '${field}' can not be filtered in a query call`);
  }
}

function comparable(v: unknown, cls: ValueClass): unknown {
  if (v === null || v === undefined) return null;
  if (cls === 'text') return typeof v === 'string' ? v.toUpperCase() : String(v).toUpperCase();
  return v;
}

function cmp(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      re += pattern[i + 1];
      i++;
    } else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'is');
}

type Predicate = (rec: StoredRecord) => boolean;

function compileCondition(cond: Condition, planner: Planner, now: number): Predicate {
  switch (cond.kind) {
    case 'and': {
      const items = cond.items.map((c) => compileCondition(c, planner, now));
      return (r) => items.every((p) => p(r));
    }
    case 'or': {
      const items = cond.items.map((c) => compileCondition(c, planner, now));
      return (r) => items.some((p) => p(r));
    }
    case 'not': {
      const inner = compileCondition(cond.item, planner, now);
      return (r) => !inner(r);
    }
    case 'like': {
      const f = planner.resolve(cond.path);
      const re = likeToRegExp(cond.pattern);
      return (r) => {
        const v = f.get(r);
        return v !== null && re.test(String(v));
      };
    }
    case 'includes': {
      const f = planner.resolve(cond.path);
      const wanted = cond.values.map((v) => v.toUpperCase());
      return (r) => {
        const v = f.get(r);
        const has = v !== null && String(v).toUpperCase().split(';').some((x) => wanted.includes(x));
        return cond.not ? !has : has;
      };
    }
    case 'in': {
      const f = planner.resolve(cond.path);
      const cls = classOf(f.type);
      const field = cond.path.join('.');
      let matchNull = false;
      const set = new Set<unknown>();
      for (const lit of cond.values) {
        const n = normalizeLiteral(lit, cls, field, now);
        if (n.kind === 'null') matchNull = true;
        else if (n.kind === 'value') set.add(n.v);
        else throw new ApiError(400, 'MALFORMED_QUERY', 'date literals are not supported in IN lists by the test server');
      }
      return (r) => {
        const v = comparable(f.get(r), cls);
        const hit = v === null ? matchNull : set.has(v);
        return cond.not ? !hit : hit;
      };
    }
    case 'cmp': {
      const f = planner.resolve(cond.path);
      const cls = classOf(f.type);
      const n = normalizeLiteral(cond.value, cls, cond.path.join('.'), now);
      return compileComparison(f, cls, cond.op, n);
    }
  }
}

function compileComparison(f: Resolved, cls: ValueClass, op: CmpOp, n: Normalized): Predicate {
  if (n.kind === 'null') {
    if (op === '=') return (r) => f.get(r) === null;
    if (op === '!=') return (r) => f.get(r) !== null;
    return () => false;
  }
  if (n.kind === 'range') {
    const { lo, hi } = n;
    const inRange = (v: unknown): boolean => v !== null && cmp(v, lo) >= 0 && cmp(v, hi) < 0;
    switch (op) {
      case '=':
        return (r) => inRange(f.get(r));
      case '!=':
        return (r) => !inRange(f.get(r));
      case '<':
        return (r) => {
          const v = f.get(r);
          return v !== null && cmp(v, lo) < 0;
        };
      case '<=':
        return (r) => {
          const v = f.get(r);
          return v !== null && cmp(v, hi) < 0;
        };
      case '>':
        return (r) => {
          const v = f.get(r);
          return v !== null && cmp(v, hi) >= 0;
        };
      case '>=':
        return (r) => {
          const v = f.get(r);
          return v !== null && cmp(v, lo) >= 0;
        };
    }
  }
  const lit = n.v;
  const test = (v: unknown): boolean => {
    const c = comparable(v, cls);
    if (c === null) return op === '!=';
    const d = cmp(c, lit);
    switch (op) {
      case '=':
        return d === 0;
      case '!=':
        return d !== 0;
      case '<':
        return d < 0;
      case '<=':
        return d <= 0;
      case '>':
        return d > 0;
      case '>=':
        return d >= 0;
    }
  };
  return (r) => test(f.get(r));
}

interface SelectNode {
  /** Name as written (lower-cased key in the parent map). */
  readonly written: string;
  readonly children: Map<string, SelectNode>;
  leaf: boolean;
}

function buildSelectTree(items: readonly SelectItem[]): SelectNode {
  const root: SelectNode = { written: '', children: new Map(), leaf: false };
  const seen = new Set<string>();
  for (const item of items) {
    if (item.kind !== 'field') continue;
    const key = item.path.join('.').toLowerCase();
    if (seen.has(key)) throw new ApiError(400, 'MALFORMED_QUERY', `duplicate field selected: ${item.path.join('.')}`);
    seen.add(key);
    let node = root;
    for (let i = 0; i < item.path.length; i++) {
      const seg = item.path[i]!;
      let child = node.children.get(seg.toLowerCase());
      if (!child) {
        child = { written: seg, children: new Map(), leaf: false };
        node.children.set(seg.toLowerCase(), child);
      }
      if (i === item.path.length - 1) child.leaf = true;
      node = child;
    }
  }
  return root;
}

/** Parses and runs `soql`; throws `ApiError` for unknown objects/fields and bad syntax. */
export function runQuery(
  store: RecordStore,
  soql: string,
  options: { apiVersion: string; now: number },
): QueryResultSet {
  const q = parseSoql(soql);
  const table = store.table(q.from);
  if (!table) {
    throw new ApiError(
      400,
      'INVALID_TYPE',
      `sObject type '${q.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  const planner = new Planner(store, table);
  const predicate = q.where ? compileCondition(q.where, planner, options.now) : undefined;
  const hasAggregate = q.select.some((s) => s.kind === 'aggregate');
  // Validate every selected field before anything runs.
  const fieldGetters = q.select.map((s) => (s.kind === 'field' ? planner.resolve(s.path) : undefined));
  const aggGetters = q.select.map((s) => (s.kind === 'aggregate' && s.path ? planner.resolve(s.path) : undefined));
  const groupGetters = q.groupBy.map((p) => planner.resolve(p));

  let rows: StoredRecord[] = predicate ? table.records.filter(predicate) : table.records.slice();

  if (q.countOnly) {
    let n = rows.length;
    if (q.offset) n = Math.max(0, n - q.offset);
    if (q.limit !== undefined) n = Math.min(n, q.limit);
    return {
      objectName: table.name,
      totalSize: n,
      countOnly: true,
      size: 0,
      row: () => ({}),
      columns: [],
      cells: () => [],
    };
  }

  if (hasAggregate || q.groupBy.length > 0) {
    return aggregateResult(q, table, rows, fieldGetters, aggGetters, groupGetters);
  }

  if (q.orderBy.length > 0) {
    const keys = q.orderBy.map((o) => {
      const f = planner.resolve(o.path);
      const cls = classOf(f.type);
      if (cls === 'address') throw new ApiError(400, 'MALFORMED_QUERY', `field '${o.path.join('.')}' can not be sorted in a query call`);
      return { f, cls, desc: o.desc, nullsLast: o.nullsLast };
    });
    const decorated = rows.map((r) => ({ r, k: keys.map((k) => comparable(k.f.get(r), k.cls)) }));
    decorated.sort((a, b) => {
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        const va = a.k[i];
        const vb = b.k[i];
        if (va === null && vb === null) continue;
        if (va === null) return k.nullsLast ? 1 : -1;
        if (vb === null) return k.nullsLast ? -1 : 1;
        const d = cmp(va, vb);
        if (d !== 0) return k.desc ? -d : d;
      }
      return 0;
    });
    rows = decorated.map((d) => d.r);
  }
  if (q.offset) rows = rows.slice(q.offset);
  if (q.limit !== undefined) rows = rows.slice(0, q.limit);

  const tree = buildSelectTree(q.select);
  const base = `/services/data/v${options.apiVersion}/sobjects`;
  const fieldCache = new Map<SObjectTable, Map<string, string | null>>();
  const canonical = (t: SObjectTable, written: string): string | null => {
    let m = fieldCache.get(t);
    if (!m) fieldCache.set(t, (m = new Map()));
    const key = written.toLowerCase();
    let name = m.get(key);
    if (name === undefined) {
      name = t.field(written)?.name ?? store.addressField(t, written) ?? null;
      m.set(key, name);
    }
    return name;
  };
  const project = (t: SObjectTable, rec: StoredRecord, node: SelectNode): Record<string, unknown> => {
    const out: Record<string, unknown> = { attributes: { type: t.name, url: `${base}/${t.name}/${rec.Id}` } };
    for (const child of node.children.values()) {
      if (child.leaf && child.children.size === 0) {
        const name = canonical(t, child.written);
        if (name === null) {
          out[child.written] = null;
        } else if (!t.field(name)) {
          out[name] = store.addressValue(t, rec, name);
        } else {
          const v = rec[name] ?? null;
          out[name] = v === null && t.field(name)?.type === 'boolean' ? false : v;
        }
      } else {
        const lookup = canonical(t, lookupFieldName(child.written));
        const relName = lookup ? relationshipName(lookup) : child.written;
        const id = lookup ? rec[lookup] : undefined;
        const parent = typeof id === 'string' ? store.byId.get(id) : undefined;
        out[relName] = parent ? project(parent.table, parent.record, child) : null;
      }
    }
    return out;
  };
  const columns = q.select.map((s) => (s.kind === 'field' ? s.path.join('.') : ''));
  return {
    objectName: table.name,
    totalSize: rows.length,
    countOnly: false,
    size: rows.length,
    row: (i) => project(table, rows[i]!, tree),
    columns,
    cells: (i) => fieldGetters.map((g) => (g ? g.get(rows[i]!) : undefined)),
  };
}

function aggregateResult(
  q: SoqlQuery,
  table: SObjectTable,
  rows: StoredRecord[],
  fieldGetters: ReadonlyArray<Resolved | undefined>,
  aggGetters: ReadonlyArray<Resolved | undefined>,
  groupGetters: readonly Resolved[],
): QueryResultSet {
  // Every plain field must be grouped.
  q.select.forEach((s) => {
    if (s.kind === 'field' && !q.groupBy.some((g) => g.join('.').toLowerCase() === s.path.join('.').toLowerCase())) {
      throw new ApiError(400, 'MALFORMED_QUERY', `Field must be grouped or aggregated: ${s.path.join('.')}`);
    }
  });
  const groups = new Map<string, StoredRecord[]>();
  if (q.groupBy.length === 0) groups.set('', rows);
  else {
    for (const r of rows) {
      const key = JSON.stringify(groupGetters.map((g) => g.get(r)));
      let list = groups.get(key);
      if (!list) groups.set(key, (list = []));
      list.push(r);
    }
  }
  const names: string[] = [];
  let expr = 0;
  for (const s of q.select) {
    if (s.kind === 'field') names.push(s.path[s.path.length - 1]!);
    else names.push(s.alias ?? `expr${expr++}`);
  }
  const out: Array<Record<string, unknown>> = [];
  for (const members of groups.values()) {
    const rec: Record<string, unknown> = { attributes: { type: 'AggregateResult' } };
    q.select.forEach((s, i) => {
      const name = names[i]!;
      if (s.kind === 'field') {
        rec[name] = members.length > 0 ? fieldGetters[i]!.get(members[0]!) : null;
        return;
      }
      const g = aggGetters[i];
      const values = g ? members.map((m) => g.get(m)).filter((v) => v !== null) : members;
      switch (s.fn) {
        case 'COUNT':
          rec[name] = values.length;
          break;
        case 'COUNT_DISTINCT':
          rec[name] = new Set(values.map((v) => (typeof v === 'string' ? v.toUpperCase() : v))).size;
          break;
        case 'SUM':
          rec[name] = values.length ? values.reduce<number>((a, v) => a + Number(v), 0) : null;
          break;
        case 'AVG':
          rec[name] = values.length ? values.reduce<number>((a, v) => a + Number(v), 0) / values.length : null;
          break;
        case 'MIN':
        case 'MAX': {
          let best: unknown = null;
          for (const v of values) {
            if (best === null || (s.fn === 'MIN' ? cmp(v, best) < 0 : cmp(v, best) > 0)) best = v;
          }
          rec[name] = best;
          break;
        }
      }
    });
    out.push(rec);
  }
  let result = out;
  if (q.offset) result = result.slice(q.offset);
  if (q.limit !== undefined) result = result.slice(0, q.limit);
  return {
    objectName: table.name,
    totalSize: result.length,
    countOnly: false,
    size: result.length,
    row: (i) => result[i]!,
    columns: names,
    cells: (i) => names.map((n) => result[i]![n]),
  };
}
