/**
 * The runner's flows end to end: a real engine on a real SQLite store, a real VMS database, and
 * the Salesforce and Sheets test servers on 127.0.0.1 reached through jsforce and googleapis.
 */
import { join } from 'node:path';
import type { SalesforceTestServer } from '@vms/flow-salesforce/testing';
import type { SheetsTestServer } from '@vms/flow-sheets/testing';
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { demoEnv, DEMO_YEAR, startDemoSalesforce, startDemoSheets } from '../commands/demo';
import { memoryOutput } from '../commands/output';
import { runCommand } from '../commands/run';
import { createRunner, type Runner } from '../runner';
import { ENTITY_NAMES } from '../sync/dag';
import { filterFields } from '../sync/soql';

let dir: TempDir;
let sf: SalesforceTestServer;
let sheets: SheetsTestServer;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await tempDir('vms-flows-');
  const quiet = memoryOutput();
  sf = (await startDemoSalesforce({ scale: 0.05, seed: 3 }, quiet)).server;
  sheets = await startDemoSheets({ seed: 3 }, quiet);
  env = demoEnv(sf, sheets, dir.path, { adminToken: 'admin-token-0123456789abcdef' });
});
afterAll(async () => {
  await sheets?.close();
  await sf?.close();
  await dir?.cleanup();
});

async function withRunner<T>(body: (runner: Runner) => Promise<T>, overrides: Record<string, string> = {}): Promise<T> {
  const runner = await createRunner(loadConfig({ ...env, ...overrides }, { envFile: false }));
  try {
    return await body(runner);
  } finally {
    await runner.close();
  }
}

const tableCounts = (runner: Runner): Record<string, number> =>
  Object.fromEntries(
    ['organization', 'district', 'school', 'class', 'contact', 'volunteer_organization', 'event', 'event_participation', 'event_student_participation', 'history', 'pathway', 'email'].map((t) => [
      t,
      runner.db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number,
    ]),
  );

describe('entity SOQL', () => {
  it('selects the fields of the entity filter (the importer re-checks them)', () => {
    expect(filterFields("Type NOT IN ('Household', 'School')")).toEqual(['Type']);
    expect(filterFields("(Contact_Type__c = 'Volunteer' OR Contact_Type__c = null)")).toEqual(['Contact_Type__c']);
    expect(filterFields("Session_Status__c != 'Draft' AND Session_Type__c != 'Connector = x'")).toEqual(['Session_Status__c', 'Session_Type__c']);
  });
});

describe('full-salesforce-sync', () => {
  let first: Awaited<ReturnType<Runner['engine']['run']>> & { entities: Record<string, { processed: number; created: number; updated: number; unchanged: number; skipped: number; failed: number }> };
  let firstCounts: Record<string, number>;
  let firstRunId: string;

  beforeAll(async () => {
    await withRunner(async (runner) => {
      const handle = await runner.engine.start(runner.flows['full-salesforce-sync']);
      firstRunId = handle.runId;
      first = (await handle.result()) as typeof first;
      firstCounts = tableCounts(runner);
    });
  });

  it('syncs every entity through the Salesforce test server, each a task with its counts', async () => {
    expect(Object.keys(first.entities)).toEqual([...ENTITY_NAMES]);
    for (const e of ENTITY_NAMES) {
      const r = first.entities[e] as (typeof first.entities)[string];
      expect(r.processed, e).toBeGreaterThan(0);
      expect(r.created + r.updated + r.unchanged + r.skipped + r.failed, e).toBe(r.processed);
      expect(r.created, e).toBeGreaterThan(0);
    }
    expect(firstCounts.contact).toBeGreaterThan(300);
  });

  it('independent entities overlap in time (stored task-run timestamps)', async () => {
    await withRunner(async (runner) => {
      const detail = await runner.store.getRunDetail(firstRunId);
      const span = (key: string): [number, number] => {
        const t = detail?.taskRuns.find((x) => x.taskKey === key);
        expect(t, key).toBeDefined();
        return [t?.startedAt as number, t?.endedAt as number];
      };
      const [orgStart, orgEnd] = span('organizations');
      const [distStart, distEnd] = span('districts');
      const [pathStart, pathEnd] = span('pathways');
      // organizations, districts and pathways depend on nothing: they run at the same time
      expect(orgStart).toBeLessThan(distEnd);
      expect(distStart).toBeLessThan(orgEnd);
      expect(pathStart).toBeLessThan(orgEnd);
      expect(orgStart).toBeLessThan(pathEnd);
      // and a dependent starts only after its parents ended: schools after districts
      const [schoolStart] = span('schools');
      expect(schoolStart).toBeGreaterThanOrEqual(distEnd);
    });
  });

  it('a second full sync changes nothing and duplicates nothing', async () => {
    await withRunner(async (runner) => {
      const second = (await runner.engine.run(runner.flows['full-salesforce-sync'])) as typeof first;
      for (const e of ENTITY_NAMES) {
        const a = first.entities[e] as (typeof first.entities)[string];
        const b = second.entities[e] as (typeof second.entities)[string];
        expect(b.processed, e).toBe(a.processed);
        expect(b.created, e).toBe(0);
        expect(b.updated, e).toBe(0);
        // every record is unchanged, skipped or failed again; nothing is written
        expect(b.unchanged + b.skipped + b.failed, e).toBe(b.processed);
        expect(b.failed, e).toBe(a.failed);
        // (a displaced duplicate pair was `updated` once on the first run; it is `skipped` now)
        expect(b.unchanged, e).toBeGreaterThanOrEqual(a.created - a.updated);
      }
      expect(tableCounts(runner)).toEqual(firstCounts);
    });
  });

  it('virtual-session-import writes the sheet once; a second import leaves every row unchanged', async () => {
    await withRunner(async (runner) => {
      runner.db.prepare("INSERT INTO virtual_session_report_cache (virtual_year) VALUES (?), ('2023-2024')").run(DEMO_YEAR);
      const a = await runner.engine.run(runner.flows['virtual-session-import'], { academicYear: DEMO_YEAR });
      expect(a.created).toBeGreaterThan(50);
      expect(a.cachesInvalidated).toBe(1);
      expect(runner.db.prepare('SELECT virtual_year FROM virtual_session_report_cache').pluck().all()).toEqual(['2023-2024']);
      const events = runner.db.prepare("SELECT count(*) FROM event WHERE type = 'virtual_session'").pluck().get() as number;
      expect(events).toBeGreaterThan(10);
      const b = await runner.engine.run(runner.flows['virtual-session-import'], { academicYear: DEMO_YEAR });
      expect(b).toMatchObject({ created: 0, updated: 0, failed: 0, processed: a.processed, skipped: a.skipped });
      expect(b.unchanged).toBe(a.processed - a.skipped - a.failed);
      expect(runner.db.prepare("SELECT count(*) FROM event WHERE type = 'virtual_session'").pluck().get()).toBe(events);
    });
  });

  it('health-check passes on the synced database and fails, naming the check, above the API-usage limit', async () => {
    await withRunner(async (runner) => {
      const ok = await runner.engine.run(runner.flows['health-check']);
      expect(ok.ok).toBe(true);
      expect(ok.checks.map((c) => c.name)).toEqual(['vms-database', 'runner-store', 'salesforce', 'data-integrity', 'memory', 'disk']);
      sf.apiUsage.used = 95_000;
      try {
        await expect(runner.engine.run(runner.flows['health-check'])).rejects.toThrow(/salesforce \(reachable; API usage \d+\/100000/);
      } finally {
        sf.apiUsage.used = 0;
      }
    });
  });
});

describe('vms-runner run <flow>', () => {
  it('exits 0 when the run completes and prints the per-entity table', async () => {
    const out = memoryOutput();
    const code = await runCommand('incremental-salesforce-sync', ['entities=["organizations","districts"]'], out, env);
    expect(code).toBe(0);
    expect(out.lines.join('\n')).toMatch(/organizations\s+\d+/);
    expect(out.lines.at(-1)).toMatch(/^incremental-salesforce-sync Completed in/);
  });

  it('exits 1 when the run fails (a wrong Salesforce password), without printing the password', async () => {
    const out = memoryOutput();
    const code = await runCommand('full-salesforce-sync', ['entities=["districts"]'], out, { ...env, SF_PASSWORD: 'wrong-password-123' });
    expect(code).toBe(1);
    const text = [...out.lines, ...out.errors].join('\n');
    expect(text).toMatch(/full-salesforce-sync Failed/);
    expect(text).not.toContain('wrong-password-123');
  });

  it('rejects an unknown flow and bad params before running anything', async () => {
    await expect(runCommand('no-such-flow', [], memoryOutput(), env)).rejects.toThrow(/No flow `no-such-flow`; flows: full-salesforce-sync/);
    await expect(runCommand('full-salesforce-sync', ['entities=["nope"]'], memoryOutput(), env)).rejects.toMatchObject({ code: 'INVALID_PARAMS' });
  });
});
