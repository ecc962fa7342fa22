/**
 * Issue 9 item 2: faults. The full sync against a Salesforce test server that answers 5% of API
 * requests with 503, times out, drops a connection, expires the session once and bursts
 * REQUEST_LIMIT_EXCEEDED once still completes with every good record, and row errors only for
 * the injected bad rows (its database equals a fault-free sync's). The same for the Sheets
 * server under the virtual-session import.
 */
import { join } from 'node:path';
import { tempDir, type TempDir } from '@vms/test-utils';
import { startSheetsTestServer, type SheetsTestServer } from '@vms/flow-sheets/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { virtualSessionSheet } from '../generator/sheet';
import type { Runner } from '../runner';
import { canonicalDump, diffDumps } from './harness/canonical-dump';
import { goodRecordCounts, missingGoodRecords, rowErrorMismatch } from './harness/expectations';
import { runnerEnv, startOrg, type Org } from './harness/org';
import { FAST_SF_RETRY, runFlow, runnerFrom, type RunOutcome } from './harness/runner';

const SEED = 9;
const YEAR = '2024-2025';
const SHEET = 'vs-sheet';
const sheet = virtualSessionSheet({ academicYear: YEAR, seed: SEED, rows: 120, missingTitleRate: 0.05 });
let sheets: SheetsTestServer;
let dir: TempDir;
let org: Org;
let clean: { runner: Runner; outcome: RunOutcome };
let faulty: { runner: Runner; outcome: RunOutcome };
let faultStats: Record<string, number>;

async function syncInto(sub: string): Promise<{ runner: Runner; outcome: RunOutcome }> {
  const runner = await runnerFrom(
    runnerEnv(org.server, join(dir.path, sub), {
      SYNC_CHUNK_SIZE: '100',
      GOOGLE_API_KEY: 'sheets-test-key',
      GOOGLE_SHEETS_ROOT_URL: sheets.rootUrl,
      VIRTUAL_SESSION_SHEETS: `${YEAR}=${SHEET}`,
    }),
    { salesforce: { retry: FAST_SF_RETRY } },
    // A page slower than 1.5 s is a timeout (production default: 120 s).
    (c) => ({ ...c, salesforce: c.salesforce && { ...c.salesforce, timeoutMs: 1500 } }),
  );
  return { runner, outcome: await runFlow(runner, 'full-salesforce-sync') };
}

beforeAll(async () => {
  dir = await tempDir('vms-faults-');
  org = await startOrg({ seed: SEED, scale: 0.1, badRowRate: 0.03, pageSize: 100 });
  sheets = await startSheetsTestServer({ sheets: { [SHEET]: { 'Virtual Sessions': sheet.values } }, apiKey: 'sheets-test-key' });
  clean = await syncInto('clean');
  const requests = org.server.stats.apiRequests;
  org.server.resetStats();
  org.server.setFaults({
    seed: SEED,
    serverErrorRate: 0.05,
    // The 5% rate over a small sync may draw no error at all: one sure 5xx as well.
    serverErrorAt: [Math.round(requests * 0.1)],
    sessionExpiryAt: [Math.round(requests * 0.3)],
    requestLimitAt: [Math.round(requests * 0.5), Math.round(requests * 0.5) + 1, Math.round(requests * 0.5) + 2],
    dropConnectionAt: [Math.round(requests * 0.7)],
    // Two answers slower than the client's timeout.
    custom: ({ n }) => (n === Math.round(requests * 0.2) || n === Math.round(requests * 0.8) ? { type: 'latency', ms: 2500 } : undefined),
  });
  faulty = await syncInto('faulty');
  faultStats = { ...org.server.stats.faults, apiRequests: org.server.stats.apiRequests, logins: org.server.stats.logins, cleanRequests: requests };
}, 120_000);

afterAll(async () => {
  await clean?.runner.close();
  await faulty?.runner.close();
  await org?.close();
  await sheets?.close();
  await dir?.cleanup();
});

describe('faults: Salesforce test server', () => {
  it('the faults really happened (5xx, session expiry, request-limit burst, dropped connection, slow answers)', () => {
    expect(faultStats.serverError).toBeGreaterThan(0);
    expect(faultStats.sessionExpiry).toBe(1);
    expect(faultStats.requestLimit).toBe(3);
    expect(faultStats.dropConnection).toBe(1);
    expect(faultStats.latency).toBe(2);
    // The expired session made the client log in again.
    expect(faultStats.logins).toBeGreaterThanOrEqual(2);
  });

  it('the fault-free sync completes with every good record and row errors exactly for the bad rows', () => {
    expect(clean.outcome.error?.message).toBeUndefined();
    expect(clean.outcome.state).toBe('Completed');
    const counts = goodRecordCounts(org.data);
    for (const [entity, n] of Object.entries(counts)) expect(n, entity).toBeGreaterThan(0);
    expect(missingGoodRecords(clean.runner.db, org.data)).toEqual({});
    expect(rowErrorMismatch(clean.runner.db, org.data)).toEqual({ missing: [], unexpected: [] });
  });

  it('the fault-injected sync completes with every good record and row errors only for really-bad rows', () => {
    expect(faulty.outcome.error?.message).toBeUndefined();
    expect(faulty.outcome.state).toBe('Completed');
    expect(missingGoodRecords(faulty.runner.db, org.data)).toEqual({});
    expect(rowErrorMismatch(faulty.runner.db, org.data)).toEqual({ missing: [], unexpected: [] });
  });

  it('the fault-injected database equals the fault-free one (canonical dump)', () => {
    const a = canonicalDump(join(dir.path, 'faulty', 'vms.db'));
    const b = canonicalDump(join(dir.path, 'clean', 'vms.db'));
    expect(diffDumps(a, b)).toEqual({});
    expect(Object.values(b.tables).reduce((n, rows) => n + rows.length, 0)).toBeGreaterThan(3000);
  });
});

describe('faults: Sheets test server', () => {
  let results: { clean: RunOutcome; faulty: RunOutcome; cleanRows: unknown[]; faultyRows: unknown[] };
  const importInto = async (runner: Runner): Promise<{ outcome: RunOutcome; rows: unknown[] }> => {
    const outcome = await runFlow(runner, 'virtual-session-import', { academicYear: YEAR });
    const rows = runner.db.prepare("SELECT title, start_date, status, session_id FROM event WHERE format = 'virtual' ORDER BY start_date, title").all();
    return { outcome, rows };
  };

  beforeAll(async () => {
    const a = await importInto(clean.runner);
    // One quota 429 (Retry-After 1 s), then a reset connection: the read task retries and completes.
    sheets.inject({ status: 429, retryAfter: 1 }, { reset: true }, { latencyMs: 300 });
    const b = await importInto(faulty.runner);
    results = { clean: a.outcome, faulty: b.outcome, cleanRows: a.rows, faultyRows: b.rows };
  }, 60_000);

  it('the import completes through a quota 429, a reset connection and a slow answer, with the same rows and row issues as without faults', () => {
    expect(results.clean.error?.message).toBeUndefined();
    expect(results.clean.state).toBe('Completed');
    expect(results.faulty.error?.message).toBeUndefined();
    expect(results.faulty.state).toBe('Completed');
    expect(sheets.requests.length).toBeGreaterThanOrEqual(4);
    expect(results.faultyRows.length).toBeGreaterThan(20);
    expect(results.faultyRows).toEqual(results.cleanRows);
    const issues = (r: RunOutcome): unknown[] => (r.result as { errors: unknown[] }).errors;
    expect(issues(results.faulty)).toEqual(issues(results.clean));
    // The title-less rows the generator made are the issues (and only them, with the row number).
    const missing = sheet.missingTitleRows;
    expect(missing.length).toBeGreaterThan(0);
    for (const row of missing) expect(issues(results.clean).some((i) => (i as { row: number }).row === row), `row ${row}`).toBe(true);
  });
});
