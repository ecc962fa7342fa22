/**
 * Per-entity watermarks and the query plan of one entity run.
 *
 * The watermark is the cursor `(SystemModstamp, Id)` of the last record committed in cursor
 * order, written in the same transaction as the chunk it covers, so it moves forward with every
 * committed chunk whether the run later succeeds or fails (VMS-DOMAIN.md §6.2: never frozen).
 * After a failed run the entity is in recovery: the next incremental read starts
 * `recoveryLookbackMs` (48 h) before the watermark instead of `lookbackMs`.
 */
import { NonRetriableError } from '@vms/flow-core';
import type { VmsDatabase } from '../db/database';
import { describeValue, invalidOption } from '../db/errors';
import type { EntityName } from './dag';
import { entityDefinition } from './entities';
import { buildEntitySoql, type Cursor } from './soql';

/** A stored watermark. */
export interface Watermark extends Cursor {
  /** True when the last run of the entity failed: the next read looks further back. */
  readonly recovery: boolean;
  readonly updatedAt: string;
}

/** Reads an entity's watermark. */
export function readWatermark(db: VmsDatabase, entity: EntityName): Watermark | null {
  const row = db
    .prepare('SELECT modstamp, last_id, recovery, updated_at FROM sync_watermarks WHERE sync_type = ?')
    .get(entity) as { modstamp: string; last_id: string; recovery: number; updated_at: string } | undefined;
  return row ? { modstamp: row.modstamp, id: row.last_id, recovery: row.recovery === 1, updatedAt: row.updated_at } : null;
}

/** Every stored watermark, by entity. */
export function readWatermarks(db: VmsDatabase): Partial<Record<EntityName, Watermark>> {
  const out: Partial<Record<EntityName, Watermark>> = {};
  const rows = db.prepare('SELECT sync_type, modstamp, last_id, recovery, updated_at FROM sync_watermarks').all() as {
    sync_type: EntityName; modstamp: string; last_id: string; recovery: number; updated_at: string;
  }[];
  for (const r of rows) out[r.sync_type] = { modstamp: r.modstamp, id: r.last_id, recovery: r.recovery === 1, updatedAt: r.updated_at };
  return out;
}

/** Options of {@link planEntityQuery}. */
export interface PlanOptions {
  /** `full` reads every record; `incremental` reads from the watermark (full when there is none). */
  mode: 'full' | 'incremental';
  /**
   * Look-back before the watermark on a normal incremental run, in ms (covers records whose
   * SystemModstamp was committed late).
   * @default 300000 (5 minutes)
   */
  lookbackMs?: number;
  /**
   * Look-back after a failed run, in ms.
   * @default 172800000 (48 hours)
   */
  recoveryLookbackMs?: number;
  /** Resume after this cursor (a checkpoint of an interrupted attempt of the same run). */
  resumeAfter?: Cursor | null;
}

/** What to query for one entity run. */
export interface EntityQueryPlan {
  readonly entity: EntityName;
  readonly soql: string;
  /** The cursor the query starts after (null: from the beginning). */
  readonly after: Cursor | null;
  /** The effective mode (`incremental` without a watermark runs as `full`). */
  readonly mode: 'full' | 'incremental';
  /** True when the watermark was in recovery and the long look-back applies. */
  readonly recovery: boolean;
}

function nonNegative(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) invalidOption(name, 'an integer >= 0 (ms)', value);
  return value;
}

/**
 * Plans one entity run from its stored watermark.
 *
 * @throws NonRetriableError (category `validation`) on an incremental run whose stored
 *   watermark is not a datetime: retrying cannot fix it.
 *
 * @example
 * ```ts
 * const plan = planEntityQuery(db, 'volunteers', { mode: 'incremental' });
 * const pages = queryStream(conn, plan.soql, { chunkSize: 2000 });
 * ```
 */
export function planEntityQuery(db: VmsDatabase, entity: EntityName, options: PlanOptions): EntityQueryPlan {
  const def = entityDefinition(entity);
  if (options.mode !== 'full' && options.mode !== 'incremental') invalidOption('mode', "'full' or 'incremental'", options.mode);
  const lookbackMs = nonNegative('lookbackMs', options.lookbackMs, 5 * 60_000);
  const recoveryLookbackMs = nonNegative('recoveryLookbackMs', options.recoveryLookbackMs, 48 * 3_600_000);
  const watermark = readWatermark(db, entity);
  let after: Cursor | null = null;
  let mode = options.mode;
  if (mode === 'incremental') {
    if (watermark === null) {
      mode = 'full';
    } else {
      if (!Number.isFinite(Date.parse(watermark.modstamp))) {
        // A corrupt cursor cannot heal by retrying: fail the entity at once, naming what is stored.
        throw new NonRetriableError(
          `The stored watermark of \`${entity}\` (sync_watermarks.modstamp) is not an ISO datetime: got ${describeValue(watermark.modstamp)}. ` +
            `Run a full sync of \`${entity}\` to rewrite it.`,
          { category: 'validation' },
        );
      }
      const back = watermark.recovery ? recoveryLookbackMs : lookbackMs;
      after = back === 0 ? { modstamp: watermark.modstamp, id: watermark.id } : { modstamp: new Date(Date.parse(watermark.modstamp) - back).toISOString(), id: '' };
    }
  }
  if (options.resumeAfter) after = options.resumeAfter;
  return { entity, soql: buildEntitySoql(def, after), after, mode, recovery: watermark?.recovery ?? false };
}
