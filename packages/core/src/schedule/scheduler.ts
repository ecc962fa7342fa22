/**
 * The scheduler: turns stored schedules into `Scheduled` runs at their slots.
 *
 * Everything it knows lives in the {@link Store}: each schedule's definition and its `nextSlot`
 * (the instant it really fires next). Firing a slot is one atomic compare-and-set,
 * {@link Store.claimScheduleSlot}, that advances `nextSlot` and creates the slot's run in the same
 * step, so two processes (or a restart) never fire one slot twice and a crash never fires a slot
 * without its run. The runs are ordinary `Scheduled` runs with `runAt` = the slot; the engine's
 * workers claim them (`claimNextRun` with `lateAfterMs`), so a catch-up run becomes `Late`.
 *
 * Time comes from an injected {@link Clock}, so a `ManualClock` drives it in tests.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import { ErrorCode, FlowError } from '../errors.js';
import type { ScheduleFiredEvent, ScheduleSkipReason, ScheduleSkippedEvent } from '../events.js';
import type { FlowRunRecord, Json, ScheduleRecord, Store } from '../store/types.js';
import { systemClock, type Clock, type TimerHandle } from '../time/clock.js';
import {
  compileDefinition,
  decodeRecord,
  sameTiming,
  toScheduleInfo,
  type ScheduleDefinition,
  type ScheduleInfo,
  type StoredScheduleSpec,
} from './definition.js';
import { preview, type PreviewEntry } from './preview.js';
import { nextSlot, slotEntries, toSkippedSlot, toSlot, type SkippedSlot, type Slot } from './slots.js';
import type { NormalizedScheduleSpec } from './spec.js';

/** Events of a {@link Scheduler} (the engine re-emits them under the same names). */
export interface SchedulerEvents {
  /** A slot fired: its run was created. */
  'schedule:fired': [event: ScheduleFiredEvent];
  /**
   * A slot did not fire: `reason` is `dst-gap` (its local time fell in a DST gap under
   * `gap: 'skip'`), `catchup` (missed, and the catch-up policy does not run it) or `overlap` (the
   * previous run was still going under `overlap: 'skip'`).
   */
  'schedule:skipped': [event: ScheduleSkippedEvent];
  /** A timer-driven tick failed (the store threw); the scheduler keeps going. */
  'schedule:error': [event: { error: unknown; scheduleName?: string; at: number }];
}

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** Where schedules, their slots and the runs they create are stored. Required. */
  store: Store;
  /** Time source and timers. @default systemClock */
  clock?: Clock;
  /**
   * A slot seen more than this many ms after its instant counts as missed (subject to `catchup`)
   * and its run as late; the engine should claim runs with the same `lateAfterMs`.
   * @default 60_000
   */
  lateAfterMs?: number;
  /**
   * How often (ms) the scheduler re-reads the store even when no slot is due, to see schedules
   * added by another process and runs that ended (for `overlap: 'queue'`).
   * @default 60_000
   */
  pollIntervalMs?: number;
  /** At most this many missed slots of one schedule are considered per tick (older ones are skipped). @default 1000 */
  maxCatchup?: number;
  /** Called with each run a slot created, so the engine can start it without polling. @default none */
  onRunCreated?: (run: FlowRunRecord) => void;
  /** Makes run ids. @default crypto.randomUUID */
  newId?: () => string;
}

/** States in which a schedule's previous run still counts as going (for `overlap`). */
const GOING_STATES = ['Scheduled', 'Pending', 'Late', 'Running', 'Retrying'] as const;

type Action = { slot: Slot; kind: 'run' } | { slot: Slot; kind: 'skip'; reason: 'catchup' | 'overlap' };

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new FlowError(
      ErrorCode.InvalidOption,
      `Expected \`${name}\` to be an integer >= 1, got \`${String(value)}\` (${typeof value})`,
      { category: 'validation' },
    );
  }
  return value;
}

/** Runs stored schedules: see the module documentation. */
export class Scheduler extends EventEmitter<SchedulerEvents> {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly lateAfterMs: number;
  private readonly pollIntervalMs: number;
  private readonly maxCatchup: number;
  private readonly onRunCreated: ((run: FlowRunRecord) => void) | undefined;
  private readonly newId: () => string;
  private running = false;
  private timer: TimerHandle | undefined;
  private timerDue: number | undefined;
  private ticking: Promise<void> | undefined;
  private tickAgain = false;
  /** Slots held for `overlap: 'queue'`, by schedule name: not missed, just waiting. */
  private readonly held = new Map<string, number>();

  constructor(options: SchedulerOptions) {
    super();
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.lateAfterMs = options.lateAfterMs ?? 60_000;
    if (!Number.isFinite(this.lateAfterMs) || this.lateAfterMs < 0) {
      throw new FlowError(
        ErrorCode.InvalidOption,
        `Expected \`lateAfterMs\` to be a number >= 0, got \`${String(options.lateAfterMs)}\``,
        { category: 'validation' },
      );
    }
    this.pollIntervalMs = positiveInteger(options.pollIntervalMs ?? 60_000, 'pollIntervalMs');
    this.maxCatchup = positiveInteger(options.maxCatchup ?? 1000, 'maxCatchup');
    this.onRunCreated = options.onRunCreated;
    this.newId = options.newId ?? randomUUID;
  }

  // ------------------------------------------------------------------ definitions

  /**
   * Stores a schedule, or updates the one of that name. A re-registered schedule keeps its stored
   * slots (so a restart neither loses nor repeats one) unless its timing changed.
   */
  async register(definition: ScheduleDefinition): Promise<ScheduleInfo> {
    const { stored, timing } = compileDefinition(definition);
    const now = this.clock.now();
    const existing = await this.store.getSchedule(definition.name);
    let resetSlot = false;
    let next: number | null = nextSlot(timing, now)?.at.getTime() ?? null;
    if (existing !== undefined) {
      const old = tryDecode(existing);
      if (existing.paused && definition.enabled === true) {
        // Enabling a paused schedule resumes it from now, as resume() does.
        resetSlot = true;
      } else if (old !== undefined && sameTiming(old.stored, stored)) {
        next = existing.nextSlot;
      } else {
        // New timing: continue from the last slot handled, so downtime is still caught up.
        resetSlot = true;
        next = nextSlot(timing, existing.lastSlot ?? Math.min(existing.createdAt, now))?.at.getTime() ?? null;
      }
    }
    const record = await this.store.upsertSchedule({
      name: definition.name,
      flowName: definition.flowName,
      spec: stored as unknown as Json,
      nextSlot: next,
      resetSlot,
      ...(definition.enabled === undefined ? {} : { paused: !definition.enabled }),
      now,
    });
    this.wake();
    return toScheduleInfo(record, stored);
  }

  /** A stored schedule, or `undefined`. */
  async get(name: string): Promise<ScheduleInfo | undefined> {
    const record = await this.store.getSchedule(name);
    return record === undefined ? undefined : toScheduleInfo(record, decodeRecord(record).stored);
  }

  /** Every stored schedule, by name. */
  async list(): Promise<ScheduleInfo[]> {
    const records = await this.store.listSchedules();
    return records.map((record) => toScheduleInfo(record, decodeRecord(record).stored));
  }

  /** Pauses a schedule: its slots pass without runs until {@link resume}. */
  async pause(name: string): Promise<ScheduleInfo> {
    const record = await this.store.setSchedulePaused(name, true, this.clock.now());
    if (record === undefined) throw notFound(name);
    this.held.delete(name);
    return toScheduleInfo(record, decodeRecord(record).stored);
  }

  /**
   * Resumes a paused schedule from now on: slots that passed while it was paused are not caught
   * up (pausing means "do not run"), the next slot after now fires.
   */
  async resume(name: string): Promise<ScheduleInfo> {
    const existing = await this.store.getSchedule(name);
    if (existing === undefined) throw notFound(name);
    const { stored, timing } = decodeRecord(existing);
    const now = this.clock.now();
    const record = existing.paused
      ? await this.store.upsertSchedule({
          name,
          flowName: existing.flowName,
          spec: existing.spec,
          nextSlot: nextSlot(timing, now)?.at.getTime() ?? null,
          resetSlot: true,
          paused: false,
          now,
        })
      : existing;
    this.wake();
    return toScheduleInfo(record, stored);
  }

  /** Deletes a schedule (its past runs stay). Returns false when there was none. */
  async remove(name: string): Promise<boolean> {
    this.held.delete(name);
    return this.store.deleteSchedule(name);
  }

  /** The next `n` fire times of a stored schedule from now (or `from`), with DST notes. */
  async preview(name: string, n: number, from?: Date | number): Promise<PreviewEntry[]> {
    const record = await this.store.getSchedule(name);
    if (record === undefined) throw notFound(name);
    return preview(decodeRecord(record).timing, n, from ?? this.clock.now());
  }

  // ------------------------------------------------------------------ running

  /** Starts firing: processes what is due now (catch-up), then follows the clock. */
  async start(): Promise<void> {
    this.running = true;
    await this.tick();
  }

  /** Stops firing and waits for a tick in progress; leaves no timer behind. */
  async stop(): Promise<void> {
    this.running = false;
    this.clearTimer();
    await this.ticking;
  }

  /** Asks for a tick soon (the engine calls it when a scheduled run ends, for `overlap: 'queue'`). */
  poke(): void {
    this.wake();
  }

  /**
   * Processes every slot due now, then (when started) arms a timer for the next one. Ticks never
   * overlap: a tick asked for while one runs happens right after it.
   */
  async tick(): Promise<void> {
    if (this.ticking !== undefined) {
      this.tickAgain = true;
      return this.ticking;
    }
    const run = async (): Promise<void> => {
      try {
        do {
          this.tickAgain = false;
          await this.processAll();
        } while (this.tickAgain);
      } finally {
        await this.arm();
        this.ticking = undefined;
        if (this.tickAgain) this.wake();
      }
    };
    this.ticking = run();
    return this.ticking;
  }

  private wake(): void {
    if (!this.running) return;
    if (this.ticking !== undefined) {
      this.tickAgain = true;
      return;
    }
    this.setTimer(this.clock.now());
  }

  private async processAll(): Promise<void> {
    const records = await this.store.listSchedules();
    for (const record of records) {
      try {
        if (await this.processSchedule(record)) this.tickAgain = true;
      } catch (error) {
        this.emit('schedule:error', { error, scheduleName: record.name, at: this.clock.now() });
      }
    }
  }

  /** Sets the timer for the soonest due slot, or the next poll. */
  private async arm(): Promise<void> {
    if (!this.running) return;
    const now = this.clock.now();
    let due = now + this.pollIntervalMs;
    try {
      for (const record of await this.store.listSchedules()) {
        if (record.paused || record.nextSlot === null || this.held.has(record.name)) continue;
        due = Math.min(due, Math.max(now, record.nextSlot));
      }
    } catch (error) {
      this.emit('schedule:error', { error, at: now });
    }
    this.setTimer(due);
  }

  private setTimer(due: number): void {
    if (!this.running) return;
    if (this.timer !== undefined && this.timerDue !== undefined && this.timerDue <= due) return;
    this.clearTimer();
    this.timerDue = due;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.timerDue = undefined;
      this.tick().catch((error: unknown) => this.emit('schedule:error', { error, at: this.clock.now() }));
    }, Math.max(0, due - this.clock.now()));
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = undefined;
  }

  /** Handles the due slots of one schedule. Returns true when it should be looked at again now. */
  private async processSchedule(record: ScheduleRecord): Promise<boolean> {
    const now = this.clock.now();
    if (record.paused || record.nextSlot === null || record.nextSlot > now) return false;
    const { stored, timing } = decodeRecord(record);
    const { due, forcedSkip } = this.dueSlots(record, timing, now);
    const held = this.held.get(record.name);
    const actions = this.plan(due, stored, now, held);
    const [firstDue] = due;
    if (forcedSkip && firstDue !== undefined) actions[0] = { slot: firstDue, kind: 'skip', reason: 'catchup' };
    let index = 0;
    let startedHere = false;
    while (index < actions.length) {
      const action = actions[index];
      if (action === undefined) break;
      if (action.kind === 'skip') {
        // Consecutive skips are one compare-and-set that jumps over all of them.
        let end = index;
        while (actions[end + 1]?.kind === 'skip') end += 1;
        const group = actions.slice(index, end + 1);
        const following = actions[end + 1]?.slot.at.getTime() ?? this.slotAfter(timing, due, now);
        const claim = await this.store.claimScheduleSlot({
          name: record.name,
          slot: action.slot.at.getTime(),
          nextSlot: following,
          lastSlot: group.at(-1)?.slot.at.getTime() ?? action.slot.at.getTime(),
          now,
        });
        if (!claim.claimed) return true;
        for (const skipped of group) {
          this.emitGapSkips(record, skipped.slot.skippedBefore, now);
          if (skipped.kind === 'skip') this.emitSkipped(record, skipped.slot.at.getTime(), skipped.reason, now);
        }
        index = end + 1;
        continue;
      }
      if (stored.overlap !== 'allow' && (startedHere || (await this.hasGoingRun(record)))) {
        if (stored.overlap === 'queue') {
          this.held.set(record.name, action.slot.at.getTime());
          return false;
        }
        actions[index] = { slot: action.slot, kind: 'skip', reason: 'overlap' };
        continue;
      }
      const slotAt = action.slot.at.getTime();
      const claim = await this.store.claimScheduleSlot({
        name: record.name,
        slot: slotAt,
        nextSlot: actions[index + 1]?.slot.at.getTime() ?? this.slotAfter(timing, due, now),
        now,
        run: {
          id: this.newId(),
          flowName: record.flowName,
          params: stored.params,
          state: 'Scheduled',
          idempotencyKey: `schedule:${record.name}:${new Date(slotAt).toISOString()}`,
          queue: stored.queue,
          priority: stored.priority,
          runAt: slotAt,
          scheduleName: record.name,
          scheduledFor: slotAt,
          now,
          reason: `schedule ${record.name} slot ${action.slot.localSlot}`,
        },
      });
      if (!claim.claimed) return true;
      this.held.delete(record.name);
      startedHere = true;
      this.emitGapSkips(record, action.slot.skippedBefore, now);
      if (claim.run !== undefined) {
        this.emit('schedule:fired', {
          scheduleName: record.name,
          flowName: record.flowName,
          slot: slotAt,
          runId: claim.run.id,
          late: now - slotAt > this.lateAfterMs,
          at: now,
        });
        this.onRunCreated?.(claim.run);
      }
      index += 1;
    }
    return false;
  }

  /**
   * Fire slots from the stored `nextSlot` up to `now` (the most recent `maxCatchup` of them), each
   * with the DST-gap skips since the slot before it. `forcedSkip`: the first one must be skipped
   * (it stands for older slots left out, or for a stored slot the timing no longer has).
   */
  private dueSlots(
    record: ScheduleRecord,
    timing: NormalizedScheduleSpec,
    now: number,
  ): { due: Slot[]; forcedSkip: boolean } {
    const first = record.nextSlot ?? Number.POSITIVE_INFINITY;
    // Read from the last handled slot so DST-gap skips since then are reported with this slot.
    const from = Math.min(record.lastSlot ?? first - 1, first - 1);
    const due: Slot[] = [];
    let pendingSkips: SkippedSlot[] = [];
    let dropped = false;
    for (const entry of slotEntries(timing, from)) {
      if (entry.at > now) break;
      if (entry.kind === 'skip') {
        pendingSkips.push(toSkippedSlot(entry));
        continue;
      }
      if (entry.at < first) {
        pendingSkips = [];
        continue;
      }
      due.push(toSlot(entry, pendingSkips));
      pendingSkips = [];
      if (due.length > this.maxCatchup) {
        due.shift();
        dropped = true;
      }
    }
    if (dropped || due[0]?.at.getTime() !== first) {
      // Slots beyond `maxCatchup` (or a stored slot the timing no longer has) are jumped over by
      // a skip of the stored slot, so the compare-and-set on `nextSlot` still matches.
      due.unshift({ at: new Date(first), localSlot: new Date(first).toISOString(), merged: [], skippedBefore: [] });
      return { due, forcedSkip: true };
    }
    return { due, forcedSkip: false };
  }

  /** Decides, for each due slot, whether it runs (catch-up policy; overlap is checked later). */
  private plan(due: Slot[], stored: StoredScheduleSpec, now: number, held: number | undefined): Action[] {
    const last = due.length - 1;
    return due.map((slot, i): Action => {
      const at = slot.at.getTime();
      const missed = now - at > this.lateAfterMs && at !== held;
      const runs = stored.catchup === 'all' ? true : stored.catchup === 'latest' ? i === last : !missed;
      return runs ? { slot, kind: 'run' } : { slot, kind: 'skip', reason: 'catchup' };
    });
  }

  /** The first fire slot after the due ones (the new stored `nextSlot`). */
  private slotAfter(timing: NormalizedScheduleSpec, due: Slot[], now: number): number | null {
    const lastDue = due.at(-1)?.at.getTime() ?? now;
    return nextSlot(timing, Math.max(lastDue, now))?.at.getTime() ?? null;
  }

  private async hasGoingRun(record: ScheduleRecord): Promise<boolean> {
    const page = await this.store.listRuns({ scheduleName: record.name, state: GOING_STATES, limit: 1 });
    return page.items.length > 0;
  }

  private emitGapSkips(record: ScheduleRecord, skipped: SkippedSlot[], now: number): void {
    for (const gap of skipped) this.emitSkipped(record, gap.at.getTime(), 'dst-gap', now);
  }

  private emitSkipped(record: ScheduleRecord, slot: number, reason: ScheduleSkipReason, now: number): void {
    this.emit('schedule:skipped', { scheduleName: record.name, flowName: record.flowName, slot, reason, at: now });
  }
}

function tryDecode(record: ScheduleRecord): ReturnType<typeof decodeRecord> | undefined {
  try {
    return decodeRecord(record);
  } catch {
    return undefined;
  }
}

function notFound(name: string): FlowError {
  return new FlowError(ErrorCode.NotFound, `No schedule named \`${name}\``, { category: 'validation' });
}
