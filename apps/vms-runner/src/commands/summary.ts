/** The per-entity summary table printed by `demo` and `run`. */
import type { EntitySummary, SyncSummary } from '../flows/salesforce-sync';
import type { VirtualSessionImportResult } from '../flows/virtual-session-import';
import { table } from './output';

type Counts = Pick<EntitySummary, 'processed' | 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed'>;
const KEYS = ['processed', 'created', 'updated', 'unchanged', 'skipped', 'failed'] as const;

/** Rows per entity (and the virtual sessions, when given), then a total row. */
export function syncTable(sync: SyncSummary | undefined, sessions?: VirtualSessionImportResult): string[] {
  const header = ['entity', ...KEYS, 'status'];
  const entries: [string, Counts, string][] = [];
  if (sync) for (const e of Object.values(sync.entities)) entries.push([e.entity, e, e.status]);
  if (sessions) entries.push(['virtual_sessions', sessions, sessions.failed > 0 ? 'partial' : 'success']);
  const total: Counts = { processed: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0 };
  for (const [, c] of entries) for (const k of KEYS) total[k] += c[k];
  const rows = [...entries.map(([name, c, status]) => [name, ...KEYS.map((k) => c[k]), status]), ['total', ...KEYS.map((k) => total[k]), '']];
  const lines = table(header, rows);
  // a rule above the total row
  return [...lines.slice(0, -1), lines[1] ?? '', lines[lines.length - 1] ?? ''];
}
