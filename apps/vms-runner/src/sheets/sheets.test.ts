import { describe, expect, it } from 'vitest';
import { virtualSessionSheet } from '../generator/sheet';
import { mapSheetStatus, parseAcademicYear, parseSessionDate, parseSessionTime, sessionIdFromLink, splitPresenterNames, splitTeacherNames } from './rules';
import { parseVirtualSessionSheet } from './virtual-sessions';

const header = ['Session Title', 'Date', 'Time', 'Status', 'Teacher Name', 'School Name', 'District', 'Presenter', 'Organization', 'Presenter of Color?', 'Session Link', 'Topic/Theme', 'Session Type'];
const sheet = (...rows: string[][]): string[][] => [['Virtual sessions'], [], [], header, ...rows];

describe('sheet rules', () => {
  it('a time without AM/PM is read by the school-day rule: 1–6 is afternoon, 7–12 morning/noon, 13–23 as written', () => {
    expect(parseSessionTime('2:30')).toEqual({ hour: 14, minute: 30 });
    expect(parseSessionTime('6:59')).toEqual({ hour: 18, minute: 59 });
    expect(parseSessionTime('7:15')).toEqual({ hour: 7, minute: 15 });
    expect(parseSessionTime('11:00')).toEqual({ hour: 11, minute: 0 });
    expect(parseSessionTime('12:30')).toEqual({ hour: 12, minute: 30 });
    expect(parseSessionTime('14:30')).toEqual({ hour: 14, minute: 30 });
    expect(parseSessionTime('0:30')).toEqual({ hour: 0, minute: 30 });
    // explicit AM/PM always wins, a doubled suffix is cleaned
    expect(parseSessionTime('2:30 AM')).toEqual({ hour: 2, minute: 30 });
    expect(parseSessionTime('2:30 PM PM')).toEqual({ hour: 14, minute: 30 });
    expect(parseSessionTime('12:00 AM')).toEqual({ hour: 0, minute: 0 });
    expect(parseSessionTime('2 pm')).toEqual({ hour: 14, minute: 0 });
    expect(parseSessionTime('2')).toBeUndefined();
    expect(parseSessionTime('25:00')).toBeUndefined();
    expect(parseSessionTime('13:00 PM')).toBeUndefined();
  });

  it('the academic year decides the year of M/D dates (July–June); M/D/YYYY keeps its own', () => {
    const y2425 = parseAcademicYear('2024-2025');
    expect(parseSessionDate('9/15', y2425)).toEqual({ year: 2024, month: 9, day: 15 });
    expect(parseSessionDate('7/1', y2425)).toEqual({ year: 2024, month: 7, day: 1 });
    expect(parseSessionDate('6/30', y2425)).toEqual({ year: 2025, month: 6, day: 30 });
    expect(parseSessionDate('2/3', y2425)).toEqual({ year: 2025, month: 2, day: 3 });
    const y2526 = parseAcademicYear('2025-2026');
    expect(parseSessionDate('9/15', y2526)).toEqual({ year: 2025, month: 9, day: 15 });
    expect(parseSessionDate('2/3', y2526)).toEqual({ year: 2026, month: 2, day: 3 });
    expect(parseSessionDate('2/29', y2526)).toBeUndefined(); // 2026 is not a leap year
    expect(parseSessionDate('2/29', parseAcademicYear('2023-2024'))).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseSessionDate('10/5/2023', y2526)).toEqual({ year: 2023, month: 10, day: 5 });
    expect(parseSessionDate('13/1', y2526)).toBeUndefined();
    expect(() => parseAcademicYear('2024-2026')).toThrow('Expected `academicYear` to be a year range like `2024-2025`, got `2024-2026` (string)');
  });

  it('maps statuses, splits teachers on / and presenters on & or ; without honorifics', () => {
    expect(mapSheetStatus('Successfully Completed')).toBe('Completed');
    expect(mapSheetStatus('Teacher No-Show')).toBe('No Show');
    expect(mapSheetStatus('teacher cancelation')).toBe('Cancelled');
    expect(mapSheetStatus('something odd')).toBe('Draft');
    expect(splitTeacherNames('Maria García / Ana de la Cruz / Cher')).toEqual({
      names: [{ first: 'Maria', last: 'García' }, { first: 'Ana', last: 'de la Cruz' }],
      rejected: ['Cher'],
    });
    expect(splitPresenterNames('Dr. Jane Q. Public & Mr. John Smith; Prof. Ada Lovelace').names).toEqual([
      { first: 'Jane', last: 'Public' }, { first: 'John', last: 'Smith' }, { first: 'Ada', last: 'Lovelace' },
    ]);
    expect(sessionIdFromLink('https://pathful.example.com/sessions/12345/?ref=x')).toBe('12345');
  });
});

describe('parseVirtualSessionSheet', () => {
  it('reads the header on row 4; a row without a title is a warning, not a failure', () => {
    const { rows, issues } = parseVirtualSessionSheet(
      sheet(
        ['Healthcare careers', '9/15', '2:30', 'Successfully Completed', 'Maria García / John Lee', 'Lincoln High', 'Grandview', 'Dr. Jane Doe', 'Acme'],
        ['', '9/16', '10:00 AM', 'Successfully Completed', 'Ann Bee', 'Lincoln High', 'Grandview', '', ''],
        ['Bad date', '9/31', '10:00 AM', 'Completed', '', '', '', '', ''],
        ['No time', '2/3', '', 'Simulcast', 'Ann Bee', 'Lincoln High', 'Grandview', '', ''],
      ),
      { academicYear: '2024-2025' },
    );
    expect(rows.map((r) => r.title)).toEqual(['Healthcare careers', 'No time']);
    // 2:30 on 2024-09-15 in Chicago (CDT, UTC-5) is 19:30 UTC
    expect(rows[0]?.start?.toISOString()).toBe('2024-09-15T19:30:00.000Z');
    expect(rows[0]?.teachers).toEqual([{ first: 'Maria', last: 'García' }, { first: 'John', last: 'Lee' }]);
    expect(rows[0]?.eventStatus).toBe('Completed');
    expect(rows[1]).toMatchObject({ start: null, day: { year: 2025, month: 2, day: 3 } });
    expect(issues).toEqual([
      { rowNumber: 6, severity: 'warning', code: 'missing_title', message: 'Row 6 has no Session Title; skipped' },
      expect.objectContaining({ rowNumber: 7, severity: 'error', code: 'invalid_date' }),
    ]);
  });

  it('converts wall times in the configured zone, across DST', () => {
    const { rows } = parseVirtualSessionSheet(sheet(['Winter', '1/15', '9:00 AM'], ['Summer', '8/15', '9:00 AM']), { academicYear: '2024-2025' });
    expect(rows.map((r) => r.start?.toISOString())).toEqual(['2025-01-15T15:00:00.000Z', '2024-08-15T14:00:00.000Z']);
    const ny = parseVirtualSessionSheet(sheet(['Winter', '1/15', '9:00 AM']), { academicYear: '2024-2025', timeZone: 'America/New_York' });
    expect(ny.rows[0]?.start?.toISOString()).toBe('2025-01-15T14:00:00.000Z');
  });

  it('rejects a sheet whose row 4 is not the header', () => {
    expect(() => parseVirtualSessionSheet([header], { academicYear: '2024-2025' })).toThrow(/header row 4/);
  });

  it('parses a generated sheet: every titled row is a session, every untitled one a warning', () => {
    const generated = virtualSessionSheet({ seed: 5, academicYear: '2024-2025', rows: 300, missingTitleRate: 0.05 });
    const parsed = parseVirtualSessionSheet(generated.values, { academicYear: '2024-2025' });
    expect(generated.missingTitleRows.length).toBeGreaterThan(3);
    expect(parsed.rows).toHaveLength(300);
    expect(parsed.issues.filter((i) => i.code === 'missing_title').map((i) => i.rowNumber)).toEqual(generated.missingTitleRows);
    expect(parsed.issues.filter((i) => i.severity === 'error')).toEqual([]);
    for (const row of parsed.rows) {
      const y = row.day.month >= 7 ? 2024 : 2025;
      expect(row.day.year).toBe(y);
      if (row.start) {
        const hourChicago = Number(new Intl.DateTimeFormat('en-US', { timeZone: 'America/Chicago', hour: 'numeric', hourCycle: 'h23' }).format(row.start));
        expect(hourChicago).toBeGreaterThanOrEqual(8);
        expect(hourChicago).toBeLessThanOrEqual(14);
      }
    }
    expect(virtualSessionSheet({ seed: 5, academicYear: '2024-2025', rows: 300, missingTitleRate: 0.05 }).values).toEqual(generated.values);
  });
});
