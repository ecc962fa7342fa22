/**
 * Engine metrics through `@opentelemetry/api` (names under `vms_flow.`): run and task counts and
 * durations by final state, slots in use, tasks waiting for a slot, lateness of scheduled runs.
 */
import type { Attributes, Counter, Histogram, Meter, UpDownCounter } from '@opentelemetry/api';

/** Metric names. */
export const MetricName = {
  /** Flow runs that ended, by `vms_flow.flow.name` and `vms_flow.state`. */
  Runs: 'vms_flow.runs',
  /** Flow run duration, ms. */
  RunDuration: 'vms_flow.run.duration',
  /** Task runs that ended, by flow, task and state. */
  Tasks: 'vms_flow.tasks',
  /** Task run duration (all attempts), ms. */
  TaskDuration: 'vms_flow.task.duration',
  /** Concurrency slots held, by `vms_flow.limit.scope` and `vms_flow.limit.key`. */
  SlotsInUse: 'vms_flow.slots.in_use',
  /** Task attempts waiting for a slot (queue depth). */
  QueueDepth: 'vms_flow.queue.depth',
  /** How late a scheduled or queued run started, ms. */
  Lateness: 'vms_flow.run.lateness',
} as const;

/** The instruments the engine records to. */
export class EngineMetrics {
  readonly runs: Counter;
  readonly runDuration: Histogram;
  readonly tasks: Counter;
  readonly taskDuration: Histogram;
  readonly slotsInUse: UpDownCounter;
  readonly queueDepth: UpDownCounter;
  readonly lateness: Histogram;

  constructor(meter: Meter) {
    this.runs = meter.createCounter(MetricName.Runs, { description: 'Flow runs that ended, by state' });
    this.runDuration = meter.createHistogram(MetricName.RunDuration, { description: 'Flow run duration', unit: 'ms' });
    this.tasks = meter.createCounter(MetricName.Tasks, { description: 'Task runs that ended, by state' });
    this.taskDuration = meter.createHistogram(MetricName.TaskDuration, { description: 'Task run duration', unit: 'ms' });
    this.slotsInUse = meter.createUpDownCounter(MetricName.SlotsInUse, { description: 'Concurrency slots held' });
    this.queueDepth = meter.createUpDownCounter(MetricName.QueueDepth, { description: 'Task attempts waiting for a slot' });
    this.lateness = meter.createHistogram(MetricName.Lateness, { description: 'Start delay after runAt', unit: 'ms' });
  }

  slot(delta: number, scope: string, key: string): void {
    const attributes: Attributes = { 'vms_flow.limit.scope': scope, 'vms_flow.limit.key': key };
    this.slotsInUse.add(delta, attributes);
  }
}
