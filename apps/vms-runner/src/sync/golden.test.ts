/**
 * The golden test: generated Salesforce data → every importer in dependency order → the VMS
 * database holds every good record with the domain doc's mapping, and every injected bad row is
 * a row error with the right code. Then: a second full pass changes nothing; an incremental pass
 * after editing 1% of the records touches exactly those and moves the watermarks.
 */
import { join } from 'node:path';
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVmsDatabase, type VmsDatabase } from '../db/database';
import { createDataset, type Dataset, type SfRecord } from '../generator/dataset';
import { datasetSource } from '../generator/source';
import { ENTITY_NAMES, type EntityName } from './dag';
import type { EntityResult } from './importer';
import { syncEntities } from './run-sync';
import { readWatermarks } from './watermark';

const SEED = 20250630;
const OPTIONS = { seed: SEED, scale: 0.2, badRowRate: 0.03 } as const;

let dir: TempDir;
let db: VmsDatabase;
let data: Dataset;
let first: Record<EntityName, EntityResult>;

const all = <T>(sql: string, ...params: unknown[]): T[] => db.prepare(sql).all(...params) as T[];
const one = <T>(sql: string, ...params: unknown[]): T => db.prepare(sql).get(...params) as T;

/** Ids of records that must be written: no error-severity issue. */
function goodRecords(entity: EntityName): SfRecord[] {
  const fatal = new Set([...data.expectedIssues(entity)].filter((i) => i.severity === 'error').map((i) => i.salesforceId));
  return [...data.records(entity)].filter((r) => !fatal.has(r.Id));
}

/** Every synced table as sorted rows, for before/after comparisons. */
function snapshot(): Record<string, unknown[]> {
  const tables = [
    'organization', 'district', 'school', 'class', 'contact', 'volunteer', 'teacher', 'student', 'email', 'phone', 'address',
    'skill', 'volunteer_skills', 'connector_data', 'volunteer_organization', 'event', 'event_districts', 'event_skills',
    'event_volunteers', 'event_participation', 'event_student_participation', 'history', 'pathway', 'pathway_events',
    'pathway_contacts', 'data_quality_flag',
  ];
  const out: Record<string, unknown[]> = {};
  for (const t of tables) {
    const rows = all<Record<string, unknown>>(`SELECT * FROM ${t}`).map((r) => {
      const { created_at: _c, updated_at: _u, resolved_at: _r, ...rest } = r;
      return JSON.stringify(rest);
    });
    out[t] = rows.sort();
  }
  return out;
}

beforeAll(async () => {
  dir = await tempDir('vms-golden-');
  db = openVmsDatabase(join(dir.path, 'vms.db'));
  data = createDataset(OPTIONS);
  first = await syncEntities(db, datasetSource(data), { mode: 'full', runId: 'run-1' });
});
afterAll(async () => {
  db.close();
  await dir.cleanup();
});

describe('golden: full sync of generated data', () => {
  it('runs every entity, none failed as a whole', () => {
    expect(Object.keys(first).sort()).toEqual([...ENTITY_NAMES].sort());
    for (const e of ENTITY_NAMES) {
      expect(first[e].status, e).not.toBe('failed');
      expect(first[e].processed, e).toBe(data.count(e));
      const r = first[e];
      expect(r.created + r.updated + r.unchanged + r.skipped + r.failed, e).toBe(r.processed);
    }
  });

  it('every injected bad row is a row error with the right code, and there are no others', () => {
    const expected = new Set([...data.expectedIssues()].map((i) => `${i.entity}|${i.salesforceId}|${i.code}|${i.severity}`));
    expect(expected.size).toBeGreaterThan(50);
    const actual = new Set(
      all<{ sync_type: string; salesforce_id: string; code: string; severity: string }>(
        "SELECT sync_type, salesforce_id, code, severity FROM row_errors WHERE run_id = 'run-1'",
      ).map((r) => `${r.sync_type}|${r.salesforce_id}|${r.code}|${r.severity}`),
    );
    const missing = [...expected].filter((k) => !actual.has(k));
    const unexpected = [...actual].filter((k) => !expected.has(k));
    expect(missing).toEqual([]);
    expect(unexpected).toEqual([]);
    // Every kind of bad row was exercised.
    const codes = new Set([...data.expectedIssues()].map((i) => i.code));
    for (const c of ['MISSING_REQUIRED_FIELD', 'INVALID_DATE', 'INVALID_ENUM', 'INVALID_EMAIL', 'PARENT_NOT_FOUND', 'DUPLICATE_RECORD', 'FK_NOT_FOUND']) {
      expect(codes, c).toContain(c);
    }
  });

  it('failed and queued counts match the injected errors per entity', () => {
    for (const e of ENTITY_NAMES) {
      const errors = [...data.expectedIssues(e)].filter((i) => i.severity === 'error');
      const queued = errors.filter((i) => i.code === 'PARENT_NOT_FOUND').length;
      expect(first[e].queued, e).toBe(queued);
      expect(first[e].failed, e).toBe(errors.length - queued);
    }
  });

  it('organizations: every good non-household account, Type null stored as Other', () => {
    const good = goodRecords('organizations');
    expect(one<{ n: number }>("SELECT count(*) AS n FROM organization WHERE type NOT IN ('School', 'District')").n).toBe(good.length);
    for (const r of good) {
      const row = one<{ name: string; type: string; billing_city: string }>('SELECT name, type, billing_city FROM organization WHERE salesforce_id = ?', r.Id);
      expect(row, r.Id).toBeDefined();
      expect(row.name).toBe(r.Name);
      expect(row.type).toBe(r.Type ?? 'Other');
      expect(row.billing_city).toBe(r.BillingCity);
    }
    const households = [...data.sobjectRecords('Account')].filter((r) => r.Type === 'Household');
    expect(households.length).toBeGreaterThan(0);
    for (const h of households) expect(one('SELECT 1 AS x FROM organization WHERE salesforce_id = ?', h.Id)).toBeUndefined();
  });

  it('schools: school.id is the Salesforce Id; district resolved from ParentId', () => {
    for (const r of goodRecords('schools')) {
      const row = one<{ id: string; name: string; district_sf: string | null }>(
        'SELECT s.id, s.name, d.salesforce_id AS district_sf FROM school s LEFT JOIN district d ON d.id = s.district_id WHERE s.id = ?', r.Id,
      );
      expect(row.id).toBe(r.Id);
      expect(row.id).toHaveLength(18);
      expect(row.name).toBe(r.Name);
      const orphan = [...data.expectedIssues('schools')].some((i) => i.salesforceId === r.Id);
      expect(row.district_sf).toBe(orphan ? null : r.ParentId);
    }
  });

  it('classes, teachers and students keep their links', () => {
    for (const r of goodRecords('classes')) {
      expect(one<{ s: string }>('SELECT school_salesforce_id AS s FROM class WHERE salesforce_id = ?', r.Id).s).toBe(r.School__c);
    }
    for (const r of goodRecords('teachers')) {
      const row = one<{ first_name: string; last_name: string; school_id: string; type: string }>(
        'SELECT c.first_name, c.last_name, c.type, t.school_id FROM contact c JOIN teacher t ON t.id = c.id WHERE c.salesforce_individual_id = ?', r.Id,
      );
      expect([row.first_name, row.last_name, row.type, row.school_id]).toEqual([r.FirstName, r.LastName, 'teacher', r.npsp__Primary_Affiliation__c]);
    }
    const badGrade = new Set([...data.expectedIssues('students')].filter((i) => i.kind === 'grade_out_of_range').map((i) => i.salesforceId));
    for (const r of goodRecords('students')) {
      const row = one<{ school_id: string; class_salesforce_id: string | null; current_grade: number | null }>(
        'SELECT s.school_id, s.class_salesforce_id, s.current_grade FROM contact c JOIN student s ON s.id = c.id WHERE c.salesforce_individual_id = ?', r.Id,
      );
      expect(row.school_id).toBe(r.npsp__Primary_Affiliation__c);
      expect(row.class_salesforce_id).toBe(r.Class__c ?? null);
      expect(row.current_grade).toBe(badGrade.has(r.Id) ? null : r.Current_Grade__c);
    }
  });

  it("volunteers: the primary email follows npe01__Preferred_Email__c, else Email", () => {
    const good = goodRecords('volunteers');
    let checked = 0;
    const preferredSeen = new Set<string>();
    for (const r of good) {
      const emails = all<{ email: string; type: string; primary: number }>(
        'SELECT e.email, e.type, e."primary" FROM email e JOIN contact c ON c.id = e.contact_id WHERE c.salesforce_individual_id = ?', r.Id,
      );
      const valid = (v: unknown): string | null => (typeof v === 'string' && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) ? v.toLowerCase() : null);
      const field = { Work: 'npe01__WorkEmail__c', Personal: 'npe01__HomeEmail__c', Alternate: 'npe01__AlternateEmail__c' }[String(r.npe01__Preferred_Email__c)] ?? 'Email';
      const want = valid(r[field]) ?? valid(r.Email) ?? emails[0]?.email ?? null;
      const primaries = emails.filter((e) => e.primary === 1).map((e) => e.email);
      if (want === null) {
        expect(emails).toEqual([]);
      } else {
        expect(primaries, r.Id).toEqual([want]);
        checked++;
        preferredSeen.add(String(r.npe01__Preferred_Email__c));
      }
      const work = valid(r.npe01__WorkEmail__c);
      if (work) expect(emails.find((e) => e.email === work)?.type).toBe('professional');
    }
    expect(checked).toBeGreaterThan(100);
    expect([...preferredSeen].sort()).toEqual(['Alternate', 'Personal', 'Work', 'null'].sort());
  });

  it('affiliations: one row per volunteer and organization, student contacts skipped, duplicates kept once', () => {
    const duplicates = one<{ n: number }>('SELECT count(*) AS n FROM (SELECT volunteer_id, organization_id FROM volunteer_organization GROUP BY 1, 2 HAVING count(*) > 1)').n;
    expect(duplicates).toBe(0);
    const issues = [...data.expectedIssues('affiliations')];
    const dupIds = new Set(issues.filter((i) => i.code === 'DUPLICATE_RECORD').map((i) => i.salesforceId));
    expect(dupIds.size).toBeGreaterThan(0);
    const good = goodRecords('affiliations').filter((r) => !dupIds.has(r.Id));
    const studentIds = new Set([...data.records('students')].map((r) => r.Id));
    const kept = good.filter((r) => !studentIds.has(String(r.npe5__Contact__c)));
    expect(one<{ n: number }>('SELECT count(*) AS n FROM volunteer_organization').n).toBe(kept.length);
    for (const r of kept) {
      const row = one<{ salesforce_id: string; role: string | null; is_primary: number }>(
        'SELECT salesforce_id, role, is_primary FROM volunteer_organization WHERE salesforce_volunteer_id = ? AND salesforce_org_id = ?',
        r.npe5__Contact__c, r.npe5__Organization__c,
      );
      expect(row.salesforce_id).toBe(r.Id);
      expect(row.role).toBe(r.npe5__Role__c ?? null);
      expect(row.is_primary).toBe(r.npe5__Primary__c ? 1 : 0);
    }
  });

  it('events: start and end keep time and zone (UTC instants), skills and districts linked', () => {
    const good = goodRecords('events');
    expect(one<{ n: number }>('SELECT count(*) AS n FROM event').n).toBe(good.length);
    let withTime = 0;
    for (const r of good) {
      const row = one<{ start_date: string; end_date: string; title: string; duration: number }>(
        'SELECT start_date, end_date, title, duration FROM event WHERE salesforce_id = ?', r.Id,
      );
      const start = String(r.Start_Date_and_Time__c);
      expect(row.start_date).toBe(new Date(start.replace('+0000', 'Z')).toISOString());
      expect(row.start_date).toMatch(/T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      if (!row.start_date.endsWith('T00:00:00.000Z')) withTime++;
      expect(Date.parse(row.end_date) - Date.parse(row.start_date)).toBe(row.duration * 60_000);
    }
    expect(withTime).toBe(good.length);
    const drafts = [...data.sobjectRecords('Session__c')].filter((r) => r.Session_Status__c === 'Draft' || r.Session_Type__c === 'Connector Session');
    expect(drafts.length).toBeGreaterThan(0);
    for (const d of drafts) expect(one('SELECT 1 AS x FROM event WHERE salesforce_id = ?', d.Id)).toBeUndefined();
    expect(one<{ n: number }>('SELECT count(*) AS n FROM event_districts').n).toBeGreaterThan(good.length / 2);
  });

  it('participations, history and pathways are linked to their parents', () => {
    for (const r of goodRecords('volunteer_participations')) {
      const row = one<{ c: string; e: string }>(
        `SELECT c.salesforce_individual_id AS c, e.salesforce_id AS e FROM event_participation p
         JOIN contact c ON c.id = p.volunteer_id JOIN event e ON e.id = p.event_id WHERE p.salesforce_id = ?`, r.Id,
      );
      expect([row.c, row.e]).toEqual([r.Contact__c, r.Session__c]);
    }
    for (const r of goodRecords('student_participations')) {
      const row = one<{ c: string; e: string }>(
        `SELECT c.salesforce_individual_id AS c, e.salesforce_id AS e FROM event_student_participation p
         JOIN contact c ON c.id = p.student_id JOIN event e ON e.id = p.event_id WHERE p.salesforce_id = ?`, r.Id,
      );
      expect([row.c, row.e]).toEqual([r.Contact__c, r.Session__c]);
    }
    for (const r of goodRecords('history')) {
      const row = one<{ c: string; summary: string }>(
        'SELECT c.salesforce_individual_id AS c, h.summary FROM history h JOIN contact c ON c.id = h.contact_id WHERE h.salesforce_id = ?', r.Id,
      );
      expect([row.c, row.summary]).toEqual([r.WhoId, r.Subject]);
    }
    expect(one<{ n: number }>('SELECT count(*) AS n FROM pathway_events').n).toBe(goodRecords('pathway_sessions').length);
    expect(one<{ n: number }>('SELECT count(*) AS n FROM pathway_contacts').n).toBe(goodRecords('pathway_participants').length);
  });

  it('every entity has a watermark under its own name, at the newest record read', () => {
    const marks = readWatermarks(db);
    for (const e of ENTITY_NAMES) {
      let newest = '';
      for (const r of data.records(e)) if (String(r.SystemModstamp) > newest) newest = String(r.SystemModstamp);
      expect(marks[e]?.modstamp, e).toBe(new Date(newest.replace('+0000', 'Z')).toISOString());
      expect(marks[e]?.recovery).toBe(false);
    }
  });

  it('a second full pass changes nothing and duplicates nothing', async () => {
    const before = snapshot();
    const second = await syncEntities(db, datasetSource(data), { mode: 'full', runId: 'run-2' });
    for (const e of ENTITY_NAMES) {
      expect(second[e].created, e).toBe(0);
      expect(second[e].updated, e).toBe(0);
      expect(second[e].processed, e).toBe(data.count(e));
    }
    expect(snapshot()).toEqual(before);
  });

  it('after editing 1% of the records, an incremental pass touches exactly those and moves each watermark', async () => {
    const hashes = (): Map<string, string> => {
      const out = new Map<string, string>();
      const tables: [string, string][] = [
        ['organization', 'salesforce_id'], ['district', 'salesforce_id'], ['school', 'id'], ['class', 'salesforce_id'],
        ['contact', 'salesforce_individual_id'], ['volunteer_organization', 'salesforce_id'], ['event', 'salesforce_id'],
        ['event_participation', 'salesforce_id'], ['event_student_participation', 'salesforce_id'], ['history', 'salesforce_id'],
        ['pathway', 'salesforce_id'],
      ];
      for (const [t, k] of tables) for (const r of all<{ k: string; h: string }>(`SELECT ${k} AS k, row_hash AS h FROM ${t} WHERE ${k} IS NOT NULL`)) out.set(`${t}|${r.k}`, r.h);
      return out;
    };
    const before = hashes();
    const marksBefore = readWatermarks(db);
    const edited = createDataset({ ...OPTIONS, edits: { fraction: 0.01 } });
    const third = await syncEntities(db, datasetSource(edited), { mode: 'incremental', runId: 'run-3' });
    const after = hashes();
    const changed = new Set([...after].filter(([k, h]) => before.get(k) !== h).map(([k]) => k.split('|')[1]));

    const fatal = new Set([...edited.expectedIssues()].filter((i) => i.severity === 'error').map((i) => i.salesforceId));
    const expected = new Set<string>();
    let total = 0;
    for (const e of ENTITY_NAMES) {
      const ids = [...edited.editedIds(e)].filter((id) => !fatal.has(id));
      total += ids.length;
      for (const id of ids) expected.add(id);
      expect(third[e].created, e).toBe(0);
      expect(third[e].updated, e).toBe(ids.length);
      expect(third[e].mode, e).toBe('incremental');
      // Only the edited records and the few inside the 5-minute look-back were read at all.
      expect(third[e].processed, e).toBeGreaterThanOrEqual(ids.length);
      expect(third[e].processed, e).toBeLessThan(ids.length + 10);
      if (ids.length > 0) {
        expect(Date.parse(readWatermarks(db)[e]?.modstamp ?? '') > Date.parse(marksBefore[e]?.modstamp ?? ''), e).toBe(true);
      }
    }
    expect(total).toBeGreaterThan(20);
    expect(changed).toEqual(expected);
  });
});
