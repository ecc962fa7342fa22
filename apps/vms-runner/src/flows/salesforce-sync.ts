/**
 * `full-salesforce-sync` and `incremental-salesforce-sync`: one task per entity of the sync DAG.
 * Each entity starts as soon as the entities it depends on have finished, so independent ones
 * run in parallel. A task streams its SOQL page by page from Salesforce, imports each chunk in
 * one transaction (a bad row never rolls back good rows), checkpoints the cursor of the last
 * committed chunk (a resumed attempt continues after it), reports progress, and returns its
 * counts. The watermark moves with every committed chunk; pending records are retried at the end
 * of each entity.
 */
import { z } from 'zod';
import { FlowError, flow, task, type Flow, type Json, type Task } from '@vms/flow-core';
import { queryStream } from '@vms/flow-salesforce';
import { ENTITY_DEPENDENCIES, ENTITY_NAMES, type EntityName } from '../sync/dag';
import { importEntity, type EntityCounts, type EntityResult } from '../sync/importer';
import { buildEntitySoql, type Cursor } from '../sync/soql';
import { planEntityQuery } from '../sync/watermark';
import { entityDefinition } from '../sync/entities';
import type { FlowDeps } from './deps';

/** Names of the two sync flows. */
export const FULL_SYNC = 'full-salesforce-sync';
export const INCREMENTAL_SYNC = 'incremental-salesforce-sync';

/** Row errors kept in a task's stored result (all are in the VMS database's `row_errors`). */
export const RESULT_ERROR_CAP = 20;

/** What one entity task returns (stored with the task run). */
export interface EntitySummary extends EntityCounts {
  entity: EntityName;
  mode: 'full' | 'incremental';
  status: 'success' | 'partial' | 'failed' | 'not_run';
  /** Row errors stored in the VMS database by this run (all of them). */
  errorCount: number;
  /** The first {@link RESULT_ERROR_CAP} row errors. */
  errors: { code: string; severity: string; field?: string; message: string; salesforceId?: string; recordName?: string }[];
  watermarkBefore: string | null;
  watermarkAfter: string | null;
  /** True when this attempt continued after a checkpoint of an earlier attempt. */
  resumed: boolean;
  /** Why the entity did not complete (an error message), when it did not. */
  error?: string;
}

/** What a sync flow returns. */
export interface SyncSummary {
  mode: 'full' | 'incremental';
  entities: Record<string, EntitySummary>;
  totals: Pick<EntitySummary, 'processed' | 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed' | 'queued' | 'resolved'>;
}

const SyncParams = z.object({
  /** Entities to sync (their dependencies are not added). @default every entity */
  entities: z.array(z.enum(ENTITY_NAMES)).min(1).optional(),
});
/** Params of the sync flows. */
export type SyncParams = z.infer<typeof SyncParams>;

const cursorText = (c: Cursor | null): string | null => (c ? `${c.modstamp}|${c.id}` : null);

function summarise(result: EntityResult, resumed: boolean): EntitySummary {
  return {
    entity: result.entity,
    mode: result.mode,
    status: result.status,
    processed: result.processed,
    created: result.created,
    updated: result.updated,
    unchanged: result.unchanged,
    skipped: result.skipped,
    failed: result.failed,
    queued: result.queued,
    resolved: result.resolved,
    warnings: result.warnings,
    errorCount: result.errorCount,
    errors: result.errors.slice(0, RESULT_ERROR_CAP).map((e) => ({
      code: e.code,
      severity: e.severity,
      ...(e.field ? { field: e.field } : {}),
      message: e.message,
      ...(e.salesforceId ? { salesforceId: e.salesforceId } : {}),
      ...(e.recordName ? { recordName: e.recordName } : {}),
    })),
    watermarkBefore: cursorText(result.watermarkBefore),
    watermarkAfter: cursorText(result.watermarkAfter),
    resumed,
    ...(result.error ? { error: result.error } : {}),
  };
}

function notRun(entity: EntityName, mode: 'full' | 'incremental', error: string): EntitySummary {
  return {
    entity, mode, status: 'not_run', processed: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, queued: 0,
    resolved: 0, warnings: 0, errorCount: 0, errors: [], watermarkBefore: null, watermarkAfter: null, resumed: false, error,
  };
}

const EntityInput = z.object({ mode: z.enum(['full', 'incremental']) });

/** One task per entity: `sync-<entity>`. */
export function createEntityTasks(deps: FlowDeps): Record<EntityName, Task<z.input<typeof EntityInput>, EntitySummary>> {
  const out = {} as Record<EntityName, Task<z.input<typeof EntityInput>, EntitySummary>>;
  for (const entity of ENTITY_NAMES) {
    out[entity] = task({
      name: `sync-${entity}`,
      input: EntityInput,
      tags: ['salesforce'],
      retries: 2,
      retryDelay: [5_000, 30_000],
      run: async (ctx, { mode }) => {
        const saved = await ctx.checkpoint.get<{ modstamp: string; id: string }>('after');
        const resumed = saved !== undefined && saved !== null;
        const plan = planEntityQuery(deps.db, entity, { mode, resumeAfter: resumed ? saved : null });
        const client = await deps.salesforce();
        const stream = queryStream(client, buildEntitySoql(entityDefinition(entity), plan.after), { chunkSize: deps.chunkSize, signal: ctx.signal });
        ctx.log.info(`${entity}: ${plan.mode} sync${plan.after ? ` after ${plan.after.modstamp}` : ''}${resumed ? ' (resumed from checkpoint)' : ''}`);
        const result = await importEntity(deps.db, entity, stream, {
          mode: plan.mode,
          ordered: true,
          runId: ctx.runId,
          chunkSize: deps.chunkSize,
          signal: ctx.signal,
          ...(deps.now ? { now: deps.now } : {}),
          onChunk: async (p) => {
            if (p.resumeAfter) await ctx.checkpoint.set('after', { modstamp: p.resumeAfter.modstamp, id: p.resumeAfter.id });
            ctx.progress({ done: p.counts.processed, ...(stream.totalSize === undefined ? {} : { total: stream.totalSize }), unit: 'records' });
          },
        });
        ctx.progress({ done: result.processed, total: result.processed, unit: 'records' });
        ctx.log.info(
          `${entity}: ${result.processed} processed, ${result.created} created, ${result.updated} updated, ${result.unchanged} unchanged, ` +
            `${result.skipped} skipped, ${result.failed} failed${result.resolved ? `, ${result.resolved} pending resolved` : ''}`,
        );
        return summarise(result, resumed);
      },
    });
  }
  return out;
}

/** Totals over every entity. */
export function syncTotals(entities: Record<string, EntitySummary>): SyncSummary['totals'] {
  const totals = { processed: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, queued: 0, resolved: 0 };
  for (const e of Object.values(entities)) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += e[k];
  return totals;
}

/** Error of a sync run in which some entity could not complete (the others did). */
export class SyncIncompleteError extends FlowError {
  override readonly name = 'SyncIncompleteError';
  constructor(readonly summary: SyncSummary, failed: readonly string[]) {
    super('SYNC_INCOMPLETE', `The sync did not complete ${failed.length} entit${failed.length === 1 ? 'y' : 'ies'}: ${failed.join(', ')}`, { category: 'unknown' });
  }
}

function syncFlow(name: string, mode: 'full' | 'incremental', tasks: Record<EntityName, Task<z.input<typeof EntityInput>, EntitySummary>>): Flow<SyncParams | undefined, SyncSummary> {
  return flow({
    name,
    params: SyncParams.optional(),
    run: async (ctx, params): Promise<SyncSummary> => {
      const wanted = new Set<EntityName>(params?.entities ?? ENTITY_NAMES);
      const entities: Record<string, EntitySummary> = {};
      const done = new Map<EntityName, Promise<boolean>>();
      // Each entity waits for the entities it depends on (within this run), then runs: the DAG,
      // not waves, so a slow entity holds back only its own dependents.
      const start = (entity: EntityName): Promise<boolean> => {
        let p = done.get(entity);
        if (p) return p;
        p = (async () => {
          const deps = ENTITY_DEPENDENCIES[entity].filter((d) => wanted.has(d));
          const ok = await Promise.all(deps.map(start));
          void ok; // a failed parent does not stop its dependents: their orphans go to the pending queue
          try {
            entities[entity] = await ctx.run(tasks[entity], { mode }, { key: entity });
            return true;
          } catch (error) {
            const message = error instanceof Error ? error.message : String(error);
            ctx.log.error(`${entity}: not completed: ${message}`);
            entities[entity] = notRun(entity, mode, message);
            return false;
          }
        })();
        done.set(entity, p);
        return p;
      };
      await Promise.all([...wanted].map(start));
      const ordered: Record<string, EntitySummary> = {};
      for (const e of ENTITY_NAMES) if (entities[e]) ordered[e] = entities[e];
      const summary: SyncSummary = { mode, entities: ordered, totals: syncTotals(ordered) };
      const failed = Object.values(ordered).filter((e) => e.status === 'not_run').map((e) => e.entity);
      if (failed.length > 0) throw new SyncIncompleteError(summary, failed);
      return summary as SyncSummary & Json;
    },
  });
}

/** The two Salesforce sync flows over shared entity tasks. */
export function createSyncFlows(deps: FlowDeps): { full: Flow<SyncParams | undefined, SyncSummary>; incremental: Flow<SyncParams | undefined, SyncSummary> } {
  const tasks = createEntityTasks(deps);
  return { full: syncFlow(FULL_SYNC, 'full', tasks), incremental: syncFlow(INCREMENTAL_SYNC, 'incremental', tasks) };
}
