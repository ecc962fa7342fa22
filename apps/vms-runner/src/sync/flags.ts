/** Data-quality flags (`data_quality_flag`): one open flag per entity record and issue type. */
import type { VmsDatabase } from '../db/database';

/** Raises and resolves data-quality flags with prepared statements. */
export interface Flags {
  raise(entityType: string, salesforceId: string, issueType: string, severity: 'error' | 'warning' | 'info', details: string): void;
  /** Marks an open flag `auto_fixed` (e.g. an import error the next run resolved). */
  resolve(entityType: string, salesforceId: string, issueType: string): void;
}

export function prepareFlags(db: VmsDatabase): Flags {
  const raise = db.prepare(
    `INSERT INTO data_quality_flag (entity_type, entity_sf_id, issue_type, severity, details, status)
     VALUES (?, ?, ?, ?, ?, 'open')
     ON CONFLICT (entity_type, entity_sf_id, issue_type) DO UPDATE SET
       details = excluded.details, severity = excluded.severity,
       status = CASE WHEN data_quality_flag.status = 'dismissed' THEN 'dismissed' ELSE 'open' END,
       resolved_at = CASE WHEN data_quality_flag.status = 'dismissed' THEN data_quality_flag.resolved_at ELSE NULL END`,
  );
  const resolve = db.prepare(
    `UPDATE data_quality_flag SET status = 'auto_fixed', resolved_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')
     WHERE entity_type = ? AND entity_sf_id = ? AND issue_type = ? AND status = 'open'`,
  );
  return {
    raise: (e, id, t, s, d) => void raise.run(e, id, t, s, d),
    resolve: (e, id, t) => void resolve.run(e, id, t),
  };
}
