/**
 * A human check of a schedule: its next fire times in UTC and in local time, with a note wherever
 * the DST policy moved, chose or skipped a slot.
 */
import { normalizeSpec, nextSlots, type AnyScheduleSpec, type Slot } from './slots.js';
import { formatLocal } from './time-zone.js';

/** One upcoming fire time of a schedule. */
export interface PreviewEntry {
  /** The instant it fires, ISO-8601 UTC (`2021-03-14T07:00:00.000Z`). */
  at: string;
  /** The same instant as local time with its offset (`2021-03-14T03:00:00-04:00`). */
  local: string;
  /** The local slot the expression named (`2021-03-14T02:30`); differs from `local` when shifted. */
  localSlot: string;
  /** What the DST policy did to this slot, or to skipped slots just before it; absent otherwise. */
  note?: string;
}

function noteFor(slot: Slot, timeZone: string): string | undefined {
  const notes: string[] = [];
  for (const skipped of slot.skippedBefore) {
    notes.push(`${skipped.localSlot} skipped: it falls in the DST gap (dst.gap 'skip')`);
  }
  const slotTime = slot.localSlot.replace('T', ' ');
  if (slot.dst === 'shifted') {
    notes.push(`${slotTime} does not exist in ${timeZone} (DST gap); runs at the first instant after the gap`);
  } else if (slot.dst === 'first-occurrence') {
    notes.push(`${slotTime} occurs twice in ${timeZone} (DST fall-back); this is the first occurrence`);
  } else if (slot.dst === 'second-occurrence') {
    notes.push(`${slotTime} occurs twice in ${timeZone} (DST fall-back); this is the second occurrence`);
  }
  for (const merged of slot.merged) {
    notes.push(`${merged.replace('T', ' ')} (in the DST gap) runs together with this slot`);
  }
  return notes.length > 0 ? notes.join('; ') : undefined;
}

/**
 * The next `n` fire times of `spec` strictly after `from` (default: now), for a person to check a
 * schedule before trusting it.
 */
export function preview(spec: AnyScheduleSpec, n: number, from: Date | number = Date.now()): PreviewEntry[] {
  const normalized = normalizeSpec(spec);
  const timeZone = normalized.kind === 'cron' ? normalized.timezone : 'UTC';
  return nextSlots(normalized, from, n).map((slot) => {
    const entry: PreviewEntry = {
      at: slot.at.toISOString(),
      local: formatLocal(slot.at.getTime(), timeZone),
      localSlot: slot.localSlot,
    };
    const note = noteFor(slot, timeZone);
    if (note !== undefined) entry.note = note;
    return entry;
  });
}
