import { afterEach, describe, expect, it } from 'vitest';
import { connectSalesforce, type JsforceSalesforceClient } from './jsforce-client.js';
import { queryAll } from './query-stream.js';
import { incrementalQuery, watermarkCursor, type Watermark } from './watermark.js';
import { makeSalesforceId, startSalesforceTestServer, testConnectionConfig, type SalesforceTestServer } from './testing.js';

let server: SalesforceTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const STAMP = '2023-05-28T21:10:08.000Z';

async function fiveSharingATimestamp(pageSize: number): Promise<{ client: JsforceSalesforceClient; ids: string[] }> {
  const records = [
    { LastName: 'Before', SystemModstamp: '2023-05-28T21:10:07.000Z' },
    ...Array.from({ length: 5 }, (_, i) => ({ LastName: `Same${i}`, SystemModstamp: STAMP })),
  ];
  server = await startSalesforceTestServer({ records: { Contact: records }, pageSize, now: () => Date.parse('2024-01-01T00:00:00Z') });
  const client = await connectSalesforce(testConnectionConfig(server));
  return { client, ids: server.records('Contact').map((r) => r.Id) };
}

describe('watermark cursor (C17)', () => {
  it('C17: 5 records sharing a timestamp, page size 2, cursor saved after each page: each delivered exactly once; a further run delivers 0', async () => {
    const { client, ids } = await fiveSharingATimestamp(2);
    const delivered: string[] = [];
    let saved: Watermark | null = null;
    const savedCursors: Watermark[] = [];
    // Each run stores one page, saves the cursor, then "crashes" (stops), as a sync interrupted at a page boundary would.
    for (let run = 0; run < 10; run++) {
      let got = 0;
      for await (const { records, watermark } of incrementalQuery(client, { object: 'Contact', fields: ['LastName'], after: saved, chunkSize: 2 })) {
        delivered.push(...records.map((r) => r.Id!));
        got += records.length;
        saved = watermark;
        savedCursors.push(watermark!);
        break;
      }
      if (got === 0) break;
    }
    expect(delivered.sort()).toEqual([...ids].sort());
    expect(new Set(delivered).size).toBe(6);
    // The saved cursor is the pair (timestamp, last Id), not the timestamp alone.
    expect(savedCursors[1]).toEqual({ field: 'SystemModstamp', timestamp: STAMP, id: expect.any(String) });
    expect(savedCursors.map((c) => c.id)).toEqual([ids[1], ids[3], ids[5]]);
    // A further run with no changes delivers nothing.
    const again = [];
    for await (const { records } of incrementalQuery(client, { object: 'Contact', fields: ['LastName'], after: saved })) again.push(...records);
    expect(again).toEqual([]);
  });

  it('C17: with LIMIT 2 per run (one page a run) each record is delivered once, then 0', async () => {
    const { client, ids } = await fiveSharingATimestamp(2000);
    const delivered: string[] = [];
    let saved: Watermark | null = null;
    const perRun: number[] = [];
    for (let run = 0; run < 10; run++) {
      let got = 0;
      for await (const { records, watermark } of incrementalQuery(client, { object: 'Contact', fields: ['LastName'], after: saved, limit: 2 })) {
        delivered.push(...records.map((r) => r.Id!));
        got += records.length;
        saved = watermark;
      }
      perRun.push(got);
      if (got === 0) break;
    }
    expect(perRun).toEqual([2, 2, 2, 0]);
    expect(delivered).toEqual(ids);
  });

  it('C17 (the bug it prevents): a timestamp-only `>` cursor skips records sharing the boundary timestamp on the same server', async () => {
    const { client } = await fiveSharingATimestamp(2000);
    let ts = '2000-01-01T00:00:00Z';
    const delivered: string[] = [];
    for (let run = 0; run < 10; run++) {
      const recs = await queryAll(client, `SELECT Id, SystemModstamp FROM Contact WHERE SystemModstamp > ${ts} ORDER BY SystemModstamp LIMIT 2`);
      if (recs.length === 0) break;
      delivered.push(...recs.map((r) => r.Id!));
      ts = String(recs.at(-1)!.SystemModstamp).replace('+0000', 'Z');
    }
    expect(delivered.length).toBeLessThan(6); // records lost for good: what the keyset cursor fixes
  });

  it('a record changed after the last run is delivered once in the next run', async () => {
    const { client, ids } = await fiveSharingATimestamp(2000);
    let saved: Watermark | null = null;
    for await (const { watermark } of incrementalQuery(client, { object: 'Contact', fields: ['LastName'] })) saved = watermark;
    server!.update(ids[2]!, { LastName: 'Changed', SystemModstamp: '2024-02-01T10:00:00.000Z' });
    const next = [];
    for await (const { records, watermark } of incrementalQuery(client, { object: 'Contact', fields: ['LastName'], after: saved })) {
      next.push(...records);
      saved = watermark;
    }
    expect(next.map((r) => [r.Id, r.LastName])).toEqual([[ids[2], 'Changed']]);
    expect(saved).toEqual({ field: 'SystemModstamp', timestamp: '2024-02-01T10:00:00.000Z', id: ids[2] });
  });

  it('builds the keyset query with unquoted UTC datetimes and a validated Id', () => {
    const id = makeSalesforceId('Contact', 7);
    const cursor = watermarkCursor({ field: 'LastModifiedDate', after: { field: 'LastModifiedDate', timestamp: '2023-05-28T21:10:08.000Z', id } });
    expect(cursor.buildQuery({ object: 'Contact', fields: ['LastName'], where: "Contact_Type__c = 'Volunteer'", limit: 500 })).toBe(
      `SELECT Id, LastName, LastModifiedDate FROM Contact WHERE (Contact_Type__c = 'Volunteer') AND (LastModifiedDate > 2023-05-28T21:10:08Z OR (LastModifiedDate = 2023-05-28T21:10:08Z AND Id > '${id}')) ORDER BY LastModifiedDate ASC, Id ASC LIMIT 500`,
    );
    expect(() => watermarkCursor({ after: { field: 'SystemModstamp', timestamp: STAMP, id: "x' OR Id != '" } })).toThrow(/Salesforce Id/);
    expect(() => watermarkCursor({ after: { field: 'SystemModstamp', timestamp: '2023-05-28 21:10', id } })).toThrow(/datetime/);
  });
});
