/**
 * The NPSP dev-org dataset (real third-party data: accents, long household names, blank fields),
 * served by the Salesforce test server and read with jsforce using the entities' own SOQL: its
 * non-household accounts become organizations and its contacts (no contact type) volunteers,
 * none lost.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCumulusDataset, startSalesforceTestServer, type SalesforceTestServer } from '@vms/flow-salesforce/testing';
import { tempDir, type TempDir } from '@vms/test-utils';
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVmsDatabase, type VmsDatabase } from '../db/database';
import { adaptNpspRecords, fieldDeclarations } from '../generator/npsp';
import { ENTITIES } from './entities';
import type { SfRecord } from './entity';
import { syncEntities } from './run-sync';

const DATASET = fileURLToPath(new URL('../../../../data/npsp-dev-org', import.meta.url));

let dir: TempDir;
let db: VmsDatabase;
let server: SalesforceTestServer;
let records: Record<string, readonly Record<string, unknown>[]>;

/** Every page of a SOQL query, as jsforce reads it (query, then queryMore on nextRecordsUrl). */
async function* pages(conn: Connection, soql: string): AsyncGenerator<SfRecord[]> {
  let result = await conn.query(soql, { autoFetch: false });
  yield result.records as unknown as SfRecord[];
  while (!result.done && result.nextRecordsUrl) {
    result = await conn.queryMore(result.nextRecordsUrl);
    yield result.records as unknown as SfRecord[];
  }
}

beforeAll(async () => {
  dir = await tempDir('vms-npsp-');
  db = openVmsDatabase(join(dir.path, 'vms.db'));
  const dataset = await loadCumulusDataset(DATASET);
  records = adaptNpspRecords(dataset.records);
  server = await startSalesforceTestServer({
    records,
    pageSize: 25,
    fields: { ...fieldDeclarations(Object.values(ENTITIES)), Account: { ...fieldDeclarations(Object.values(ENTITIES)).Account, Type: 'string' }, Contact: { ...fieldDeclarations(Object.values(ENTITIES)).Contact, Contact_Type__c: 'string' } },
  });
});
afterAll(async () => {
  await server?.close();
  db?.close();
  await dir?.cleanup();
});

describe('NPSP dev-org dataset', () => {
  it('non-household accounts become organizations and contacts volunteers, none lost; a second run changes nothing', async () => {
    const conn = new Connection({ loginUrl: server.url, version: '62.0' });
    await conn.login(server.credentials.username, server.credentials.password + server.credentials.securityToken);
    const source = (plan: { soql: string }) => pages(conn, plan.soql);

    const first = await syncEntities(db, source, { mode: 'full', entities: ['organizations', 'volunteers'] });
    const accounts = records.Account ?? [];
    const orgs = accounts.filter((a) => a.Type !== 'Household');
    const contacts = records.Contact ?? [];
    expect(orgs.length).toBe(80);
    expect(contacts.length).toBe(102);
    expect(first.organizations.error).toBeUndefined();
    expect(first.organizations).toMatchObject({ processed: orgs.length, created: orgs.length, failed: 0 });
    expect(first.volunteers).toMatchObject({ processed: contacts.length, created: contacts.length, failed: 0 });

    const storedOrgs = db.prepare('SELECT name FROM organization ORDER BY name').pluck().all();
    expect(storedOrgs).toEqual(orgs.map((a) => a.Name).sort((a, b) => (String(a) < String(b) ? -1 : 1)));
    const storedPeople = db.prepare("SELECT first_name || ' ' || last_name FROM contact WHERE type = 'volunteer' ORDER BY 1").pluck().all();
    expect(storedPeople).toEqual(contacts.map((c) => `${c.FirstName} ${c.LastName}`).sort((a, b) => (a < b ? -1 : 1)));
    // Emails and titles came through, accents intact.
    const withEmail = contacts.filter((c) => typeof c.Email === 'string' && c.Email.includes('@'));
    expect(db.prepare('SELECT count(*) FROM email WHERE "primary" = 1').pluck().get()).toBe(withEmail.length);

    const second = await syncEntities(db, source, { mode: 'incremental', entities: ['organizations', 'volunteers'], lookbackMs: 0 });
    expect(second.organizations).toMatchObject({ created: 0, updated: 0 });
    expect(second.volunteers).toMatchObject({ created: 0, updated: 0 });
  });
});
