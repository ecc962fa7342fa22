/**
 * `vms-runner migrate-legacy <file>`: imports the old VMS's `sync_logs` history (a CSV export or
 * a JSON array of rows) as historical runs in the runner's store, so the dashboard's history and
 * success rates start with the past. Each row becomes one ended run of the flow
 * `legacy:<sync_type>` (state `Completed` for success/partial, `Failed` for failed), with its
 * times, counts and error message. Rows are keyed by `legacy:<sync_type>:<started_at>`, so
 * importing the same file twice adds nothing.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { z } from 'zod';
import { FlowError, type Json, type Store } from '@vms/flow-core';
import { SqliteStore } from '@vms/flow-store-sqlite';
import { loadConfig } from '../config/config';
import type { Output } from './output';

/** One legacy sync-log row (extra columns are ignored). */
export const LegacySyncLog = z.object({
  sync_type: z.string().trim().min(1, 'sync_type is required'),
  started_at: z.string().trim().min(1, 'started_at is required'),
  completed_at: z.string().trim().nullish(),
  status: z.enum(['success', 'failed', 'partial'], { error: (i) => `status must be success, failed or partial, got \`${String(i.input)}\`` }),
  records_processed: z.coerce.number().int().min(0).default(0),
  records_failed: z.coerce.number().int().min(0).default(0),
  records_skipped: z.coerce.number().int().min(0).default(0),
  error_message: z.string().nullish(),
  is_delta_sync: z.union([z.boolean(), z.string(), z.number()]).nullish(),
});
export type LegacySyncLog = z.infer<typeof LegacySyncLog>;

/** What an import did. */
export interface MigrateResult {
  imported: number;
  /** Rows already imported before (same type and start). */
  existing: number;
  /** Rows that could not be read, with their 1-based row number and why. */
  rejected: { row: number; reason: string }[];
}

/** Parses CSV text (RFC 4180: quoted fields, doubled quotes, newlines inside quotes). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field.length === 0) quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field.length > 0 || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((c) => c.trim().length > 0));
}

/** Legacy timestamps are naive UTC (`2025-03-01 02:00:13.123456`) or ISO; returns epoch ms. */
function parseTime(value: string): number | undefined {
  let v = value.trim().replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1');
  if (!/[zZ]|[+-]\d{2}:?\d{2}$/.test(v)) v += 'Z';
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Reads the rows of a file (CSV with a header row, or JSON: an array or `{ rows: [...] }`). */
export function readLegacyFile(path: string, format?: 'csv' | 'json'): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new FlowError('MIGRATE_FILE', `Cannot read \`${path}\`: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { category: 'validation' });
  }
  const kind = format ?? (extname(path).toLowerCase() === '.json' || /^\s*[[{]/.test(text) ? 'json' : 'csv');
  if (kind === 'json') {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new FlowError('MIGRATE_FILE', `\`${path}\` is not valid JSON: ${(error as Error).message}`, { category: 'validation' });
    }
    const rows = Array.isArray(data) ? data : (data as { rows?: unknown })?.rows;
    if (!Array.isArray(rows)) throw new FlowError('MIGRATE_FILE', `Expected \`${path}\` to hold an array of sync-log rows (or { "rows": [...] })`, { category: 'validation' });
    return rows as Record<string, unknown>[];
  }
  const [header, ...body] = parseCsv(text.replace(/^\uFEFF/, ''));
  if (!header) return [];
  const names = header.map((h) => h.trim().toLowerCase());
  if (!names.includes('sync_type')) throw new FlowError('MIGRATE_FILE', `Expected a CSV header with sync_type, started_at, status, ...; got ${header.join(', ')}`, { category: 'validation' });
  return body.map((cells) => Object.fromEntries(names.map((n, i) => [n, cells[i] === '' ? null : cells[i]])));
}

/** Imports legacy rows into `store`. */
export async function migrateLegacy(store: Store, rows: readonly Record<string, unknown>[]): Promise<MigrateResult> {
  const result: MigrateResult = { imported: 0, existing: 0, rejected: [] };
  for (const [i, raw] of rows.entries()) {
    const rowNumber = i + 1;
    const parsed = LegacySyncLog.safeParse(raw);
    if (!parsed.success) {
      result.rejected.push({ row: rowNumber, reason: parsed.error.issues.map((x) => `${x.path.join('.') || 'row'}: ${x.message}`).join('; ') });
      continue;
    }
    const log = parsed.data;
    const started = parseTime(log.started_at);
    const ended = log.completed_at ? parseTime(log.completed_at) : started;
    if (started === undefined || ended === undefined) {
      result.rejected.push({ row: rowNumber, reason: `started_at/completed_at is not a date: \`${log.started_at}\` / \`${log.completed_at ?? ''}\`` });
      continue;
    }
    const flowName = `legacy:${log.sync_type}`;
    const { run, created } = await store.createRun({
      id: randomUUID(),
      flowName,
      params: { syncType: log.sync_type, delta: ['1', 'true', 'True', true, 1].includes(log.is_delta_sync as never) },
      state: 'Pending',
      idempotencyKey: `legacy:${log.sync_type}:${new Date(started).toISOString()}`,
      tags: ['legacy'],
      now: started,
      reason: 'migrated from the legacy sync log',
    });
    if (!created) {
      result.existing++;
      continue;
    }
    await store.transitionRun({ runId: run.id, to: 'Running', at: started, reason: 'legacy', patch: { startedAt: started, attempt: 1 } });
    const counts: Json = { processed: log.records_processed, failed: log.records_failed, skipped: log.records_skipped, status: log.status };
    await store.transitionRun({
      runId: run.id,
      to: log.status === 'failed' ? 'Failed' : 'Completed',
      at: ended,
      reason: 'legacy',
      patch: {
        endedAt: ended,
        result: counts,
        ...(log.status === 'failed'
          ? { error: { name: 'LegacySyncError', message: (log.error_message ?? 'failed (legacy sync log)').slice(0, 2000), code: 'LEGACY_FAILED', category: 'unknown' } }
          : {}),
      },
    });
    result.imported++;
  }
  return result;
}

/** The command; resolves with the exit code (1 when any row was rejected). */
export async function migrateLegacyCommand(path: string, output: Output, options: { format?: 'csv' | 'json'; env?: NodeJS.ProcessEnv } = {}): Promise<number> {
  const rows = readLegacyFile(path, options.format);
  const config = loadConfig(options.env ?? process.env);
  mkdirSync(dirname(resolve(config.storePath)), { recursive: true });
  const store = new SqliteStore({ file: config.storePath });
  try {
    const r = await migrateLegacy(store, rows);
    output.out(`${r.imported} legacy sync runs imported, ${r.existing} already there, ${r.rejected.length} rejected (from ${rows.length} rows of ${path}).`);
    for (const x of r.rejected) output.err(`row ${x.row}: ${x.reason}`);
    return r.rejected.length > 0 ? 1 : 0;
  } finally {
    await store.close();
  }
}
