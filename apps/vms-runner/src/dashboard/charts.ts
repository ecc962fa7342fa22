/**
 * Inline SVG charts: per-flow success rate and average duration per bucket, and a run's task
 * timeline (Gantt) with one segment per attempt. Every text inside goes through {@link html}.
 */
import type { FlowStats, RunDetail, StateHistoryRecord, TaskRunRecord } from '@vms/flow-core';
import { formatDuration, formatTime, stateColour } from './format.js';
import { html, type SafeHtml } from './html.js';

const W = 320;
const H = 80;

/** Success rate per bucket (bars, 0..100%); a bucket without ended runs is a grey tick. */
export function successRateChart(flowName: string, buckets: readonly FlowStats[]): SafeHtml {
  const n = Math.max(buckets.length, 1);
  const bw = W / n;
  const bars = buckets.map((b, i) => {
    const x = (i * bw + 1).toFixed(1);
    const width = Math.max(bw - 2, 1).toFixed(1);
    if (b.successRate === null) return html`<rect x="${x}" y="${H - 2}" width="${width}" height="2" fill="#bdbdbd"><title>${formatTime(b.periodStart)}: no ended runs</title></rect>`;
    const h = Math.max(b.successRate * (H - 4), 1);
    const colour = b.successRate >= 0.99 ? '#2e7d32' : b.successRate >= 0.8 ? '#ef6c00' : '#c62828';
    return html`<rect x="${x}" y="${(H - h).toFixed(1)}" width="${width}" height="${h.toFixed(1)}" fill="${colour}"><title>${formatTime(b.periodStart)}: ${Math.round(b.successRate * 100)}% of ${b.completed + b.failed + b.cancelled + b.crashed} ended runs</title></rect>`;
  });
  return html`<svg class="chart" role="img" aria-label="${`Success rate of ${flowName}`}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${bars}</svg>`;
}

/** Average (and max as a tick) duration per bucket. */
export function durationChart(flowName: string, buckets: readonly FlowStats[]): SafeHtml {
  const n = Math.max(buckets.length, 1);
  const bw = W / n;
  const max = Math.max(1, ...buckets.map((b) => b.maxDurationMs ?? 0));
  const bars = buckets.map((b, i) => {
    if (b.avgDurationMs === null) return html``;
    const x = i * bw + 1;
    const h = Math.max((b.avgDurationMs / max) * (H - 4), 1);
    const mh = ((b.maxDurationMs ?? 0) / max) * (H - 4);
    return html`<rect x="${x.toFixed(1)}" y="${(H - h).toFixed(1)}" width="${Math.max(bw - 2, 1).toFixed(1)}" height="${h.toFixed(1)}" fill="#1565c0"><title>${formatTime(b.periodStart)}: avg ${formatDuration(b.avgDurationMs)}, max ${formatDuration(b.maxDurationMs)}</title></rect><line x1="${x.toFixed(1)}" x2="${(x + Math.max(bw - 2, 1)).toFixed(1)}" y1="${(H - mh).toFixed(1)}" y2="${(H - mh).toFixed(1)}" stroke="#0d47a1" stroke-width="1.5"/>`;
  });
  return html`<svg class="chart" role="img" aria-label="${`Duration of ${flowName}`}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}">${bars}</svg>`;
}

/** One drawn piece of a task's timeline. */
export interface TimelineSegment {
  from: number;
  to: number;
  /** `Running` for an attempt, `Retrying` for the wait before the next one. */
  state: string;
  attempt: number;
}

/** Segments of one task run from the state history (an open segment ends at `now`). */
export function taskSegments(taskRun: TaskRunRecord, history: readonly StateHistoryRecord[], now: number): TimelineSegment[] {
  const rows = history.filter((h) => h.entity === 'task' && h.taskRunId === taskRun.id);
  const segments: TimelineSegment[] = [];
  rows.forEach((row, i) => {
    if (row.to !== 'Running' && row.to !== 'Retrying') return;
    const next = rows[i + 1];
    segments.push({ from: row.at, to: next?.at ?? taskRun.endedAt ?? now, state: row.to, attempt: row.attempt });
  });
  if (segments.length === 0 && taskRun.startedAt !== null) {
    segments.push({ from: taskRun.startedAt, to: taskRun.endedAt ?? now, state: taskRun.state, attempt: taskRun.attempt });
  }
  return segments;
}

/** The run's task timeline as an SVG Gantt chart. */
export function ganttChart(detail: RunDetail, now: number): SafeHtml {
  const { run, taskRuns, history } = detail;
  const start = Math.min(run.startedAt ?? run.createdAt, ...taskRuns.map((t) => t.startedAt ?? Infinity));
  const end = Math.max(run.endedAt ?? now, ...taskRuns.map((t) => t.endedAt ?? 0), start + 1);
  const span = end - start;
  const label = 160;
  const status = 200;
  const width = 900;
  const rowH = 22;
  const plot = width - label - status - 10;
  const x = (t: number): number => label + ((t - start) / span) * plot;
  const rows = taskRuns.map((t, i) => {
    const y = 20 + i * rowH;
    const list = taskSegments(t, history, now);
    const segments = list.map((s, index) => {
      const sx = x(s.from);
      const sw = Math.max(x(s.to) - sx, 2);
      // A retried attempt failed; the last attempt takes the task's state (Running while open).
      const colour = s.state === 'Retrying' ? '#ffb74d' : index < list.length - 1 ? stateColour('Failed') : stateColour(t.state);
      return html`<rect class="seg" data-state="${s.state}" data-attempt="${s.attempt}" x="${sx.toFixed(1)}" y="${y + 3}" width="${sw.toFixed(1)}" height="${rowH - 8}" fill="${colour}"${s.state === 'Retrying' ? html` opacity="0.7"` : html``}><title>${t.taskKey} ${s.state === 'Retrying' ? 'waiting to retry after' : 'attempt'} ${s.attempt}: ${formatDuration(s.to - s.from)}</title></rect>`;
    });
    const progress = t.progress === null ? '' : ` ${t.progress.done}${t.progress.total === undefined ? '' : `/${t.progress.total}`}${t.progress.unit === undefined ? '' : ` ${t.progress.unit}`}`;
    const attempts = t.maxAttempts > 1 || t.attempt > 1 ? ` (attempt ${t.attempt}/${t.maxAttempts})` : '';
    return html`<g class="task-row"><text x="4" y="${y + 15}" font-size="11">${t.taskKey.length > 28 ? `${t.taskKey.slice(0, 27)}…` : t.taskKey}</text>${segments}<text x="${width - 4}" y="${y + 15}" font-size="10" text-anchor="end" fill="#424242">${t.state}${attempts}${progress}</text></g>`;
  });
  const height = 30 + taskRuns.length * rowH;
  return html`<svg class="gantt" role="img" aria-label="Task timeline" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"><text x="${label}" y="12" font-size="10" fill="#616161">${formatTime(start)}</text><text x="${label + plot}" y="12" font-size="10" text-anchor="end" fill="#616161">+${formatDuration(span)}</text>${rows}</svg>`;
}
