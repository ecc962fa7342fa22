/**
 * {@link engineControl}: a {@link RunnerControl} over a real `@vms/flow-core` engine, its queue
 * and its schedules — what `createRunner()` passes to `createHttpServer`.
 */
import { NotFoundError, type Engine, type Flow, type Json, type ScheduleInfo, type Store } from '@vms/flow-core';
import type { CancelResult, RunnerControl, ScheduleControl, ScheduleView, TriggerableFlow } from './control.js';

/** A flow the runner offers for triggering, with optional dashboard hints. */
export interface ControlledFlow {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  flow: Flow<any, any>;
  /** One line for the dashboard's trigger form. @default none */
  description?: string;
  /** Params pre-filled in the dashboard's trigger form. @default {} */
  exampleParams?: Json;
}

/** Options of {@link engineControl}. */
export interface EngineControlOptions {
  engine: Engine;
  /** The runner's store (to report a run's state after a cancel). */
  store: Store;
  /** Flows that may be triggered. */
  flows: readonly ControlledFlow[];
  /** Offer the engine's schedules (`engine.listSchedules`, pause, resume, preview). @default true */
  schedules?: boolean;
  /** Queue of triggered runs (a worker of `engine.work()` must claim from it). @default the flow's queue */
  queue?: string;
}

function scheduleView(info: ScheduleInfo): ScheduleView {
  const spec = info.spec as { cron?: string; timezone?: string; intervalMs?: number; dst?: { gap: string; repeat: string } };
  return {
    name: info.name,
    flowName: info.flowName,
    spec: {
      ...(spec.cron === undefined ? {} : { cron: spec.cron }),
      ...(spec.timezone === undefined ? {} : { timezone: spec.timezone }),
      ...(spec.intervalMs === undefined ? {} : { intervalMs: spec.intervalMs }),
      ...(spec.dst === undefined ? {} : { dst: spec.dst }),
    },
    paused: info.paused,
    nextRunAt: info.nextRunAt,
    lastSlotAt: info.lastSlotAt,
  };
}

function isNotFound(error: unknown): boolean {
  return error instanceof NotFoundError || (error as { code?: unknown } | null)?.code === 'NOT_FOUND';
}

/**
 * Wraps an engine for the HTTP layer. `trigger` queues the run with `engine.enqueue` (stored
 * `Scheduled`) and returns its id at once; a queue worker (`engine.work()`) claims and executes
 * it — in this process or in any other sharing the store.
 */
export function engineControl(options: EngineControlOptions): RunnerControl {
  const { engine, store } = options;
  const byName = new Map(options.flows.map((f) => [f.flow.name, f]));
  const flows: TriggerableFlow[] = options.flows.map((f) => ({
    name: f.flow.name,
    ...(f.description === undefined ? {} : { description: f.description }),
    ...(f.flow.params === undefined ? {} : { params: f.flow.params }),
    ...(f.exampleParams === undefined ? {} : { exampleParams: f.exampleParams }),
  }));
  const schedules: ScheduleControl | undefined =
    options.schedules === false
      ? undefined
      : {
          list: async () => (await engine.listSchedules()).map(scheduleView),
          pause: async (name) => {
            try {
              return scheduleView(await engine.pauseSchedule(name));
            } catch (error) {
              if (isNotFound(error) || (await engine.getSchedule(name)) === undefined) return undefined;
              throw error;
            }
          },
          resume: async (name) => {
            try {
              return scheduleView(await engine.resumeSchedule(name));
            } catch (error) {
              if (isNotFound(error) || (await engine.getSchedule(name)) === undefined) return undefined;
              throw error;
            }
          },
          preview: (name, n) => engine.preview(name, n),
        };
  return {
    flows: () => flows,
    async trigger(flowName, params, triggerOptions = {}) {
      const entry = byName.get(flowName);
      if (entry === undefined) throw new NotFoundError(`No flow \`${flowName}\``);
      const { runId } = await engine.enqueue(entry.flow, params, {
        ...(options.queue === undefined ? {} : { queue: options.queue }),
        ...(triggerOptions.idempotencyKey === undefined ? {} : { idempotencyKey: triggerOptions.idempotencyKey }),
      });
      return { runId };
    },
    async cancel(runId): Promise<CancelResult> {
      let cancelled: boolean;
      try {
        cancelled = await engine.cancel(runId, 'cancelled from the HTTP API');
      } catch (error) {
        if (isNotFound(error)) return { ok: false, reason: 'not_found' };
        throw error;
      }
      const run = await store.getRun(runId);
      if (run === undefined) return { ok: false, reason: 'not_found' };
      return cancelled ? { ok: true, state: run.state } : { ok: false, reason: 'already_ended', state: run.state };
    },
    ...(schedules === undefined ? {} : { schedules }),
    events: engine,
  };
}
