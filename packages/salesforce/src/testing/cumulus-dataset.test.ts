import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '@vms/test-utils';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connectSalesforce } from '../jsforce-client.js';
import { queryAll } from '../query-stream.js';
import { isSalesforceId } from '../ids.js';
import { loadCumulusDataset } from './cumulus-dataset.js';
import { startSalesforceTestServer, type SalesforceTestServer } from './server.js';
import { testConnectionConfig } from './connection-config.js';

const NPSP = fileURLToPath(new URL('../../../../data/npsp-dev-org', import.meta.url));

let server: SalesforceTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function countInserts(table: string): number {
  const sql = readFileSync(join(NPSP, 'test_data.sql'), 'utf8');
  return sql.split('\n').filter((l) => l.startsWith(`INSERT INTO "${table}" VALUES`)).length;
}

describe('CumulusCI dataset loading', () => {
  it('the NPSP dev_org dataset loads; SELECT ... FROM Contact returns all its contacts with AccountId as Ids', async () => {
    expect(existsSync(NPSP)).toBe(true);
    server = await startSalesforceTestServer({ dataset: NPSP });
    const client = await connectSalesforce(testConnectionConfig(server));
    const contacts = await queryAll(client, 'SELECT Id, FirstName, LastName, Email, AccountId, Account.Name, Primary_Affiliation__c FROM Contact');
    expect(contacts).toHaveLength(countInserts('Contact'));
    expect(contacts.length).toBeGreaterThan(100);
    expect(contacts.every((c) => isSalesforceId(c.Id) && c.Id!.length === 18)).toBe(true);
    const accountIds = new Set((await queryAll(client, 'SELECT Id FROM Account')).map((a) => a.Id));
    expect(accountIds.size).toBe(countInserts('Account'));
    const withAccount = contacts.filter((c) => c.AccountId !== null);
    expect(withAccount.length).toBeGreaterThan(0);
    for (const c of withAccount) {
      expect(c.AccountId).toHaveLength(18);
      expect(accountIds.has(c.AccountId as string)).toBe(true);
      expect((c.Account as { Name: string }).Name).toEqual(expect.any(String));
    }
    // Row 2 of the dump: Dr Judith Warren, account row 141.
    const judith = contacts.find((c) => c.LastName === 'Warren' && c.FirstName === 'Judith')!;
    expect(judith.Email).toBe('jwarren26@linkedin.com');
    const acct = await queryAll(client, `SELECT Name FROM Account WHERE Id = '${judith.AccountId as string}'`);
    expect(acct).toHaveLength(1);
    // Blank optional fields are null, as Salesforce returns them.
    expect(contacts.some((c) => c.Email === null)).toBe(true);
    expect(contacts.some((c) => c.Email === '')).toBe(false);
  });

  it('types dump columns (True/False → boolean, 75.0 → number), resolves multi-object lookups and record types', async () => {
    const { records, unresolvedLookups } = await loadCumulusDataset(NPSP);
    expect(unresolvedLookups).toEqual({});
    server = await startSalesforceTestServer({ records });
    const client = await connectSalesforce(testConnectionConfig(server));
    const opps = await queryAll(client, 'SELECT Id, Amount, npe01__Do_Not_Automatically_Create_Payment__c, CloseDate, Account.Name, Primary_Contact__r.LastName FROM Opportunity WHERE Amount > 500 ORDER BY Amount DESC LIMIT 5');
    expect(opps).toHaveLength(5);
    expect(typeof opps[0]!.Amount).toBe('number');
    expect(typeof opps[0]!.npe01__Do_Not_Automatically_Create_Payment__c).toBe('boolean');
    expect(opps[0]!.CloseDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect((opps[0]!.Amount as number) >= (opps[4]!.Amount as number)).toBe(true);
    const orgs = await queryAll(client, "SELECT Id, Name, RecordType.DeveloperName FROM Account WHERE RecordType.DeveloperName = 'Organization'");
    expect(orgs.length).toBeGreaterThan(0);
    expect(orgs.every((o) => (o.RecordType as { DeveloperName: string }).DeveloperName === 'Organization')).toBe(true);
  });

  it('names the problem when a mapping step points at a missing table', async () => {
    const dir = await tempDir();
    try {
      await writeFile(join(dir.path, 'mapping.yml'), 'Things:\n  sf_object: Thing__c\n  table: Things\n  fields:\n    Name: name\n');
      await writeFile(join(dir.path, 'test_data.sql'), 'CREATE TABLE "Other" (id INTEGER NOT NULL, name VARCHAR(255), PRIMARY KEY (id));\n');
      await expect(loadCumulusDataset(dir.path)).rejects.toThrow(/step 'Things' names table 'Things'/);
      await writeFile(join(dir.path, 'test_data.sql'), 'CREATE TABLE "Things" (id INTEGER NOT NULL, name VARCHAR(255), PRIMARY KEY (id));\nINSERT INTO "Things" VALUES(1,\'A\');\n');
      const ds = await loadCumulusDataset(dir.path);
      expect(ds.records.Thing__c).toEqual([{ Id: expect.stringMatching(/^a\w{17}$/), Name: 'A' }]);
    } finally {
      await dir.cleanup();
    }
  });
});
