/**
 * `/metrics`: run counts by flow and state, run durations and queue depth read from the store at
 * scrape time, and task counts and durations by state counted from the engine's `task:state`
 * events since this process started (Prometheus counters reset on restart).
 */
import { ENDED_STATES, type FlowRunRecord, type RunState, type Store } from '@vms/flow-core';
import type { TaskEventSource, TaskStateLike } from './control.js';
import { renderPrometheus, type MetricFamily, type Sample } from './prometheus.js';

const ACTIVE: readonly RunState[] = ['Scheduled', 'Late', 'Pending', 'Running', 'Retrying'];

/** Counts ended task runs and their durations from `task:state` events. */
export class TaskMetrics {
  private readonly counts = new Map<string, { flow: string; task: string; state: string; count: number }>();
  private readonly durations = new Map<string, { flow: string; task: string; sum: number; count: number }>();
  private readonly started = new Map<string, number>();
  private readonly listener = (event: TaskStateLike): void => this.record(event);
  private source: TaskEventSource | undefined;

  /** Starts listening to `source`. */
  attach(source: TaskEventSource): void {
    this.detach();
    this.source = source;
    source.on('task:state', this.listener);
  }

  /** Stops listening. Idempotent. */
  detach(): void {
    this.source?.off('task:state', this.listener);
    this.source = undefined;
  }

  /** Records one transition (public for callers that feed events themselves). */
  record(event: TaskStateLike): void {
    if (event.to === 'Running' && !this.started.has(event.taskRunId)) this.started.set(event.taskRunId, event.at);
    if (!ENDED_STATES.has(event.to)) return;
    const key = `${event.flowName}\u0000${event.taskName}\u0000${event.to}`;
    const entry = this.counts.get(key) ?? { flow: event.flowName, task: event.taskName, state: event.to, count: 0 };
    entry.count += 1;
    this.counts.set(key, entry);
    const startedAt = this.started.get(event.taskRunId);
    this.started.delete(event.taskRunId);
    if (startedAt !== undefined) {
      const dkey = `${event.flowName}\u0000${event.taskName}`;
      const d = this.durations.get(dkey) ?? { flow: event.flowName, task: event.taskName, sum: 0, count: 0 };
      d.sum += Math.max(0, event.at - startedAt) / 1000;
      d.count += 1;
      this.durations.set(dkey, d);
    }
  }

  /** The metric families of the counted tasks. */
  families(): MetricFamily[] {
    const counts = [...this.counts.values()].map<Sample>((e) => ({
      labels: { flow: e.flow, task: e.task, state: e.state },
      value: e.count,
    }));
    const durations = [...this.durations.values()].flatMap<Sample>((d) => [
      { labels: { flow: d.flow, task: d.task }, value: d.sum, suffix: '_sum' },
      { labels: { flow: d.flow, task: d.task }, value: d.count, suffix: '_count' },
    ]);
    return [
      { name: 'vms_flow_tasks_total', help: 'Task runs that ended since the process started, by flow, task and state.', type: 'counter', samples: counts },
      { name: 'vms_flow_task_duration_seconds', help: 'Task run duration (first Running to end), since the process started.', type: 'summary', samples: durations },
    ];
  }
}

/** Options of {@link renderMetrics}. */
export interface RenderMetricsOptions {
  store: Store;
  now: number;
  tasks?: TaskMetrics;
  /** Active runs counted per scrape at most (a safety cap). @default 10_000 */
  maxActiveRuns?: number;
}

async function activeRuns(store: Store, cap: number): Promise<FlowRunRecord[]> {
  const runs: FlowRunRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.listRuns({ state: ACTIVE, limit: 200, ...(cursor === undefined ? {} : { cursor }) });
    runs.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined && runs.length < cap);
  return runs;
}

/** Renders the Prometheus text of `/metrics`. */
export async function renderMetrics(options: RenderMetricsOptions): Promise<string> {
  const { store, now } = options;
  const stats = await store.stats({ since: 0 });
  const active = await activeRuns(store, options.maxActiveRuns ?? 10_000);

  const runSamples: Sample[] = [];
  const durationSamples: Sample[] = [];
  for (const s of stats) {
    for (const [state, value] of [
      ['Completed', s.completed],
      ['Failed', s.failed],
      ['Cancelled', s.cancelled],
      ['Crashed', s.crashed],
    ] as const) {
      runSamples.push({ labels: { flow: s.flowName, state }, value });
    }
    for (const [stat, value] of [
      ['min', s.minDurationMs],
      ['avg', s.avgDurationMs],
      ['max', s.maxDurationMs],
    ] as const) {
      if (value !== null) durationSamples.push({ labels: { flow: s.flowName, stat }, value: value / 1000 });
    }
  }
  const activeCounts = new Map<string, Sample>();
  const queueDepth = new Map<string, number>();
  for (const run of active) {
    const key = `${run.flowName}\u0000${run.state}`;
    const sample = activeCounts.get(key) ?? { labels: { flow: run.flowName, state: run.state }, value: 0 };
    sample.value += 1;
    activeCounts.set(key, sample);
    if (run.state === 'Scheduled' && run.runAt <= now) queueDepth.set(run.queue, (queueDepth.get(run.queue) ?? 0) + 1);
  }
  runSamples.push(...activeCounts.values());

  const families: MetricFamily[] = [
    { name: 'vms_flow_runs', help: 'Stored flow runs by flow and state.', type: 'gauge', samples: runSamples },
    {
      name: 'vms_flow_run_duration_seconds',
      help: 'Duration of ended flow runs (min, avg, max over the stored runs), by flow.',
      type: 'gauge',
      samples: durationSamples,
    },
    {
      name: 'vms_flow_queue_depth',
      help: 'Queued runs due to start (state Scheduled, runAt reached), by queue.',
      type: 'gauge',
      samples: [...queueDepth.entries()].map(([queue, value]) => ({ labels: { queue }, value })),
    },
    ...(options.tasks?.families() ?? []),
  ];
  return renderPrometheus(families);
}
