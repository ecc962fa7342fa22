/**
 * A schedule as `engine.schedule(flow, options)` takes it, its validation, and the JSON form the
 * scheduler stores in {@link ScheduleRecord.spec}.
 */
import { ErrorCode, FlowError } from '../errors.js';
import { describeValue } from '../validate.js';
import type { Json, ScheduleRecord } from '../store/types.js';
import { CATCHUP_POLICIES, type CatchupPolicy } from './catch-up.js';
import { validateScheduleSpec, type DstPolicy, type NormalizedScheduleSpec, type ScheduleSpec } from './spec.js';

/**
 * What to do when a slot comes while the schedule's previous run is still going:
 * `'skip'` does not run the slot (a `schedule:skipped` event, reason `overlap`), `'queue'` holds
 * the slot and runs it once the previous run has ended, `'allow'` runs it at once alongside.
 */
export type OverlapPolicy = 'skip' | 'queue' | 'allow';

/** The overlap policies, for validation. */
export const OVERLAP_POLICIES: readonly OverlapPolicy[] = ['skip', 'queue', 'allow'];

/** Options of `engine.schedule(flow, options)`: when a flow runs, with which params, and how. */
export interface ScheduleOptions {
  /** Unique name of the schedule; registering the same name again updates it and keeps its slots. Required. */
  name: string;
  /** Cron expression (5 fields, or 6 with seconds first); exclusive with `intervalMs`. @default none (one of `cron` / `intervalMs` is required) */
  cron?: string;
  /** Interval between slots, in ms (integer > 0); exclusive with `cron`. @default none (one of `cron` / `intervalMs` is required) */
  intervalMs?: number;
  /** IANA time zone of a cron expression. @default 'UTC' */
  timezone?: string;
  /** Alignment of interval slots (`anchor + k * intervalMs`), a Date or epoch ms. @default 0 (epoch) */
  anchor?: Date | number;
  /** DST policy of a cron schedule. @default { gap: 'shift', repeat: 'first' } */
  dst?: DstPolicy;
  /** Params each run gets (JSON; validated by the flow's schema when the run starts). @default {} */
  params?: Json;
  /** A slot that comes while the previous run of this schedule is still going. @default 'skip' */
  overlap?: OverlapPolicy;
  /**
   * Slots passed while no scheduler was running (more than `lateAfterMs` overdue when seen):
   * run none, only the latest, or all of them. Their runs are `Late`.
   * @default 'latest'
   */
  catchup?: CatchupPolicy;
  /**
   * `false` stores the schedule paused; `true` (un)pauses it; omitted keeps the stored flag (new
   * schedules start enabled), so a restart does not undo a pause made from the CLI.
   * @default the stored flag (`true` for a new schedule)
   */
  enabled?: boolean;
  /** Work queue of the runs it creates. @default 'default' */
  queue?: string;
  /** Priority of the runs it creates (higher first). @default 0 */
  priority?: number;
}

/** A schedule bound to a flow by name (what the scheduler registers). */
export interface ScheduleDefinition extends ScheduleOptions {
  /** Name of the flow each slot runs. */
  flowName: string;
}

/** A stored schedule, decoded. */
export interface ScheduleInfo {
  name: string;
  flowName: string;
  /** When it fires. */
  spec: ScheduleSpec;
  params: Json;
  overlap: OverlapPolicy;
  catchup: CatchupPolicy;
  queue: string;
  priority: number;
  paused: boolean;
  /** The next slot: the instant the schedule really fires next (`null` when there is none). */
  nextRunAt: Date | null;
  /** The last slot handled (fired or deliberately skipped), or `null`. */
  lastSlotAt: Date | null;
}

/** The JSON the scheduler keeps in `ScheduleRecord.spec`. */
export interface StoredScheduleSpec {
  version: 1;
  cron?: string;
  timezone?: string;
  intervalMs?: number;
  anchor?: number;
  dst: { gap: 'shift' | 'skip'; repeat: 'first' | 'last' | 'both' };
  params: Json;
  overlap: OverlapPolicy;
  catchup: CatchupPolicy;
  queue: string;
  priority: number;
}

function invalid(message: string): FlowError {
  return new FlowError(ErrorCode.InvalidOption, message, { category: 'validation' });
}

function assertJson(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw invalid(`Expected \`${path}\` to be JSON, got ${describeValue(value, { quoteStrings: false })}`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertJson(item, `${path}[${i}]`));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) assertJson(item, `${path}.${key}`);
    return;
  }
  throw invalid(`Expected \`${path}\` to be JSON (plain objects, arrays, strings, finite numbers, booleans, null), got ${describeValue(value, { quoteStrings: false })}`);
}

/**
 * Validates a schedule definition and returns its stored form and its validated timing.
 * @throws FlowError (`INVALID_OPTION`, category `validation`) naming the bad option and value.
 */
export function compileDefinition(definition: ScheduleDefinition): {
  stored: StoredScheduleSpec;
  timing: NormalizedScheduleSpec;
} {
  if (typeof definition !== 'object' || definition === null) {
    throw invalid(`Expected schedule options to be an object, got ${describeValue(definition, { quoteStrings: false })}`);
  }
  const { name, flowName, overlap = 'skip', catchup = 'latest', params = {}, queue = 'default', priority = 0 } = definition;
  if (typeof name !== 'string' || name.trim() === '') {
    throw invalid(`Expected \`name\` to be a non-empty string, got ${describeValue(name, { quoteStrings: false })}`);
  }
  if (typeof flowName !== 'string' || flowName.trim() === '') {
    throw invalid(`Expected \`flowName\` to be a non-empty string, got ${describeValue(flowName, { quoteStrings: false })}`);
  }
  if (!OVERLAP_POLICIES.includes(overlap)) {
    throw invalid(`Expected \`overlap\` to be 'skip', 'queue' or 'allow', got ${describeValue(overlap, { quoteStrings: false })}`);
  }
  if (!CATCHUP_POLICIES.includes(catchup)) {
    throw invalid(`Expected \`catchup\` to be 'none', 'latest' or 'all', got ${describeValue(catchup, { quoteStrings: false })}`);
  }
  if (definition.enabled !== undefined && typeof definition.enabled !== 'boolean') {
    throw invalid(`Expected \`enabled\` to be a boolean, got ${describeValue(definition.enabled, { quoteStrings: false })}`);
  }
  if (typeof queue !== 'string' || queue === '') {
    throw invalid(`Expected \`queue\` to be a non-empty string, got ${describeValue(queue, { quoteStrings: false })}`);
  }
  if (!Number.isInteger(priority)) {
    throw invalid(`Expected \`priority\` to be an integer, got ${describeValue(priority, { quoteStrings: false })}`);
  }
  assertJson(params, 'params');
  const timingInput: Record<string, unknown> = {};
  for (const key of ['cron', 'intervalMs', 'timezone', 'anchor', 'dst'] as const) {
    if (definition[key] !== undefined) timingInput[key] = definition[key];
  }
  if (timingInput['cron'] === undefined && timingInput['timezone'] !== undefined && timingInput['intervalMs'] !== undefined) {
    throw invalid('`timezone` applies to `cron` schedules only; an `intervalMs` schedule counts real elapsed time');
  }
  const timing = validateScheduleSpec(timingInput as unknown as ScheduleSpec);
  const stored: StoredScheduleSpec =
    timing.kind === 'cron'
      ? { version: 1, cron: timing.cron, timezone: timing.timezone, dst: timing.dst, params, overlap, catchup, queue, priority }
      : { version: 1, intervalMs: timing.intervalMs, anchor: timing.anchor, dst: timing.dst, params, overlap, catchup, queue, priority };
  return { stored, timing };
}

/** True when two stored specs fire at the same instants (so the stored slots stay valid). */
export function sameTiming(a: StoredScheduleSpec, b: StoredScheduleSpec): boolean {
  return (
    a.cron === b.cron &&
    a.timezone === b.timezone &&
    a.intervalMs === b.intervalMs &&
    a.anchor === b.anchor &&
    a.dst.gap === b.dst.gap &&
    a.dst.repeat === b.dst.repeat
  );
}

/** Reads the stored spec of a schedule record back. */
export function decodeRecord(record: ScheduleRecord): { stored: StoredScheduleSpec; timing: NormalizedScheduleSpec } {
  const raw = record.spec as unknown as Partial<StoredScheduleSpec> | null;
  if (typeof raw !== 'object' || raw === null || raw.version !== 1) {
    throw new FlowError(
      ErrorCode.InvalidOption,
      `Schedule \`${record.name}\` has a stored spec this version cannot read: ${JSON.stringify(record.spec)}`,
      { category: 'validation' },
    );
  }
  return compileDefinition({ ...(raw as StoredScheduleSpec), name: record.name, flowName: record.flowName });
}

/** The public view of a stored schedule. */
export function toScheduleInfo(record: ScheduleRecord, stored: StoredScheduleSpec): ScheduleInfo {
  const spec: ScheduleSpec =
    stored.cron !== undefined
      ? { cron: stored.cron, timezone: stored.timezone ?? 'UTC', dst: { ...stored.dst } }
      : { intervalMs: stored.intervalMs ?? 0, anchor: stored.anchor ?? 0, dst: { ...stored.dst } };
  return {
    name: record.name,
    flowName: record.flowName,
    spec,
    params: stored.params,
    overlap: stored.overlap,
    catchup: stored.catchup,
    queue: stored.queue,
    priority: stored.priority,
    paused: record.paused,
    nextRunAt: record.nextSlot === null ? null : new Date(record.nextSlot),
    lastSlotAt: record.lastSlot === null ? null : new Date(record.lastSlot),
  };
}
