/**
 * Schedule math: the fire instants of a schedule, with the DST policy applied.
 *
 * Cron expressions are matched by `croner` on the *wall-clock axis* (local calendar fields encoded
 * as UTC, so there is no DST there); each matching wall time is then mapped to UTC instants by
 * {@link resolveWallTime} and the schedule's DST policy decides which instants fire. The result
 * is one fixed, ordered stream of entries per spec; `after` only says where to start reading it,
 * so the same slot always has the same instant, whoever asks and whenever.
 */
import { formatWallTime, offsetAt, resolveWallTime, wallTimeOf } from './time-zone.js';
import { validateScheduleSpec, type NormalizedScheduleSpec, type ScheduleSpec } from './spec.js';

/** How the DST policy touched a slot. */
export type SlotDstNote =
  /** The slot's local time fell in a spring-forward gap; it fires at the first instant after it. */
  | 'shifted'
  /** The slot's local time occurs twice; this is its first occurrence. */
  | 'first-occurrence'
  /** The slot's local time occurs twice; this is its second occurrence. */
  | 'second-occurrence';

/** A slot that does not fire because its local time fell in a DST gap (policy `gap: 'skip'`). */
export interface SkippedSlot {
  /** The local wall-clock time the expression named, `YYYY-MM-DDTHH:mm`. */
  localSlot: string;
  /** The first instant after the gap: where `gap: 'shift'` would have fired it. */
  at: Date;
  /** Why it does not fire. */
  reason: 'dst-gap';
}

/** One fire time of a schedule. */
export interface Slot {
  /** The instant it fires. */
  at: Date;
  /**
   * The local wall-clock time the expression named, `YYYY-MM-DDTHH:mm` (`:ss` when not zero).
   * For interval schedules, the UTC time.
   */
  localSlot: string;
  /** Set when the DST policy moved or chose this slot's instant. */
  dst?: SlotDstNote;
  /** Other local slots that fire together with this one at the same instant (gap shift). */
  merged: string[];
  /** Slots skipped (`gap: 'skip'`) after the previous slot and before this one. */
  skippedBefore: SkippedSlot[];
}

/** One entry of a schedule's stream: a slot that fires, or one skipped by the DST policy. */
export type SlotEntry =
  | { kind: 'fire'; at: number; wall: number; dst?: SlotDstNote; merged: number[] }
  | { kind: 'skip'; at: number; wall: number; reason: 'dst-gap' };

/** A spec as given, or already validated. */
export type AnyScheduleSpec = ScheduleSpec | NormalizedScheduleSpec;

/** Validates a spec unless it already is a validated one. */
export function normalizeSpec(spec: AnyScheduleSpec): NormalizedScheduleSpec {
  return 'kind' in spec ? spec : validateScheduleSpec(spec);
}

function toMs(value: Date | number, name: string): number {
  const ms = value instanceof Date ? value.getTime() : value;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new TypeError(`Expected \`${name}\` to be a valid Date or epoch ms, got \`${String(value)}\``);
  }
  return ms;
}

const DAY_MS = 86_400_000;

/**
 * How far (ms) the UTC offset of `timeZone` strays from its value at `instant` within two days
 * either side: 0 away from transitions, the DST shift (usually 1 h) near one. Wall times are read
 * this far ahead before an entry is emitted, so entries come out in instant order even when a
 * repeated hour or a gap shift makes later wall times fire earlier.
 */
function offsetSpread(instant: number, timeZone: string): number {
  const here = offsetAt(instant, timeZone);
  let spread = 0;
  for (const delta of [-2 * DAY_MS, -DAY_MS, DAY_MS, 2 * DAY_MS]) {
    spread = Math.max(spread, Math.abs(offsetAt(instant + delta, timeZone) - here));
  }
  return spread;
}

/** Entries of one wall time, by the DST policy. */
function entriesForWall(wall: number, spec: Extract<NormalizedScheduleSpec, { kind: 'cron' }>): SlotEntry[] {
  const resolved = resolveWallTime(wall, spec.timezone);
  switch (resolved.kind) {
    case 'normal':
      return [{ kind: 'fire', at: resolved.instants[0], wall, merged: [] }];
    case 'gap':
      return spec.dst.gap === 'shift'
        ? [{ kind: 'fire', at: resolved.gapEnd, wall, dst: 'shifted', merged: [] }]
        : [{ kind: 'skip', at: resolved.gapEnd, wall, reason: 'dst-gap' }];
    case 'repeat': {
      const [first, second] = resolved.instants;
      const entries: SlotEntry[] = [];
      if (spec.dst.repeat !== 'last') entries.push({ kind: 'fire', at: first, wall, dst: 'first-occurrence', merged: [] });
      if (spec.dst.repeat !== 'first') entries.push({ kind: 'fire', at: second, wall, dst: 'second-occurrence', merged: [] });
      return entries;
    }
  }
}

function compareEntries(a: SlotEntry, b: SlotEntry): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.kind !== b.kind) return a.kind === 'skip' ? -1 : 1;
  return a.wall - b.wall;
}

/** Merges fire entries that share an instant into one (a shifted slot and a real one, say). */
function mergeFires(fires: Extract<SlotEntry, { kind: 'fire' }>[]): Extract<SlotEntry, { kind: 'fire' }> {
  // The primary is a slot that really has this local time, else the earliest shifted one.
  const primary = fires.find((f) => f.dst !== 'shifted') ?? fires[0];
  if (primary === undefined) throw new Error('mergeFires needs at least one entry');
  const merged = fires.filter((f) => f !== primary).map((f) => f.wall);
  return { ...primary, merged: [...primary.merged, ...merged] };
}

function* cronEntries(
  spec: Extract<NormalizedScheduleSpec, { kind: 'cron' }>,
  after: number,
): Generator<SlotEntry> {
  // A wall time earlier than `after`'s own can still fire after it when the offset drops (fall-back).
  let wallCursor = wallTimeOf(after, spec.timezone) - offsetSpread(after, spec.timezone) - 1000;
  let exhausted = false;
  const buffer: SlotEntry[] = [];
  /** Whether no wall time still to be read can fire before `entry`. */
  const settled = (entry: SlotEntry): boolean => wallCursor >= entry.wall + offsetSpread(entry.at, spec.timezone);
  for (;;) {
    while (!exhausted && (buffer[0] === undefined || !settled(buffer[0]))) {
      const next = spec.pattern.nextRun(new Date(wallCursor));
      if (next === null) {
        exhausted = true;
        break;
      }
      wallCursor = next.getTime();
      for (const entry of entriesForWall(wallCursor, spec)) {
        if (entry.at > after) buffer.push(entry);
      }
      buffer.sort(compareEntries);
    }
    const head = buffer[0];
    if (head === undefined) return;
    const sameInstant: SlotEntry[] = [];
    while (buffer[0] !== undefined && buffer[0].at === head.at) {
      const entry = buffer.shift();
      if (entry !== undefined) sameInstant.push(entry);
    }
    const fires: Extract<SlotEntry, { kind: 'fire' }>[] = [];
    for (const entry of sameInstant) {
      if (entry.kind === 'skip') yield entry;
      else fires.push(entry);
    }
    if (fires.length > 0) yield mergeFires(fires);
  }
}

function* intervalEntries(
  spec: Extract<NormalizedScheduleSpec, { kind: 'interval' }>,
  after: number,
): Generator<SlotEntry> {
  let k = Math.floor((after - spec.anchor) / spec.intervalMs) + 1;
  for (;;) {
    const at = spec.anchor + k * spec.intervalMs;
    if (at > after) yield { kind: 'fire', at, wall: at, merged: [] };
    k += 1;
  }
}

/**
 * The ordered stream of a schedule's entries strictly after `after`: fires, and (with
 * `gap: 'skip'`) skipped DST-gap slots. Entries at one instant come skips first.
 */
export function slotEntries(spec: AnyScheduleSpec, after: Date | number): Generator<SlotEntry> {
  const normalized = normalizeSpec(spec);
  const afterMs = toMs(after, 'after');
  return normalized.kind === 'cron' ? cronEntries(normalized, afterMs) : intervalEntries(normalized, afterMs);
}

/** Converts a fire entry to its public form. */
export function toSlot(entry: Extract<SlotEntry, { kind: 'fire' }>, skipped: SkippedSlot[]): Slot {
  const slot: Slot = {
    at: new Date(entry.at),
    localSlot: formatWallTime(entry.wall),
    merged: entry.merged.map(formatWallTime),
    skippedBefore: skipped,
  };
  if (entry.dst !== undefined) slot.dst = entry.dst;
  return slot;
}

/** Converts a skip entry to its public form. */
export function toSkippedSlot(entry: Extract<SlotEntry, { kind: 'skip' }>): SkippedSlot {
  return { localSlot: formatWallTime(entry.wall), at: new Date(entry.at), reason: entry.reason };
}

/**
 * The next `n` fire times of a schedule strictly after `after`, with the DST policy applied.
 * Slots the policy skips are reported on the slot that follows them (`skippedBefore`).
 * Returns fewer than `n` only when the expression has no more matches.
 */
export function nextSlots(spec: AnyScheduleSpec, after: Date | number, n: number): Slot[] {
  if (!Number.isInteger(n) || n < 0) {
    throw new TypeError(`Expected \`n\` to be an integer >= 0, got \`${String(n)}\` (${typeof n})`);
  }
  const slots: Slot[] = [];
  if (n === 0) return slots;
  let skipped: SkippedSlot[] = [];
  for (const entry of slotEntries(spec, after)) {
    if (entry.kind === 'skip') {
      skipped.push(toSkippedSlot(entry));
      continue;
    }
    slots.push(toSlot(entry, skipped));
    skipped = [];
    if (slots.length >= n) break;
  }
  return slots;
}

/** The next fire time strictly after `after`, or `undefined` when the expression has no more. */
export function nextSlot(spec: AnyScheduleSpec, after: Date | number): Slot | undefined {
  return nextSlots(spec, after, 1)[0];
}
