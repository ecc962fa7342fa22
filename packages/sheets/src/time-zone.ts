/**
 * Wall-clock ↔ instant conversion in an IANA time zone, with `Intl` only (no dependency).
 *
 * Policy for wall times that do not exist or exist twice (DST):
 * - a time in a spring-forward gap (e.g. 02:30 on the day clocks jump from 02:00 to 03:00) maps to
 *   the same clock reading shifted by the gap (03:30), like `Temporal`'s `disambiguation: 'compatible'`;
 * - a time in a fall-back overlap (01:30 seen twice) maps to the earlier instant.
 */
import { invalidOption } from './errors.js';

/** A wall-clock date and time, without a zone. Months are 1-12. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Throws `SHEETS_INVALID_OPTION` unless `timeZone` is an IANA zone `Intl` knows. */
export function assertTimeZone(timeZone: unknown, name = 'timezone'): asserts timeZone is string {
  if (typeof timeZone !== 'string' || timeZone === '') {
    invalidOption(name, 'an IANA time zone such as `America/Chicago`', timeZone);
  }
  try {
    formatterFor(timeZone);
  } catch {
    invalidOption(name, 'an IANA time zone such as `America/Chicago`', timeZone);
  }
}

/** The zone's offset from UTC at `instant`, in ms (Chicago in winter: -6 h). */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((part) => part.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const wholeSeconds = instant - (((instant % 1000) + 1000) % 1000);
  return asUtc - wholeSeconds;
}

/** The instant at which clocks in `timeZone` show `wall` (DST policy in the module doc). */
export function wallTimeToInstant(wall: WallTime, timeZone: string): Date {
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
  // The offset is one of the offsets in force a day either side; try the earlier one first so an
  // ambiguous (fall-back) time resolves to the earlier instant.
  const before = zoneOffsetMs(asUtc - 86_400_000, timeZone);
  const after = zoneOffsetMs(asUtc + 86_400_000, timeZone);
  const candidates = before >= after ? [before, after] : [after, before];
  for (const offset of candidates) {
    const instant = asUtc - offset;
    if (zoneOffsetMs(instant, timeZone) === offset) return new Date(instant);
  }
  // In a spring-forward gap: keep the clock reading, shifted by the gap.
  return new Date(asUtc - Math.min(before, after));
}

/** The wall-clock reading in `timeZone` at `instant`. */
export function instantToWallTime(instant: Date, timeZone: string): WallTime {
  const local = new Date(instant.getTime() + zoneOffsetMs(instant.getTime(), timeZone));
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    millisecond: local.getUTCMilliseconds(),
  };
}
