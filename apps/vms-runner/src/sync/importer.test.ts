import { join } from 'node:path';
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openVmsDatabase, type VmsDatabase } from '../db/database';
import { createDataset, sfDateTime, type SfRecord } from '../generator/dataset';
import { datasetSource } from '../generator/source';
import { ENTITY_DEPENDENCIES, ENTITY_NAMES, entityWaves } from './dag';
import { EntityImporter, importEntity } from './importer';
import { syncEntities } from './run-sync';
import { buildEntitySoql, soqlId } from './soql';
import { entityDefinition } from './entities';
import { planEntityQuery, readWatermark } from './watermark';

let dir: TempDir;
let db: VmsDatabase;
beforeEach(async () => {
  dir = await tempDir('vms-import-');
  db = openVmsDatabase(join(dir.path, 'vms.db'));
});
afterEach(async () => {
  db.close();
  await dir.cleanup();
});

const count = (table: string, where = '1'): number => db.prepare(`SELECT count(*) FROM ${table} WHERE ${where}`).pluck().get() as number;

const volunteer = (i: number, stamp: string, extra: Record<string, unknown> = {}): SfRecord => ({
  attributes: { type: 'Contact' },
  Id: `003000000000${String(i).padStart(3, '0')}AAA`,
  Contact_Type__c: 'Volunteer',
  FirstName: `First${i}`,
  LastName: `Last${i}`,
  SystemModstamp: stamp,
  LastModifiedDate: stamp,
  ...extra,
});

describe('EntityImporter', () => {
  it('a row the database rejects rolls back alone; the good rows of its chunk stay', async () => {
    const stamp = '2025-01-01T00:00:00.000+0000';
    const records = [
      volunteer(1, stamp, { Connector_User_ID__c: 'u-1' }),
      volunteer(2, stamp, { Connector_User_ID__c: 'u-1' }), // unique connector_data.user_auth_id: rejected by SQLite
      volunteer(3, stamp, { Email: 'v3@example.org' }),
    ];
    const result = await importEntity(db, 'volunteers', [records], { ordered: false });
    expect([result.created, result.failed]).toEqual([2, 1]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatchObject({ salesforceId: records[1]?.Id, code: 'DUPLICATE_RECORD', severity: 'error' });
    // the rejected row left nothing behind: no contact, no email, no subtype row
    expect(db.prepare('SELECT salesforce_individual_id FROM contact ORDER BY 1').pluck().all()).toEqual([records[0]?.Id, records[2]?.Id]);
    expect(count('volunteer')).toBe(2);
    expect(count('email')).toBe(1);
    expect(count('row_errors', "code = 'DUPLICATE_RECORD'")).toBe(1);
    expect(count('data_quality_flag', "issue_type = 'import_error' AND status = 'open'")).toBe(1);
  });

  it('a chunk redone row by row after a database error forgets cached rows of the rolled-back attempt', async () => {
    const stamp = '2025-01-01T00:00:00.000+0000';
    const records = [
      // inserts skill "Welding" (cached by the writer), then the chunk is rolled back by the next record
      volunteer(1, stamp, { Volunteer_Skills_Text__c: 'Welding', Connector_User_ID__c: 'u-1' }),
      volunteer(2, stamp, { Connector_User_ID__c: 'u-1' }),
      volunteer(3, stamp, { Volunteer_Skills_Text__c: 'Welding' }),
    ];
    const result = await importEntity(db, 'volunteers', [records], { ordered: false });
    expect([result.processed, result.created, result.failed, result.errorCount]).toEqual([3, 2, 1, 1]);
    const linked = db.prepare(
      'SELECT c.salesforce_individual_id FROM volunteer_skills vs JOIN skill s ON s.id = vs.skill_id JOIN contact c ON c.id = vs.volunteer_id WHERE s.name = ? ORDER BY 1',
    ).pluck().all('Welding');
    expect(linked).toEqual([records[0]?.Id, records[2]?.Id]);
    expect(count('skill')).toBe(1);
    expect(db.prepare('SELECT records_created, records_failed FROM sync_logs WHERE id = ?').get(result.syncLogId)).toEqual({ records_created: 2, records_failed: 1 });
  });

  it('writes counts and the watermark with every chunk and exposes the resume point', () => {
    const importer = new EntityImporter(db, 'volunteers', { mode: 'full', runId: 'r1' });
    const first = importer.importChunk([volunteer(1, '2025-01-01T00:00:00.000+0000'), volunteer(2, '2025-01-02T00:00:00.000+0000')]);
    expect(first.resumeAfter).toEqual({ modstamp: '2025-01-02T00:00:00.000Z', id: volunteer(2, '').Id });
    expect(first.lastId).toBe(volunteer(2, '').Id);
    // a crash now would keep chunk 1 and its counts
    expect(db.prepare("SELECT records_created FROM sync_logs WHERE sync_type = 'volunteers'").pluck().get()).toBe(2);
    expect(readWatermark(db, 'volunteers')).toMatchObject({ modstamp: '2025-01-02T00:00:00.000Z', recovery: false });
    importer.importChunk([volunteer(3, '2025-01-03T00:00:00.000+0000')]);
    const result = importer.finish();
    expect(result).toMatchObject({ status: 'success', processed: 3, created: 3, watermarkAfter: { modstamp: '2025-01-03T00:00:00.000Z' } });
  });

  it('after a failed run the watermark has still advanced to the last committed chunk and the next read looks back 48 h', async () => {
    async function* failing(): AsyncGenerator<SfRecord[]> {
      yield [volunteer(1, '2025-03-01T10:00:00.000+0000'), volunteer(2, '2025-03-01T11:00:00.000+0000')];
      throw new Error('socket hang up');
    }
    await expect(importEntity(db, 'volunteers', failing(), { mode: 'incremental' })).rejects.toThrow('socket hang up');
    const mark = readWatermark(db, 'volunteers');
    expect(mark).toMatchObject({ modstamp: '2025-03-01T11:00:00.000Z', recovery: true });
    expect(db.prepare("SELECT status FROM sync_logs WHERE sync_type = 'volunteers'").pluck().get()).toBe('failed');
    const plan = planEntityQuery(db, 'volunteers', { mode: 'incremental' });
    expect(plan.recovery).toBe(true);
    expect(plan.after).toEqual({ modstamp: '2025-02-27T11:00:00.000Z', id: '' });
    expect(plan.soql).toContain('SystemModstamp >= 2025-02-27T11:00:00Z');
    // a successful run ends recovery: the normal 5-minute look-back applies again
    await importEntity(db, 'volunteers', [[volunteer(3, '2025-03-02T00:00:00.000+0000')]], { mode: 'incremental' });
    expect(readWatermark(db, 'volunteers')).toMatchObject({ modstamp: '2025-03-02T00:00:00.000Z', recovery: false });
    expect(planEntityQuery(db, 'volunteers', { mode: 'incremental' }).after).toEqual({ modstamp: '2025-03-01T23:55:00.000Z', id: '' });
  });

  it('the watermark never moves backwards when a look-back re-reads older records', async () => {
    await importEntity(db, 'volunteers', [[volunteer(1, '2025-03-01T10:00:00.000+0000')]]);
    await importEntity(db, 'volunteers', [[volunteer(2, '2025-03-01T09:58:00.000+0000')]]);
    expect(readWatermark(db, 'volunteers')?.modstamp).toBe('2025-03-01T10:00:00.000Z');
  });

  it('rejects bad options and sources, naming the value', async () => {
    expect(() => new EntityImporter(db, 'volunteers', { maxErrorsInResult: -1 })).toThrow('Expected `maxErrorsInResult` to be an integer >= 0, got `-1` (number)');
    expect(() => new EntityImporter(db, 'nope' as never)).toThrow(/Expected an entity name .*got `nope`/);
    await expect(importEntity(db, 'volunteers', 42 as never)).rejects.toThrow(/Expected `source`/);
    const importer = new EntityImporter(db, 'volunteers');
    expect(() => importer.importChunk(['not a record'])).toThrow(/Expected a Salesforce record object/);
  });

  it('a record without an Id is a MISSING_SF_ID row error', async () => {
    const result = await importEntity(db, 'volunteers', [[{ attributes: { type: 'Contact' }, LastName: 'X', Contact_Type__c: 'Volunteer' }]]);
    expect(result).toMatchObject({ processed: 1, failed: 1, status: 'failed' });
    expect(result.errors[0]?.code).toBe('MISSING_SF_ID');
  });
});

describe('pending queue', () => {
  it('a participation whose volunteer arrives one run later is queued, then resolved', async () => {
    const data = createDataset({ seed: 3, scale: 0.02, badRowRate: 0 });
    const participation = data.records('volunteer_participations').next().value as SfRecord;
    const late = String(participation.Contact__c);
    const withoutVolunteer = datasetSource(data);
    const entities = ['organizations', 'districts', 'schools', 'teachers', 'volunteers', 'events', 'volunteer_participations'] as const;

    const run1 = await syncEntities(
      db,
      (plan) => {
        const given = withoutVolunteer(plan);
        if (plan.entity !== 'volunteers') return given;
        return { source: [...given.source].filter((r) => r.Id !== late), ordered: given.ordered };
      },
      { mode: 'full', entities, runId: 'run-1' },
    );
    expect(run1.volunteer_participations.queued).toBeGreaterThanOrEqual(1);
    const pending = db.prepare("SELECT missing, resolved_at FROM pending_imports WHERE sync_type = 'volunteer_participations' AND salesforce_id = ?").get(participation.Id);
    expect(pending).toEqual({ missing: `volunteer:${late}`, resolved_at: null });
    expect(db.prepare("SELECT code FROM row_errors WHERE salesforce_id = ? AND run_id = 'run-1'").pluck().get(participation.Id)).toBe('PARENT_NOT_FOUND');
    expect(count('event_participation', `salesforce_id = '${participation.Id}'`)).toBe(0);

    // Run 2: the volunteer now exists in Salesforce (modified after run 1); the participation is not re-read.
    const laterStamp = sfDateTime(data.asOf.getTime() + 86_400_000);
    const run2 = await syncEntities(
      db,
      (plan) => {
        const given = datasetSource(data)(plan);
        if (plan.entity !== 'volunteers') return given;
        const arrived = [...data.records('volunteers')].filter((r) => r.Id === late).map((r) => ({ ...r, SystemModstamp: laterStamp, LastModifiedDate: laterStamp }));
        return { source: arrived, ordered: true };
      },
      { mode: 'incremental', entities, runId: 'run-2', lookbackMs: 0 },
    );
    expect(run2.volunteers.created).toBe(1);
    expect(run2.volunteer_participations.processed).toBe(0);
    expect(run2.volunteer_participations.resolved).toBeGreaterThanOrEqual(1);
    const row = db.prepare(
      'SELECT c.salesforce_individual_id AS contact FROM event_participation p JOIN contact c ON c.id = p.volunteer_id WHERE p.salesforce_id = ?',
    ).get(participation.Id);
    expect(row).toEqual({ contact: late });
    expect(db.prepare("SELECT resolved_at IS NOT NULL FROM pending_imports WHERE salesforce_id = ?").pluck().get(participation.Id)).toBe(1);
    expect(count('pending_imports', 'resolved_at IS NULL')).toBe(0);
    expect(db.prepare("SELECT status FROM sync_logs WHERE sync_type = 'volunteer_participations' AND run_id = 'run-2'").pluck().get()).toBe('success');
  });

  it('a pending queue longer than one retry batch is retried in full', async () => {
    const school = '001000000000777AAA';
    const classes: SfRecord[] = Array.from({ length: 1203 }, (_, i) => ({
      attributes: { type: 'Class__c' }, Id: `a0C00000000${String(i).padStart(4, '0')}AAA`, Name: `Class ${i}`, School__c: school,
      SystemModstamp: '2025-01-01T00:00:00.000+0000',
    }));
    const first = await importEntity(db, 'classes', [classes]);
    expect([first.queued, first.resolved]).toEqual([1203, 0]);
    await importEntity(db, 'schools', [[{ attributes: { type: 'Account' }, Id: school, Type: 'School', Name: 'Late School', SystemModstamp: '2025-01-02T00:00:00.000+0000' }]]);
    const second = await importEntity(db, 'classes', []);
    expect(second.resolved).toBe(1203);
    expect(count('class', `school_salesforce_id = '${school}'`)).toBe(1203);
    expect(count('pending_imports', 'resolved_at IS NULL')).toBe(0);
  });

  it('a record still missing its parent is retried each run and marked likely_sf_orphan after the cap', async () => {
    const orphan: SfRecord = {
      attributes: { type: 'Session_Participant__c' }, Id: 'a0P000000000001AAA', Participant_Type__c: 'Volunteer', Contact__c: '003000000000999AAA',
      Session__c: 'a0S000000000999AAA', Status__c: 'Attended', SystemModstamp: '2025-01-01T00:00:00.000+0000',
    };
    await importEntity(db, 'volunteer_participations', [[orphan]], { pendingMaxRetries: 3 });
    for (let i = 0; i < 3; i++) await importEntity(db, 'volunteer_participations', [], { pendingMaxRetries: 3 });
    expect(db.prepare('SELECT retry_count, error_reason, resolved_at FROM pending_imports').get()).toEqual({ retry_count: 3, error_reason: 'likely_sf_orphan', resolved_at: null });
  });
});

describe('DAG and SOQL', () => {
  it('waves respect every dependency, and independent entities share a wave', () => {
    const waves = entityWaves();
    expect(waves.flat().sort()).toEqual([...ENTITY_NAMES].sort());
    const waveOf = new Map(waves.flatMap((w, i) => w.map((e) => [e, i] as const)));
    for (const e of ENTITY_NAMES) for (const d of ENTITY_DEPENDENCIES[e]) expect(waveOf.get(d)! < waveOf.get(e)!, `${d} before ${e}`).toBe(true);
    expect(waves[0]).toEqual(['organizations', 'districts', 'pathways']);
    expect(waves.length).toBeLessThan(ENTITY_NAMES.length / 2);
  });

  it('builds SOQL with the entity filter, the cursor and a stable order; Ids cannot inject', () => {
    const soql = buildEntitySoql(entityDefinition('volunteers'), { modstamp: '2025-01-02T03:04:05.000Z', id: '003000000000001AAA' });
    expect(soql).toMatch(/^SELECT Id, SystemModstamp, LastModifiedDate, AccountId, .* FROM Contact WHERE \(Contact_Type__c = 'Volunteer' OR Contact_Type__c = null\) AND \(SystemModstamp > 2025-01-02T03:04:05Z OR \(SystemModstamp = 2025-01-02T03:04:05Z AND Id > '003000000000001AAA'\)\) ORDER BY SystemModstamp ASC, Id ASC$/);
    expect(() => soqlId("003' OR Name != '")).toThrow(/Expected a Salesforce Id/);
    expect(() => buildEntitySoql(entityDefinition('events'), { modstamp: '2025-01-01T00:00:00.000Z', id: "x' OR Id != 'y" })).toThrow(/Expected a Salesforce Id/);
  });
});
