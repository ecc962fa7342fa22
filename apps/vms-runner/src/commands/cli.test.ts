/**
 * The `vms-runner` binary as a person runs it: a child process (`node --conditions=@vms/source
 * --import tsx src/cli.ts`), its exit code and what it prints.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '@vms/flow-store-sqlite';
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './main';
import { migrateLegacyCommand } from './migrate-legacy';
import { memoryOutput } from './output';

const APP = fileURLToPath(new URL('../..', import.meta.url));

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@vms/source', '--import', 'tsx', 'src/cli.ts', ...args],
      { cwd: APP, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

let dir: TempDir;
beforeAll(async () => {
  dir = await tempDir('vms-cli-');
});
afterAll(async () => {
  await dir.cleanup();
});

describe('vms-runner (child process)', () => {
  it('config errors: three bad settings are all printed at once and the exit code is 2', async () => {
    const r = await cli(['run', 'health-check'], { HTTP_PORT: '99999', VMS_TIMEZONE: 'Nowhere/Land', API_TOKENS_ADMIN: 'too-short', VMS_DATABASE_PATH: join(dir.path, 'v.db') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Invalid configuration (3 problems)');
    expect(r.stderr).toContain('HTTP_PORT: Expected an integer from 0 to 65535, got `99999`');
    expect(r.stderr).toContain('VMS_TIMEZONE');
    expect(r.stderr).toContain('API_TOKENS_ADMIN');
    expect(r.stderr).not.toContain('too-short');
  });

  it('demo: test servers, full sync and virtual-session import at a small scale; prints the summary and exits 0', async () => {
    const demoDir = join(dir.path, 'demo');
    const r = await cli(['demo', '--scale', '0.05', '--dir', demoDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/entity\s+processed\s+created\s+updated\s+unchanged\s+skipped\s+failed\s+status/);
    for (const e of ['organizations', 'volunteers', 'affiliations', 'events', 'history', 'pathway_participants', 'virtual_sessions']) {
      expect(r.stdout).toMatch(new RegExp(`\\n${e}\\s+\\d`));
    }
    expect(r.stdout).toMatch(/\ntotal\s+[\d,]+\s+[\d,]+/);
    expect(r.stdout).toMatch(/peak RSS \d+ MB/);
    expect(r.stdout).toContain('Demo completed.');
    // The runs are in the runner's store, both Completed, and the dependency order held.
    const store = new SqliteStore({ file: join(demoDir, 'runner.db') });
    try {
      const runs = (await store.listRuns({ parentRunId: null })).items;
      expect(runs.map((x) => `${x.flowName}:${x.state}`).sort()).toEqual(['full-salesforce-sync:Completed', 'virtual-session-import:Completed']);
      const sync = runs.find((x) => x.flowName === 'full-salesforce-sync');
      const detail = await store.getRunDetail(sync?.id as string);
      const t = (k: string) => detail?.taskRuns.find((x) => x.taskKey === k);
      expect(detail?.taskRuns).toHaveLength(15);
      expect((t('volunteers')?.startedAt ?? 0) >= (t('organizations')?.endedAt ?? Infinity)).toBe(true);
      expect((t('volunteer_participations')?.startedAt ?? 0) >= (t('events')?.endedAt ?? Infinity)).toBe(true);
    } finally {
      await store.close();
    }
  });

});

describe('main (in process)', () => {
  it('unknown command, unknown option and a missing flow name exit 2 with a pointer to the usage', async () => {
    const a = memoryOutput();
    expect(await main(['dance'], a)).toBe(2);
    expect(a.errors).toEqual(['vms-runner: Unknown command `dance`', 'Run `vms-runner help` for usage.']);
    const b = memoryOutput();
    expect(await main(['demo', '--scael', '1'], b)).toBe(2);
    expect(b.errors[0]).toMatch(/Unknown option '--scael'/);
    const c = memoryOutput();
    expect(await main(['run'], c)).toBe(2);
    expect(c.errors[0]).toBe('vms-runner: Expected one flow name after `run`, got none');
    const d = memoryOutput();
    expect(await main(['demo', '--scale', 'huge'], d)).toBe(2);
    expect(d.errors[0]).toBe('vms-runner: Expected `--scale` to be a number > 0 (up to 1000) or `prod`, got `huge`');
    const h = memoryOutput();
    expect(await main(['help'], h)).toBe(0);
    expect(h.lines[0]).toMatch(/^Usage: vms-runner <command>/);
  });
});

describe('migrate-legacy', () => {
  it('imports a small CSV sync-log history as historical runs, once', async () => {
    const file = join(dir.path, 'sync_logs.csv');
    writeFileSync(
      file,
      [
        'id,sync_type,started_at,completed_at,status,records_processed,records_failed,records_skipped,error_message,is_delta_sync',
        '1,volunteers,2025-03-01 02:00:13.123456,2025-03-01 02:04:01.5,success,12600,3,0,,1',
        '2,events,2025-03-01 02:04:02,2025-03-01 02:05:00,failed,0,0,0,"INVALID_SESSION_ID: Session expired, ""retry""",0',
        '3,students,not a date,,success,1,0,0,,0',
      ].join('\n'),
    );
    const env = { VMS_RUNNER_STORE_PATH: join(dir.path, 'legacy', 'runner.db'), VMS_DATABASE_PATH: join(dir.path, 'legacy', 'vms.db') };
    const out = memoryOutput();
    expect(await migrateLegacyCommand(file, out, { env })).toBe(1); // row 3 rejected
    expect(out.lines[0]).toBe(`2 legacy sync runs imported, 0 already there, 1 rejected (from 3 rows of ${file}).`);
    expect(out.errors[0]).toMatch(/^row 3: started_at\/completed_at is not a date/);
    const store = new SqliteStore({ file: env.VMS_RUNNER_STORE_PATH });
    try {
      const runs = (await store.listRuns({})).items.sort((a, b) => a.createdAt - b.createdAt);
      expect(runs.map((r) => [r.flowName, r.state])).toEqual([
        ['legacy:volunteers', 'Completed'],
        ['legacy:events', 'Failed'],
      ]);
      expect(runs[0]?.startedAt).toBe(Date.parse('2025-03-01T02:00:13.123Z'));
      expect(runs[0]?.endedAt).toBe(Date.parse('2025-03-01T02:04:01.500Z'));
      expect(runs[0]?.result).toMatchObject({ processed: 12600, failed: 3 });
      expect(runs[1]?.error?.message).toBe('INVALID_SESSION_ID: Session expired, "retry"');
    } finally {
      await store.close();
    }
    const again = memoryOutput();
    await migrateLegacyCommand(file, again, { env });
    expect(again.lines[0]).toMatch(/^0 legacy sync runs imported, 2 already there/);
  });
});
