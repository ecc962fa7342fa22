/**
 * `health-check`: the VMS database, the runner's store, Salesforce reachability and API usage,
 * data integrity (orphans, stale syncs, the pending queue), process memory and disk. Each check
 * is a task, so one that throws is a failed check, not a crashed flow. The results go to the
 * alerts (`reportHealth`); the run fails when a check fails, naming it.
 */
import { statfs } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { flow, FlowError, task, type Flow } from '@vms/flow-core';
import { ENTITY_NAMES } from '../sync/dag';
import type { FlowDeps } from './deps';

export const HEALTH_CHECK = 'health-check';

/** One check's outcome. */
export interface HealthCheckResult {
  name: string;
  ok: boolean;
  message: string;
  details?: Record<string, string | number | boolean>;
}

/** What the flow returns (also stored when it fails: see the `health` task). */
export interface HealthReport {
  ok: boolean;
  checks: HealthCheckResult[];
}

const Params = z
  .object({
    /** API usage share at or above which the Salesforce check fails, in (0, 1]. @default 0.9 */
    apiUsageLimit: z.number().gt(0).lte(1).default(0.9),
    /** Hours after which an entity's last successful sync is stale. @default 48 */
    staleAfterHours: z.number().int().min(1).default(48),
    /** Unresolved pending records above which the check fails. @default 1000 */
    maxPending: z.number().int().min(0).default(1000),
    /** Resident memory above which the memory check fails, in MB. @default 1536 */
    maxRssMb: z.number().int().min(64).default(1536),
    /** Free disk below which the disk check fails, in MB. @default 1024 */
    minFreeDiskMb: z.number().int().min(0).default(1024),
    /** Skip the Salesforce check (no credentials on this machine). @default false */
    skipSalesforce: z.boolean().default(false),
  })
  .default({ apiUsageLimit: 0.9, staleAfterHours: 48, maxPending: 1000, maxRssMb: 1536, minFreeDiskMb: 1024, skipSalesforce: false });
export type HealthCheckParams = z.input<typeof Params>;

/** The run failed because some checks did. */
export class HealthCheckFailedError extends FlowError {
  override readonly name = 'HealthCheckFailedError';
  constructor(readonly report: HealthReport) {
    const bad = report.checks.filter((c) => !c.ok);
    super('HEALTH_CHECK_FAILED', `Health check failed: ${bad.map((c) => `${c.name} (${c.message})`).join('; ')}`, { category: 'unknown' });
  }
}

const mb = (bytes: number): number => Math.round(bytes / 1_048_576);

/** The health-check flow. */
export function createHealthCheck(deps: FlowDeps): Flow<HealthCheckParams | undefined, HealthReport> {
  const check = (name: string, body: (p: z.output<typeof Params>) => Promise<HealthCheckResult> | HealthCheckResult) =>
    task({
      name: `check-${name}`,
      input: z.any(),
      run: async (_ctx, p: z.output<typeof Params>): Promise<HealthCheckResult> => {
        try {
          return await body(p);
        } catch (error) {
          return { name, ok: false, message: error instanceof Error ? error.message : String(error) };
        }
      },
    });

  const checks = [
    check('vms-database', () => {
      const row = deps.db.prepare('PRAGMA quick_check').pluck().get() as string;
      const version = deps.db.pragma('user_version', { simple: true }) as number;
      return { name: 'vms-database', ok: row === 'ok', message: row === 'ok' ? `ok (schema ${version})` : `quick_check: ${row}`, details: { schemaVersion: version } };
    }),
    check('runner-store', async () => {
      await deps.pingStore();
      return { name: 'runner-store', ok: true, message: 'ok' };
    }),
    check('salesforce', async (p) => {
      if (p.skipSalesforce) return { name: 'salesforce', ok: true, message: 'skipped' };
      const client = await deps.salesforce();
      const limits = await client.limits();
      const daily = limits['DailyApiRequests'];
      if (!daily) return { name: 'salesforce', ok: true, message: 'reachable (no DailyApiRequests limit reported)' };
      const used = daily.Max - daily.Remaining;
      const share = daily.Max === 0 ? 1 : used / daily.Max;
      const ok = share < p.apiUsageLimit;
      return {
        name: 'salesforce',
        ok,
        message: `reachable; API usage ${used}/${daily.Max} (${(share * 100).toFixed(1)}%)${ok ? '' : ` at or above ${p.apiUsageLimit * 100}%`}`,
        details: { used, limit: daily.Max },
      };
    }),
    check('data-integrity', (p) => {
      const db = deps.db;
      const orphans = (db.prepare('PRAGMA foreign_key_check').all() as unknown[]).length;
      const cutoff = new Date((deps.now?.() ?? new Date()).getTime() - p.staleAfterHours * 3_600_000).toISOString();
      const last = new Map(
        (db.prepare("SELECT sync_type, max(completed_at) AS at FROM sync_logs WHERE status IN ('success', 'partial') GROUP BY sync_type").all() as { sync_type: string; at: string }[]).map((r) => [r.sync_type, r.at]),
      );
      const stale = ENTITY_NAMES.filter((e) => (last.get(e) ?? '') < cutoff);
      const pending = db.prepare('SELECT count(*) FROM pending_imports WHERE resolved_at IS NULL').pluck().get() as number;
      const problems: string[] = [];
      if (orphans > 0) problems.push(`${orphans} rows reference missing parents`);
      if (stale.length > 0) problems.push(`no successful sync in ${p.staleAfterHours} h: ${stale.join(', ')}`);
      if (pending > p.maxPending) problems.push(`${pending} pending records (more than ${p.maxPending})`);
      return {
        name: 'data-integrity',
        ok: problems.length === 0,
        message: problems.length === 0 ? `ok; ${pending} pending records` : problems.join('; '),
        details: { orphans, staleEntities: stale.length, pending },
      };
    }),
    check('memory', (p) => {
      const rss = process.memoryUsage().rss;
      return { name: 'memory', ok: mb(rss) <= p.maxRssMb, message: `rss ${mb(rss)} MB (limit ${p.maxRssMb} MB)`, details: { rssMb: mb(rss) } };
    }),
    check('disk', async (p) => {
      const s = await statfs(dirname(resolve(deps.paths.vmsDatabase)));
      const free = mb(s.bavail * s.bsize);
      return { name: 'disk', ok: free >= p.minFreeDiskMb, message: `${free} MB free next to the VMS database (minimum ${p.minFreeDiskMb} MB)`, details: { freeMb: free } };
    }),
  ];

  return flow({
    name: HEALTH_CHECK,
    params: Params.optional(),
    run: async (ctx, params): Promise<HealthReport> => {
      const p = Params.parse(params);
      const results = await Promise.all(checks.map((c) => ctx.run(c, p)));
      for (const r of results) (r.ok ? ctx.log.info : ctx.log.error).call(ctx.log, `${r.name}: ${r.message}`);
      deps.alerts?.reportHealth(results.map((r) => ({ name: r.name, ok: r.ok, message: r.message, ...(r.details ? { details: r.details } : {}) })));
      const report: HealthReport = { ok: results.every((r) => r.ok), checks: results };
      if (!report.ok) throw new HealthCheckFailedError(report);
      return report;
    },
  });
}
