/**
 * The dashboard in real Chromium (playwright-core driving /usr/bin/chromium): log in, see recent
 * runs, open a run's timeline, trigger a flow as admin and watch it complete, and check that a
 * run's hostile log line and row error render as text with no script executed. Screenshots go to
 * `apps/vms-runner/artifacts/` (gitignored).
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, READ_TOKEN, demoSync, hostileFlow, startFixture, waitForState, type Fixture } from '../http/test-fixture.js';

const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));

let fx: Fixture;
let browser: Browser;

beforeAll(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  fx = await startFixture();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});
afterAll(async () => {
  await browser?.close();
  await fx?.close();
});

async function loginAs(page: Page, token: string): Promise<void> {
  await page.goto(`${fx.http.url}/`);
  expect(new URL(page.url()).pathname).toBe('/login');
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.waitForURL(`${fx.http.url}/`);
}

describe('dashboard in Chromium', () => {
  it('logs in, sees recent runs and opens a run timeline', async () => {
    const first = await fx.engine.start(demoSync, { entities: 3, records: 8 });
    await waitForState(fx.store, first.runId, ['Completed']);
    const context = await browser.newContext();
    const page = await context.newPage();
    await loginAs(page, READ_TOKEN);
    const row = page.locator(`#runs tr[data-run-id="${first.runId}"]`);
    await expect(row.locator('.state').textContent()).resolves.toBe('Completed');
    expect(await page.locator('.flow-card[data-flow="demo-sync"] svg.chart').count()).toBe(2);
    expect(await page.locator('#trigger').count()).toBe(0); // read-only
    await page.screenshot({ path: `${ARTIFACTS}runs.png`, fullPage: true });
    await row.locator('a').click();
    await page.waitForURL(`${fx.http.url}/runs/${first.runId}`);
    expect(await page.locator('svg.gantt .task-row').count()).toBe(3);
    // The retried task shows two attempts and the wait between them.
    expect(await page.locator('svg.gantt rect.seg[data-state="Retrying"]').count()).toBe(1);
    expect(await page.locator('#tasks tr[data-task-key="contacts"] td').nth(2).textContent()).toBe('2 / 3');
    expect(await page.locator('#logs .msg', { hasText: 'syncing contacts' }).count()).toBeGreaterThan(0);
    await page.screenshot({ path: `${ARTIFACTS}run-timeline.png`, fullPage: true });
    await context.close();
  });

  it('triggers a flow as admin and watches it complete', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await loginAs(page, ADMIN_TOKEN);
    await page.selectOption('#trigger select[name=flow]', 'demo-sync');
    await page.fill('#trigger textarea[name=params]', '{"entities":4,"records":400,"stepDelayMs":400}');
    await page.click('#trigger button[type=submit]');
    await page.waitForURL(/\/runs\/[0-9a-f-]{36}$/);
    const runId = new URL(page.url()).pathname.split('/').pop() ?? '';
    // Still running: the page refreshes itself and shows live progress.
    expect(await page.locator('meta[http-equiv=refresh]').count()).toBe(1);
    expect(await page.locator('h1 .state').textContent()).not.toBe('Completed');
    await page.screenshot({ path: `${ARTIFACTS}trigger-running.png`, fullPage: true });
    let reloads = 0;
    page.on('load', () => {
      reloads += 1;
    });
    // The page reloads itself (meta refresh) while the run is active, until it shows Completed.
    await page.locator('h1 .state', { hasText: /^Completed$/ }).waitFor({ timeout: 20_000 });
    expect(await page.locator('#run-id').textContent()).toBe(runId);
    expect(reloads).toBeGreaterThan(0);
    expect(await page.locator('meta[http-equiv=refresh]').count()).toBe(0);
    expect(await page.locator('svg.gantt .task-row').count()).toBe(4);
    expect(await page.locator('#tasks tr[data-task-key="accounts"] td').nth(3).textContent()).toBe('400 / 400 records');
    expect((await fx.store.getRun(runId))?.state).toBe('Completed');
    await page.screenshot({ path: `${ARTIFACTS}trigger-completed.png`, fullPage: true });
    await context.close();
  });

  it('renders a hostile log line and row error as text; no script runs', async () => {
    const hostile = await fx.engine.start(hostileFlow);
    await waitForState(fx.store, hostile.runId, ['Completed']);
    const context = await browser.newContext();
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await loginAs(page, READ_TOKEN);
    await page.goto(`${fx.http.url}/runs/${hostile.runId}`);
    expect(await page.evaluate(() => (globalThis as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.title()).not.toBe('pwned');
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('#logs .msg').first().textContent()).toContain("<script>window.__xss = 1; document.title = 'pwned'</script>");
    expect(await page.locator('#row-errors').textContent()).toContain('<img src=x onerror="window.__xss=2">');
    expect(dialogs).toEqual([]);
    await page.screenshot({ path: `${ARTIFACTS}hostile-run.png`, fullPage: true });
    await context.close();
  });
});
