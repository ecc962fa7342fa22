import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, READ_TOKEN, startFixture, waitForState, type Fixture } from './test-fixture.js';

let fx: Fixture;

beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx.close();
});

function call(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const { token = ADMIN_TOKEN, headers, ...rest } = init;
  const h = new Headers(headers);
  if (token !== null) h.set('authorization', `Bearer ${token}`);
  return fetch(`${fx.http.url}${path}`, { ...rest, headers: h });
}

function post(path: string, body: unknown, token: string | null = ADMIN_TOKEN): Promise<Response> {
  return call(path, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('auth', () => {
  it('serves /healthz without a token (the only open route)', async () => {
    const res = await call('/healthz', { token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('answers 401 with no token and with a wrong token, never echoing the token', async () => {
    for (const path of ['/api/runs', '/api/health', '/api/stats', '/api/schedules', '/metrics']) {
      const none = await call(path, { token: null });
      expect(none.status, path).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const wrong = await call(path, { token: 'wrong-token-but-long-enough-xyz' });
      expect(wrong.status, path).toBe(401);
      const text = await wrong.text();
      expect(text).not.toContain('wrong-token-but-long-enough-xyz');
      expect(JSON.parse(text)).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
    }
    // A prefix of the admin token, and the admin token with a suffix, are wrong tokens too.
    expect((await call('/api/runs', { token: ADMIN_TOKEN.slice(0, -1) })).status).toBe(401);
    expect((await call('/api/runs', { token: `${ADMIN_TOKEN}x` })).status).toBe(401);
    expect((await call('/api/runs', { headers: { authorization: `Basic ${ADMIN_TOKEN}` }, token: null })).status).toBe(401);
  });

  it('lets a read-only token read but answers 403 when it triggers, cancels or pauses', async () => {
    expect((await call('/api/runs', { token: READ_TOKEN })).status).toBe(200);
    const trigger = await post('/api/runs', { flow: 'demo-sync' }, READ_TOKEN);
    expect(trigger.status).toBe(403);
    expect(await trigger.json()).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect((await post('/api/runs/some-run/cancel', {}, READ_TOKEN)).status).toBe(403);
    expect((await post('/api/schedules/nightly-sync/pause', {}, READ_TOKEN)).status).toBe(403);
    const runs = await fx.store.listRuns({ flowName: 'demo-sync' });
    expect(runs.items).toHaveLength(0);
  });
});

describe('runs', () => {
  let runId: string;

  it('trigger queues the run (stored Scheduled) and returns 202 with its id at once; the worker claims and completes it', async () => {
    // Hold the worker so the queued run is seen before it is claimed.
    await fx.worker.halt();
    const res = await post('/api/runs', { flow: 'demo-sync', params: { entities: 3, records: 20 } });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { runId: string; status: string };
    expect(body.runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.status).toBe('queued');
    expect(res.headers.get('location')).toBe(`/api/runs/${body.runId}`);
    runId = body.runId;
    const queued = await fx.store.getRun(runId);
    expect([queued?.state, queued?.leaseOwner ?? null, fx.engine.activeRuns()]).toEqual(['Scheduled', null, []]);
    const worker = await fx.engine.work({ maxRuns: 4, pollIntervalMs: 50 });
    expect(await waitForState(fx.store, runId, ['Completed', 'Failed'])).toBe('Completed');
    const history = (await fx.store.getRunDetail(runId))?.history.filter((h) => h.entity === 'flow').map((h) => h.to) ?? [];
    expect(history.slice(0, 2)).toEqual(['Scheduled', 'Pending']);
    fx.worker = worker;
  });

  it('status returns the run with its task runs (with the retry), logs and row errors', async () => {
    const res = await call(`/api/runs/${runId}`, { token: READ_TOKEN });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      run: { id: string; state: string; flowName: string; params: unknown };
      taskRuns: { taskKey: string; state: string; attempt: number; progress: { done: number; total: number } | null }[];
      logs: { message: string }[];
      rowErrors: unknown[];
    };
    expect(body.run).toMatchObject({ id: runId, state: 'Completed', flowName: 'demo-sync', params: { entities: 3, records: 20 } });
    expect(body.taskRuns.map((t) => t.taskKey).sort()).toEqual(['accounts', 'contacts', 'events']);
    expect(body.taskRuns.every((t) => t.state === 'Completed')).toBe(true);
    expect(body.taskRuns.find((t) => t.taskKey === 'contacts')?.attempt).toBe(2);
    expect(body.taskRuns.find((t) => t.taskKey === 'accounts')?.progress).toMatchObject({ done: 20, total: 20 });
    expect(body.logs.map((l) => l.message)).toContain('syncing contacts');
    expect(body.rowErrors).toEqual([]);
    expect((await call('/api/runs/no-such-run')).status).toBe(404);
  });

  it('lists recent runs with flow, state, limit and cursor filters', async () => {
    const second = (await (await post('/api/runs', { flow: 'demo-sync', params: { entities: 1, records: 1 } })).json()) as { runId: string };
    await waitForState(fx.store, second.runId, ['Completed']);
    const all = (await (await call('/api/runs?flow=demo-sync')).json()) as { items: { id: string }[] };
    expect(all.items.map((r) => r.id)).toEqual([second.runId, runId]);
    const page1 = (await (await call('/api/runs?flow=demo-sync&limit=1')).json()) as { items: { id: string }[]; nextCursor: string };
    expect(page1.items.map((r) => r.id)).toEqual([second.runId]);
    const page2 = (await (await call(`/api/runs?flow=demo-sync&limit=1&cursor=${encodeURIComponent(page1.nextCursor)}`)).json()) as {
      items: { id: string }[];
    };
    expect(page2.items.map((r) => r.id)).toEqual([runId]);
    const failed = (await (await call('/api/runs?state=Failed,Crashed')).json()) as { items: unknown[] };
    expect(failed.items).toEqual([]);
  });

  it('stats per flow and period count the completed runs', async () => {
    const res = await call('/api/stats?period=24h&flow=demo-sync', { token: READ_TOKEN });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { period: string; flows: { flowName: string; total: number; completed: number; successRate: number; avgDurationMs: number }[] };
    expect(body.period).toBe('24h');
    expect(body.flows).toHaveLength(1);
    expect(body.flows[0]).toMatchObject({ flowName: 'demo-sync', total: 2, completed: 2, successRate: 1 });
    expect(body.flows[0]?.avgDurationMs).toBeGreaterThanOrEqual(0);
    const buckets = (await (await call('/api/stats?period=7d&bucket=day')).json()) as { bucket: string; flows: unknown[] };
    expect(buckets.bucket).toBe('day');
  });

  it('cancels a running run (202), then 409 for the ended run and 404 for an unknown one', async () => {
    const { runId: slowId } = (await (await post('/api/runs', { flow: 'slow' })).json()) as { runId: string };
    await waitForState(fx.store, slowId, ['Running']);
    const res = await post(`/api/runs/${slowId}/cancel`, {});
    expect(res.status).toBe(202);
    expect(await waitForState(fx.store, slowId, ['Cancelled', 'Failed', 'Completed'])).toBe('Cancelled');
    const again = await post(`/api/runs/${slowId}/cancel`, {});
    expect(again.status).toBe(409);
    expect((await post('/api/runs/not-a-run/cancel', {})).status).toBe(404);
  });
});

describe('input validation', () => {
  it('answers 400 listing every problem of a bad body', async () => {
    const res = await post('/api/runs', { params: 'nope', extra: true });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; problems: { path: string; message: string }[] } };
    expect(body.error.code).toBe('BAD_REQUEST');
    const paths = body.error.problems.map((p) => p.path);
    expect(paths).toContain('body.flow');
    expect(paths).toContain('body.params');
    expect(body.error.problems.some((p) => p.message.includes('extra'))).toBe(true);
  });

  it('answers 400 listing the flow params the flow schema rejects, before anything is stored', async () => {
    const before = (await fx.store.listRuns({ flowName: 'demo-sync' })).items.length;
    const res = await post('/api/runs', { flow: 'demo-sync', params: { entities: 0, records: 'many' } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { problems: { path: string }[] } };
    expect(body.error.problems.map((p) => p.path).sort()).toEqual(['body.params.entities', 'body.params.records']);
    expect((await fx.store.listRuns({ flowName: 'demo-sync' })).items.length).toBe(before);
  });

  it('answers 400 for an unknown flow, invalid JSON, a wrong content type and bad query values', async () => {
    const unknown = (await (await post('/api/runs', { flow: 'nope' })).json()) as { error: { problems: { path: string; message: string }[] } };
    expect(unknown.error.problems[0]).toMatchObject({ path: 'body.flow' });
    expect(unknown.error.problems[0]?.message).toContain('demo-sync');
    const badJson = await call('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"flow":' });
    expect(badJson.status).toBe(400);
    const text = await call('/api/runs', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
    expect(text.status).toBe(400);
    const limit = (await (await call('/api/runs?limit=0&state=Bogus')).json()) as { error: { problems: { path: string }[] } };
    // The bad state is named by its position in the comma-separated list.
    expect(limit.error.problems.map((p) => p.path).sort()).toEqual(['query.limit', 'query.state.0']);
    expect((await call('/api/stats?period=1y')).status).toBe(400);
  });

  it('answers 413 for a body over the limit (8 KiB here), with and without Content-Length', async () => {
    const big = JSON.stringify({ flow: 'demo-sync', params: { pad: 'x'.repeat(20_000) } });
    const res = await call('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    const chunks = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i += 1) controller.enqueue(new TextEncoder().encode('x'.repeat(4000)));
        controller.close();
      },
    });
    const streamed = await call('/api/runs', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: chunks,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('after a 413 a keep-alive client (fetch reusing its connection) makes its next request normally', async () => {
    // A body over the limit, then a good request at once through fetch's keep-alive pool. The
    // server drops a socket whose body it could not drain within 500 ms (@hono/node-server), so
    // the 413 must say `Connection: close`: the client then opens a fresh connection instead of
    // failing its next request on the dropped one (UND_ERR_SOCKET, RELIABILITY.md finding 9).
    for (const size of [20_000, 1_048_576]) {
      const big = JSON.stringify({ flow: 'demo-sync', params: { pad: 'x'.repeat(size) } });
      const warm = await call('/api/runs?limit=1');
      expect(warm.status).toBe(200);
      await warm.arrayBuffer();
      const res = await call('/api/runs', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
      expect(res.status).toBe(413);
      expect(res.headers.get('connection')).toBe('close');
      expect(await res.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
      const next = await call('/api/runs?limit=1');
      expect(next.status).toBe(200);
      expect(await next.json()).toHaveProperty('items');
    }
  });
});

describe('schedules, health, metrics', () => {
  it('lists schedules with next fire times and a DST-aware preview', async () => {
    const res = await call('/api/schedules?preview=3', { token: READ_TOKEN });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { name: string; paused: boolean; nextRunAt: string; spec: { cron: string; timezone: string }; preview: { at: string; local: string }[] }[] };
    const nightly = body.items.find((s) => s.name === 'nightly-sync');
    expect(nightly).toMatchObject({ paused: false, spec: { cron: '0 2 * * *', timezone: 'America/Chicago' } });
    expect(Date.parse(nightly?.nextRunAt ?? '')).toBeGreaterThan(Date.now());
    expect(nightly?.preview).toHaveLength(3);
    expect(nightly?.preview[0]?.local).toMatch(/T02:00:00-0[56]:00$/);
  });

  it('pauses and resumes a schedule as admin; 404 for an unknown one', async () => {
    const paused = await post('/api/schedules/nightly-sync/pause', {});
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ name: 'nightly-sync', paused: true });
    expect((await fx.engine.getSchedule('nightly-sync'))?.paused).toBe(true);
    expect((await fx.store.getSchedule('nightly-sync'))?.paused).toBe(true);
    const resumed = await post('/api/schedules/nightly-sync/resume', {});
    expect(await resumed.json()).toMatchObject({ paused: false });
    expect((await fx.engine.getSchedule('nightly-sync'))?.paused).toBe(false);
    expect((await post('/api/schedules/no-such/pause', {})).status).toBe(404);
  });

  it('reports health with a token', async () => {
    const res = await call('/api/health', { token: READ_TOKEN });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', checks: { store: 'ok' }, flows: ['demo-sync', 'hostile', 'slow'] });
  });

  it('/metrics serves Prometheus text: runs by state, durations, task counts, queue depth', async () => {
    const res = await call('/metrics', { token: READ_TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('# TYPE vms_flow_runs gauge');
    expect(text).toContain('vms_flow_runs{flow="demo-sync",state="Completed"} 2');
    expect(text).toContain('vms_flow_runs{flow="slow",state="Cancelled"} 1');
    expect(text).toMatch(/vms_flow_run_duration_seconds\{flow="demo-sync",stat="avg"\} [0-9.e-]+/);
    expect(text).toContain('vms_flow_tasks_total{flow="demo-sync",task="sync-entity",state="Completed"} 4');
    expect(text).toMatch(/vms_flow_task_duration_seconds_count\{flow="demo-sync",task="sync-entity"\} 4/);
    expect(text).toContain('# TYPE vms_flow_queue_depth gauge');
  });

  it('answers JSON 404 for an unknown API route', async () => {
    const res = await call('/api/nope');
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});

describe('shutting down', () => {
  it('a trigger after the engine stopped is still queued in the store for the next start, not run (last test: stops the engine)', async () => {
    await fx.engine.stop();
    const res = await post('/api/runs', { flow: 'demo-sync' });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    await new Promise((r) => setTimeout(r, 300));
    expect((await fx.store.getRun(runId))?.state).toBe('Scheduled');
  });
});
