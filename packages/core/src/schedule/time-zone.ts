/**
 * Time-zone arithmetic on `Intl` only: UTC offset of an instant, and the UTC instants a local
 * wall-clock time maps to (none in a DST gap, two in a repeated hour).
 *
 * A "wall time" here is a naive number: the local calendar fields encoded as if they were UTC
 * (`Date.UTC(year, month, day, hour, minute, second)`). That keeps wall-clock arithmetic free of
 * DST, so cron matching can run on the wall axis and DST is handled once, in this file.
 */
import { ErrorCode, FlowError } from '../errors.js';
import { describeValue } from '../validate.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      era: 'short',
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

/**
 * Checks that `timeZone` is an IANA time zone this runtime's `Intl` knows, and returns its
 * canonical name. `option` names the option in the error message.
 *
 * @throws FlowError (`INVALID_OPTION`, category `validation`) naming the option and the bad value.
 * @example
 * assertTimeZone('America/Chicago'); // 'America/Chicago'
 * assertTimeZone('America/Chicgo', 'options.timezone'); // throws: Unknown time zone `America/Chicgo` in `options.timezone` ...
 */
export function assertTimeZone(timeZone: unknown, option = 'timezone'): string {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') {
    throw new FlowError(
      ErrorCode.InvalidOption,
      `Expected \`${option}\` to be an IANA time zone such as \`America/Chicago\`, got ${describeValue(timeZone, { quoteStrings: false })}`,
      { category: 'validation' },
    );
  }
  try {
    return formatterFor(timeZone).resolvedOptions().timeZone;
  } catch (error) {
    throw new FlowError(
      ErrorCode.InvalidOption,
      `Unknown time zone \`${timeZone}\` in \`${option}\`: expected an IANA name such as \`America/Chicago\` or \`UTC\``,
      { category: 'validation', cause: error },
    );
  }
}

/**
 * The local clock reading of `instantMs` (epoch ms) in `timeZone`, as a naive wall time: the local
 * calendar fields encoded as if they were UTC. Truncated to whole seconds.
 *
 * @example
 * new Date(wallTimeOf(Date.parse('2024-10-15T20:00:00Z'), 'America/Chicago')).toISOString(); // '2024-10-15T15:00:00.000Z'
 */
export function wallTimeOf(instantMs: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(instantMs));
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let bc = false;
  for (const part of parts) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value);
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      case 'era':
        bc = part.value === 'BC' || part.value === 'B';
        break;
      default:
        break;
    }
  }
  const utc = new Date(0);
  utc.setUTCFullYear(bc ? 1 - year : year, month - 1, day);
  utc.setUTCHours(hour, minute, second, 0);
  return utc.getTime();
}

/**
 * UTC offset of `timeZone` at `instantMs` (epoch ms), in ms: local wall time = instant + offset.
 *
 * @example
 * offsetAt(Date.parse('2025-01-15T12:00:00Z'), 'America/Chicago'); // -21_600_000 (-6 h, CST)
 */
export function offsetAt(instantMs: number, timeZone: string): number {
  const wholeSecond = Math.floor(instantMs / 1000) * 1000;
  return wallTimeOf(wholeSecond, timeZone) - wholeSecond;
}

/** What a wall time maps to in a time zone. */
export type WallResolution =
  /** The wall time exists once. */
  | { kind: 'normal'; instants: [number] }
  /** The wall time occurs twice (fall-back); instants earliest first. */
  | { kind: 'repeat'; instants: [number, number] }
  /** The wall time does not exist (spring-forward); `gapEnd` is the first instant after the gap. */
  | { kind: 'gap'; gapEnd: number };

const DAY_MS = 86_400_000;

/**
 * Maps a naive wall time (see {@link wallTimeOf}) to the UTC instants (epoch ms) at which the local
 * clock of `timeZone` shows it: one, two in a fall-back overlap (earliest first), or none in a
 * spring-forward gap (then `gapEnd`, the first instant after the gap). Offsets are sampled a day
 * either side, so any transition (even a whole skipped day) is seen.
 *
 * @example
 * resolveWallTime(Date.UTC(2024, 2, 10, 2, 30), 'America/Chicago');
 * // { kind: 'gap', gapEnd: Date.parse('2024-03-10T08:00:00Z') }
 */
export function resolveWallTime(wall: number, timeZone: string): WallResolution {
  const candidates = new Set<number>([
    offsetAt(wall - DAY_MS, timeZone),
    offsetAt(wall, timeZone),
    offsetAt(wall + DAY_MS, timeZone),
  ]);
  const instants: number[] = [];
  for (const offset of candidates) {
    const instant = wall - offset;
    if (offsetAt(instant, timeZone) === offset) instants.push(instant);
  }
  instants.sort((a, b) => a - b);
  const [first, second] = instants;
  if (first !== undefined && second !== undefined) return { kind: 'repeat', instants: [first, second] };
  if (first !== undefined) return { kind: 'normal', instants: [first] };
  return { kind: 'gap', gapEnd: gapEndFor(wall, timeZone) };
}

/**
 * The one instant (epoch ms) a naive wall time stands for in `timeZone`, with `Temporal`'s
 * `disambiguation: 'compatible'`: a time in a fall-back overlap maps to the earlier instant, a
 * time in a spring-forward gap maps to the same clock reading shifted forward by the gap (02:30 on
 * a day that jumps from 02:00 to 03:00 is 03:30). Milliseconds are kept.
 *
 * @example
 * new Date(wallTimeToInstant(Date.UTC(2024, 2, 10, 2, 30), 'America/Chicago')).toISOString(); // '2024-03-10T08:30:00.000Z' (03:30 CDT)
 * new Date(wallTimeToInstant(Date.UTC(2024, 10, 3, 1, 30), 'America/Chicago')).toISOString(); // '2024-11-03T06:30:00.000Z' (01:30 CDT)
 */
export function wallTimeToInstant(wall: number, timeZone: string): number {
  const resolved = resolveWallTime(wall, timeZone);
  if (resolved.kind !== 'gap') return resolved.instants[0];
  // Read the clock with the offset in force just before the gap.
  return wall - offsetAt(resolved.gapEnd - 1, timeZone);
}

/**
 * First instant after the gap that swallows `wall`: binary search for the transition between the
 * offset in force before the gap and the one after it.
 */
function gapEndFor(wall: number, timeZone: string): number {
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  // The transition lies between reading the wall time with the new offset and with the old one.
  let low = wall - Math.max(before, after) - 1000;
  let high = wall - Math.min(before, after) + 1000;
  // Invariant: offsetAt(low) is the old offset, offsetAt(high) is not.
  while (offsetAt(low, timeZone) !== before) low -= 3_600_000;
  while (offsetAt(high, timeZone) === before) high += 3_600_000;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (offsetAt(mid, timeZone) === before) low = mid;
    else high = mid;
  }
  return high;
}

function pad(value: number, width = 2): string {
  return String(Math.abs(value)).padStart(width, '0');
}

/** Formats a naive wall time as `YYYY-MM-DDTHH:mm` (with `:ss` when seconds are not zero). */
export function formatWallTime(wall: number): string {
  const d = new Date(wall);
  const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
  return d.getUTCSeconds() === 0 ? `${date}T${time}` : `${date}T${time}:${pad(d.getUTCSeconds())}`;
}

/** Formats an offset in ms as `+hh:mm` / `-hh:mm` (`Z` for zero). */
export function formatOffset(offsetMs: number): string {
  if (offsetMs === 0) return 'Z';
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  return `${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

/** Local time of an instant in `timeZone`, ISO-8601 with its offset: `2021-03-14T03:00:00-04:00`. */
export function formatLocal(instantMs: number, timeZone: string): string {
  const wall = wallTimeOf(instantMs, timeZone);
  const d = new Date(wall);
  const stamp = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return `${stamp}${formatOffset(wall - Math.floor(instantMs / 1000) * 1000)}`;
}

/** Local calendar date (`YYYY-MM-DD`) of an instant in `timeZone`. */
export function localDate(instantMs: number, timeZone: string): string {
  return formatLocal(instantMs, timeZone).slice(0, 10);
}
