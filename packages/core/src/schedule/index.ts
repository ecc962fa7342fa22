/**
 * Schedules: cron (IANA time zone, explicit DST policy) and interval specs, their fire times,
 * previews and catch-up. The package entry (`src/index.ts`) re-exports the public names below.
 *
 * @example
 * ```ts
 * import { preview } from '@vms/flow-core';
 *
 * preview({ cron: '0 2 * * *', timezone: 'America/Chicago' }, 3);
 * // [{ at: '2025-03-09T08:00:00.000Z', local: '2025-03-09T03:00:00-05:00',
 * //    localSlot: '2025-03-09T02:00', note: '... DST gap ...' }, ...]
 * ```
 */
export {
  DEFAULT_DST_POLICY,
  validateScheduleSpec,
  type CronScheduleSpec,
  type DstGapPolicy,
  type DstPolicy,
  type DstRepeatPolicy,
  type IntervalScheduleSpec,
  type NormalizedScheduleSpec,
  type ScheduleSpec,
} from './spec.js';
export { nextSlot, nextSlots, type SkippedSlot, type Slot, type SlotDstNote } from './slots.js';
export { missedSlots, type CatchupPolicy, type MissedSlots, type MissedSlotsOptions } from './catch-up.js';
export { preview, type PreviewEntry } from './preview.js';
