/**
 * `virtual-session-import(academicYear)`: reads the year's virtual-sessions sheet, validates its
 * rows with the sheet rules, upserts events, teachers, presenters and participations, and
 * invalidates that year's report caches.
 */
import { z } from 'zod';
import { flow, NonRetriableError, task, type Flow } from '@vms/flow-core';
import { parseAcademicYear } from '../sheets/rules';
import { parseVirtualSessionSheet } from '../sheets/virtual-sessions';
import type { FlowDeps } from './deps';
import { invalidateVirtualSessionCaches, upsertVirtualSessions, type VirtualSessionCounts } from './virtual-session-upsert';

export const VIRTUAL_SESSION_IMPORT = 'virtual-session-import';

/** Issues kept in the stored result (warnings and errors). */
export const SHEET_ISSUE_CAP = 50;

const Params = z.object({
  /** The academic year, `2024-2025` (July 1 to June 30). */
  academicYear: z.string().regex(/^\d{4}-\d{4}$/, 'Expected an academic year like `2024-2025`'),
});
export type VirtualSessionImportParams = z.infer<typeof Params>;

/** What the import returns. */
export interface VirtualSessionImportResult extends VirtualSessionCounts {
  entity: 'virtual_sessions';
  academicYear: string;
  cachesInvalidated: number;
  errorCount: number;
  errors: { code: string; severity: string; message: string; row: number }[];
}

/** The flow. */
export function createVirtualSessionImport(deps: FlowDeps): Flow<VirtualSessionImportParams, VirtualSessionImportResult> {
  const read = task({
    name: 'read-virtual-session-sheet',
    input: Params,
    retries: 3,
    retryDelay: [2_000, 10_000, 30_000],
    tags: ['sheets'],
    run: async (ctx, { academicYear }) => {
      parseAcademicYear(academicYear);
      const sheet = deps.sheetFor(academicYear);
      if (sheet === undefined) {
        throw new NonRetriableError(`No virtual-sessions sheet is configured for ${academicYear}: add \`${academicYear}=<sheet id>\` to VIRTUAL_SESSION_SHEETS`);
      }
      const range = await deps.sheets().getValues({ spreadsheetId: sheet.spreadsheetId, range: sheet.range });
      const values = (range.values ?? []) as unknown[][];
      ctx.log.info(`read ${values.length} sheet rows of ${academicYear}`);
      return values.map((row) => row.map((c) => (c === null || c === undefined ? '' : typeof c === 'number' || typeof c === 'boolean' ? c : String(c))));
    },
  });

  const write = task({
    name: 'upsert-virtual-sessions',
    input: z.object({ academicYear: z.string(), values: z.array(z.array(z.union([z.string(), z.number(), z.boolean()]))) }),
    run: async (ctx, { academicYear, values }): Promise<VirtualSessionImportResult> => {
      const parsed = parseVirtualSessionSheet(values, { academicYear, timeZone: deps.timeZone });
      const { counts, issues } = upsertVirtualSessions(deps.db, parsed.rows, parsed.issues, deps.now?.() ?? new Date());
      ctx.progress({ done: parsed.rows.length, total: parsed.rows.length, unit: 'rows' });
      const cachesInvalidated = invalidateVirtualSessionCaches(deps.db, academicYear);
      ctx.log.info(
        `${academicYear}: ${counts.processed} rows: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged, ` +
          `${counts.skipped} skipped, ${counts.failed} failed, ${counts.warnings} warnings; ${cachesInvalidated} cached reports invalidated`,
      );
      for (const i of issues.slice(0, SHEET_ISSUE_CAP)) (i.severity === 'error' ? ctx.log.warn : ctx.log.info).call(ctx.log, i.message);
      return {
        entity: 'virtual_sessions',
        academicYear,
        ...counts,
        cachesInvalidated,
        errorCount: issues.length,
        errors: issues.slice(0, SHEET_ISSUE_CAP).map((i) => ({ code: i.code, severity: i.severity, message: i.message, row: i.row })),
      };
    },
  });

  return flow({
    name: VIRTUAL_SESSION_IMPORT,
    params: Params,
    run: async (ctx, { academicYear }) => {
      const values = await ctx.run(read, { academicYear });
      return ctx.run(write, { academicYear, values });
    },
  });
}
