/**
 * Dates as Google Sheets hands them out: serial numbers (`UNFORMATTED_VALUE` with the default
 * `dateTimeRenderOption: 'SERIAL_NUMBER'`) and text (`FORMATTED_VALUE`). A sheet's date has no
 * zone (it is a wall-clock reading), so every function here takes the IANA zone to read it in.
 */
import { z } from 'zod';
import { describeValue } from '@vms/flow-core';
import { SheetsError, SheetsErrorCode } from './errors.js';
import { assertTimeZone, utcFieldsOf, wallTimeToInstant, type WallTime } from './time-zone.js';

/** The Sheets (and Lotus/Excel 1900) serial epoch: serial 0 is 1899-12-30 00:00. */
const SERIAL_EPOCH_UTC = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;

/** Options of {@link parseSheetDate} and {@link sheetDate}. */
export interface SheetDateOptions {
  /** IANA time zone the sheet's wall-clock values are read in, e.g. `America/Chicago`. Required. */
  timezone: string;
  /**
   * Year for a text date written without one (`10/15`). A function gets the month (1-12), e.g.
   * `(month) => (month >= 7 ? 2024 : 2025)` for the 2024-2025 academic year. Without it, a date
   * with no year is an error (never a silent guess).
   * @default undefined
   */
  defaultYear?: number | ((month: number) => number);
}

function invalidDate(value: unknown, why: string): SheetsError {
  return new SheetsError(SheetsErrorCode.InvalidDate, `Cannot read ${describeValue(value, { quoteStrings: false })} as a date: ${why}`, {
    category: 'validation',
  });
}

/**
 * The wall-clock reading of a Sheets serial number: whole days since 1899-12-30, the fraction is
 * the time of day (0.5 = 12:00), rounded to the millisecond.
 */
export function serialToWallTime(serial: number): WallTime {
  if (typeof serial !== 'number' || !Number.isFinite(serial)) throw invalidDate(serial, 'not a finite number');
  const days = Math.floor(serial);
  const ms = Math.round((serial - days) * DAY_MS);
  return utcFieldsOf(new Date(SERIAL_EPOCH_UTC + days * DAY_MS + ms));
}

/**
 * The instant a Sheets serial number stands for, read in `timeZone`.
 *
 * @example
 * serialToDate(45580.625, 'America/Chicago').toISOString(); // '2024-10-15T20:00:00.000Z' (15:00 CDT)
 */
export function serialToDate(serial: number, timeZone: string): Date {
  assertTimeZone(timeZone);
  return wallTimeToInstant(serialToWallTime(serial), timeZone);
}

/** A time of day read from a sheet cell. */
export interface TimeOfDay {
  hour: number;
  minute: number;
  second: number;
}

const TIME_RE = /^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$/i;

/**
 * Reads a time of day: `2:30 PM`, `2:30PM`, `14:30`, `14:30:15`, `2 PM`; a repeated suffix
 * (`2:30 PM PM`) is tolerated. Without AM/PM the hour is taken as written on a 24-hour clock
 * (`2:30` is 02:30: no afternoon is inferred).
 */
export function parseSheetTime(text: string): TimeOfDay {
  const cleaned = text
    .trim()
    .replace(/\s*\b([ap])\.?m\.?(?:\s*[ap]\.?m\.?)+$/i, ' $1m')
    .replace(/\s+/g, ' ');
  const match = TIME_RE.exec(cleaned);
  if (match === null) throw invalidDate(text, 'expected a time such as `2:30 PM` or `14:30`');
  const [, h, m, s, suffix] = match;
  let hour = Number(h);
  const minute = m === undefined ? 0 : Number(m);
  const second = s === undefined ? 0 : Number(s);
  if (suffix === undefined && m === undefined) throw invalidDate(text, 'a bare number is not a time');
  if (suffix !== undefined) {
    if (hour < 1 || hour > 12) throw invalidDate(text, 'hour must be 1-12 with AM/PM');
    const pm = suffix.toLowerCase().startsWith('p');
    hour = (hour % 12) + (pm ? 12 : 0);
  }
  if (hour > 23 || minute > 59 || second > 59) throw invalidDate(text, 'time out of range');
  return { hour, minute, second };
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;
const US_RE = /^(\d{1,2})\/(\d{1,2})(?:\/(\d{4}))?(?:\s+(.+))?$/;
const NAMED_RE = /^([a-z]{3,9})\.?\s+(\d{1,2})(?:,?\s+(\d{4}))?(?:,?\s+(.+))?$/i;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function resolveYear(raw: string | undefined, month: number, text: string, options: SheetDateOptions): number {
  if (raw !== undefined) return Number(raw);
  const { defaultYear } = options;
  if (defaultYear === undefined) throw invalidDate(text, 'it has no year and no `defaultYear` was given');
  return typeof defaultYear === 'function' ? defaultYear(month) : defaultYear;
}

function fromParts(
  text: string,
  year: number,
  month: number,
  day: number,
  time: TimeOfDay | undefined,
  timeZone: string,
): Date {
  if (!Number.isInteger(year) || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw invalidDate(text, 'no such calendar day');
  }
  return wallTimeToInstant(
    { year, month, day, hour: time?.hour ?? 0, minute: time?.minute ?? 0, second: time?.second ?? 0, millisecond: 0 },
    timeZone,
  );
}

/**
 * Reads a date cell, serial or text, as the instant it stands for in `options.timezone`. A date
 * without a time is midnight there.
 *
 * Accepted text: `M/D/YYYY`, `M/D` (with `defaultYear`), `YYYY-MM-DD`, `Oct 15, 2024`,
 * `October 15 2024`, each optionally followed by a time (see {@link parseSheetTime}); ISO 8601
 * with an explicit offset (`2024-10-15T20:00:00Z`) keeps that offset. Numbers are serials
 * (see {@link serialToDate}).
 *
 * @throws SheetsError `SHEETS_INVALID_DATE` naming the value, when it is not a date.
 * @example
 * parseSheetDate('10/15/2024 3:00 PM', { timezone: 'America/Chicago' }); // 2024-10-15T20:00:00.000Z
 */
export function parseSheetDate(value: string | number, options: SheetDateOptions): Date {
  assertTimeZone(options.timezone, 'options.timezone');
  const timeZone = options.timezone;
  if (typeof value === 'number') return serialToDate(value, timeZone);
  if (typeof value !== 'string') throw invalidDate(value, 'expected a string or a serial number');
  const text = value.trim();
  if (text === '') throw invalidDate(value, 'the cell is empty');

  const iso = ISO_RE.exec(text);
  if (iso !== null) {
    const [, y, mo, d, h, mi, s, ms, zone] = iso;
    if (zone !== undefined) {
      const parsed = new Date(text.replace(' ', 'T'));
      if (Number.isNaN(parsed.getTime())) throw invalidDate(value, 'not a valid ISO 8601 date');
      return parsed;
    }
    const time = h === undefined ? undefined : { hour: Number(h), minute: Number(mi), second: Number(s ?? 0) };
    if (time !== undefined && (time.hour > 23 || time.minute > 59 || time.second > 59)) {
      throw invalidDate(value, 'time out of range');
    }
    const date = fromParts(value, Number(y), Number(mo), Number(d), time, timeZone);
    return ms === undefined ? date : new Date(date.getTime() + Number(ms.padEnd(3, '0')));
  }

  const us = US_RE.exec(text);
  if (us !== null) {
    const [, mo, d, y, rest] = us;
    const month = Number(mo);
    const time = rest === undefined ? undefined : parseSheetTime(rest);
    return fromParts(value, resolveYear(y, month, value, options), month, Number(d), time, timeZone);
  }

  const named = NAMED_RE.exec(text);
  if (named !== null) {
    const [, name, d, y, rest] = named;
    const index = MONTHS.indexOf((name ?? '').slice(0, 3).toLowerCase());
    if (index >= 0) {
      const month = index + 1;
      const time = rest === undefined ? undefined : parseSheetTime(rest);
      return fromParts(value, resolveYear(y, month, value, options), month, Number(d), time, timeZone);
    }
  }
  throw invalidDate(value, 'expected `M/D/YYYY`, `YYYY-MM-DD`, `Oct 15, 2024` or a serial number');
}

/**
 * A zod schema for a date cell (serial number or text) that outputs a `Date`, for row schemas.
 * A bad value becomes a zod issue, so `readSheet` reports it with row number and column.
 *
 * @example
 * const Row = z.object({ Date: sheetDate({ timezone: 'America/Chicago' }) });
 */
export function sheetDate(options: SheetDateOptions) {
  assertTimeZone(options.timezone, 'options.timezone');
  return z.union([z.string(), z.number()]).transform((value, ctx): Date => {
    try {
      return parseSheetDate(value, options);
    } catch (error) {
      ctx.issues.push({
        code: 'custom',
        message: error instanceof Error ? error.message : String(error),
        input: value,
      });
      return z.NEVER;
    }
  });
}
