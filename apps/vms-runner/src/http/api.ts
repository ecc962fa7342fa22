/**
 * The JSON API under `/api` plus `/metrics`. Every route needs a bearer token; writes need an
 * admin token. See the app README for the route list.
 */
import { Hono, type Context } from 'hono';
import type { Json, Store } from '@vms/flow-core';
import type { Role } from './auth.js';
import type { RunnerControl, ScheduleView } from './control.js';
import { HttpError, HttpErrorCode, type Problem } from './errors.js';
import { renderMetrics, type TaskMetrics } from './metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from './prometheus.js';
import { rowErrorsFromResults, type RowErrorSource } from './row-errors.js';
import { BUCKETS, ListRunsParams, Name, PERIODS, RunDetailParams, StatsParams, TriggerBody, parseInput, toProblems } from './schemas.js';
import { runDetailView, runView } from './views.js';
import { z } from 'zod';

/** Variables the auth middleware sets on each request. */
export interface AuthVariables {
  role: Role;
}

/** What the API routes need. */
export interface ApiDeps {
  store: Store;
  control: RunnerControl;
  now: () => number;
  rowErrors: RowErrorSource | undefined;
  tasks: TaskMetrics;
  startedAt: number;
}

/** Throws 403 unless the caller holds an admin token. */
export function requireAdmin(c: Context<{ Variables: AuthVariables }>): void {
  if (c.get('role') !== 'admin') {
    throw new HttpError(HttpErrorCode.Forbidden, 'This action needs an admin token');
  }
}

/** Reads and parses a JSON body, or throws 400. */
async function jsonBody(c: Context): Promise<unknown> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json\b/i.test(type)) {
    throw new HttpError(HttpErrorCode.BadRequest, 'Invalid request body', [
      { path: 'body', message: 'Content-Type must be application/json' },
    ]);
  }
  const text = await c.req.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(HttpErrorCode.BadRequest, 'Invalid request body', [{ path: 'body', message: 'is not valid JSON' }]);
  }
}

function scheduleJson(view: ScheduleView): Record<string, unknown> {
  return {
    name: view.name,
    flowName: view.flowName,
    spec: view.spec,
    paused: view.paused,
    nextRunAt: view.nextRunAt?.toISOString() ?? null,
    lastSlotAt: view.lastSlotAt?.toISOString() ?? null,
  };
}

/** Validates trigger input against the flow list and the flow's schema; returns the flow and params. */
export function validateTrigger(control: RunnerControl, body: unknown): { flow: string; params: Json; idempotencyKey?: string } {
  const input = parseInput(TriggerBody, body, 'body');
  const flow = control.flows().find((f) => f.name === input.flow);
  if (flow === undefined) {
    const known = control.flows().map((f) => f.name);
    throw new HttpError(HttpErrorCode.BadRequest, 'Invalid request body', [
      { path: 'body.flow', message: `unknown flow; known flows: ${known.join(', ') || '(none)'}` },
    ]);
  }
  let params: unknown = input.params;
  if (flow.params !== undefined) {
    const result = flow.params.safeParse(input.params);
    if (!result.success) throw new HttpError(HttpErrorCode.BadRequest, 'Invalid flow params', toProblems('body.params', result.error));
    // The engine validates again (and applies defaults); store what the caller sent, parsed.
    params = result.data;
  }
  let json: Json;
  try {
    json = JSON.parse(JSON.stringify(params ?? {})) as Json;
  } catch {
    throw new HttpError(HttpErrorCode.BadRequest, 'Invalid flow params', [{ path: 'body.params', message: 'must be JSON' }]);
  }
  return { flow: flow.name, params: json, ...(input.idempotencyKey === undefined ? {} : { idempotencyKey: input.idempotencyKey }) };
}

/** Maps a cancel result to an error, or returns. */
export function checkCancel(result: Awaited<ReturnType<RunnerControl['cancel']>>): void {
  if (result.ok) return;
  if (result.reason === 'not_found') throw new HttpError(HttpErrorCode.NotFound, 'No run with this id');
  throw new HttpError(HttpErrorCode.Conflict, `The run has already ended (${result.state ?? 'ended'})`);
}

function pathName(value: string | undefined, what: string): string {
  const parsed = Name.safeParse(value);
  if (!parsed.success) {
    const problems: Problem[] = [{ path: `path.${what}`, message: parsed.error.issues[0]?.message ?? 'invalid' }];
    throw new HttpError(HttpErrorCode.BadRequest, 'Invalid request path', problems);
  }
  return parsed.data;
}

/** Builds the `/api` routes (mounted by `createHttpApp`). */
export function apiRoutes(deps: ApiDeps): Hono<{ Variables: AuthVariables }> {
  const { store, control } = deps;
  const api = new Hono<{ Variables: AuthVariables }>();

  api.post('/runs', async (c) => {
    requireAdmin(c);
    const { flow, params, idempotencyKey } = validateTrigger(control, await jsonBody(c));
    const { runId } = await control.trigger(flow, params, idempotencyKey === undefined ? {} : { idempotencyKey });
    c.header('Location', `/api/runs/${encodeURIComponent(runId)}`);
    return c.json({ runId, flow, status: 'queued', links: { self: `/api/runs/${encodeURIComponent(runId)}` } }, 202);
  });

  api.get('/runs', async (c) => {
    const q = parseInput(ListRunsParams, c.req.query(), 'query');
    const page = await store.listRuns({
      limit: q.limit,
      ...(q.flow === undefined ? {} : { flowName: q.flow }),
      ...(q.state === undefined ? {} : { state: q.state }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    });
    return c.json({ items: page.items.map(runView), nextCursor: page.nextCursor ?? null });
  });

  api.get('/runs/:id', async (c) => {
    const id = pathName(c.req.param('id'), 'id');
    const q = parseInput(RunDetailParams, c.req.query(), 'query');
    const detail = await store.getRunDetail(id, { logLimit: q.logLimit });
    if (detail === undefined) throw new HttpError(HttpErrorCode.NotFound, 'No run with this id');
    const rowErrors = deps.rowErrors === undefined ? rowErrorsFromResults(detail) : await deps.rowErrors(id, detail);
    return c.json(runDetailView(detail, rowErrors));
  });

  api.post('/runs/:id/cancel', async (c) => {
    requireAdmin(c);
    const id = pathName(c.req.param('id'), 'id');
    const result = await control.cancel(id);
    checkCancel(result);
    return c.json({ runId: id, state: result.ok ? result.state : undefined }, 202);
  });

  api.get('/stats', async (c) => {
    const q = parseInput(StatsParams, c.req.query(), 'query');
    const until = deps.now();
    const since = until - PERIODS[q.period];
    const stats = await store.stats({
      since,
      until,
      ...(q.flow === undefined ? {} : { flowName: q.flow }),
      ...(q.bucket === undefined ? {} : { bucketMs: BUCKETS[q.bucket] }),
    });
    return c.json({ period: q.period, since, until, bucket: q.bucket ?? null, flows: stats });
  });

  api.get('/schedules', async (c) => {
    const q = parseInput(z.strictObject({ preview: z.coerce.number().int().min(0).max(50).default(0) }), c.req.query(), 'query');
    const schedules = control.schedules;
    if (schedules === undefined) return c.json({ items: [] });
    const list = await schedules.list();
    const items = await Promise.all(
      list.map(async (s) => ({
        ...scheduleJson(s),
        ...(q.preview > 0 ? { preview: await schedules.preview(s.name, q.preview) } : {}),
      })),
    );
    return c.json({ items });
  });

  for (const action of ['pause', 'resume'] as const) {
    api.post(`/schedules/:name/${action}`, async (c) => {
      requireAdmin(c);
      const name = pathName(c.req.param('name'), 'name');
      const schedules = control.schedules;
      const found = schedules === undefined ? undefined : (await schedules.list()).find((s) => s.name === name);
      if (schedules === undefined || found === undefined) throw new HttpError(HttpErrorCode.NotFound, 'No schedule with this name');
      const view = await schedules[action](name);
      if (view === undefined) throw new HttpError(HttpErrorCode.NotFound, 'No schedule with this name');
      return c.json(scheduleJson(view));
    });
  }

  api.get('/health', async (c) => {
    let storeOk = true;
    try {
      await store.listRuns({ limit: 1 });
    } catch {
      storeOk = false;
    }
    const body = {
      status: storeOk ? 'ok' : 'degraded',
      checks: { store: storeOk ? 'ok' : 'failing' },
      uptimeSeconds: Math.round((deps.now() - deps.startedAt) / 1000),
      flows: control.flows().map((f) => f.name),
    };
    return c.json(body, storeOk ? 200 : 503);
  });

  return api;
}

/** The `/metrics` handler. */
export async function metricsResponse(c: Context, deps: ApiDeps): Promise<Response> {
  const text = await renderMetrics({ store: deps.store, now: deps.now(), tasks: deps.tasks });
  return c.body(text, 200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE });
}
