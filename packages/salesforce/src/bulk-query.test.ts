import { afterEach, describe, expect, it } from 'vitest';
import { bulkQuery, bulkRowToRecord } from './bulk-query.js';
import { connectSalesforce } from './jsforce-client.js';
import { queryAll } from './query-stream.js';
import { makeSalesforceId, startSalesforceTestServer, testConnectionConfig, type SalesforceTestServer } from './testing.js';

let server: SalesforceTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function affiliations(n: number): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({
    Name: `AFF-${i}`,
    npe5__Contact__c: makeSalesforceId('Contact', (i % 50) + 1),
    npe5__Role__c: i % 7 === 0 ? null : `Role, "quoted" ${i % 3}`,
    npe5__Primary__c: i % 2 === 0,
    npe5__StartDate__c: '2024-01-15',
  }));
}

const noWait = async (): Promise<void> => undefined;

describe('bulkQuery (Bulk API 2.0)', () => {
  it('a 50,000-record object returns the same records as the REST query', async () => {
    server = await startSalesforceTestServer({
      records: {
        Contact: Array.from({ length: 50 }, (_, i) => ({ LastName: `C${i}` })),
        npe5__Affiliation__c: affiliations(50_000),
      },
      bulkPageSize: 10_000,
      bulkPollsUntilComplete: 2,
    });
    const client = await connectSalesforce(testConnectionConfig(server));
    const soqlText = 'SELECT Id, Name, npe5__Contact__c, npe5__Role__c, npe5__Primary__c, npe5__StartDate__c, npe5__Contact__r.LastName FROM npe5__Affiliation__c';
    const polls: number[] = [];
    const stream = bulkQuery(client, soqlText, { pageSize: 12_000, pollIntervalMs: 500, sleep: async (ms) => void polls.push(ms) });
    const bulk = new Map<string, Record<string, unknown>>();
    const chunkSizes: number[] = [];
    for await (const chunk of stream) {
      chunkSizes.push(chunk.length);
      for (const r of chunk) bulk.set(r.Id as string, r);
    }
    expect(polls).toEqual([500, 500, 500]); // a wait before each of 3 polls: InProgress, InProgress, JobComplete
    expect(chunkSizes).toEqual([12_000, 12_000, 12_000, 12_000, 2_000]);
    expect(stream.totalSize).toBe(50_000);
    expect(bulk.size).toBe(50_000);

    const rest = await queryAll(client, soqlText);
    expect(rest).toHaveLength(50_000);
    // Same records: every REST record's values, as strings (CSV has no types), equal the bulk record's.
    let compared = 0;
    const mismatches: string[] = [];
    for (const r of rest) {
      const b = bulk.get(r.Id!);
      if (!b) {
        mismatches.push(`${r.Id}: missing from bulk`);
        continue;
      }
      for (const f of ['Name', 'npe5__Contact__c', 'npe5__Role__c', 'npe5__Primary__c', 'npe5__StartDate__c']) {
        const want = r[f] === null ? null : String(r[f]);
        if (b[f] !== want) mismatches.push(`${r.Id}.${f}: ${String(b[f])} != ${String(want)}`);
      }
      const bName = (b.npe5__Contact__r as { LastName: string } | null)?.LastName;
      const rName = (r.npe5__Contact__r as { LastName: string } | null)?.LastName;
      if (bName !== rName) mismatches.push(`${r.Id}.npe5__Contact__r.LastName: ${bName} != ${rName}`);
      compared++;
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
    expect(compared).toBe(50_000);
    // The job is deleted once read.
    expect(server.requestLog.filter((l) => l.method === 'DELETE' && l.kind === 'bulk')).toHaveLength(1);
  });

  // jsforce 3.10's own bulk2.query reads one results page fine; across several `Sforce-Locator`
  // pages it fails with ERR_STREAM_WRITE_AFTER_END (jsforce issues #1546, #1693), which is why
  // bulkQuery pages through the results itself.
  it('jsforce\'s own bulk2.query runs unchanged against the test server (one results page)', async () => {
    server = await startSalesforceTestServer({ records: { npe5__Affiliation__c: affiliations(3000) }, bulkPollsUntilComplete: 0 });
    const client = await connectSalesforce(testConnectionConfig(server, 'oauth-password'));
    const records = await (await client.connection.bulk2.query('SELECT Id, Name FROM npe5__Affiliation__c', { pollInterval: 10 })).toArray();
    expect(records).toHaveLength(3000);
    expect(new Set(records.map((r) => r.Id)).size).toBe(3000);
  });

  it('a failed job is an error naming the job', async () => {
    server = await startSalesforceTestServer({ records: { Account: [{ Name: 'A' }] } });
    const client = await connectSalesforce(testConnectionConfig(server));
    const failing = { ...client, getBulkQueryJob: async (id: string) => ({ id, state: 'Failed' as const, errorMessage: 'boom' }) };
    const run = async (): Promise<void> => {
      for await (const chunk of bulkQuery(failing, 'SELECT Id FROM Account', { sleep: noWait })) void chunk;
    };
    await expect(run()).rejects.toThrow(/Bulk API 2.0 query job 750\w+ ended Failed: boom/);
  });

  it('a malformed query fails at job creation with the server\'s errorCode', async () => {
    server = await startSalesforceTestServer({ records: { Account: [{ Name: 'A' }] } });
    const client = await connectSalesforce(testConnectionConfig(server));
    const run = async (): Promise<void> => {
      for await (const chunk of bulkQuery(client, 'SELECT Nope FROM Account', { sleep: noWait })) void chunk;
    };
    await expect(run()).rejects.toMatchObject({ category: 'validation', apiErrorCode: 'INVALID_FIELD' });
  });

  it('maps CSV rows to REST-shaped records', () => {
    expect(bulkRowToRecord({ Id: '1', Name: '', 'Account.Name': 'Acme', 'Owner.Name': '' })).toEqual({
      Id: '1',
      Name: null,
      Account: { Name: 'Acme' },
      Owner: null,
    });
  });
});
