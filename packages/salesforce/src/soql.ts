/**
 * SOQL literal helpers: every value put into a query goes through one of these, so no input can
 * change the query's shape. Strings are quoted and escaped, datetimes are unquoted ISO UTC
 * literals, Ids are validated (length, characters, checksum) before any request is sent.
 */
import { SalesforceError, SalesforceErrorCode } from './errors.js';
import { normalizeSalesforceId } from './ids.js';

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function invalid(message: string): SalesforceError {
  return new SalesforceError(SalesforceErrorCode.InvalidValue, 'validation', message);
}

function show(value: unknown): string {
  const s = typeof value === 'string' ? value : value instanceof Date ? value.toString() : String(value);
  return `\`${s.length > 80 ? `${s.slice(0, 80)}…` : s}\` (${value === null ? 'null' : typeof value})`;
}

/** A quoted, escaped SOQL string literal: `O'Brien` → `'O\'Brien'`. */
export function soqlString(value: string): string {
  if (typeof value !== 'string') throw invalid(`Expected a string for a SOQL string literal, got ${show(value)}`);
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (c) => ESCAPES[c]!)}'`;
}

/** A quoted LIKE pattern matching `value` literally inside the given wildcards: `soqlLike('50%', 'prefix')` → `'50\%%'`. */
export function soqlLike(value: string, mode: 'exact' | 'prefix' | 'suffix' | 'contains' = 'contains'): string {
  if (typeof value !== 'string') throw invalid(`Expected a string for a SOQL LIKE pattern, got ${show(value)}`);
  const escaped = soqlString(value).slice(1, -1).replace(/[%_]/g, (c) => `\\${c}`);
  const pre = mode === 'suffix' || mode === 'contains' ? '%' : '';
  const post = mode === 'prefix' || mode === 'contains' ? '%' : '';
  return `'${pre}${escaped}${post}'`;
}

/** Parses `value` as an instant; accepts a Date, epoch ms, or an ISO string with a zone (`Z`, `+00:00`, `+0000`). */
function toInstant(value: Date | string | number): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})$/.exec(value);
    if (m) {
      const zone = m[3] === 'Z' ? 'Z' : `${m[3]!.slice(0, 3)}:${m[3]!.slice(-2)}`;
      return Date.parse(`${m[1]}T${m[2]}${zone}`);
    }
  }
  return Number.NaN;
}

/**
 * An unquoted SOQL datetime literal in UTC: `2023-05-28T21:10:08Z` (milliseconds kept when not
 * zero). Strings must carry a zone; a zoneless string is ambiguous and rejected.
 */
export function soqlDateTime(value: Date | string | number): string {
  const ms = toInstant(value);
  if (!Number.isFinite(ms)) {
    throw invalid(`Expected a Date, epoch ms or an ISO datetime with a zone (e.g. 2023-05-28T21:10:08Z) for a SOQL datetime, got ${show(value)}`);
  }
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/** An unquoted SOQL date literal `YYYY-MM-DD` (a Date's UTC calendar day). */
export function soqlDate(value: Date | string): string {
  if (value instanceof Date && Number.isFinite(value.getTime())) return value.toISOString().slice(0, 10);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && Number.isFinite(Date.parse(`${value}T00:00:00Z`))) {
    const back = new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10);
    if (back === value) return value;
  }
  throw invalid(`Expected a Date or a YYYY-MM-DD string for a SOQL date, got ${show(value)}`);
}

/** A quoted, validated 18-character Id literal; a malformed Id throws `SF_INVALID_VALUE` (nothing is sent). */
export function soqlId(value: string): string {
  const id = normalizeSalesforceId(value);
  if (!id) {
    throw invalid(`Expected a Salesforce Id (15 or 18 letters and digits, with a valid checksum when 18), got ${show(value)}`);
  }
  return `'${id}'`;
}

/** A checked field or object name (`Account.Name`, `npe5__Contact__c`), for dynamic field lists. */
export function soqlIdentifier(name: string): string {
  if (typeof name !== 'string' || !/^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/.test(name)) {
    throw invalid(`Expected a SOQL field or object name (letters, digits, underscores, dots), got ${show(name)}`);
  }
  return name;
}

/** A value marked for {@link soql} with how to render it. */
export class SoqlFragment {
  /** @internal */
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/**
 * A literal for any supported value: string → quoted/escaped; number → digits (finite only);
 * boolean → TRUE/FALSE; null → null; Date → unquoted UTC datetime; array → `(a, b, ...)` for IN
 * (non-empty); a {@link SoqlFragment} → its text.
 */
export function soqlLiteral(value: unknown): string {
  if (value instanceof SoqlFragment) return value.text;
  if (value === null) return 'null';
  if (value instanceof Date) return soqlDateTime(value);
  switch (typeof value) {
    case 'string':
      return soqlString(value);
    case 'number':
      if (!Number.isFinite(value)) throw invalid(`Expected a finite number for a SOQL literal, got ${show(value)}`);
      return String(value);
    case 'boolean':
      return value ? 'TRUE' : 'FALSE';
    default:
      break;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) throw invalid('Expected a non-empty array for a SOQL IN list, got `[]` (empty array)');
    return `(${value.map((v) => soqlLiteral(v)).join(', ')})`;
  }
  throw invalid(`Expected a string, number, boolean, null, Date or array for a SOQL literal, got ${show(value)}`);
}

/**
 * Tagged template that renders every interpolated value with {@link soqlLiteral}.
 * Use `soql.id(x)`, `soql.date(x)`, `soql.like(x)`, `soql.field(x)` for the other kinds.
 *
 * @example
 * ```ts
 * const q = soql`SELECT Id FROM Contact WHERE LastName = ${name} AND AccountId = ${soql.id(accountId)} AND SystemModstamp > ${since}`;
 * ```
 */
export function soql(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0] ?? '';
  values.forEach((v, i) => {
    out += soqlLiteral(v) + (strings[i + 1] ?? '');
  });
  return out;
}
soql.id = (value: string): SoqlFragment => new SoqlFragment(soqlId(value));
soql.date = (value: Date | string): SoqlFragment => new SoqlFragment(soqlDate(value));
soql.dateTime = (value: Date | string | number): SoqlFragment => new SoqlFragment(soqlDateTime(value));
soql.like = (value: string, mode?: 'exact' | 'prefix' | 'suffix' | 'contains'): SoqlFragment => new SoqlFragment(soqlLike(value, mode));
soql.field = (name: string): SoqlFragment => new SoqlFragment(soqlIdentifier(name));
soql.ids = (values: readonly string[]): SoqlFragment => {
  if (values.length === 0) throw invalid('Expected a non-empty array of Ids for a SOQL IN list, got `[]` (empty array)');
  return new SoqlFragment(`(${values.map(soqlId).join(', ')})`);
};
