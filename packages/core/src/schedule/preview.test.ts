import { describe, expect, it } from 'vitest';
import { preview } from './preview.js';

describe('preview', () => {
  it('lists fire times in UTC and local time, with a DST note on the shifted slot', () => {
    const entries = preview({ cron: '30 2 * * *', timezone: 'America/New_York' }, 3, Date.parse('2021-03-13T00:00:00Z'));
    expect(entries).toEqual([
      { at: '2021-03-13T07:30:00.000Z', local: '2021-03-13T02:30:00-05:00', localSlot: '2021-03-13T02:30' },
      {
        at: '2021-03-14T07:00:00.000Z',
        local: '2021-03-14T03:00:00-04:00',
        localSlot: '2021-03-14T02:30',
        note: '2021-03-14 02:30 does not exist in America/New_York (DST gap); runs at the first instant after the gap',
      },
      { at: '2021-03-15T06:30:00.000Z', local: '2021-03-15T02:30:00-04:00', localSlot: '2021-03-15T02:30' },
    ]);
  });

  it('notes the repeated hour and skipped slots', () => {
    const fall = preview({ cron: '30 1 * * *', timezone: 'America/New_York' }, 1, Date.parse('2021-11-06T12:00:00Z'));
    expect(fall[0]?.note).toContain('occurs twice in America/New_York (DST fall-back); this is the first occurrence');
    const skip = preview(
      { cron: '30 2 * * *', timezone: 'America/New_York', dst: { gap: 'skip', repeat: 'first' } },
      1,
      Date.parse('2021-03-13T12:00:00Z'),
    );
    expect(skip[0]?.at).toBe('2021-03-15T06:30:00.000Z');
    expect(skip[0]?.note).toBe("2021-03-14T02:30 skipped: it falls in the DST gap (dst.gap 'skip')");
  });

  it('rejects an invalid spec before listing anything', () => {
    expect(() => preview({ cron: '0 2 * * *', timezone: 'Nowhere/Land' }, 3)).toThrow('Unknown time zone `Nowhere/Land`');
  });
});
