import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseSheetDate, parseSheetTime, serialToDate, serialToWallTime, sheetDate } from './dates.js';
import { SheetsError } from './errors.js';
import { instantToWallTime, wallTimeToInstant } from './time-zone.js';

const CHICAGO = 'America/Chicago';

describe('serial dates', () => {
  it('counts days from 1899-12-30 and reads the fraction as the time of day', () => {
    expect(serialToWallTime(0)).toMatchObject({ year: 1899, month: 12, day: 30, hour: 0 });
    expect(serialToWallTime(45580.625)).toEqual({ year: 2024, month: 10, day: 15, hour: 15, minute: 0, second: 0, millisecond: 0 });
    // 10:20 is not exact in binary; rounding to the millisecond keeps it exact.
    expect(serialToWallTime(45580 + (10 * 60 + 20) / 1440)).toMatchObject({ hour: 10, minute: 20, second: 0, millisecond: 0 });
  });

  it('reads a serial as wall time in the given zone (CDT in October, CST in January)', () => {
    expect(serialToDate(45580.625, CHICAGO).toISOString()).toBe('2024-10-15T20:00:00.000Z');
    expect(serialToDate(45672, CHICAGO).toISOString()).toBe('2025-01-15T06:00:00.000Z');
    expect(serialToDate(45672, 'UTC').toISOString()).toBe('2025-01-15T00:00:00.000Z');
  });
});

describe('time zone conversion', () => {
  it('maps a spring-forward gap time forward by the gap and a fall-back time to the earlier instant', () => {
    const gap = wallTimeToInstant({ year: 2024, month: 3, day: 10, hour: 2, minute: 30, second: 0, millisecond: 0 }, CHICAGO);
    expect(gap.toISOString()).toBe('2024-03-10T08:30:00.000Z'); // 03:30 CDT
    const twice = wallTimeToInstant({ year: 2024, month: 11, day: 3, hour: 1, minute: 30, second: 0, millisecond: 0 }, CHICAGO);
    expect(twice.toISOString()).toBe('2024-11-03T06:30:00.000Z'); // 01:30 CDT, the first one
    expect(instantToWallTime(new Date('2024-11-03T07:30:00Z'), CHICAGO)).toMatchObject({ hour: 1, minute: 30 }); // 01:30 CST
  });
});

describe('text dates', () => {
  it('parses the formats a sheet shows, in the given zone', () => {
    const opts = { timezone: CHICAGO };
    expect(parseSheetDate('10/15/2024 3:00 PM', opts).toISOString()).toBe('2024-10-15T20:00:00.000Z');
    expect(parseSheetDate('10/15/2024', opts).toISOString()).toBe('2024-10-15T05:00:00.000Z');
    expect(parseSheetDate('2024-10-15 15:00', opts).toISOString()).toBe('2024-10-15T20:00:00.000Z');
    expect(parseSheetDate('Oct 15, 2024 3:00 PM', opts).toISOString()).toBe('2024-10-15T20:00:00.000Z');
    expect(parseSheetDate('January 15 2025', opts).toISOString()).toBe('2025-01-15T06:00:00.000Z');
    expect(parseSheetDate('2024-10-15T20:00:00Z', opts).toISOString()).toBe('2024-10-15T20:00:00.000Z');
    expect(parseSheetDate(45580.625, opts).toISOString()).toBe('2024-10-15T20:00:00.000Z');
  });

  it('needs a year for M/D text and takes it from defaultYear (number or by month)', () => {
    expect(() => parseSheetDate('10/15', { timezone: CHICAGO })).toThrow(/no year/);
    const academic = (month: number): number => (month >= 7 ? 2024 : 2025);
    expect(parseSheetDate('10/15', { timezone: CHICAGO, defaultYear: academic }).toISOString()).toBe('2024-10-15T05:00:00.000Z');
    expect(parseSheetDate('3/1', { timezone: CHICAGO, defaultYear: academic }).toISOString()).toBe('2025-03-01T06:00:00.000Z');
    // The VMS sheet's separate Date (`M/D`) and Time columns, joined.
    expect(parseSheetDate(`${'10/15'} ${'2:30 PM PM'}`, { timezone: CHICAGO, defaultYear: academic }).toISOString()).toBe('2024-10-15T19:30:00.000Z');
  });

  it('rejects impossible days and junk with a SheetsError naming the value', () => {
    for (const bad of ['2/30/2025', '13/1/2025', 'soon', '']) {
      const error = (() => {
        try {
          parseSheetDate(bad, { timezone: CHICAGO });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error, bad).toBeInstanceOf(SheetsError);
      expect((error as SheetsError).code).toBe('SHEETS_INVALID_DATE');
      expect((error as SheetsError).message).toContain(`\`${bad}\``);
    }
  });

  it('rejects an unknown time zone, echoing it', () => {
    expect(() => parseSheetDate('10/15/2024', { timezone: 'America/Chicgo' })).toThrow(/`America\/Chicgo`/);
  });

  it('reads times without inferring PM', () => {
    expect(parseSheetTime('2:30 PM')).toEqual({ hour: 14, minute: 30, second: 0 });
    expect(parseSheetTime('2:30 PM PM')).toEqual({ hour: 14, minute: 30, second: 0 });
    expect(parseSheetTime('12:05 am')).toEqual({ hour: 0, minute: 5, second: 0 });
    expect(parseSheetTime('2:30')).toEqual({ hour: 2, minute: 30, second: 0 });
    expect(parseSheetTime('9 AM')).toEqual({ hour: 9, minute: 0, second: 0 });
    expect(() => parseSheetTime('25:00')).toThrow(SheetsError);
    expect(() => parseSheetTime('13:00 PM')).toThrow(SheetsError);
  });

  it('sheetDate() turns a bad cell into a zod issue', () => {
    const schema = z.object({ Date: sheetDate({ timezone: CHICAGO }) });
    expect(schema.parse({ Date: 45580.625 }).Date.toISOString()).toBe('2024-10-15T20:00:00.000Z');
    const result = schema.safeParse({ Date: 'next week' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['Date']);
    expect(result.error?.issues[0]?.message).toContain('next week');
  });
});
