/**
 * Parsing the virtual-sessions sheet (VMS-DOMAIN.md §3): the header is on row 4, one session
 * per row. Rows are validated one by one: a row without a title is a warning (skipped, the import
 * goes on), a bad date or time is an error for that row only.
 */
import { VmsError, VmsErrorCode } from '../db/errors';
import {
  isNearAcademicYear,
  mapSheetStatus,
  parseAcademicYear,
  parseSessionDate,
  parseSessionTime,
  sessionIdFromLink,
  sessionInstant,
  SHEET_YEAR_SLACK,
  splitPresenterNames,
  splitTeacherNames,
  type AcademicYear,
  type PersonName,
  type SheetDay,
} from './rules';

/** The columns the import reads. */
export const SHEET_COLUMNS = [
  'Session Title', 'Date', 'Time', 'Status', 'Teacher Name', 'School Name', 'District', 'Presenter', 'Organization',
  'Presenter of Color?', 'Session Link', 'Topic/Theme', 'Session Type', 'Presenter Location',
] as const;

/** One session row, parsed. */
export interface VirtualSessionRow {
  /** 1-based sheet row number. */
  readonly rowNumber: number;
  readonly title: string;
  readonly day: SheetDay;
  /** The start instant, or null when the row has no time (the import may match an existing event). */
  readonly start: Date | null;
  /** The raw status text. */
  readonly status: string | null;
  /** The event status it maps to. */
  readonly eventStatus: string;
  readonly teachers: readonly PersonName[];
  readonly schoolName: string | null;
  readonly district: string | null;
  readonly presenters: readonly PersonName[];
  readonly organization: string | null;
  readonly presenterOfColor: boolean;
  /** True for "Local…", false for another value, null when empty. */
  readonly presenterLocal: boolean | null;
  readonly registrationLink: string | null;
  readonly sessionId: string | null;
  readonly series: string | null;
  readonly sessionType: string | null;
}

/** A problem with one row. */
export interface SheetIssue {
  readonly rowNumber: number;
  readonly severity: 'warning' | 'error';
  readonly code: 'missing_title' | 'invalid_date' | 'invalid_time' | 'unmatched_name' | 'no_datetime' | 'row_failed';
  readonly message: string;
}

/** Options of {@link parseVirtualSessionSheet}. */
export interface ParseSheetOptions {
  /** The academic year the sheet belongs to, `2024-2025`; it decides the year of `M/D` dates. */
  academicYear: string;
  /**
   * IANA zone of the sheet's wall times.
   * @default 'America/Chicago'
   */
  timeZone?: string;
  /**
   * 1-based row of the header.
   * @default 4
   */
  headerRow?: number;
}

/** The parsed sheet. */
export interface ParsedSheet {
  readonly academicYear: AcademicYear;
  /** The zone the wall times were read in. */
  readonly timeZone: string;
  readonly rows: readonly VirtualSessionRow[];
  readonly issues: readonly SheetIssue[];
}

const cellText = (value: unknown): string | null => {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  return text.length === 0 ? null : text;
};

/**
 * Parses the sheet's cell values (rows of cells, as the Sheets API returns them).
 *
 * @example
 * ```ts
 * const { rows, issues } = parseVirtualSessionSheet(values, { academicYear: '2024-2025' });
 * ```
 */
export function parseVirtualSessionSheet(values: readonly (readonly unknown[])[], options: ParseSheetOptions): ParsedSheet {
  const academicYear = parseAcademicYear(options.academicYear);
  const timeZone = options.timeZone ?? 'America/Chicago';
  const headerRow = options.headerRow ?? 4;
  const header = values[headerRow - 1];
  if (!header || !header.some((h) => cellText(h) === 'Session Title')) {
    throw new VmsError(VmsErrorCode.InvalidSheet, `Expected the header row ${headerRow} of the virtual-sessions sheet to contain \`Session Title\`, got ${JSON.stringify(header ?? null)}`, { category: 'validation' });
  }
  const index = new Map<string, number>();
  header.forEach((h, i) => {
    const name = cellText(h);
    if (name !== null && !index.has(name)) index.set(name, i);
  });
  const rows: VirtualSessionRow[] = [];
  const issues: SheetIssue[] = [];
  for (let r = headerRow; r < values.length; r++) {
    const cells = values[r] ?? [];
    const rowNumber = r + 1;
    const get = (column: (typeof SHEET_COLUMNS)[number]): unknown => {
      const i = index.get(column);
      return i === undefined ? undefined : cells[i];
    };
    if (cells.every((c) => cellText(c) === null)) continue;
    const title = cellText(get('Session Title'));
    if (title === null) {
      issues.push({ rowNumber, severity: 'warning', code: 'missing_title', message: `Row ${rowNumber} has no Session Title; skipped` });
      continue;
    }
    const rawDate = get('Date');
    const day = parseSessionDate(typeof rawDate === 'number' ? rawDate : cellText(rawDate), academicYear);
    if (!day) {
      issues.push({ rowNumber, severity: 'error', code: 'invalid_date', message: `Row ${rowNumber} for '${title}': Date \`${String(rawDate ?? '')}\` is not M/D or M/D/YYYY` });
      continue;
    }
    if (!isNearAcademicYear(day, academicYear)) {
      const accepted = `${academicYear.startYear - SHEET_YEAR_SLACK} to ${academicYear.endYear + SHEET_YEAR_SLACK}`;
      issues.push({
        rowNumber,
        severity: 'error',
        code: 'invalid_date',
        message: `Row ${rowNumber} for '${title}': Date \`${String(rawDate ?? '')}\` has year ${day.year}, outside academic year ${academicYear.label} (years ${accepted} accepted)`,
      });
      continue;
    }
    const rawTime = get('Time');
    let start: Date | null = null;
    if (cellText(rawTime) !== null) {
      const time = parseSessionTime(typeof rawTime === 'number' ? rawTime : cellText(rawTime));
      if (!time) {
        issues.push({ rowNumber, severity: 'error', code: 'invalid_time', message: `Row ${rowNumber} for '${title}': Time \`${String(rawTime)}\` is not a time` });
        continue;
      }
      start = sessionInstant(day, time, timeZone);
    }
    const teachers = splitTeacherNames(cellText(get('Teacher Name')));
    const presenters = splitPresenterNames(cellText(get('Presenter')));
    for (const name of [...teachers.rejected, ...presenters.rejected]) {
      issues.push({ rowNumber, severity: 'warning', code: 'unmatched_name', message: `Row ${rowNumber} for '${title}': \`${name}\` has no first and last name; ignored` });
    }
    const status = cellText(get('Status'));
    const link = cellText(get('Session Link'));
    const location = cellText(get('Presenter Location'));
    rows.push({
      rowNumber,
      title,
      day,
      start,
      status,
      eventStatus: mapSheetStatus(status),
      teachers: teachers.names,
      schoolName: cellText(get('School Name')),
      district: cellText(get('District')),
      presenters: presenters.names,
      organization: cellText(get('Organization')),
      presenterOfColor: cellText(get('Presenter of Color?'))?.toLowerCase() === 'yes',
      presenterLocal: location === null ? null : location.toLowerCase().startsWith('local'),
      registrationLink: link,
      sessionId: sessionIdFromLink(link),
      series: cellText(get('Topic/Theme')),
      sessionType: cellText(get('Session Type')),
    });
  }
  return { academicYear, timeZone, rows, issues };
}
