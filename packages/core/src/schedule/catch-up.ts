/**
 * Which slots to run after downtime: the slots a schedule passed while nobody was watching, and the
 * catch-up policy that picks among them.
 */
import {
  normalizeSpec,
  slotEntries,
  toSkippedSlot,
  toSlot,
  type AnyScheduleSpec,
  type SkippedSlot,
  type Slot,
} from './slots.js';

/**
 * What to do with slots missed while the process was down (or the scheduler stopped):
 * `'none'` runs none of them, `'latest'` runs only the most recent one, `'all'` runs each.
 * Runs started for missed slots are `Late`.
 */
export type CatchupPolicy = 'none' | 'latest' | 'all';

/** The catch-up policies, for validation. */
export const CATCHUP_POLICIES: readonly CatchupPolicy[] = ['none', 'latest', 'all'];

/** The slots passed between two instants, and those the catch-up policy runs. */
export interface MissedSlots {
  /** Every fire slot in `(lastSlot, now]`, oldest first (the most recent `limit` of them). */
  missed: Slot[];
  /** How many fire slots were passed in total (may exceed `missed.length` when capped). */
  missedCount: number;
  /** The slots the policy says to run, oldest first: none, the latest one, or all of `missed`. */
  toRun: Slot[];
  /** DST-gap slots skipped in that window (`gap: 'skip'`). */
  skipped: SkippedSlot[];
}

/** Options of {@link missedSlots}. */
export interface MissedSlotsOptions {
  /** Keep at most this many of the most recent missed slots (a bound on memory and runs). @default 1000 */
  limit?: number;
}

/**
 * Slots of `spec` strictly after `lastSlot` and at or before `now`, and which to run under
 * `catchup`. `lastSlot` is the last slot already handled (run or deliberately skipped).
 */
export function missedSlots(
  spec: AnyScheduleSpec,
  lastSlot: Date | number,
  now: Date | number,
  catchup: CatchupPolicy,
  options: MissedSlotsOptions = {},
): MissedSlots {
  if (!CATCHUP_POLICIES.includes(catchup)) {
    throw new TypeError(`Expected \`catchup\` to be 'none', 'latest' or 'all', got \`${String(catchup)}\``);
  }
  const limit = options.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new TypeError(`Expected \`limit\` to be an integer >= 1, got \`${String(limit)}\` (${typeof limit})`);
  }
  const nowMs = now instanceof Date ? now.getTime() : now;
  const normalized = normalizeSpec(spec);
  const missed: Slot[] = [];
  const skipped: SkippedSlot[] = [];
  let pendingSkips: SkippedSlot[] = [];
  let missedCount = 0;
  for (const entry of slotEntries(normalized, lastSlot)) {
    if (entry.at > nowMs) break;
    if (entry.kind === 'skip') {
      const skip = toSkippedSlot(entry);
      skipped.push(skip);
      pendingSkips.push(skip);
      continue;
    }
    missedCount += 1;
    missed.push(toSlot(entry, pendingSkips));
    pendingSkips = [];
    if (missed.length > limit) missed.shift();
  }
  const last = missed.at(-1);
  const toRun = catchup === 'all' ? [...missed] : catchup === 'latest' && last !== undefined ? [last] : [];
  return { missed, missedCount, toRun, skipped };
}
