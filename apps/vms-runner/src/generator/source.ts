/**
 * Feeds generated records to the importers directly, without a Salesforce server: a full plan
 * streams the entity in Id order (unordered by cursor, so the watermark moves at the end); a plan
 * with a cursor returns only the newer records, sorted by `(SystemModstamp, Id)` as the SOQL would.
 */
import type { EntityQueryPlan } from '../sync/watermark';
import { compareCursors, cursorOf, type Cursor } from '../sync/soql';
import type { Dataset, SfRecord } from './dataset';

/** True when `record` comes after `after` in cursor order (or at/after the instant for `id: ''`). */
export function isAfterCursor(record: SfRecord, after: Cursor): boolean {
  const c = cursorOf(record);
  if (c === null) return true;
  if (after.id === '') return Date.parse(c.modstamp) >= Date.parse(after.modstamp);
  return compareCursors(c, after) > 0;
}

/** A source factory for `syncEntities` over a generated data set. */
export function datasetSource(dataset: Dataset): (plan: EntityQueryPlan) => { source: Iterable<SfRecord>; ordered: boolean } {
  return (plan) => {
    if (plan.after === null) return { source: dataset.records(plan.entity), ordered: false };
    const after = plan.after;
    const newer: SfRecord[] = [];
    for (const r of dataset.records(plan.entity)) if (isAfterCursor(r, after)) newer.push(r);
    newer.sort((a, b) => compareCursors(cursorOf(a) as Cursor, cursorOf(b) as Cursor));
    return { source: newer, ordered: true };
  };
}
