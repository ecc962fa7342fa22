/**
 * Wall-clock ↔ instant conversion in an IANA time zone, on `@vms/flow-core`'s time-zone
 * arithmetic (`Intl` only, no dependency). This file only maps sheets' {@link WallTime} fields to
 * core's naive wall time and back, and reports a bad zone with this package's error code.
 *
 * Policy for wall times that do not exist or exist twice (DST), core's `wallTimeToInstant`:
 * - a time in a spring-forward gap (e.g. 02:30 on the day clocks jump from 02:00 to 03:00) maps to
 *   the same clock reading shifted by the gap (03:30), like `Temporal`'s `disambiguation: 'compatible'`;
 * - a time in a fall-back overlap (01:30 seen twice) maps to the earlier instant.
 */
import {
  assertTimeZone as assertCoreTimeZone,
  offsetAt,
  wallTimeToInstant as coreWallTimeToInstant,
} from '@vms/flow-core';
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

/** Throws `SHEETS_INVALID_OPTION` unless `timeZone` is an IANA zone `Intl` knows. */
export function assertTimeZone(timeZone: unknown, name = 'timezone'): asserts timeZone is string {
  try {
    assertCoreTimeZone(timeZone, name);
  } catch {
    invalidOption(name, 'an IANA time zone such as `America/Chicago`', timeZone);
  }
}

/** The instant at which clocks in `timeZone` show `wall` (DST policy in the module doc). */
export function wallTimeToInstant(wall: WallTime, timeZone: string): Date {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
  return new Date(coreWallTimeToInstant(naive, timeZone));
}

/** The wall-clock reading in `timeZone` at `instant`. */
export function instantToWallTime(instant: Date, timeZone: string): WallTime {
  return utcFieldsOf(new Date(instant.getTime() + offsetAt(instant.getTime(), timeZone)));
}

/** The UTC calendar fields of `date` as a {@link WallTime} (for a date that encodes a wall time as UTC). */
export function utcFieldsOf(date: Date): WallTime {
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    millisecond: date.getUTCMilliseconds(),
  };
}
