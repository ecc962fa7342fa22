/**
 * Dashboard routes (server-rendered HTML). Login exchanges a token for a session cookie
 * (HttpOnly, SameSite=Strict, Path=/, Secure when served over HTTPS); every POST form carries the
 * session's CSRF token, and POSTs from another origin are refused.
 */
import { timingSafeEqual, createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { FlowStats, Json, RunState, Store } from '@vms/flow-core';
import type { TokenVerifier } from '../http/auth.js';
import type { RunnerControl } from '../http/control.js';
import { HttpError, HttpErrorCode, type HttpStatus } from '../http/errors.js';
import { checkCancel, validateTrigger } from '../http/api.js';
import { rowErrorsFromResults, type RowErrorSource } from '../http/row-errors.js';
import { ListRunsParams, Name, parseInput } from '../http/schemas.js';
import type { SafeHtml } from './html.js';
import { errorPage, homePage, loginPage, runPage, schedulesPage } from './pages.js';
import type { Session, SessionStore } from './sessions.js';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'vms_session';

/** What the dashboard needs. */
export interface DashboardDeps {
  store: Store;
  control: RunnerControl;
  verifier: TokenVerifier;
  sessions: SessionStore;
  now: () => number;
  rowErrors: RowErrorSource | undefined;
  /** Seconds between reloads of an active run's page. */
  refreshSeconds: number;
  /** Entries of each schedule's preview. */
  previewCount: number;
}

type Env = { Variables: { session: Session } };

function emptyStats(flowName: string, periodStart: number): FlowStats {
  return {
    flowName,
    periodStart,
    total: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    crashed: 0,
    successRate: null,
    minDurationMs: null,
    avgDurationMs: null,
    maxDurationMs: null,
    errorTypes: {},
  };
}

function send(c: Context, body: SafeHtml, status: 200 | HttpStatus = 200): Response {
  return c.html(body.value, status);
}

function sameDigest(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

function safeNext(value: unknown): string {
  // Only local paths: never `//host` or `/\host` (open redirect).
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) ? value : '/';
}

/** Refuses a POST whose Origin (when sent) is not this server. */
function checkOrigin(c: Context): void {
  const origin = c.req.header('origin');
  if (origin === undefined || origin === 'null') return; // SameSite=Strict still protects the cookie
  const host = c.req.header('host');
  let ok = false;
  try {
    ok = new URL(origin).host === host;
  } catch {
    ok = false;
  }
  if (!ok) throw new HttpError(HttpErrorCode.Forbidden, 'Cross-origin form posts are not allowed');
}

async function formOf(c: Context): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}

/** Builds the dashboard routes (mounted at `/`). */
export function dashboardRoutes(deps: DashboardDeps): Hono<Env> {
  const app = new Hono<Env>();
  const { store, control } = deps;

  app.get('/login', (c) => send(c, loginPage(undefined, safeNext(c.req.query('next')))));

  app.post('/login', async (c) => {
    checkOrigin(c);
    const form = await formOf(c);
    const role = deps.verifier.roleOf(form['token']);
    if (role === undefined) return send(c, loginPage('That token is not valid.', safeNext(form['next'])), 401);
    const session = deps.sessions.create(role);
    setCookie(c, SESSION_COOKIE, session.id, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
      secure: new URL(c.req.url).protocol === 'https:',
      maxAge: Math.floor((session.expiresAt - deps.now()) / 1000),
    });
    return c.redirect(safeNext(form['next']), 303);
  });

  // Everything below needs a session.
  app.use('*', async (c, next) => {
    const session = deps.sessions.get(getCookie(c, SESSION_COOKIE));
    if (session === undefined) {
      if (c.req.method === 'GET') return c.redirect(`/login?next=${encodeURIComponent(new URL(c.req.url).pathname)}`, 303);
      return send(c, errorPage(401, 'Please log in again.'), 401);
    }
    c.set('session', session);
    if (c.req.method === 'POST') {
      checkOrigin(c);
      const form = await formOf(c);
      if (!sameDigest(form['_csrf'] ?? '', session.csrf)) {
        return send(c, errorPage(403, 'The form has expired; reload the page and try again.', session), 403);
      }
    }
    await next();
  });

  const requireAdmin = (session: Session): void => {
    if (session.role !== 'admin') throw new HttpError(HttpErrorCode.Forbidden, 'This action needs an admin token');
  };

  app.post('/logout', (c) => {
    deps.sessions.delete(c.get('session').id);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/login', 303);
  });

  app.get('/', async (c) => {
    const session = c.get('session');
    const query = Object.fromEntries(Object.entries(c.req.query()).filter(([, v]) => v !== ''));
    const q = parseInput(ListRunsParams, { limit: '50', ...query }, 'query');
    const page = await store.listRuns({
      limit: q.limit,
      parentRunId: null,
      ...(q.flow === undefined ? {} : { flowName: q.flow }),
      ...(q.state === undefined ? {} : { state: q.state as RunState[] }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    });
    const now = deps.now();
    const day = 86_400_000;
    const since = Math.floor(now / day) * day - 13 * day;
    const all = await store.stats({ since, bucketMs: day });
    // One slot per day for 14 days, empty days included, so the charts share one time axis.
    const stats = new Map<string, FlowStats[]>();
    for (const flowName of new Set(all.map((s) => s.flowName))) {
      const byStart = new Map(all.filter((s) => s.flowName === flowName).map((s) => [s.periodStart, s]));
      stats.set(
        flowName,
        Array.from({ length: 14 }, (_, i) => byStart.get(since + i * day) ?? emptyStats(flowName, since + i * day)),
      );
    }
    const notice = c.req.query('notice');
    return send(
      c,
      homePage({
        session,
        runs: page.items,
        nextCursor: page.nextCursor,
        filters: { ...(q.flow === undefined ? {} : { flow: q.flow }), ...(query['state'] === undefined ? {} : { state: query['state'] }) },
        stats,
        flows: control.flows(),
        now,
        ...(notice === undefined ? {} : { notice: notice.slice(0, 200) }),
      }),
    );
  });

  app.post('/runs', async (c) => {
    const session = c.get('session');
    requireAdmin(session);
    const form = await formOf(c);
    let params: unknown;
    try {
      params = JSON.parse(form['params'] === undefined || form['params'].trim() === '' ? '{}' : form['params']);
    } catch {
      throw new HttpError(HttpErrorCode.BadRequest, 'Invalid flow params', [{ path: 'body.params', message: 'is not valid JSON' }]);
    }
    const input = validateTrigger(control, { flow: form['flow'], params });
    const { runId } = await control.trigger(input.flow, input.params as Json);
    return c.redirect(`/runs/${encodeURIComponent(runId)}`, 303);
  });

  app.get('/runs/:id', async (c) => {
    const session = c.get('session');
    const id = parseInput(Name, c.req.param('id'), 'path');
    const detail = await store.getRunDetail(id, { logLimit: 1000 });
    if (detail === undefined) throw new HttpError(HttpErrorCode.NotFound, 'No run with this id');
    const rowErrors = deps.rowErrors === undefined ? rowErrorsFromResults(detail) : await deps.rowErrors(id, detail);
    return send(c, runPage({ session, detail, rowErrors, now: deps.now(), refreshSeconds: deps.refreshSeconds }));
  });

  app.post('/runs/:id/cancel', async (c) => {
    requireAdmin(c.get('session'));
    const id = parseInput(Name, c.req.param('id'), 'path');
    checkCancel(await control.cancel(id));
    return c.redirect(`/runs/${encodeURIComponent(id)}`, 303);
  });

  app.get('/schedules', async (c) => {
    const session = c.get('session');
    const schedules = control.schedules;
    const list = schedules === undefined ? [] : await schedules.list();
    const rows = await Promise.all(
      list.map(async (schedule) => ({
        schedule,
        preview: schedules === undefined ? [] : await schedules.preview(schedule.name, deps.previewCount),
      })),
    );
    return send(c, schedulesPage(session, rows));
  });

  for (const action of ['pause', 'resume'] as const) {
    app.post(`/schedules/:name/${action}`, async (c) => {
      requireAdmin(c.get('session'));
      const name = parseInput(Name, c.req.param('name'), 'path');
      const view = control.schedules === undefined ? undefined : await control.schedules[action](name);
      if (view === undefined) throw new HttpError(HttpErrorCode.NotFound, 'No schedule with this name');
      return c.redirect('/schedules', 303);
    });
  }

  return app;
}

/** Renders an error for the dashboard. */
export function dashboardError(c: Context, error: HttpError): Response {
  const session = (c.get as (key: string) => Session | undefined)('session');
  const detail = error.problems.length === 0 ? '' : `: ${error.problems.map((p) => `${p.path} ${p.message}`).join('; ')}`;
  return send(c, errorPage(error.status, `${error.message}${detail}`, session), error.status);
}
