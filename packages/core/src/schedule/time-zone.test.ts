import { describe, expect, it } from 'vitest';
import { assertTimeZone, formatLocal, offsetAt, resolveWallTime } from './time-zone.js';

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
