/**
 * Rules for reading the virtual-sessions sheet (VMS-DOMAIN.md §3), with the real import's
 * quirks designed out:
 *
 * - **Year of `M/D` dates:** taken from the requested academic year (July–June): months 7–12 are
 *   in its first year, months 1–6 in its second. (`2024-2025`: `9/15` → 2024-09-15, `2/3` →
 *   2025-02-03.) An explicit `M/D/YYYY` keeps its year. The real import hard-coded 2024/2025.
 * - **Explicit years near the academic year only:** a date whose year is more than one year
 *   outside the academic year (`2024-2025` accepts 2023 to 2026; `1/5/9999` does not) is a row
 *   error (`invalid_date`). The one-year slack keeps a session entered in the wrong sheet, or a
 *   mistyped year next to the right one, readable rather than lost.
 * - **Times without AM/PM:** sessions run during the school day, so a bare `h:mm` with hour 1–6
 *   is afternoon (`2:30` → 14:30), 7–11 is morning, 12 is noon, and 0 or 13–23 are read on a
 *   24-hour clock. The real import read `2:30` as 02:30.
 * - **Zone:** the sheet's wall times are local to the configured time zone (default
 *   America/Chicago) and stored as UTC instants.
 */
import { serialToWallTime, wallTimeToInstant } from '@vms/flow-sheets';
import { invalidOption } from '../db/errors';

/** An academic year, `2024-2025`: July 1 2024 to June 30 2025. */
export interface AcademicYear {
  readonly label: string;
  readonly startYear: number;
  readonly endYear: number;
}

/** Parses `YYYY-YYYY` (consecutive years); throws a validation error echoing a bad value. */
export function parseAcademicYear(value: unknown): AcademicYear {
  const m = typeof value === 'string' ? /^(\d{4})-(\d{4})$/.exec(value.trim()) : null;
  if (!m || Number(m[2]) !== Number(m[1]) + 1) invalidOption('academicYear', 'a year range like `2024-2025`', value);
  return { label: `${m[1]}-${m[2]}`, startYear: Number(m[1]), endYear: Number(m[2]) };
}

/** Years an explicit sheet date may have: the academic year's two years, ± 1 year of slack. */
export const SHEET_YEAR_SLACK = 1;

/** True when `day` lies within the academic year ± {@link SHEET_YEAR_SLACK} years. */
export function isNearAcademicYear(day: SheetDay, year: AcademicYear): boolean {
  return day.year >= year.startYear - SHEET_YEAR_SLACK && day.year <= year.endYear + SHEET_YEAR_SLACK;
}

/** The academic year an instant falls in, in a time zone's calendar. */
export function academicYearOf(month: number, year: number): AcademicYear {
  const start = month >= 7 ? year : year - 1;
  return { label: `${start}-${start + 1}`, startYear: start, endYear: start + 1 };
}

/** A calendar day. */
export interface SheetDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** A time of day on a 24-hour clock. */
export interface SheetTime {
  readonly hour: number;
  readonly minute: number;
}

const validDay = (y: number, m: number, d: number): boolean =>
  m >= 1 && m <= 12 && d >= 1 && d <= new Date(Date.UTC(y, m, 0)).getUTCDate();

/**
 * Reads a `Date` cell: `M/D` (year from the academic year), `M/D/YYYY`, `M/D/YY`, `YYYY-MM-DD`,
 * or a Sheets serial number. Returns undefined when the cell is not a date.
 */
export function parseSessionDate(cell: unknown, year: AcademicYear): SheetDay | undefined {
  if (typeof cell === 'number' && Number.isFinite(cell)) {
    const wall = serialToWallTime(cell);
    return { year: wall.year, month: wall.month, day: wall.day };
  }
  if (typeof cell !== 'string') return undefined;
  const text = cell.trim();
  let m = /^(\d{1,2})\/(\d{1,2})(?:\/(\d{2}|\d{4}))?$/.exec(text);
  if (m) {
    const month = Number(m[1]);
    const day = Number(m[2]);
    let y = m[3] === undefined ? (month >= 7 ? year.startYear : year.endYear) : Number(m[3]);
    if (m[3] !== undefined && m[3].length === 2) y += 2000;
    return validDay(y, month, day) ? { year: y, month, day } : undefined;
  }
  m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return validDay(y, mo, d) ? { year: y, month: mo, day: d } : undefined;
  }
  return undefined;
}

/**
 * Reads a `Time` cell: `2:30 PM`, `2:30PM`, `2:30 pm pm` (a repeated suffix is tolerated),
 * `2 PM`, `14:30`, `14:30:00`, or a bare `2:30` read by the school-day rule (module doc).
 * Returns undefined for an empty or unreadable cell.
 */
export function parseSessionTime(cell: unknown): SheetTime | undefined {
  if (typeof cell === 'number' && Number.isFinite(cell) && cell >= 0 && cell < 1) {
    const minutes = Math.round(cell * 24 * 60);
    return { hour: Math.floor(minutes / 60) % 24, minute: minutes % 60 };
  }
  if (typeof cell !== 'string') return undefined;
  const text = cell.trim().toLowerCase().replace(/\s*\b([ap])\.?m\.?(?:\s*[ap]\.?m\.?)+$/, ' $1m').replace(/\s+/g, ' ');
  const m = /^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(am|pm)?$/.exec(text);
  if (!m) return undefined;
  let hour = Number(m[1]);
  const minute = m[2] === undefined ? 0 : Number(m[2]);
  const suffix = m[4];
  if (minute > 59 || (m[3] !== undefined && Number(m[3]) > 59)) return undefined;
  if (suffix !== undefined) {
    if (hour < 1 || hour > 12) return undefined;
    hour = (hour % 12) + (suffix === 'pm' ? 12 : 0);
  } else {
    if (m[2] === undefined) return undefined; // a bare number is not a time
    if (hour >= 1 && hour <= 6) hour += 12; // school-day rule: 1:00–6:59 is afternoon
    if (hour > 23) return undefined;
  }
  return { hour, minute };
}

/** The UTC instant of a wall-clock day and time in `timeZone`. */
export function sessionInstant(day: SheetDay, time: SheetTime, timeZone: string): Date {
  return wallTimeToInstant({ year: day.year, month: day.month, day: day.day, hour: time.hour, minute: time.minute, second: 0, millisecond: 0 }, timeZone);
}

/** Sheet status → event status (`EventStatus.map_status`). */
export function mapSheetStatus(status: string | null): string {
  const k = (status ?? '').trim().toLowerCase();
  if (k === 'successfully completed' || k === 'completed') return 'Completed';
  if (k === 'simulcast') return 'Simulcast';
  if (['teacher no-show', 'technical difficulties', 'local professional no-show', 'pathful professional no-show'].includes(k)) return 'No Show';
  if (k === 'teacher cancelation' || k === 'teacher cancellation' || k === 'cancelled' || k === 'canceled') return 'Cancelled';
  if (k === 'count') return 'Count';
  const same: Record<string, string> = { confirmed: 'Confirmed', published: 'Published', requested: 'Requested', draft: 'Draft' };
  return same[k] ?? 'Draft';
}

/** Statuses for which a row may create its event (VMS-DOMAIN.md §3, matching rules). */
export function createsEvent(status: string | null): boolean {
  const k = (status ?? '').trim().toLowerCase();
  if (k === '' || k === 'simulcast') return false;
  return true;
}

/** A person's name split for matching. */
export interface PersonName {
  readonly first: string;
  readonly last: string;
}

/**
 * Teachers of a row: `Teacher Name` split on `/`; for each, the first token is the first name
 * and the rest the last name. A single-token name cannot be matched and is returned in `rejected`.
 */
export function splitTeacherNames(cell: string | null): { names: PersonName[]; rejected: string[] } {
  const names: PersonName[] = [];
  const rejected: string[] = [];
  for (const raw of (cell ?? '').split('/')) {
    const tokens = raw.trim().split(/\s+/).filter(Boolean);
    if (tokens.length === 0) continue;
    if (tokens.length === 1) rejected.push(raw.trim());
    else names.push({ first: tokens[0] as string, last: tokens.slice(1).join(' ') });
  }
  return { names, rejected };
}

const TITLES = /^(mr|mrs|ms|miss|dr|prof)\.?$/i;

/**
 * Presenters of a row: split on `&` or `;`, honorifics (`Mr.`, `Mrs.`, `Ms.`, `Dr.`, `Prof.`)
 * dropped; the first token is the first name and the last token the last name.
 */
export function splitPresenterNames(cell: string | null): { names: PersonName[]; rejected: string[] } {
  const names: PersonName[] = [];
  const rejected: string[] = [];
  for (const raw of (cell ?? '').split(/[&;]/)) {
    const tokens = raw.trim().split(/\s+/).filter((t) => t && !TITLES.test(t));
    if (tokens.length === 0) continue;
    if (tokens.length === 1) rejected.push(raw.trim());
    else names.push({ first: tokens[0] as string, last: tokens[tokens.length - 1] as string });
  }
  return { names, rejected };
}

/** `session_id`: the last path segment of the session link. */
export function sessionIdFromLink(link: string | null): string | null {
  if (!link) return null;
  const segment = link.trim().replace(/[?#].*$/, '').replace(/\/+$/, '').split('/').pop();
  return segment ? segment : null;
}
