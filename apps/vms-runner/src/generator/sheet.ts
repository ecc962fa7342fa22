/**
 * A generated virtual-sessions sheet, cells as the real sheet holds them (VMS-DOMAIN.md §3):
 * three rows of notes, the header on row 4, then one session per row, with the real sheet's
 * habits: `M/D` dates, times with and without AM/PM (and a doubled `PM PM`), several teachers
 * joined by `/`, presenters by `&`, simulcast rows, and a few rows without a title.
 */
import { invalidOption } from '../db/errors';
import { parseAcademicYear } from '../sheets/rules';
import { SHEET_COLUMNS } from '../sheets/virtual-sessions';
import { Rng, hash32 } from './random';
import { FIRST_NAMES, LAST_NAMES, ORG_WORDS, SCHOOL_WORDS } from './words';

/** Options of {@link virtualSessionSheet}. */
export interface SheetOptions {
  /** @default 1 */
  seed?: number;
  /** The sheet's academic year, `2024-2025`. */
  academicYear: string;
  /**
   * Session rows (before the title-less ones).
   * @default 200
   */
  rows?: number;
  /**
   * Share of extra rows without a Session Title.
   * @default 0.02
   */
  missingTitleRate?: number;
}

/** The cells and what the generator put in them. */
export interface GeneratedSheet {
  readonly values: string[][];
  /** 1-based row numbers of rows without a title. */
  readonly missingTitleRows: number[];
}

const STATUSES = ['Successfully Completed', 'Successfully Completed', 'Simulcast', 'Teacher No-Show', 'Teacher Cancelation', 'Technical Difficulties', 'Count'];
const TOPICS = ['Career Exploration', 'STEM', 'Healthcare', 'Entrepreneurship', 'Arts'];
const DISTRICTS = ['Kansas City Kansas Public Schools', 'KANSAS CITY USD 500', 'Hickman Mills', 'Grandview', 'Center School District'];

/** Generates the sheet. */
export function virtualSessionSheet(options: SheetOptions): GeneratedSheet {
  const year = parseAcademicYear(options.academicYear);
  const seed = options.seed ?? 1;
  const n = options.rows ?? 200;
  if (!Number.isInteger(n) || n < 0) invalidOption('rows', 'an integer >= 0', n);
  const rate = options.missingTitleRate ?? 0.02;
  const values: string[][] = [
    [`Virtual Sessions ${year.label}`],
    ['Shared with district partners. Do not edit the header row.'],
    [],
    [...SHEET_COLUMNS],
  ];
  const missingTitleRows: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = new Rng(hash32(seed, 'sheet', i));
    // a session is taught to several classes: consecutive rows share title, date and time
    const session = Math.floor(i / 3);
    const s = new Rng(hash32(seed, 'session', session));
    const month = s.pick([8, 9, 10, 11, 12, 1, 2, 3, 4, 5]);
    const day = s.int(1, 28);
    const hour = s.int(8, 14);
    const minute = s.pick(['00', '15', '30', '45']);
    const h12 = hour > 12 ? hour - 12 : hour;
    const suffix = hour >= 12 ? 'PM' : 'AM';
    const timeStyle = s.int(0, 9);
    const time = timeStyle < 6 ? `${h12}:${minute} ${suffix}` : timeStyle < 8 ? (hour >= 13 ? `${h12}:${minute}` : `${hour}:${minute}`) : timeStyle < 9 ? `${h12}:${minute} ${suffix} ${suffix}` : '';
    const date = s.chance(0.85) ? `${month}/${day}` : `${month}/${day}/${month >= 7 ? year.startYear : year.endYear}`;
    const teacherCount = r.chance(0.2) ? 2 : 1;
    const teachers = Array.from({ length: teacherCount }, () => `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`).join(' / ');
    const presenters = s.chance(0.15)
      ? `${s.pick(['Dr. ', 'Ms. ', ''])}${s.pick(FIRST_NAMES)} ${s.pick(LAST_NAMES)} & ${s.pick(FIRST_NAMES)} ${s.pick(LAST_NAMES)}`
      : `${s.pick(FIRST_NAMES)} ${s.pick(LAST_NAMES)}`;
    values.push([
      `${s.pick(TOPICS)}: ${s.pick(ORG_WORDS)} careers #${session}`,
      date,
      time,
      i % 3 === 0 ? s.pick(STATUSES) : r.pick(['Simulcast', 'Successfully Completed']),
      teachers,
      `${r.pick(SCHOOL_WORDS)} ${r.pick(['Elementary', 'Middle', 'High'])}`,
      r.pick(DISTRICTS),
      presenters,
      `${s.pick(ORG_WORDS)} ${s.pick(['Inc.', 'Health', 'Bank'])}`,
      s.pick(['Yes', 'No', '']),
      `https://pathful.example.com/sessions/${100000 + session}`,
      s.pick(TOPICS),
      s.pick(['Career Talk', 'Industry Chat', 'Lab Demo']),
      s.pick(['Local (KC)', 'Non-local', '']),
    ]);
    if (r.chance(rate)) {
      const row = values.length + 1;
      missingTitleRows.push(row);
      values.push(['', date, time, 'Successfully Completed', teachers, 'Lincoln High', DISTRICTS[0] as string, '', '', '', '', '', '', '']);
    }
  }
  return { values, missingTitleRows };
}
