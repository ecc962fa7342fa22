/**
 * Schedules: cron (IANA time zone, explicit DST policy) and interval specs, their fire times,
 * previews, catch-up, and the {@link Scheduler} that fires stored schedules. The package entry
 * (`src/index.ts`) re-exports the public names below.
 *
 * @example
 * ```ts
 * import { preview } from '@vms/flow-core';
 *
 * preview({ cron: '0 2 * * *', timezone: 'America/Chicago' }, 3, new Date('2025-03-08T12:00:00Z'));
 * // [ { at: '2025-03-09T08:00:00.000Z', local: '2025-03-09T03:00:00-05:00', localSlot: '2025-03-09T02:00',
 * //     note: '2025-03-09 02:00 does not exist in America/Chicago (DST gap); runs at the first instant after the gap' },
 * //   { at: '2025-03-10T07:00:00.000Z', local: '2025-03-10T02:00:00-05:00', localSlot: '2025-03-10T02:00' }, ... ]
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
export {
  OVERLAP_POLICIES,
  type OverlapPolicy,
  type ScheduleDefinition,
  type ScheduleInfo,
  type ScheduleOptions,
} from './definition.js';
export { Scheduler, type SchedulerEvents, type SchedulerOptions } from './scheduler.js';
export {
  assertTimeZone,
  offsetAt,
  resolveWallTime,
  wallTimeOf,
  wallTimeToInstant,
  type WallResolution,
} from './time-zone.js';
