import { describe, expect, it } from 'vitest';
import { nextSlot, nextSlots, slotEntries } from './slots.js';
import { localDate, wallTimeOf } from './time-zone.js';
import { seededRandom } from '../time/random.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number | Date): string => new Date(ms).toISOString();

/** Fire instants of `cron` in `timezone` within [from, to). */
function firesBetween(spec: Parameters<typeof nextSlots>[0], from: string, to: string): number[] {
  const out: number[] = [];
  const end = Date.parse(to);
  for (const entry of slotEntries(spec, Date.parse(from) - 1)) {
    if (entry.at >= end) break;
    if (entry.kind === 'fire') out.push(entry.at);
  }
  return out;
}

describe('C01: daily job at an unaffected hour on the spring-forward day', () => {
  const spec = { cron: '0 10 * * *', timezone: 'America/Chicago' };

  it('C01: next three runs of `0 10 * * *` from 2025-03-08 09:00 -06:00 are exact, 23 h then 24 h apart', () => {
    const slots = nextSlots(spec, new Date('2025-03-08T09:00:00-06:00'), 3);
    expect(slots.map((s) => iso(s.at))).toEqual([
      '2025-03-08T16:00:00.000Z',
      '2025-03-09T15:00:00.000Z',
      '2025-03-10T15:00:00.000Z',
    ]);
    const [a, b, c] = slots.map((s) => s.at.getTime());
    expect((b ?? 0) - (a ?? 0)).toBe(23 * HOUR);
    expect((c ?? 0) - (b ?? 0)).toBe(24 * HOUR);
    expect(slots.every((s) => s.dst === undefined)).toBe(true);
  });

  it('C01: for every hour H outside 02:xx, `0 H * * *` runs exactly once with local date 2025-03-09', () => {
    for (let hour = 0; hour < 24; hour += 1) {
      if (hour === 2) continue;
      const fires = firesBetween(
        { cron: `0 ${hour} * * *`, timezone: 'America/Chicago' },
        '2025-03-07T00:00:00Z',
        '2025-03-12T00:00:00Z',
      );
      const onDay = fires.filter((at) => localDate(at, 'America/Chicago') === '2025-03-09');
      expect(onDay, `hour ${hour}`).toHaveLength(1);
      expect(wallTimeOf(onDay[0] ?? 0, 'America/Chicago') % DAY, `hour ${hour}`).toBe(hour * HOUR);
    }
  });

  it('C01: the 02:00 slot itself runs once on 2025-03-09, at 03:00 CDT (shift policy)', () => {
    const fires = firesBetween(
      { cron: '0 2 * * *', timezone: 'America/Chicago' },
      '2025-03-08T00:00:00Z',
      '2025-03-11T00:00:00Z',
    );
    expect(fires.map(iso)).toEqual([
      '2025-03-08T08:00:00.000Z',
      '2025-03-09T08:00:00.000Z',
      '2025-03-10T07:00:00.000Z',
    ]);
  });
});

describe('C03: 02:30 at spring-forward, 01:30 at fall-back (America/New_York)', () => {
  const tz = 'America/New_York';

  it('C03 (a) shift: `30 2 * * *` runs once on 2021-03-14, at 07:00Z (03:00 EDT), marked shifted', () => {
    const slots = nextSlots({ cron: '30 2 * * *', timezone: tz }, Date.parse('2021-03-13T00:00:00Z'), 3);
    expect(slots.map((s) => iso(s.at))).toEqual([
      '2021-03-13T07:30:00.000Z',
      '2021-03-14T07:00:00.000Z',
      '2021-03-15T06:30:00.000Z',
    ]);
    expect(slots[1]?.dst).toBe('shifted');
    expect(slots[1]?.localSlot).toBe('2021-03-14T02:30');
  });

  it('C03 (a) skip: no run on 2021-03-14, and the slot is reported as skipped for the DST gap', () => {
    const slots = nextSlots(
      { cron: '30 2 * * *', timezone: tz, dst: { gap: 'skip', repeat: 'first' } },
      Date.parse('2021-03-13T12:00:00Z'),
      1,
    );
    expect(iso(slots[0]?.at ?? 0)).toBe('2021-03-15T06:30:00.000Z');
    expect(slots[0]?.skippedBefore).toEqual([
      { localSlot: '2021-03-14T02:30', at: new Date('2021-03-14T07:00:00Z'), reason: 'dst-gap' },
    ]);
  });

  it('C03 (b) first (default): `30 1 * * *` runs once on 2021-11-07, at 05:30Z; next at 2021-11-08T06:30Z', () => {
    const slots = nextSlots({ cron: '30 1 * * *', timezone: tz }, Date.parse('2021-11-06T12:00:00Z'), 2);
    expect(slots.map((s) => iso(s.at))).toEqual(['2021-11-07T05:30:00.000Z', '2021-11-08T06:30:00.000Z']);
    expect(slots[0]?.dst).toBe('first-occurrence');
  });

  it('C03 (b) last and both: second occurrence only, or each occurrence', () => {
    const last = nextSlots(
      { cron: '30 1 * * *', timezone: tz, dst: { gap: 'shift', repeat: 'last' } },
      Date.parse('2021-11-06T12:00:00Z'),
      2,
    );
    expect(last.map((s) => iso(s.at))).toEqual(['2021-11-07T06:30:00.000Z', '2021-11-08T06:30:00.000Z']);
    expect(last[0]?.dst).toBe('second-occurrence');
    const both = nextSlots(
      { cron: '30 1 * * *', timezone: tz, dst: { gap: 'shift', repeat: 'both' } },
      Date.parse('2021-11-06T12:00:00Z'),
      3,
    );
    expect(both.map((s) => iso(s.at))).toEqual([
      '2021-11-07T05:30:00.000Z',
      '2021-11-07T06:30:00.000Z',
      '2021-11-08T06:30:00.000Z',
    ]);
  });

  it('C03: asking from inside the repeated hour gives the same instants as asking before it', () => {
    const spec = { cron: '30 1 * * *', timezone: tz, dst: { gap: 'shift' as const, repeat: 'last' as const } };
    // 01:45 EDT, between the two 01:30s: the `last` slot (06:30Z) is still ahead.
    expect(iso(nextSlot(spec, Date.parse('2021-11-07T05:45:00Z'))?.at ?? 0)).toBe('2021-11-07T06:30:00.000Z');
    // Default `first`: 05:30Z has passed and the repeat is not run.
    expect(iso(nextSlot({ cron: '30 1 * * *', timezone: tz }, Date.parse('2021-11-07T05:45:00Z'))?.at ?? 0)).toBe(
      '2021-11-08T06:30:00.000Z',
    );
  });
});

describe('C05: next run of a weekly day-of-week schedule', () => {
  it('C05: from Tuesday 2026-06-02 12:00 local, `0 6 * * 1` is Monday 2026-06-08 06:00 local', () => {
    const tz = 'America/Chicago';
    const slot = nextSlot({ cron: '0 6 * * 1', timezone: tz }, new Date('2026-06-02T12:00:00-05:00'));
    expect(iso(slot?.at ?? 0)).toBe('2026-06-08T11:00:00.000Z');
    const sunday = nextSlot({ cron: '0 6 * * 0', timezone: tz }, new Date('2026-06-02T12:00:00-05:00'));
    expect(iso(sunday?.at ?? 0)).toBe('2026-06-07T11:00:00.000Z');
    // croner issue #54's input: `0 0 * * sun` from 2022-02-17 is 2022-02-20, not 2023-01-01.
    expect(iso(nextSlot({ cron: '0 0 * * sun' }, Date.parse('2022-02-17T00:00:00Z'))?.at ?? 0)).toBe(
      '2022-02-20T00:00:00.000Z',
    );
  });

  it('C05: property over 2,000 seeded random instants: T < next <= T + 7 d, a Monday (Sunday) at 06:00 local', () => {
    const random = seededRandom(20260602);
    const zones = ['America/Chicago', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'UTC'];
    const start = Date.parse('2020-01-01T00:00:00Z');
    const span = Date.parse('2035-01-01T00:00:00Z') - start;
    for (let i = 0; i < 2000; i += 1) {
      const tz = zones[i % zones.length] ?? 'UTC';
      const t = start + Math.floor(random() * span);
      const weekday = i % 2 === 0 ? 1 : 0;
      const next = nextSlot({ cron: `0 6 * * ${weekday}`, timezone: tz }, t)?.at.getTime() ?? Number.NaN;
      const context = `${tz} from ${iso(t)} -> ${Number.isNaN(next) ? 'none' : iso(next)}`;
      expect(next > t, context).toBe(true);
      expect(next <= t + 7 * DAY, context).toBe(true);
      const wall = new Date(wallTimeOf(next, tz));
      expect(wall.getUTCDay(), context).toBe(weekday);
      expect([wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds()], context).toEqual([6, 0, 0]);
    }
  });
});

describe('sub-daily crons across DST', () => {
  const tz = 'America/New_York';

  function gaps(instants: number[]): number[] {
    return instants.slice(1).map((at, i) => at - (instants[i] ?? 0));
  }

  it('`*/30 * * * *` over spring-forward: no duplicates, every gap 30 min, the gap slots merged into 03:00', () => {
    const fires = firesBetween({ cron: '*/30 * * * *', timezone: tz }, '2021-03-13T12:00:00Z', '2021-03-15T12:00:00Z');
    expect(new Set(fires).size).toBe(fires.length);
    expect(Math.max(...gaps(fires))).toBe(30 * 60_000);
    expect(Math.min(...gaps(fires))).toBe(30 * 60_000);
    // 48 h of real time minus the missing hour's two half-hours, which ran merged at 03:00 EDT.
    expect(fires).toHaveLength(96);
    const atGapEnd = nextSlot({ cron: '*/30 * * * *', timezone: tz }, Date.parse('2021-03-14T06:59:00Z'));
    expect(iso(atGapEnd?.at ?? 0)).toBe('2021-03-14T07:00:00.000Z');
    expect(atGapEnd?.localSlot).toBe('2021-03-14T03:00');
    expect(atGapEnd?.merged).toEqual(['2021-03-14T02:00', '2021-03-14T02:30']);
  });

  it('`*/30 * * * *` over fall-back: no duplicates; `first` leaves one 90 min hole, `both` none', () => {
    const first = firesBetween({ cron: '*/30 * * * *', timezone: tz }, '2021-11-06T12:00:00Z', '2021-11-08T12:00:00Z');
    expect(new Set(first).size).toBe(first.length);
    const firstGaps = gaps(first);
    expect(Math.max(...firstGaps)).toBe(90 * 60_000);
    expect(firstGaps.filter((g) => g !== 30 * 60_000)).toEqual([90 * 60_000]);
    const both = firesBetween(
      { cron: '*/30 * * * *', timezone: tz, dst: { gap: 'shift', repeat: 'both' } },
      '2021-11-06T12:00:00Z',
      '2021-11-08T12:00:00Z',
    );
    expect(new Set(both).size).toBe(both.length);
    expect(new Set(gaps(both))).toEqual(new Set([30 * 60_000]));
    expect(both).toHaveLength(96);
  });

  it('`15 * * * *` with gap skip reports 02:15 as skipped and never runs twice at one instant', () => {
    const entries = [...takeWhile(slotEntries({ cron: '15 * * * *', timezone: tz, dst: { gap: 'skip', repeat: 'both' } }, Date.parse('2021-03-14T05:00:00Z')), Date.parse('2021-03-14T09:00:00Z'))];
    expect(entries.map((e) => `${e.kind}@${iso(e.at)}`)).toEqual([
      'fire@2021-03-14T05:15:00.000Z',
      'fire@2021-03-14T06:15:00.000Z',
      'skip@2021-03-14T07:00:00.000Z',
      'fire@2021-03-14T07:15:00.000Z',
      'fire@2021-03-14T08:15:00.000Z',
    ]);
  });

  it('a zone with a 30-minute DST shift (Australia/Lord_Howe): 02:15 shifts to 02:30 on the spring day', () => {
    // Lord Howe goes from +10:30 to +11:00 at 02:00 local on 2024-10-06.
    const slot = nextSlot({ cron: '15 2 * * *', timezone: 'Australia/Lord_Howe' }, Date.parse('2024-10-05T12:00:00Z'));
    expect(slot?.dst).toBe('shifted');
    expect(iso(slot?.at ?? 0)).toBe('2024-10-05T15:30:00.000Z');
  });

  it('a skipped calendar day (Pacific/Apia, 2011-12-30 never happened) shifts to the first instant after', () => {
    const slot = nextSlot({ cron: '0 12 30 12 *', timezone: 'Pacific/Apia' }, Date.parse('2011-12-01T00:00:00Z'));
    expect(slot?.dst).toBe('shifted');
    expect(iso(slot?.at ?? 0)).toBe('2011-12-30T10:00:00.000Z');
  });
});

describe('one stream per spec', () => {
  it('property: reading from any instant gives the same ordered, duplicate-free slots as reading from before it', () => {
    const random = seededRandom(7);
    const cases = [
      { cron: '*/20 * * * *', timezone: 'America/New_York', dst: { gap: 'shift' as const, repeat: 'both' as const } },
      { cron: '30 1,2 * * *', timezone: 'Europe/Berlin', dst: { gap: 'skip' as const, repeat: 'last' as const } },
      { cron: '0 * * * *', timezone: 'Australia/Lord_Howe', dst: { gap: 'shift' as const, repeat: 'both' as const } },
    ];
    // Windows of 4 days around the 2024 transitions of each zone.
    const windows = [
      ['2024-03-08T00:00:00Z', '2024-11-01T00:00:00Z'],
      ['2024-03-29T00:00:00Z', '2024-10-25T00:00:00Z'],
      ['2024-04-05T00:00:00Z', '2024-10-04T00:00:00Z'],
    ];
    cases.forEach((spec, i) => {
      for (const startText of windows[i] ?? []) {
        const start = Date.parse(startText);
        const all = [...takeWhile(slotEntries(spec, start), start + 4 * DAY)];
        const instants = all.map((e) => `${e.kind}@${e.at}`);
        expect(new Set(instants).size, spec.timezone).toBe(instants.length);
        expect(all.every((e, k) => k === 0 || (all[k - 1]?.at ?? 0) <= e.at), spec.timezone).toBe(true);
        const fires = all.filter((e) => e.kind === 'fire').map((e) => e.at);
        for (let k = 0; k < 200; k += 1) {
          const t = start + Math.floor(random() * 3 * DAY);
          const expected = fires.find((at) => at > t);
          expect(nextSlot(spec, t)?.at.getTime(), `${spec.timezone} from ${iso(t)}`).toBe(expected);
        }
      }
    });
  });
});

describe('interval schedules', () => {
  it('fire every intervalMs from the anchor, regardless of time zone and DST', () => {
    const slots = nextSlots({ intervalMs: 15 * 60_000 }, Date.parse('2021-03-14T06:50:00Z'), 3);
    expect(slots.map((s) => iso(s.at))).toEqual([
      '2021-03-14T07:00:00.000Z',
      '2021-03-14T07:15:00.000Z',
      '2021-03-14T07:30:00.000Z',
    ]);
    const anchored = nextSlots({ intervalMs: 7 * 60_000, anchor: new Date('2025-01-01T00:00:03Z') }, Date.parse('2025-01-01T00:00:03Z'), 2);
    expect(anchored.map((s) => iso(s.at))).toEqual(['2025-01-01T00:07:03.000Z', '2025-01-01T00:14:03.000Z']);
  });

  it('`after` exactly on a slot returns the one after it (strictly after)', () => {
    expect(iso(nextSlot({ intervalMs: 60_000 }, Date.parse('2025-01-01T00:01:00Z'))?.at ?? 0)).toBe(
      '2025-01-01T00:02:00.000Z',
    );
    expect(iso(nextSlot({ cron: '0 2 * * *' }, Date.parse('2025-01-01T02:00:00Z'))?.at ?? 0)).toBe(
      '2025-01-02T02:00:00.000Z',
    );
  });
});

function* takeWhile<T extends { at: number }>(entries: Iterable<T>, before: number): Generator<T> {
  for (const entry of entries) {
    if (entry.at >= before) return;
    yield entry;
  }
}
