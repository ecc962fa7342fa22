import { describe, expect, it } from 'vitest';
import { assertTimeZone, formatLocal, offsetAt, resolveWallTime, wallTimeToInstant } from './time-zone.js';

const wall = (text: string): number => Date.parse(`${text}Z`);

describe('time-zone arithmetic', () => {
  it('reads offsets on both sides of a transition', () => {
    expect(offsetAt(Date.parse('2021-03-14T06:59:59Z'), 'America/New_York')).toBe(-5 * 3_600_000);
    expect(offsetAt(Date.parse('2021-03-14T07:00:00Z'), 'America/New_York')).toBe(-4 * 3_600_000);
    expect(offsetAt(Date.parse('2021-07-01T00:00:00Z'), 'Asia/Kolkata')).toBe(5.5 * 3_600_000);
  });

  it('maps wall times to none, one or two instants', () => {
    expect(resolveWallTime(wall('2021-03-14T02:30:00'), 'America/New_York')).toEqual({
      kind: 'gap',
      gapEnd: Date.parse('2021-03-14T07:00:00Z'),
    });
    expect(resolveWallTime(wall('2021-11-07T01:30:00'), 'America/New_York')).toEqual({
      kind: 'repeat',
      instants: [Date.parse('2021-11-07T05:30:00Z'), Date.parse('2021-11-07T06:30:00Z')],
    });
    expect(resolveWallTime(wall('2021-11-07T02:00:00'), 'America/New_York')).toEqual({
      kind: 'normal',
      instants: [Date.parse('2021-11-07T07:00:00Z')],
    });
    // Southern hemisphere: Sydney springs forward in October.
    expect(resolveWallTime(wall('2024-10-06T02:30:00'), 'Australia/Sydney')).toEqual({
      kind: 'gap',
      gapEnd: Date.parse('2024-10-05T16:00:00Z'),
    });
  });

  it('picks one instant per wall time: gap shifted forward by the gap, overlap the earlier', () => {
    // Chicago jumps 02:00 -> 03:00: 02:30 reads as 03:30 CDT.
    expect(wallTimeToInstant(wall('2024-03-10T02:30:00'), 'America/Chicago')).toBe(Date.parse('2024-03-10T08:30:00Z'));
    // 01:30 happens twice: the CDT one comes first.
    expect(wallTimeToInstant(wall('2024-11-03T01:30:00'), 'America/Chicago')).toBe(Date.parse('2024-11-03T06:30:00Z'));
    // An ordinary time keeps its milliseconds.
    expect(wallTimeToInstant(wall('2024-10-15T15:00:00.250'), 'America/Chicago')).toBe(Date.parse('2024-10-15T20:00:00.250Z'));
    // Lord Howe's gap is half an hour (02:00 -> 02:30): 02:15 reads as 02:45 +11:00.
    expect(wallTimeToInstant(wall('2024-10-06T02:15:00'), 'Australia/Lord_Howe')).toBe(Date.parse('2024-10-05T15:45:00Z'));
  });

  it('formats local time with its offset', () => {
    expect(formatLocal(Date.parse('2021-03-14T07:00:00Z'), 'America/New_York')).toBe('2021-03-14T03:00:00-04:00');
    expect(formatLocal(Date.parse('2021-03-14T07:00:00Z'), 'UTC')).toBe('2021-03-14T07:00:00Z');
    expect(formatLocal(Date.parse('2021-03-14T07:00:00Z'), 'Asia/Kolkata')).toBe('2021-03-14T12:30:00+05:30');
  });

  it('validates time zone names and returns the canonical one', () => {
    expect(assertTimeZone('utc')).toBe('UTC');
    expect(() => assertTimeZone('Mars/Olympus')).toThrow('Unknown time zone `Mars/Olympus`');
    expect(() => assertTimeZone(42)).toThrow('got `42` (number)');
  });
});
