/**
 * A parser for the subset of SOQL the test server understands. It produces a small AST; anything
 * outside the subset is a `MALFORMED_QUERY` error, as Salesforce answers for bad syntax.
 */
import { ApiError } from './api-error.js';

export type Literal =
  | { readonly t: 'str'; readonly v: string }
  | { readonly t: 'num'; readonly v: number }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'null' }
  | { readonly t: 'datetime'; readonly v: string }
  | { readonly t: 'date'; readonly v: string }
  | { readonly t: 'dateLiteral'; readonly name: string; readonly n: number | undefined };

export type Condition =
  | { readonly kind: 'and' | 'or'; readonly items: readonly Condition[] }
  | { readonly kind: 'not'; readonly item: Condition }
  | { readonly kind: 'cmp'; readonly path: readonly string[]; readonly op: CmpOp; readonly value: Literal }
  | { readonly kind: 'in'; readonly path: readonly string[]; readonly not: boolean; readonly values: readonly Literal[] }
  | { readonly kind: 'like'; readonly path: readonly string[]; readonly pattern: string }
  | { readonly kind: 'includes'; readonly path: readonly string[]; readonly not: boolean; readonly values: readonly string[] };

export type CmpOp = '=' | '!=' | '<' | '>' | '<=' | '>=';

export type AggregateFn = 'COUNT' | 'COUNT_DISTINCT' | 'MIN' | 'MAX' | 'SUM' | 'AVG';

export type SelectItem =
  | { readonly kind: 'field'; readonly path: readonly string[] }
  | { readonly kind: 'aggregate'; readonly fn: AggregateFn; readonly path: readonly string[] | undefined; readonly alias: string | undefined };

export interface OrderItem {
  readonly path: readonly string[];
  readonly desc: boolean;
  readonly nullsLast: boolean;
}

export interface SoqlQuery {
  readonly select: readonly SelectItem[];
  /** `SELECT COUNT() FROM ...`: only `totalSize` is returned. */
  readonly countOnly: boolean;
  readonly from: string;
  readonly where: Condition | undefined;
  readonly groupBy: readonly (readonly string[])[];
  readonly orderBy: readonly OrderItem[];
  readonly limit: number | undefined;
  readonly offset: number | undefined;
}

type Token =
  | { t: 'ident'; v: string; u: string; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'num'; v: number; pos: number }
  | { t: 'datetime'; v: string; pos: number }
  | { t: 'date'; v: string; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'eof'; pos: number };

const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUM_RE = /^-?\d+(?:\.\d+)?(?![\w])/;
const IDENT_RE = /^[A-Za-z_][A-Za-z0-9_]*/;

/** Normalizes a SOQL datetime literal or an ISO string to `YYYY-MM-DDTHH:mm:ss.SSS+0000`. */
export function normalizeDateTime(value: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?(Z|([+-])(\d{2}):?(\d{2}))$/.exec(value);
  if (!m) return undefined;
  const iso = `${m[1]}T${m[2]}${m[3] ? m[3].slice(0, 4).padEnd(4, '0') : ''}${m[4] === 'Z' || m[4] === undefined ? 'Z' : `${m[5]}${m[6]}:${m[7]}`}`;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  return formatDateTime(ms);
}

/** Formats epoch milliseconds the way Salesforce's REST API returns datetimes. */
export function formatDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

function malformed(message: string): ApiError {
  return new ApiError(400, 'MALFORMED_QUERY', message);
}

function tokenize(soql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < soql.length) {
    const c = soql[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = soql.slice(i);
    if (c === "'") {
      let v = '';
      let j = i + 1;
      for (;;) {
        if (j >= soql.length) throw malformed(`unterminated string literal at position ${i}`);
        const ch = soql[j]!;
        if (ch === "'") break;
        if (ch === '\\') {
          const nx = soql[j + 1];
          const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\', _: '\\_', '%': '\\%' };
          if (nx === undefined || map[nx] === undefined) throw malformed(`Invalid string literal: bad escape sequence at position ${j}`);
          v += map[nx];
          j += 2;
          continue;
        }
        v += ch;
        j++;
      }
      out.push({ t: 'str', v, pos: i });
      i = j + 1;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = DATETIME_RE.exec(rest))) {
      const v = normalizeDateTime(m[0]);
      if (!v) throw malformed(`invalid datetime literal ${m[0]}`);
      out.push({ t: 'datetime', v, pos: i });
      i += m[0].length;
      continue;
    }
    if ((m = DATE_RE.exec(rest))) {
      if (Number.isNaN(Date.parse(`${m[0]}T00:00:00Z`))) throw malformed(`invalid date literal ${m[0]}`);
      out.push({ t: 'date', v: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if ((m = NUM_RE.exec(rest))) {
      out.push({ t: 'num', v: Number(m[0]), pos: i });
      i += m[0].length;
      continue;
    }
    if ((m = IDENT_RE.exec(rest))) {
      out.push({ t: 'ident', v: m[0], u: m[0].toUpperCase(), pos: i });
      i += m[0].length;
      continue;
    }
    const two = rest.slice(0, 2);
    if (two === '!=' || two === '<>' || two === '<=' || two === '>=') {
      out.push({ t: 'op', v: two === '<>' ? '!=' : two, pos: i });
      i += 2;
      continue;
    }
    if ('=<>(),.:'.includes(c)) {
      out.push({ t: 'op', v: c, pos: i });
      i++;
      continue;
    }
    throw malformed(`unexpected character '${c}' at position ${i}`);
  }
  out.push({ t: 'eof', pos: soql.length });
  return out;
}

const RESERVED = new Set([
  'SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'NOT', 'IN', 'LIKE', 'INCLUDES', 'EXCLUDES', 'ORDER',
  'BY', 'ASC', 'DESC', 'NULLS', 'FIRST', 'LAST', 'LIMIT', 'OFFSET', 'GROUP', 'HAVING', 'WITH',
  'FOR', 'NULL', 'TRUE', 'FALSE', 'USING', 'TYPEOF',
]);
const AGGREGATES = new Set(['COUNT', 'COUNT_DISTINCT', 'MIN', 'MAX', 'SUM', 'AVG']);
const DATE_LITERALS = new Set([
  'TODAY', 'YESTERDAY', 'TOMORROW', 'LAST_N_DAYS', 'NEXT_N_DAYS', 'N_DAYS_AGO',
  'THIS_MONTH', 'LAST_MONTH', 'THIS_YEAR', 'LAST_YEAR',
]);

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[], private readonly soql: string) {}

  private peek(offset = 0): Token {
    return this.toks[Math.min(this.i + offset, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.peek();
    this.i++;
    return t;
  }
  private isKw(kw: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.t === 'ident' && t.u === kw;
  }
  private isOp(op: string): boolean {
    const t = this.peek();
    return t.t === 'op' && t.v === op;
  }
  private unexpected(): ApiError {
    const t = this.peek();
    const text = t.t === 'eof' ? '<EOF>' : this.soql.slice(t.pos).split(/\s/)[0];
    return malformed(`unexpected token: '${text}'`);
  }
  private expectKw(kw: string): void {
    if (!this.isKw(kw)) throw this.unexpected();
    this.i++;
  }
  private expectOp(op: string): void {
    if (!this.isOp(op)) throw this.unexpected();
    this.i++;
  }

  private ident(): string {
    const t = this.peek();
    if (t.t !== 'ident' || (RESERVED.has(t.u) && t.u !== 'FIRST' && t.u !== 'LAST')) throw this.unexpected();
    this.i++;
    return t.v;
  }

  private path(): string[] {
    const parts = [this.ident()];
    while (this.isOp('.')) {
      this.i++;
      parts.push(this.ident());
    }
    return parts;
  }

  parse(): SoqlQuery {
    this.expectKw('SELECT');
    const select: SelectItem[] = [];
    let countOnly = false;
    do {
      if (select.length > 0 || countOnly) this.expectOp(',');
      if (this.isOp('(')) throw malformed('subqueries in the SELECT list are not supported by the test server');
      if (this.isKw('TYPEOF')) throw malformed('TYPEOF is not supported by the test server');
      const t = this.peek();
      if (t.t === 'ident' && AGGREGATES.has(t.u) && this.peek(1).t === 'op' && (this.peek(1) as { v: string }).v === '(') {
        this.i += 2;
        if (t.u === 'COUNT' && this.isOp(')')) {
          this.i++;
          if (select.length > 0) throw malformed('COUNT() must be the only element in the SELECT list');
          countOnly = true;
          continue;
        }
        const p = this.path();
        this.expectOp(')');
        let alias: string | undefined;
        const a = this.peek();
        if (a.t === 'ident' && !RESERVED.has(a.u)) alias = this.ident();
        select.push({ kind: 'aggregate', fn: t.u as AggregateFn, path: p, alias });
      } else {
        select.push({ kind: 'field', path: this.path() });
      }
    } while (this.isOp(','));
    if (countOnly && select.length > 0) throw malformed('COUNT() must be the only element in the SELECT list');
    this.expectKw('FROM');
    const from = this.ident();
    // Optional alias after the object name is not supported; anything else is a clause.
    let where: Condition | undefined;
    if (this.isKw('USING')) throw malformed('USING SCOPE is not supported by the test server');
    if (this.isKw('WHERE')) {
      this.i++;
      where = this.condition();
    }
    if (this.isKw('WITH')) throw malformed('WITH is not supported by the test server');
    const groupBy: string[][] = [];
    if (this.isKw('GROUP')) {
      this.i++;
      this.expectKw('BY');
      do {
        if (groupBy.length > 0) this.i++;
        groupBy.push(this.path());
      } while (this.isOp(','));
      if (this.isKw('HAVING')) throw malformed('HAVING is not supported by the test server');
    }
    const orderBy: OrderItem[] = [];
    if (this.isKw('ORDER')) {
      this.i++;
      this.expectKw('BY');
      do {
        if (orderBy.length > 0) this.i++;
        const p = this.path();
        let desc = false;
        if (this.isKw('ASC')) this.i++;
        else if (this.isKw('DESC')) {
          this.i++;
          desc = true;
        }
        let nullsLast = false;
        if (this.isKw('NULLS')) {
          this.i++;
          if (this.isKw('LAST')) nullsLast = true;
          else if (!this.isKw('FIRST')) throw this.unexpected();
          this.i++;
        }
        orderBy.push({ path: p, desc, nullsLast });
      } while (this.isOp(','));
    }
    let limit: number | undefined;
    let offset: number | undefined;
    if (this.isKw('LIMIT')) {
      this.i++;
      limit = this.nonNegativeInt();
    }
    if (this.isKw('OFFSET')) {
      this.i++;
      offset = this.nonNegativeInt();
    }
    if (this.isKw('FOR')) {
      this.i++;
      if (!this.isKw('VIEW') && !this.isKw('REFERENCE') && !this.isKw('UPDATE')) throw this.unexpected();
      this.i++;
    }
    if (this.peek().t !== 'eof') throw this.unexpected();
    return { select, countOnly, from, where, groupBy, orderBy, limit, offset };
  }

  private nonNegativeInt(): number {
    const t = this.next();
    if (t.t !== 'num' || !Number.isInteger(t.v) || t.v < 0) {
      this.i--;
      throw this.unexpected();
    }
    return t.v;
  }

  /** SOQL forbids mixing AND and OR at one level without parentheses. */
  private condition(): Condition {
    const first = this.unary();
    if (!this.isKw('AND') && !this.isKw('OR')) return first;
    const kind = this.isKw('AND') ? 'and' : 'or';
    const items = [first];
    while (this.isKw(kind.toUpperCase())) {
      this.i++;
      items.push(this.unary());
    }
    if (this.isKw('AND') || this.isKw('OR')) throw this.unexpected();
    return { kind, items };
  }

  private unary(): Condition {
    if (this.isKw('NOT')) {
      this.i++;
      return { kind: 'not', item: this.unary() };
    }
    if (this.isOp('(')) {
      this.i++;
      const c = this.condition();
      this.expectOp(')');
      return c;
    }
    return this.comparison();
  }

  private comparison(): Condition {
    const p = this.path();
    if (this.isKw('NOT') && this.isKw('IN', 1)) {
      this.i += 2;
      return { kind: 'in', path: p, not: true, values: this.list() };
    }
    if (this.isKw('IN')) {
      this.i++;
      return { kind: 'in', path: p, not: false, values: this.list() };
    }
    if (this.isKw('LIKE')) {
      this.i++;
      const t = this.next();
      if (t.t !== 'str') {
        this.i--;
        throw this.unexpected();
      }
      return { kind: 'like', path: p, pattern: t.v };
    }
    if (this.isKw('INCLUDES') || this.isKw('EXCLUDES')) {
      const not = this.isKw('EXCLUDES');
      this.i++;
      const values = this.list().map((l) => {
        if (l.t !== 'str') throw malformed('INCLUDES and EXCLUDES take quoted strings');
        return l.v;
      });
      return { kind: 'includes', path: p, not, values };
    }
    const t = this.next();
    if (t.t !== 'op' || !['=', '!=', '<', '>', '<=', '>='].includes(t.v)) {
      this.i--;
      throw this.unexpected();
    }
    return { kind: 'cmp', path: p, op: t.v as CmpOp, value: this.literal() };
  }

  private list(): Literal[] {
    this.expectOp('(');
    if (this.isKw('SELECT')) throw malformed('semi-join subqueries are not supported by the test server');
    const values: Literal[] = [this.literal()];
    while (this.isOp(',')) {
      this.i++;
      values.push(this.literal());
    }
    this.expectOp(')');
    return values;
  }

  private literal(): Literal {
    const t = this.next();
    switch (t.t) {
      case 'str':
        return { t: 'str', v: t.v };
      case 'num':
        return { t: 'num', v: t.v };
      case 'datetime':
        return { t: 'datetime', v: t.v };
      case 'date':
        return { t: 'date', v: t.v };
      case 'ident': {
        if (t.u === 'NULL') return { t: 'null' };
        if (t.u === 'TRUE' || t.u === 'FALSE') return { t: 'bool', v: t.u === 'TRUE' };
        if (DATE_LITERALS.has(t.u)) {
          let n: number | undefined;
          if (t.u.includes('_N_') || t.u.startsWith('N_')) {
            this.expectOp(':');
            n = this.nonNegativeInt();
          }
          return { t: 'dateLiteral', name: t.u, n };
        }
        break;
      }
      default:
        break;
    }
    this.i--;
    throw this.unexpected();
  }
}

/** Parses a SOQL query of the supported subset; throws an `ApiError` (`MALFORMED_QUERY`). */
export function parseSoql(soql: string): SoqlQuery {
  if (soql.trim() === '') throw malformed('empty query');
  return new Parser(tokenize(soql), soql).parse();
}
