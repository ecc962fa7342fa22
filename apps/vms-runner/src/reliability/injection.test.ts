/**
 * Issue 9 item 6: injection.
 *
 * SOQL: values a person or a record controls (names, Ids, academic years, watermark cursors)
 * reach queries only through the Salesforce plugin's literal helpers. Against the Salesforce
 * test server with real jsforce, a hostile value selects exactly the records equal to it (or is
 * rejected before any request), never changes which records the query returns.
 *
 * SQL: quote-laden names go end to end (Salesforce test server → jsforce → full sync → VMS
 * database; sheet → virtual-session import) and read back intact, every table still there.
 */
import { join } from 'node:path';
import { connectSalesforce, queryAll, soql, type SalesforceClient } from '@vms/flow-salesforce';
import { makeSalesforceId, testConnectionConfig } from '@vms/flow-salesforce/testing';
import { startSheetsTestServer, type SheetsTestServer } from '@vms/flow-sheets/testing';
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { virtualSessionSheet } from '../generator/sheet';
import type { Runner } from '../runner';
import { parseAcademicYear } from '../sheets/rules';
import { planEntityQuery } from '../sync/watermark';
import { runnerEnv, startOrg, type Org } from './harness/org';
import { runFlow, runnerFrom, type RunOutcome } from './harness/runner';

/** Names that break naive string building in SOQL, SQL, LIKE patterns or HTML. */
const HOSTILE = [
  `O'Brien"; DROP TABLE contact;--`,
  `Robert'); DELETE FROM volunteer; --`,
  `x' OR LastName != '`,
  `\\' OR Id != null OR LastName = \\'`,
  `50%_off\\`,
  `Line\nBreak\tTab`,
  `<script>alert(1)</script>`,
  `Zoë 🎓 Ngô`,
];

let dir: TempDir;
let org: Org;
let client: SalesforceClient;
let runner: Runner;
let sheets: SheetsTestServer;
let sync: RunOutcome;
let sheetImport: RunOutcome;
const YEAR = '2024-2025';
const contactIds: string[] = [];
let orgId: string;
let sessionId: string;

beforeAll(async () => {
  dir = await tempDir('vms-injection-');
  org = await startOrg({ seed: 31, scale: 0.02 });
  // Hostile volunteers, an organization and a session, beside the generated org.
  HOSTILE.forEach((name, i) => {
    const id = makeSalesforceId('Contact', 900_000 + i);
    contactIds.push(id);
    org.server.insert('Contact', [
      { Id: id, FirstName: name, LastName: name, Contact_Type__c: 'Volunteer', Title: name, SystemModstamp: '2025-06-01T00:00:00.000Z', LastModifiedDate: '2025-06-01T00:00:00.000Z' },
    ]);
  });
  orgId = makeSalesforceId('Account', 900_000);
  org.server.insert('Account', [{ Id: orgId, Name: HOSTILE[0], Type: 'Business', SystemModstamp: '2025-06-01T00:00:00.000Z', LastModifiedDate: '2025-06-01T00:00:00.000Z' }]);
  sessionId = makeSalesforceId('Session__c', 900_000);
  org.server.insert('Session__c', [
    {
      Id: sessionId,
      Name: HOSTILE[1],
      Session_Status__c: 'Confirmed',
      Session_Type__c: 'Career Jumping',
      Start_Date_and_Time__c: '2025-03-04T14:15:00.000Z',
      SystemModstamp: '2025-06-01T00:00:00.000Z',
      LastModifiedDate: '2025-06-01T00:00:00.000Z',
    },
  ]);
  client = await connectSalesforce(testConnectionConfig(org.server));

  // A sheet whose teacher and presenter names are hostile.
  const sheet = virtualSessionSheet({ academicYear: YEAR, seed: 31, rows: 4 });
  const rows = sheet.values.map((r) => [...r]);
  const header = rows[3] as string[];
  const col = (name: string): number => header.indexOf(name);
  (rows[4] as string[])[col('Session Title')] = `Career Chat '); DROP TABLE event;--`;
  (rows[4] as string[])[col('Teacher Name')] = `Shaun O'Brien`;
  (rows[4] as string[])[col('Presenter')] = `Ana "Nana" D'Souza`;
  sheets = await startSheetsTestServer({ sheets: { s1: { 'Virtual Sessions': rows } }, apiKey: 'inj-key' });

  runner = await runnerFrom(runnerEnv(org.server, dir.path, { GOOGLE_API_KEY: 'inj-key', GOOGLE_SHEETS_ROOT_URL: sheets.rootUrl, VIRTUAL_SESSION_SHEETS: `${YEAR}=s1` }));
  sync = await runFlow(runner, 'full-salesforce-sync');
  sheetImport = await runFlow(runner, 'virtual-session-import', { academicYear: YEAR });
}, 120_000);

afterAll(async () => {
  await runner?.close();
  await sheets?.close();
  await org?.close();
  await dir?.cleanup();
});

describe('SOQL injection', () => {
  it.each(HOSTILE.map((h, i) => [JSON.stringify(h), i] as const))('a name %s selects exactly the records with that name', async (_label, i) => {
    const name = HOSTILE[i] as string;
    const rows = await queryAll(client, soql`SELECT Id, LastName FROM Contact WHERE LastName = ${name}`);
    expect(rows.map((r) => r.Id)).toEqual([contactIds[i]]);
    expect(rows[0]?.LastName).toBe(name);
  });

  it('the control: an unescaped hostile name would have changed the query', async () => {
    // Built by hand (what the helpers prevent): `x' OR LastName != '` selects every contact.
    const all = await queryAll(client, "SELECT Id FROM Contact WHERE LastName = 'x' OR LastName != ''");
    expect(all.length).toBeGreaterThan(HOSTILE.length);
  });

  it('a hostile Id is rejected before any request is sent', async () => {
    const before = org.server.stats.apiRequests;
    for (const id of [`${contactIds[0]}' OR Id != '`, "003000000000001' OR '1'='1", '003\u0000'.padEnd(18, 'A')]) {
      expect(() => soql`SELECT Id FROM Contact WHERE Id = ${soql.id(id)}`).toThrow(/Salesforce Id/);
    }
    expect(org.server.stats.apiRequests).toBe(before);
  });

  it('a hostile academic year is rejected before it can become a date bound', () => {
    for (const year of [`2024-2025' OR '1'='1`, '2024-2025) OR (Id != null', '2024-2026']) {
      expect(() => parseAcademicYear(year)).toThrow(/academicYear/);
    }
    // A valid year gives unquoted UTC literals only (July 1 to July 1).
    const { startYear, endYear } = parseAcademicYear(YEAR);
    const start = new Date(Date.UTC(startYear, 6, 1));
    const end = new Date(Date.UTC(endYear, 6, 1));
    const q = soql`SELECT Id FROM Session__c WHERE Start_Date_and_Time__c >= ${start} AND Start_Date_and_Time__c < ${end}`;
    expect(q).toMatch(/>= \d{4}-\d{2}-\d{2}T[\d:.]+Z AND Start_Date_and_Time__c < \d{4}-\d{2}-\d{2}T[\d:.]+Z$/);
  });

  it('a poisoned resume cursor (checkpoint) is rejected before a query is built', () => {
    const poisoned = { modstamp: '2025-06-01T00:00:00.000Z', id: `${contactIds[0]}' OR Id != '` };
    expect(() => planEntityQuery(runner.db, 'volunteers', { mode: 'incremental', resumeAfter: poisoned })).toThrow(/Salesforce Id/);
    const badStamp = { modstamp: "2020-01-01T00:00:00Z) OR (Id != null", id: contactIds[0] as string };
    expect(() => planEntityQuery(runner.db, 'volunteers', { mode: 'incremental', resumeAfter: badStamp })).toThrow(/datetime/);
  });

  it('a poisoned stored watermark builds no query', () => {
    const db = runner.db;
    const before = db.prepare("SELECT modstamp, last_id FROM sync_watermarks WHERE sync_type = 'volunteers'").get() as { modstamp: string; last_id: string };
    try {
      db.prepare("UPDATE sync_watermarks SET modstamp = ?, last_id = ? WHERE sync_type = 'volunteers'").run("2020-01-01T00:00:00Z) OR (Id != null", `${contactIds[0]}' OR Id != '`);
      // Fails at once with an error naming the stored value (RELIABILITY.md finding 7, fixed).
      expect(() => planEntityQuery(db, 'volunteers', { mode: 'incremental' })).toThrow(/stored watermark of `volunteers`/);
      // With a valid instant, the look-back start uses the instant only: the poisoned Id is never sent.
      db.prepare("UPDATE sync_watermarks SET modstamp = ? WHERE sync_type = 'volunteers'").run('2025-06-01T00:00:00.000Z');
      const plan = planEntityQuery(db, 'volunteers', { mode: 'incremental' });
      expect(plan.soql).not.toContain("OR Id != '");
      expect(plan.soql).toContain('SystemModstamp >= 2025-05-31T23:55:00Z');
    } finally {
      db.prepare("UPDATE sync_watermarks SET modstamp = ?, last_id = ? WHERE sync_type = 'volunteers'").run(before.modstamp, before.last_id);
    }
  });
});

describe('SQL injection: quote-laden names end to end', () => {
  it('the sync and the sheet import completed', () => {
    expect(sync.error?.message).toBeUndefined();
    expect(sync.state).toBe('Completed');
    expect(sheetImport.error?.message).toBeUndefined();
    expect(sheetImport.state).toBe('Completed');
  });

  it('every hostile contact name is stored and read back intact', () => {
    HOSTILE.forEach((name, i) => {
      const row = runner.db.prepare('SELECT first_name, last_name FROM contact WHERE salesforce_individual_id = ?').get(contactIds[i]) as { first_name: string; last_name: string } | undefined;
      expect(row, name).toBeDefined();
      // Names are trimmed; nothing else changes.
      expect([row?.first_name, row?.last_name]).toEqual([name.trim(), name.trim()]);
    });
  });

  it('the hostile organization name and session title are stored intact', () => {
    expect(runner.db.prepare('SELECT name FROM organization WHERE salesforce_id = ?').pluck().get(orgId)).toBe(HOSTILE[0]);
    expect(runner.db.prepare('SELECT title FROM event WHERE salesforce_id = ?').pluck().get(sessionId)).toBe(HOSTILE[1]);
  });

  it('the sheet\'s hostile title, teacher and presenter are stored intact', () => {
    expect(runner.db.prepare("SELECT count(*) FROM event WHERE title = ? AND format = 'virtual'").pluck().get(`Career Chat '); DROP TABLE event;--`)).toBe(1);
    const names = runner.db.prepare('SELECT first_name, last_name FROM contact').all() as { first_name: string; last_name: string }[];
    expect(names).toContainEqual({ first_name: 'Shaun', last_name: "O'Brien" });
    expect(names.some((n) => n.last_name === "D'Souza")).toBe(true);
  });

  it('every table is still there and the contact count adds up', () => {
    const tables = runner.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
    for (const t of ['contact', 'volunteer', 'event', 'organization', 'row_errors']) expect(tables).toContain(t);
    expect(runner.db.prepare('SELECT count(*) FROM volunteer').pluck().get()).toBeGreaterThanOrEqual(HOSTILE.length);
  });
});
