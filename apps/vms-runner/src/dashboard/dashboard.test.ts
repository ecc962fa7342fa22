import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, READ_TOKEN, XSS, hostileFlow, startFixture, waitForState, type Fixture } from '../http/test-fixture.js';

let fx: Fixture;

beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx.close();
});

/** Logs in through the form and returns the session cookie. */
async function login(token: string): Promise<string> {
  const res = await fetch(`${fx.http.url}/login`, {
    method: 'POST',
    redirect: 'manual',
    body: new URLSearchParams({ token, next: '/' }),
  });
  expect(res.status).toBe(303);
  const cookie = res.headers.get('set-cookie') ?? '';
  expect(cookie).toMatch(/HttpOnly/i);
  expect(cookie).toMatch(/SameSite=Strict/i);
  expect(cookie).not.toContain(token);
  return cookie.split(';')[0] ?? '';
}

async function get(path: string, cookie: string): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${fx.http.url}${path}`, { headers: { cookie }, redirect: 'manual' });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(page);
  if (!match?.[1]) throw new Error('no CSRF token on the page');
  return match[1];
}

describe('dashboard', () => {
  it('redirects to the login page without a session, and refuses a wrong token', async () => {
    const res = await fetch(`${fx.http.url}/`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2F');
    const bad = await fetch(`${fx.http.url}/login`, { method: 'POST', body: new URLSearchParams({ token: 'nope-nope-nope-nope' }) });
    expect(bad.status).toBe(401);
    const text = await bad.text();
    expect(text).toContain('That token is not valid.');
    expect(text).not.toContain('nope-nope-nope-nope');
  });

  it('a run whose log line and row error contain <script> renders them as text', async () => {
    const handle = await fx.engine.start(hostileFlow);
    await waitForState(fx.store, handle.runId, ['Completed']);
    const cookie = await login(READ_TOKEN);
    const page = await get(`/runs/${handle.runId}`, cookie);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.text).not.toContain('<script');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('row text &lt;script&gt;window.__xss = 1; document.title = &#39;pwned&#39;&lt;/script&gt;');
    expect(page.text).toContain('bad value &lt;script&gt;');
    expect(page.text).toContain('&lt;img src=x onerror=&quot;window.__xss=2&quot;&gt;');
    expect(page.text).toContain('INVALID_DATE');
    // The API returns the same row error as data.
    const api = await fetch(`${fx.http.url}/api/runs/${handle.runId}`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
    const body = (await api.json()) as { rowErrors: { message: string; code: string }[] };
    expect(body.rowErrors).toEqual([expect.objectContaining({ code: 'INVALID_DATE', message: `bad value ${XSS}` })]);
  });

  it('shows a read-only user no trigger form and refuses its POSTs', async () => {
    const cookie = await login(READ_TOKEN);
    const home = await get('/', cookie);
    expect(home.status).toBe(200);
    expect(home.text).not.toContain('id="trigger"');
    const res = await fetch(`${fx.http.url}/runs`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrfOf(home.text), flow: 'demo-sync', params: '{}' }),
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
  });

  it('admin triggers from the form; a POST without the CSRF token or from another origin is refused', async () => {
    const cookie = await login(ADMIN_TOKEN);
    const home = await get('/', cookie);
    expect(home.text).toContain('id="trigger"');
    const csrf = csrfOf(home.text);
    const noCsrf = await fetch(`${fx.http.url}/runs`, { method: 'POST', headers: { cookie }, body: new URLSearchParams({ flow: 'demo-sync' }), redirect: 'manual' });
    expect(noCsrf.status).toBe(403);
    const crossOrigin = await fetch(`${fx.http.url}/runs`, {
      method: 'POST',
      headers: { cookie, origin: 'https://evil.example' },
      body: new URLSearchParams({ _csrf: csrf, flow: 'demo-sync' }),
      redirect: 'manual',
    });
    expect(crossOrigin.status).toBe(403);
    const before = (await fx.store.listRuns({ flowName: 'demo-sync' })).items.length;
    expect(before).toBe(0);
    const ok = await fetch(`${fx.http.url}/runs`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf, flow: 'demo-sync', params: '{"entities":2,"records":4}' }),
      redirect: 'manual',
    });
    expect(ok.status).toBe(303);
    const location = ok.headers.get('location') ?? '';
    expect(location).toMatch(/^\/runs\/[0-9a-f-]{36}$/);
    const runId = location.slice('/runs/'.length);
    await waitForState(fx.store, runId, ['Completed']);
    const page = await get(location, cookie);
    expect(page.text).toContain('class="gantt"');
    expect(page.text).toContain('data-state="Retrying"');
    expect(page.text).not.toContain('http-equiv="refresh"');
    const badParams = await fetch(`${fx.http.url}/runs`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf, flow: 'demo-sync', params: '{"entities":99}' }),
    });
    expect(badParams.status).toBe(400);
    expect(await badParams.text()).toContain('body.params.entities');
  });

  it('auto-refreshes the page of a running run, and admin can cancel it from there', async () => {
    const cookie = await login(ADMIN_TOKEN);
    const { runId } = await fx.engine.start((await import('../http/test-fixture.js')).slowFlow);
    await waitForState(fx.store, runId, ['Running']);
    const page = await get(`/runs/${runId}`, cookie);
    expect(page.text).toContain('<meta http-equiv="refresh" content="1">');
    expect(page.text).toContain('Cancel run');
    const res = await fetch(`${fx.http.url}/runs/${runId}/cancel`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrfOf(page.text) }),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(await waitForState(fx.store, runId, ['Cancelled'])).toBe('Cancelled');
  });

  it('lists schedules with next fire times and the DST preview, and logout ends the session', async () => {
    const cookie = await login(READ_TOKEN);
    const page = await get('/schedules', cookie);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-schedule="nightly-sync"');
    expect(page.text).toContain('0 2 * * * (America/Chicago)');
    expect(page.text).toMatch(/T02:00:00-0[56]:00/);
    await fetch(`${fx.http.url}/logout`, { method: 'POST', headers: { cookie }, body: new URLSearchParams({ _csrf: csrfOf(page.text) }), redirect: 'manual' });
    expect((await get('/schedules', cookie)).status).toBe(303);
  });
});
