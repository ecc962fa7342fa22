import { describe, expect, it } from 'vitest';
import { missedSlots } from './catch-up.js';

const iso = (d: Date): string => d.toISOString();

describe('missedSlots', () => {
  const spec = { cron: '0 * * * *' };
  const last = Date.parse('2025-01-01T00:00:00Z');
  const now = Date.parse('2025-01-01T03:30:00Z');

  it('catch-up over 3 missed slots: none runs 0, latest runs the last, all runs 3', () => {
    const none = missedSlots(spec, last, now, 'none');
    expect(none.missed.map((s) => iso(s.at))).toEqual([
      '2025-01-01T01:00:00.000Z',
      '2025-01-01T02:00:00.000Z',
      '2025-01-01T03:00:00.000Z',
    ]);
    expect(none.toRun).toEqual([]);
    expect(missedSlots(spec, last, now, 'latest').toRun.map((s) => iso(s.at))).toEqual(['2025-01-01T03:00:00.000Z']);
    expect(missedSlots(spec, last, now, 'all').toRun).toHaveLength(3);
  });

  it('C05: down from Sunday 23:00 to Monday 07:00 local: the Monday 06:00 slot is the one missed slot', () => {
    const tz = 'America/Chicago';
    const down = Date.parse('2026-06-07T23:00:00-05:00');
    const up = Date.parse('2026-06-08T07:00:00-05:00');
    const result = missedSlots({ cron: '0 6 * * 1', timezone: tz }, down, up, 'latest');
    expect(result.missedCount).toBe(1);
    expect(result.toRun.map((s) => iso(s.at))).toEqual(['2026-06-08T11:00:00.000Z']);
    expect(missedSlots({ cron: '0 6 * * 1', timezone: tz }, down, up, 'none').toRun).toEqual([]);
  });

  it('includes a slot exactly at `now` and excludes one exactly at `lastSlot`', () => {
    const result = missedSlots({ intervalMs: 60_000 }, 0, 180_000, 'all');
    expect(result.missed.map((s) => s.at.getTime())).toEqual([60_000, 120_000, 180_000]);
  });

  it('caps the kept slots at `limit` but counts them all', () => {
    const result = missedSlots({ intervalMs: 1000 }, 0, 10_000, 'all', { limit: 4 });
    expect(result.missedCount).toBe(10);
    expect(result.toRun.map((s) => s.at.getTime())).toEqual([7000, 8000, 9000, 10_000]);
  });

  it('reports DST-gap skips in the window', () => {
    const result = missedSlots(
      { cron: '30 2 * * *', timezone: 'America/New_York', dst: { gap: 'skip', repeat: 'first' } },
      Date.parse('2021-03-13T12:00:00Z'),
      Date.parse('2021-03-15T12:00:00Z'),
      'all',
    );
    expect(result.skipped.map((s) => s.localSlot)).toEqual(['2021-03-14T02:30']);
    expect(result.toRun.map((s) => iso(s.at))).toEqual(['2021-03-15T06:30:00.000Z']);
  });

  it('rejects an unknown catch-up policy, echoing it', () => {
    expect(() => missedSlots(spec, last, now, 'some' as 'all')).toThrow("got `some`");
  });
});
