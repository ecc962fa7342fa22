/**
 * The state machine shared by flow runs and task runs (SPEC §2.2).
 *
 * ```
 * Scheduled → Pending → Running → (Retrying → Running)* → Completed | Failed | Cancelled | Crashed
 * ```
 * plus `Late` (a scheduled run that started after its slot) and `Skipped` (not run because a
 * dependency failed). `Crashed` is set by recovery only (process died / lease expired), never by a
 * task; a crashed run may be resumed (`Crashed → Pending`).
 */

/** Every state a flow run or task run can be in. */
export const RunState = {
  Scheduled: 'Scheduled',
  Late: 'Late',
  Pending: 'Pending',
  Running: 'Running',
  Retrying: 'Retrying',
  Completed: 'Completed',
  Failed: 'Failed',
  Cancelled: 'Cancelled',
  Crashed: 'Crashed',
  Skipped: 'Skipped',
} as const;
export type RunState = (typeof RunState)[keyof typeof RunState];

/** All states, in lifecycle order. */
export const RUN_STATES: readonly RunState[] = Object.values(RunState);

/**
 * States a run never leaves (a crashed run may still be resumed, so `Crashed` is not here). The
 * one exception: a *task* run that is `Failed` or `Cancelled` re-enters `Retrying` when its flow
 * run retries; flow runs never leave these states.
 */
export const FINAL_STATES: ReadonlySet<RunState> = new Set<RunState>([
  RunState.Completed,
  RunState.Failed,
  RunState.Cancelled,
  RunState.Skipped,
]);

/** States in which a run has ended for now (final states plus `Crashed`). */
export const ENDED_STATES: ReadonlySet<RunState> = new Set<RunState>([
  ...FINAL_STATES,
  RunState.Crashed,
]);

/** States in which a run is in progress and must hold a live lease. */
export const ACTIVE_STATES: ReadonlySet<RunState> = new Set<RunState>([
  RunState.Pending,
  RunState.Late,
  RunState.Running,
  RunState.Retrying,
]);

/** The legal transitions: `from → to[]`. Stores and the engine both enforce these. */
export const TRANSITIONS: Readonly<Record<RunState, readonly RunState[]>> = {
  Scheduled: ['Pending', 'Late', 'Running', 'Cancelled', 'Skipped', 'Failed'],
  Late: ['Pending', 'Running', 'Cancelled', 'Skipped', 'Failed', 'Crashed'],
  Pending: ['Running', 'Completed', 'Failed', 'Cancelled', 'Skipped', 'Crashed'],
  Running: ['Retrying', 'Completed', 'Failed', 'Cancelled', 'Crashed'],
  Retrying: ['Running', 'Failed', 'Cancelled', 'Crashed'],
  Crashed: ['Pending', 'Running', 'Failed', 'Cancelled'],
  Completed: [],
  // A task run that failed or was cancelled re-enters `Retrying` only when its flow run retries.
  Failed: ['Retrying'],
  Cancelled: ['Retrying'],
  Skipped: [],
};

/** True when `from → to` is a legal transition. A `null` `from` (a new record) may enter any state. */
export function canTransition(from: RunState | null, to: RunState): boolean {
  if (from === null) return true;
  return TRANSITIONS[from].includes(to);
}

/** True for `Completed | Failed | Cancelled | Skipped`. */
export function isFinalState(state: RunState): boolean {
  return FINAL_STATES.has(state);
}

/** True for `value` being one of {@link RUN_STATES}. */
export function isRunState(value: unknown): value is RunState {
  return typeof value === 'string' && (RUN_STATES as readonly string[]).includes(value);
}
