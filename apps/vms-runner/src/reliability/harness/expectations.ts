/**
 * What a VMS database must hold after a full sync of a generated org: every good record of
 * every entity, and row errors exactly for the injected bad rows.
 */
import type Database from 'better-sqlite3';
import type { Dataset } from '../../generator/dataset';
import { ENTITY_NAMES, type EntityName } from '../../sync/dag';
import { goodIds } from './org';

/** Where each entity's records land, by Salesforce Id. */
const STORED_IDS: Record<EntityName, string> = {
  organizations: 'SELECT salesforce_id FROM organization',
  districts: 'SELECT salesforce_id FROM district',
  schools: 'SELECT id FROM school',
  classes: 'SELECT salesforce_id FROM class',
  teachers: "SELECT salesforce_individual_id FROM contact WHERE type = 'teacher'",
  students: "SELECT salesforce_individual_id FROM contact WHERE type = 'student'",
  volunteers: "SELECT salesforce_individual_id FROM contact WHERE type = 'volunteer'",
  affiliations: 'SELECT salesforce_id FROM volunteer_organization',
  events: 'SELECT salesforce_id FROM event',
  volunteer_participations: 'SELECT salesforce_id FROM event_participation',
  student_participations: 'SELECT salesforce_id FROM event_student_participation',
  history: 'SELECT salesforce_id FROM history',
  pathways: 'SELECT salesforce_id FROM pathway',
  pathway_sessions: 'SELECT salesforce_id FROM pathway_events',
  pathway_participants: 'SELECT salesforce_id FROM pathway_contacts',
};

/** Salesforce Ids of the records of `entity` stored in the database. */
export function storedIds(db: Database.Database, entity: EntityName): Set<string> {
  return new Set(db.prepare(STORED_IDS[entity]).pluck().all() as string[]);
}

/** Good records of each entity missing from the database (empty lists: all there). */
export function missingGoodRecords(db: Database.Database, data: Dataset): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const studentIds = new Set([...data.records('students')].map((r) => r.Id));
  for (const entity of ENTITY_NAMES) {
    const stored = storedIds(db, entity);
    let good = [...goodIds(data, entity)];
    if (entity === 'affiliations') {
      // One row per (contact, organization): the duplicates' losers and student affiliations are not rows by design.
      const dup = new Set([...data.expectedIssues('affiliations')].filter((i) => i.code === 'DUPLICATE_RECORD').map((i) => i.salesforceId));
      const contactOf = new Map([...data.records('affiliations')].map((r) => [r.Id, String(r.npe5__Contact__c)]));
      good = good.filter((id) => !dup.has(id) && !studentIds.has(contactOf.get(id) ?? ''));
    }
    const missing = good.filter((id) => !stored.has(id));
    if (missing.length > 0) out[entity] = missing.slice(0, 10).concat(missing.length > 10 ? [`... ${missing.length} in all`] : []);
  }
  return out;
}

/** Good-record counts per entity (to show the check is not vacuous). */
export function goodRecordCounts(data: Dataset): Record<string, number> {
  return Object.fromEntries(ENTITY_NAMES.map((e) => [e, goodIds(data, e).size]));
}

/** Row errors stored vs injected: `entity|id|code|severity` keys only on one side. */
export function rowErrorMismatch(db: Database.Database, data: Dataset): { missing: string[]; unexpected: string[] } {
  const expected = new Set([...data.expectedIssues()].map((i) => `${i.entity}|${i.salesforceId}|${i.code}|${i.severity}`));
  const actual = new Set(
    (db.prepare('SELECT DISTINCT sync_type, salesforce_id, code, severity FROM row_errors').all() as { sync_type: string; salesforce_id: string; code: string; severity: string }[]).map(
      (r) => `${r.sync_type}|${r.salesforce_id}|${r.code}|${r.severity}`,
    ),
  );
  return { missing: [...expected].filter((k) => !actual.has(k)).slice(0, 20), unexpected: [...actual].filter((k) => !expected.has(k)).slice(0, 20) };
}
