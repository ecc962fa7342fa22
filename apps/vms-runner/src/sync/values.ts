/**
 * Reading Salesforce field values: every reader returns the clean value or `undefined`, and
 * records a row issue (with the field name) when a present value is not usable.
 */
import { RowErrorCode, type RowIssue } from './row-errors';

/** Collects the warnings of one record while it is mapped. */
export class IssueList {
  readonly items: RowIssue[] = [];
  warn(code: RowErrorCode, field: string, message: string): void {
    this.items.push({ code, severity: 'warning', field, message });
  }
}

/** A trimmed non-empty string, or null. Numbers and booleans are stringified. */
export function str(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  // An object or array is never a text value (String() would store "[object Object]").
  if (typeof value === 'object') return null;
  const text = (typeof value === 'string' ? value : String(value)).trim();
  return text.length === 0 ? null : text;
}

/** A boolean from a checkbox (`true`, `'true'`, `1`); anything else is false. */
export function bool(value: unknown): boolean {
  return value === true || value === 1 || (typeof value === 'string' && value.trim().toLowerCase() === 'true');
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})/;

/** True when y-m-d is a real calendar day. */
function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const dim = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return d <= dim;
}

/** A `YYYY-MM-DD` date (a datetime keeps only its date), or null; a bad value is a warning. */
export function date(value: unknown, field: string, issues: IssueList): string | null {
  const text = str(value);
  if (text === null) return null;
  const m = DATE_RE.exec(text);
  if (m && validDay(Number(m[1]), Number(m[2]), Number(m[3])) && (text.length === 10 || !Number.isNaN(Date.parse(normalizeOffset(text))))) {
    return `${m[1]}-${m[2]}-${m[3]}`;
  }
  issues.warn(RowErrorCode.InvalidDate, field, `${field} is not a date: \`${text}\``);
  return null;
}

/** Earliest birthdate accepted: a person born before 1900 is a typo (`0000-01-01`, `1066-...`). */
export const MIN_BIRTHDATE = '1900-01-01';

/**
 * A birthdate: a {@link date} that is neither before {@link MIN_BIRTHDATE} nor after `today`
 * (UTC calendar day). Out of range is treated like any bad date: an `INVALID_DATE` warning
 * naming the field and value, and the value left empty (the record is still written).
 */
export function birthdate(value: unknown, field: string, issues: IssueList, today: Date = new Date()): string | null {
  const day = date(value, field, issues);
  if (day === null) return null;
  const max = today.toISOString().slice(0, 10);
  if (day < MIN_BIRTHDATE || day > max) {
    issues.warn(RowErrorCode.InvalidDate, field, `${field} \`${day}\` is out of range (${MIN_BIRTHDATE} to today, ${max}); left empty`);
    return null;
  }
  return day;
}

/** `+0000` → `+00:00`, so `Date.parse` reads Salesforce datetimes everywhere. */
function normalizeOffset(text: string): string {
  return text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
}

/**
 * A Salesforce datetime as an ISO-8601 UTC instant with milliseconds
 * (`2025-03-04T14:15:00.000Z`): time and zone are kept, never truncated to a date. Returns
 * undefined for a value that is not a valid datetime, null for an empty one.
 */
export function parseDateTime(value: unknown): string | null | undefined {
  const text = str(value);
  if (text === null) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m;
  if (!validDay(Number(y), Number(mo), Number(d)) || Number(h) > 23 || Number(mi) > 59 || Number(s ?? 0) > 59) return undefined;
  const ms = Date.parse(normalizeOffset(m[8] ? text : `${text}Z`));
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** A datetime (see {@link parseDateTime}) or null; a bad value is a warning. */
export function dateTime(value: unknown, field: string, issues: IssueList): string | null {
  const parsed = parseDateTime(value);
  if (parsed === undefined) {
    issues.warn(RowErrorCode.InvalidDate, field, `${field} is not a datetime: \`${String(value)}\``);
    return null;
  }
  return parsed;
}

/** A finite number or null (strings like `"1.5"` accepted). */
export function num(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  return Number.isFinite(n) ? n : null;
}

/** An integer (truncated, as Python's `int(float(x))`) or null. */
export function int(value: unknown): number | null {
  const n = num(value);
  return n === null ? null : Math.trunc(n);
}

/** A count clamped to >= 0, or null. */
export function count(value: unknown): number | null {
  const n = int(value);
  return n === null ? null : Math.max(0, n);
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A lower-cased email address, or null; a malformed one is a warning and dropped. */
export function email(value: unknown, field: string, issues: IssueList): string | null {
  const text = str(value);
  if (text === null) return null;
  if (!EMAIL_RE.test(text)) {
    issues.warn(RowErrorCode.InvalidEmail, field, `${field} is not an email address: \`${text}\``);
    return null;
  }
  return text.toLowerCase();
}

/** A phone number, or null; one without at least 7 digits is a warning and dropped. */
export function phone(value: unknown, field: string, issues: IssueList): string | null {
  const text = str(value);
  if (text === null || text.toLowerCase() === 'none') return null;
  if ((text.match(/\d/g)?.length ?? 0) < 7) {
    issues.warn(RowErrorCode.InvalidPhone, field, `${field} is not a phone number: \`${text}\``);
    return null;
  }
  return text;
}

/** Names in ALL CAPS become Title Case (`MCDONALD` → `Mcdonald`, `O'BRIEN` → `O'Brien`). */
export function smartTitleCase(name: string): string {
  return name.toLowerCase().replace(/(^|[\s'\-])(\p{L})/gu, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}

/** True when a name has letters and all of them are upper case (and it is longer than 2). */
export function isAllCaps(name: string): boolean {
  return name.length > 2 && /\p{L}/u.test(name) && name === name.toUpperCase() && name !== name.toLowerCase();
}

/** Plain text of an HTML fragment: tags stripped, entities decoded, whitespace collapsed. */
export function stripHtml(value: string): string {
  return value
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}

/** The href of the first link in an HTML value, or the value itself when it is a plain URL. */
export function extractHref(value: unknown): string | null {
  const text = str(value);
  if (text === null) return null;
  const m = /href\s*=\s*["']([^"']+)["']/i.exec(text);
  if (m) return m[1] ?? null;
  return /^https?:\/\//i.test(text) ? text : null;
}
