/**
 * Runs every entity (or a subset) in dependency order, the entities of one wave in parallel.
 * This is the plain-function form of the `full-salesforce-sync` / `incremental-salesforce-sync`
 * flows: the engine flow does the same with one task per entity.
 */
import type { VmsDatabase } from '../db/database';
import { ENTITY_NAMES, assertEntityName, entityWaves, type EntityName } from './dag';
import { importEntity, type EntityResult, type ImportOptions, type RecordSource } from './importer';
import { planEntityQuery, type EntityQueryPlan, type PlanOptions } from './watermark';

/** Where one entity's records come from, given its query plan. */
export type SourceFactory = (plan: EntityQueryPlan) => { source: RecordSource; ordered: boolean } | RecordSource;

/** Options of {@link syncEntities}. */
export interface SyncOptions extends Omit<PlanOptions, 'resumeAfter'>, Omit<ImportOptions, 'mode' | 'ordered' | 'onChunk'> {
  /** Entities to run (their dependencies are not added). @default every entity */
  entities?: readonly EntityName[];
  /** Called after each committed chunk of any entity. */
  onChunk?: ImportOptions['onChunk'];
}

/**
 * Plans, reads and imports each entity, wave by wave. An entity that throws is recorded as
 * failed and does not stop the others (as the VMS's nightly script: a failed step never stops
 * the run); the results hold every entity.
 *
 * @example
 * ```ts
 * const results = await syncEntities(db, (plan) => queryStream(conn, plan.soql), { mode: 'incremental' });
 * console.log(results.volunteers.created);
 * ```
 */
export async function syncEntities(db: VmsDatabase, sources: SourceFactory, options: SyncOptions): Promise<Record<EntityName, EntityResult>> {
  const entities = options.entities ?? ENTITY_NAMES;
  for (const e of entities) assertEntityName(e);
  const results = {} as Record<EntityName, EntityResult>;
  for (const wave of entityWaves(entities)) {
    await Promise.all(
      wave.map(async (entity) => {
        const plan = planEntityQuery(db, entity, options);
        const given = sources(plan);
        const { source, ordered } = isWrapped(given) ? given : { source: given, ordered: true };
        try {
          results[entity] = await importEntity(db, entity, source, { ...options, mode: plan.mode, ordered });
        } catch (error) {
          const last = db.prepare('SELECT id FROM sync_logs WHERE sync_type = ? ORDER BY id DESC LIMIT 1').pluck().get(entity) as number;
          results[entity] = failedResult(entity, plan.mode, last, error);
        }
      }),
    );
  }
  return results;
}

function isWrapped(value: ReturnType<SourceFactory>): value is { source: RecordSource; ordered: boolean } {
  return typeof value === 'object' && value !== null && 'source' in value && 'ordered' in value;
}

function failedResult(entity: EntityName, mode: 'full' | 'incremental', syncLogId: number, error: unknown): EntityResult {
  const now = new Date().toISOString();
  return {
    entity, mode, status: 'failed', syncLogId, startedAt: now, completedAt: now, watermarkBefore: null, watermarkAfter: null,
    errors: [], errorCount: 0, error: error instanceof Error ? error.message : String(error),
    processed: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, queued: 0, resolved: 0, warnings: 0,
  };
}
