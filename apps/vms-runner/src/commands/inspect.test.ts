/**
 * `runs`, `show`, `schedules` and `cancel` on a real runner store: a full sync of a small
 * generated org (Salesforce test server), the schedules `start` stores, a queued run, and a
 * run executing in a serving runner (`cancel` reaches it over the HTTP API).
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { SalesforceTestServer } from '@vms/flow-salesforce/testing';
import { SqliteStore } from '@vms/flow-store-sqlite';
import { tempDir, waitFor, type TempDir } from '@vms/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { ConfigError } from '../config/errors';
import { FULL_SYNC, type SyncSummary } from '../flows/salesforce-sync';
import { createRunner, SCHEDULE_NAMES } from '../runner';
import { demoEnv, startDemoSalesforce } from './demo';
import { cancelCommand, runsCommand, schedulesCommand, showCommand } from './inspect';
import { memoryOutput } from './output';
import { serve } from './serve';

const ADMIN = 'inspect-admin-token-0123456789';

let dir: TempDir;
let sf: SalesforceTestServer;
let env: Record<string, string>;
let syncId: string;
let summary: SyncSummary;
let queuedId: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  dir = await tempDir('vms-inspect-');
  sf = (await startDemoSalesforce({ scale: 0.01, seed: 4 }, memoryOutput())).server;
  env = { ...demoEnv(sf, { rootUrl: 'http://127.0.0.1:9/' }, dir.path, { adminToken: ADMIN, port: await freePort() }), HTTP_HOST: '127.0.0.1' };
  const runner = await createRunner(loadConfig(env, { envFile: false }));
  try {
    const handle = await runner.engine.start(runner.flows[FULL_SYNC], {});
    syncId = handle.runId;
    summary = (await handle.result()) as SyncSummary;
    await runner.registerSchedules();
    queuedId = (await runner.engine.enqueue(runner.flows['health-check'], { skipSalesforce: true }, { runAt: Date.now() + 3_600_000 })).runId;
  } finally {
    await runner.close();
  }
}, 60_000);
afterAll(async () => {
  await sf?.close();
  await dir?.cleanup();
});

describe('vms-runner runs', () => {
  it('lists recent runs newest first, filtered by flow and state, limited', async () => {
    const out = memoryOutput();
    expect(await runsCommand({}, out, env)).toBe(0);
    expect(out.lines[0]).toMatch(/^run\s+flow\s+state\s+created\s+duration\s+schedule$/);
    const rows = out.lines.slice(2);
    expect(rows.map((l) => l.split(/\s+/).slice(0, 3))).toEqual([
      [queuedId, 'health-check', 'Scheduled'],
      [syncId, FULL_SYNC, 'Completed'],
    ]);
    const byFlow = memoryOutput();
    await runsCommand({ flow: FULL_SYNC }, byFlow, env);
    expect(byFlow.lines.slice(2).map((l) => l.split(/\s+/)[0])).toEqual([syncId]);
    const byState = memoryOutput();
    await runsCommand({ state: 'Failed' }, byState, env);
    expect(byState.lines).toEqual(['No runs.']);
    const limited = memoryOutput();
    await runsCommand({ limit: 1 }, limited, env);
    expect(limited.lines).toHaveLength(3);
    await expect(runsCommand({ state: 'Bogus' }, memoryOutput(), env)).rejects.toThrow(ConfigError);
  });

  it('says how to fix a store path where no store exists (no file is created)', async () => {
    const missing = { ...env, VMS_RUNNER_STORE_PATH: join(dir.path, 'nowhere', 'runner.db') };
    await expect(runsCommand({}, memoryOutput(), missing)).rejects.toThrow(/No runner store at .*nowhere\/runner\.db.* VMS_RUNNER_STORE_PATH/);
  });
});

describe('vms-runner show', () => {
  it('shows the run, one row per entity task with its stored counts, and its last log lines', async () => {
    const out = memoryOutput();
    expect(await showCommand(syncId, out, env)).toBe(0);
    expect(out.lines[0]).toBe(`run      ${syncId}`);
    expect(out.lines[1]).toBe(`flow     ${FULL_SYNC}  params {}`);
    expect(out.lines[2]).toBe('state    Completed  attempt 1');
    const header = out.lines.findIndex((l) => /^task\s+state\s+attempt\s+started\s+duration\s+processed\s+created/.test(l));
    expect(header).toBeGreaterThan(0);
    const entities = Object.values(summary.entities);
    expect(entities.length).toBeGreaterThan(5);
    for (const e of entities) {
      const row = out.lines.slice(header + 2).find((l) => l.startsWith(`${e.entity} `));
      expect(row, e.entity).toBeDefined();
      const cells = (row as string).trim().split(/\s+/);
      // task, state, attempt, started, duration (2 cells), processed, created, updated, unchanged, skipped, failed
      expect([cells[1], cells[2], ...cells.slice(6, 12).map((c) => Number(c.replace(/,/g, '')))], e.entity).toEqual([
        'Completed', '1', e.processed, e.created, e.updated, e.unchanged, e.skipped, e.failed,
      ]);
    }
    expect(out.lines.some((l) => /INFO {2}organizations: organizations: full sync/.test(l))).toBe(true);
  });

  it('exits 1 for an unknown run, pointing at `runs`', async () => {
    const out = memoryOutput();
    expect(await showCommand('no-such-run', out, env)).toBe(1);
    expect(out.errors).toEqual(['No run `no-such-run` (list runs with `vms-runner runs`)']);
  });
});

describe('vms-runner schedules', () => {
  it('lists the stored schedules with their next three fire times in local time', async () => {
    const out = memoryOutput();
    expect(await schedulesCommand(undefined, undefined, out, env)).toBe(0);
    const rows = out.lines.slice(2).map((l) => l.split(/\s{2,}/));
    expect(rows.map((r) => r.slice(0, 5))).toEqual([
      [SCHEDULE_NAMES.incrementalSync, 'incremental-salesforce-sync', '0 2 * * *', 'America/Chicago', 'active'],
      [SCHEDULE_NAMES.fullSync, FULL_SYNC, '0 6 * * 1', 'America/Chicago', 'active'],
      [SCHEDULE_NAMES.healthCheck, 'health-check', '0 6 * * 1', 'America/Chicago', 'active'],
    ]);
    const next = (name: string): Date[] => (rows.find((r) => r[0] === name)?.[5] ?? '').split(', ').map((s) => new Date(s));
    const daily = next(SCHEDULE_NAMES.incrementalSync);
    expect(rows[0]?.[5]).toMatch(/^(\d{4}-\d\d-\d\dT02:00:00-0[56]:00(, )?){3}$/);
    expect(daily[0]!.getTime()).toBeGreaterThan(Date.now());
    expect(daily[0]!.getTime()).toBeLessThanOrEqual(Date.now() + 25 * 3_600_000);
    // Consecutive days (23 to 25 hours apart across a DST change).
    for (let i = 1; i < 3; i++) expect(Math.abs(daily[i]!.getTime() - daily[i - 1]!.getTime() - 24 * 3_600_000)).toBeLessThanOrEqual(3_600_000);
    expect(rows[1]?.[5]).toMatch(/^(\d{4}-\d\d-\d\dT06:00:00-0[56]:00(, )?){3}$/);
    for (const at of next(SCHEDULE_NAMES.fullSync)) expect(new Date(at.getTime() - 6 * 3_600_000).getUTCDay()).toBe(1); // Monday in Chicago
  });

  it('pause and resume are stored (a later listing and the store see them); an unknown name exits 1', async () => {
    const paused = memoryOutput();
    expect(await schedulesCommand('pause', SCHEDULE_NAMES.fullSync, paused, env)).toBe(0);
    expect(paused.lines).toEqual([`${SCHEDULE_NAMES.fullSync} paused`]);
    const store = new SqliteStore({ file: loadConfig(env, { envFile: false }).storePath });
    try {
      expect((await store.getSchedule(SCHEDULE_NAMES.fullSync))?.paused).toBe(true);
    } finally {
      await store.close();
    }
    const list = memoryOutput();
    await schedulesCommand(undefined, undefined, list, env);
    expect(list.lines.find((l) => l.startsWith(SCHEDULE_NAMES.fullSync))).toMatch(/\bpaused\s+-$/);

    const resumed = memoryOutput();
    expect(await schedulesCommand('resume', SCHEDULE_NAMES.fullSync, resumed, env)).toBe(0);
    expect(resumed.lines[0]).toMatch(new RegExp(`^${SCHEDULE_NAMES.fullSync} resumed; next \\d{4}-\\d\\d-\\d\\dT\\d\\d:00:00\\.000Z$`));
    const again = memoryOutput();
    await schedulesCommand(undefined, undefined, again, env);
    expect(again.lines.find((l) => l.startsWith(SCHEDULE_NAMES.fullSync))).toMatch(/\bactive\s+\d{4}/);

    const unknown = memoryOutput();
    expect(await schedulesCommand('pause', 'nightly', unknown, env)).toBe(1);
    expect(unknown.errors[0]).toBe(`No schedule \`nightly\`; schedules: ${SCHEDULE_NAMES.incrementalSync}, ${SCHEDULE_NAMES.fullSync}, ${SCHEDULE_NAMES.healthCheck}`);
  });
});

describe('vms-runner cancel', () => {
  it('cancels a queued run in the store; an ended run and an unknown id exit 1', async () => {
    const out = memoryOutput();
    expect(await cancelCommand(queuedId, out, env)).toBe(0);
    expect(out.lines).toEqual([`Cancelled ${queuedId} (health-check).`]);
    const store = new SqliteStore({ file: loadConfig(env, { envFile: false }).storePath });
    try {
      expect((await store.getRun(queuedId))?.state).toBe('Cancelled');
    } finally {
      await store.close();
    }
    const ended = memoryOutput();
    expect(await cancelCommand(syncId, ended, env)).toBe(1);
    expect(ended.errors).toEqual([`Run ${syncId} has already ended (Completed).`]);
    const unknown = memoryOutput();
    expect(await cancelCommand('no-such-run', unknown, env)).toBe(1);
    expect(unknown.errors).toEqual(['No run `no-such-run`']);
  });

  it('cancels a run executing in the serving runner through its HTTP API', async () => {
    sf.setFaults({ latencyMs: 150 });
    const runner = await createRunner(loadConfig(env, { envFile: false }));
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const serveOut = memoryOutput();
    const serving = serve(runner, serveOut, { until });
    try {
      await waitFor(() => serveOut.lines.some((l) => l.startsWith('Press Ctrl+C')), { timeoutMs: 20_000 });
      const { runId } = await runner.control.trigger(FULL_SYNC, {});
      await waitFor(async () => (await runner.store.getRun(runId))?.state === 'Running', { timeoutMs: 20_000, intervalMs: 20 });
      const out = memoryOutput();
      expect(await cancelCommand(runId, out, env)).toBe(0);
      expect(out.lines).toEqual([`Cancellation of ${runId} requested from the runner at http://127.0.0.1:${env.HTTP_PORT}.`]);
      await waitFor(async () => (await runner.store.getRun(runId))?.state === 'Cancelled', { timeoutMs: 20_000, intervalMs: 20 });
    } finally {
      sf.setFaults({});
      stop();
      await serving;
      await runner.close();
    }
  }, 60_000);
});
