/** The dashboard's pages, as functions of plain data returning escaped HTML. */
import { ACTIVE_STATES, type FlowRunRecord, type FlowStats, type RunDetail } from '@vms/flow-core';
import type { SchedulePreviewEntry, ScheduleView, TriggerableFlow } from '../http/control.js';
import type { RowErrorView } from '../http/row-errors.js';
import { durationChart, ganttChart, successRateChart } from './charts.js';
import { formatDuration, formatTime, stateColour } from './format.js';
import { html, type SafeHtml } from './html.js';
import { page } from './layout.js';
import type { Session } from './sessions.js';

function badge(state: string): SafeHtml {
  return html`<span class="badge state" style="background:${stateColour(state)}">${state}</span>`;
}

function duration(run: { startedAt: number | null; endedAt: number | null }, now: number): string {
  if (run.startedAt === null) return '—';
  return formatDuration((run.endedAt ?? now) - run.startedAt);
}

/** True while a run may still change. */
export function isActive(run: FlowRunRecord): boolean {
  return ACTIVE_STATES.has(run.state) || run.state === 'Scheduled';
}

/** The login form. */
export function loginPage(error?: string, next?: string): SafeHtml {
  return page(
    { title: 'Log in' },
    html`<form class="login" method="post" action="/login"><h1>Log in</h1><p class="muted">Paste an API token (read-only or admin).</p>${
      error === undefined ? html`` : html`<p class="error" role="alert">${error}</p>`
    }<label for="token">Token</label><input id="token" name="token" type="password" autocomplete="current-password" required><input type="hidden" name="next" value="${next ?? '/'}"><button class="primary" type="submit">Log in</button></form>`,
  );
}

/** Data of the home page. */
export interface HomeData {
  session: Session;
  runs: readonly FlowRunRecord[];
  nextCursor: string | undefined;
  filters: { flow?: string; state?: string };
  /** Stats per flow, one entry per day bucket. */
  stats: ReadonlyMap<string, readonly FlowStats[]>;
  flows: readonly TriggerableFlow[];
  now: number;
  notice?: string;
}

function triggerForm(session: Session, flows: readonly TriggerableFlow[]): SafeHtml {
  if (session.role !== 'admin' || flows.length === 0) return html``;
  const options = flows.map((f) => html`<option value="${f.name}">${f.name}${f.description === undefined ? '' : ` — ${f.description}`}</option>`);
  const example = flows[0]?.exampleParams ?? {};
  return html`<section><h2>Trigger a flow</h2><form method="post" action="/runs" id="trigger"><input type="hidden" name="_csrf" value="${session.csrf}"><label>Flow <select name="flow">${options}</select></label><label>Params (JSON)<textarea name="params" rows="3">${JSON.stringify(example)}</textarea></label><button class="primary" type="submit">Trigger</button></form></section>`;
}

/** Recent runs, per-flow charts, trigger form. */
export function homePage(data: HomeData): SafeHtml {
  const rows = data.runs.map(
    (r) =>
      html`<tr data-run-id="${r.id}"><td><a href="/runs/${encodeURIComponent(r.id)}">${r.id.slice(0, 8)}</a></td><td>${r.flowName}</td><td>${badge(r.state)}</td><td>${formatTime(r.createdAt)}</td><td>${duration(r, data.now)}</td><td class="muted">${r.scheduleName ?? 'manual'}</td></tr>`,
  );
  const cards = [...data.stats.entries()].map(([flow, buckets]) => {
    const ended = buckets.reduce((n, b) => n + b.completed + b.failed + b.cancelled + b.crashed, 0);
    const completed = buckets.reduce((n, b) => n + b.completed, 0);
    const rate = ended === 0 ? '—' : `${Math.round((completed / ended) * 100)}%`;
    return html`<div class="flow-card" data-flow="${flow}"><strong>${flow}</strong> <span class="muted">success ${rate} of ${ended} ended runs (14 days)</span><div>Success rate per day</div>${successRateChart(flow, buckets)}<div>Duration per day (avg bar, max tick)</div>${durationChart(flow, buckets)}</div>`;
  });
  const more =
    data.nextCursor === undefined
      ? html``
      : html`<a href="/?${new URLSearchParams({ ...(data.filters.flow ? { flow: data.filters.flow } : {}), ...(data.filters.state ? { state: data.filters.state } : {}), cursor: data.nextCursor }).toString()}">Older runs →</a>`;
  return page(
    { title: 'Runs', session: data.session },
    html`${data.notice === undefined ? html`` : html`<p class="note" role="status">${data.notice}</p>`}${triggerForm(data.session, data.flows)}<section><h2>Flows</h2><div class="flows">${cards.length === 0 ? html`<p class="muted">No runs in the last 14 days.</p>` : cards}</div></section><section><h2>Recent runs</h2><form method="get" action="/"><label>Flow <input name="flow" value="${data.filters.flow ?? ''}"></label> <label>State <input name="state" value="${data.filters.state ?? ''}" placeholder="Failed,Crashed"></label> <button type="submit">Filter</button></form><table id="runs"><thead><tr><th>Run</th><th>Flow</th><th>State</th><th>Created</th><th>Duration</th><th>Trigger</th></tr></thead><tbody>${rows}</tbody></table>${more}</section>`,
  );
}

/** Data of one run's page. */
export interface RunPageData {
  session: Session;
  detail: RunDetail;
  rowErrors: readonly RowErrorView[];
  now: number;
  /** Seconds between reloads while the run is active. */
  refreshSeconds: number;
}

/** One run: header, Gantt, tasks, row errors, logs; cancel for admins. */
export function runPage(data: RunPageData): SafeHtml {
  const { run, taskRuns, logs } = data.detail;
  const active = isActive(run);
  const cancel =
    active && data.session.role === 'admin'
      ? html`<form class="inline" method="post" action="/runs/${encodeURIComponent(run.id)}/cancel"><input type="hidden" name="_csrf" value="${data.session.csrf}"><button class="danger" type="submit">Cancel run</button></form>`
      : html``;
  const waiting = run.waitingFor === null ? html`` : html`<p class="note">Waiting for: <code>${JSON.stringify(run.waitingFor)}</code></p>`;
  const error = run.error === null ? html`` : html`<p class="error">${run.error.name}${run.error.code === undefined ? '' : ` (${run.error.code})`}: ${run.error.message}</p>`;
  const tasks = taskRuns.map((t) => {
    const progress = t.progress === null ? '—' : `${t.progress.done}${t.progress.total === undefined ? '' : ` / ${t.progress.total}`}${t.progress.unit === undefined ? '' : ` ${t.progress.unit}`}`;
    return html`<tr data-task-key="${t.taskKey}"><td>${t.taskKey}</td><td>${badge(t.state)}</td><td>${t.attempt} / ${t.maxAttempts}</td><td>${progress}</td><td>${duration(t, data.now)}</td><td class="error msg">${t.error === null ? '' : `${t.error.name}: ${t.error.message}`}</td></tr>`;
  });
  const rowErrors = data.rowErrors.map(
    (e) =>
      html`<tr><td>${e.entity ?? e.taskKey ?? ''}</td><td><code>${e.code}</code></td><td>${e.severity}</td><td>${e.salesforceId ?? (e.row === undefined ? '' : `row ${e.row}`)}</td><td>${e.recordName ?? ''}</td><td>${e.field ?? ''}</td><td class="msg">${e.message}</td></tr>`,
  );
  const taskKeyById = new Map(taskRuns.map((t) => [t.id, t.taskKey]));
  const logRows = logs.map(
    (l) =>
      html`<tr class="log ${l.level}"><td>${formatTime(l.at)}</td><td>${l.level}</td><td>${l.taskRunId === null ? '' : (taskKeyById.get(l.taskRunId) ?? '')}</td><td class="msg">${l.message}${l.fields === null ? '' : ` ${JSON.stringify(l.fields)}`}</td></tr>`,
  );
  return page(
    { title: `Run ${run.id.slice(0, 8)}`, session: data.session, ...(active ? { refreshSeconds: data.refreshSeconds } : {}) },
    html`<h1>${run.flowName} ${badge(run.state)}</h1><p class="muted">Run <code id="run-id">${run.id}</code> · attempt ${run.attempt} · created ${formatTime(run.createdAt)} · started ${formatTime(run.startedAt)} · ended ${formatTime(run.endedAt)} · duration ${duration(run, data.now)}${active ? ' · refreshing while active' : ''}</p>${cancel}${waiting}${error}<h2>Params</h2><pre>${JSON.stringify(run.params, null, 2)}</pre><h2>Timeline</h2>${
      taskRuns.length === 0 ? html`<p class="muted">No tasks yet.</p>` : ganttChart(data.detail, data.now)
    }<h2>Tasks</h2><table id="tasks"><thead><tr><th>Task</th><th>State</th><th>Attempts</th><th>Progress</th><th>Duration</th><th>Error</th></tr></thead><tbody>${tasks}</tbody></table><h2>Row errors (${data.rowErrors.length})</h2><table id="row-errors"><thead><tr><th>Entity</th><th>Code</th><th>Severity</th><th>Record</th><th>Name</th><th>Field</th><th>Message</th></tr></thead><tbody>${rowErrors}</tbody></table><h2>Logs</h2><table id="logs"><thead><tr><th>Time</th><th>Level</th><th>Task</th><th>Message</th></tr></thead><tbody>${logRows}</tbody></table>`,
  );
}

/** One schedule with its preview. */
export interface ScheduleRow {
  schedule: ScheduleView;
  preview: readonly SchedulePreviewEntry[];
}

/** Schedules with next fire times and DST notes; pause/resume for admins. */
export function schedulesPage(session: Session, rows: readonly ScheduleRow[]): SafeHtml {
  const items = rows.map(({ schedule: s, preview }) => {
    const timing = s.spec.cron === undefined ? `every ${formatDuration(s.spec.intervalMs ?? 0)}` : `${s.spec.cron} (${s.spec.timezone ?? 'UTC'})`;
    const action = s.paused ? 'resume' : 'pause';
    const button =
      session.role === 'admin'
        ? html`<form class="inline" method="post" action="/schedules/${encodeURIComponent(s.name)}/${action}"><input type="hidden" name="_csrf" value="${session.csrf}"><button type="submit">${s.paused ? 'Resume' : 'Pause'}</button></form>`
        : html``;
    const previewRows = preview.map(
      (p) => html`<li><code>${p.local}</code> <span class="muted">(${p.at})</span>${p.note === undefined ? html`` : html` <span class="note">${p.note}</span>`}</li>`,
    );
    return html`<tr data-schedule="${s.name}"><td>${s.name}</td><td>${s.flowName}</td><td><code>${timing}</code></td><td>${s.paused ? 'paused' : 'active'}</td><td>${s.nextRunAt === null ? '—' : s.nextRunAt.toISOString()}</td><td><ol>${previewRows}</ol></td><td>${button}</td></tr>`;
  });
  return page(
    { title: 'Schedules', session },
    html`<h1>Schedules</h1><table id="schedules"><thead><tr><th>Name</th><th>Flow</th><th>When</th><th>Status</th><th>Next fire (UTC)</th><th>Next fire times (local, DST notes)</th><th></th></tr></thead><tbody>${items}</tbody></table>`,
  );
}

/** An error page. */
export function errorPage(status: number, message: string, session?: Session): SafeHtml {
  return page({ title: `Error ${status}`, ...(session === undefined ? {} : { session }) }, html`<h1>${status}</h1><p class="error">${message}</p><p><a href="/">Back to runs</a></p>`);
}
