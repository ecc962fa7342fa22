/**
 * What a schedule is: a cron expression in an IANA time zone, or a fixed interval, plus the DST
 * policy. {@link validateScheduleSpec} checks one and returns it normalised with its defaults.
 */
import { Cron } from 'croner';
import { ErrorCode, FlowError } from '../errors.js';
import { describeValue } from '../validate.js';
import { assertTimeZone } from './time-zone.js';

/** How a cron slot whose local time falls in a spring-forward gap is treated. */
export type DstGapPolicy = 'shift' | 'skip';
/** How a cron slot whose local time occurs twice (fall-back) is treated. */
export type DstRepeatPolicy = 'first' | 'last' | 'both';

/**
 * The DST policy of a cron schedule. See `src/schedule/README.md` for the table and examples.
 * Interval schedules ignore it: they count real elapsed time.
 */
export interface DstPolicy {
  /**
   * A slot inside a spring-forward gap (e.g. 02:30 on a day that jumps from 02:00 to 03:00):
   * `'shift'` runs it once, at the first instant after the gap (03:00 local, like ISC/Vixie cron);
   * several slots of the same gap, and a regular slot at that same instant, run once together.
   * `'skip'` does not run it and reports it as skipped (a `schedule:skipped` event, reason
   * `dst-gap`).
   * @default 'shift'
   */
  gap?: DstGapPolicy;
  /**
   * A slot inside a repeated fall-back hour (e.g. 01:30 on a day that goes 01:59 → 01:00):
   * `'first'` runs it once at its first occurrence (the earlier UTC instant), `'last'` once at
   * its second occurrence, `'both'` at each occurrence (twice).
   * @default 'first'
   */
  repeat?: DstRepeatPolicy;
}

/** Fields shared by both kinds of schedule. */
interface ScheduleSpecBase {
  /** DST policy for cron schedules. @default { gap: 'shift', repeat: 'first' } */
  dst?: DstPolicy;
}

/** A cron schedule: wall-clock slots in a time zone. */
export interface CronScheduleSpec extends ScheduleSpecBase {
  /**
   * A 5-field (`minute hour day-of-month month day-of-week`) or 6-field (seconds first) cron
   * expression, or a nickname (`@daily`, `@weekly`, ...). Day-of-month and day-of-week are OR-ed
   * when both are restricted, as in Vixie cron. Parsed and matched by `croner`. Required.
   */
  cron: string;
  /** IANA time zone the expression's wall-clock times are read in. @default 'UTC' */
  timezone?: string;
}

/** An interval schedule: every `intervalMs` of real elapsed time. */
export interface IntervalScheduleSpec extends ScheduleSpecBase {
  /** Time between slots, in ms (an integer > 0). Required. */
  intervalMs: number;
  /**
   * An instant slots are aligned to: slots are `anchor + k * intervalMs`. A `Date` or epoch ms.
   * @default 0 (the Unix epoch, so `intervalMs: 900_000` fires at :00, :15, :30 and :45 UTC)
   */
  anchor?: Date | number;
}

/** When a schedule fires: a cron expression in a time zone, or a fixed interval. */
export type ScheduleSpec = CronScheduleSpec | IntervalScheduleSpec;

/** A validated schedule spec with every default filled in. */
export type NormalizedScheduleSpec =
  | {
      kind: 'cron';
      cron: string;
      timezone: string;
      dst: Required<DstPolicy>;
      /** The parsed expression; matches wall-clock times encoded as UTC. */
      pattern: Cron;
    }
  | { kind: 'interval'; intervalMs: number; anchor: number; dst: Required<DstPolicy> };

/** The DST policy used when a schedule names none. */
export const DEFAULT_DST_POLICY: Readonly<Required<DstPolicy>> = Object.freeze({
  gap: 'shift',
  repeat: 'first',
});

const FIELDS_5 = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const FIELDS_6 = ['second', ...FIELDS_5] as const;

function invalid(message: string, cause?: unknown): FlowError {
  return new FlowError(ErrorCode.InvalidOption, message, {
    category: 'validation',
    ...(cause === undefined ? {} : { cause }),
  });
}

function compileCron(expression: string): Cron {
  return new Cron(expression, { timezone: 'UTC', mode: '5-or-6-parts', domAndDow: false });
}

/**
 * Parses a cron expression. On failure, finds the field at fault by parsing each field alone
 * (the others set to `*`), so the message names it.
 */
export function parseCron(expression: unknown): Cron {
  if (typeof expression !== 'string' || expression.trim() === '') {
    throw invalid(`Expected \`cron\` to be a cron expression such as \`0 2 * * *\`, got ${describeValue(expression, { quoteStrings: false })}`);
  }
  const text = expression.trim();
  try {
    return compileCron(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^CronPattern: /, '') : String(error);
    const parts = text.split(/\s+/);
    if (!text.startsWith('@') && (parts.length === 5 || parts.length === 6)) {
      const names = parts.length === 5 ? FIELDS_5 : FIELDS_6;
      for (const [index, part] of parts.entries()) {
        const probe = parts.map((p, i) => (i === index ? p : '*')).join(' ');
        try {
          compileCron(probe);
        } catch {
          throw invalid(
            `Invalid cron expression \`${text}\`: ${names[index] ?? 'field'} field \`${part}\` is not valid (${reason})`,
            error,
          );
        }
      }
    }
    if (!text.startsWith('@') && parts.length !== 5 && parts.length !== 6) {
      throw invalid(
        `Invalid cron expression \`${text}\`: expected 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first), got ${parts.length}`,
        error,
      );
    }
    throw invalid(`Invalid cron expression \`${text}\`: ${reason}`, error);
  }
}

function normalizeDst(dst: unknown): Required<DstPolicy> {
  if (dst === undefined) return { ...DEFAULT_DST_POLICY };
  if (typeof dst !== 'object' || dst === null) {
    throw invalid(`Expected \`dst\` to be an object like { gap: 'shift', repeat: 'first' }, got ${describeValue(dst, { quoteStrings: false })}`);
  }
  const { gap = DEFAULT_DST_POLICY.gap, repeat = DEFAULT_DST_POLICY.repeat } = dst as DstPolicy;
  if (gap !== 'shift' && gap !== 'skip') {
    throw invalid(`Expected \`dst.gap\` to be 'shift' or 'skip', got ${describeValue(gap, { quoteStrings: false })}`);
  }
  if (repeat !== 'first' && repeat !== 'last' && repeat !== 'both') {
    throw invalid(`Expected \`dst.repeat\` to be 'first', 'last' or 'both', got ${describeValue(repeat, { quoteStrings: false })}`);
  }
  return { gap, repeat };
}

/**
 * Validates a schedule spec and fills in its defaults.
 * @throws FlowError (`INVALID_OPTION`, category `validation`) whose message echoes the bad value.
 */
export function validateScheduleSpec(spec: ScheduleSpec): NormalizedScheduleSpec {
  if (typeof spec !== 'object' || spec === null) {
    throw invalid(`Expected a schedule spec with \`cron\` or \`intervalMs\`, got ${describeValue(spec, { quoteStrings: false })}`);
  }
  const hasCron = 'cron' in spec && spec.cron !== undefined;
  const hasInterval = 'intervalMs' in spec && spec.intervalMs !== undefined;
  if (hasCron && hasInterval) {
    throw invalid('Expected a schedule with either `cron` or `intervalMs`, got both');
  }
  const dst = normalizeDst(spec.dst);
  if (hasCron) {
    const cronSpec = spec as CronScheduleSpec;
    const timezone = cronSpec.timezone === undefined ? 'UTC' : assertTimeZone(cronSpec.timezone);
    const pattern = parseCron(cronSpec.cron);
    if (pattern.nextRun(new Date(Date.UTC(2000, 0, 1))) === null) {
      throw invalid(`Invalid cron expression \`${cronSpec.cron.trim()}\`: it never matches a date (e.g. 30 February)`);
    }
    return { kind: 'cron', cron: cronSpec.cron.trim(), timezone, dst, pattern };
  }
  if (hasInterval) {
    const { intervalMs, anchor = 0 } = spec as IntervalScheduleSpec;
    if (typeof intervalMs !== 'number' || !Number.isInteger(intervalMs) || intervalMs <= 0) {
      throw invalid(`Expected \`intervalMs\` to be an integer > 0 (ms), got ${describeValue(intervalMs, { quoteStrings: false })}`);
    }
    const anchorMs = anchor instanceof Date ? anchor.getTime() : anchor;
    if (typeof anchorMs !== 'number' || !Number.isFinite(anchorMs)) {
      throw invalid(`Expected \`anchor\` to be a valid Date or epoch ms, got ${describeValue(anchor, { quoteStrings: false })}`);
    }
    return { kind: 'interval', intervalMs, anchor: anchorMs, dst };
  }
  throw invalid(`Expected a schedule spec with \`cron\` or \`intervalMs\`, got ${describeValue(spec, { quoteStrings: false })}`);
}
