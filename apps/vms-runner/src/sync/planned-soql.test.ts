/**
 * The planned SOQL (`planEntityQuery(...).soql`) read through the Salesforce test server with
 * jsforce loses no record: it selects the fields each entity's filter reads, which the importer
 * re-checks with `matches` (a record without them would be silently skipped).
 */
import { join } from 'node:path';
import { startSalesforceTestServer, type SalesforceTestServer } from '@vms/flow-salesforce/testing';
import { tempDir, type TempDir } from '@vms/test-utils';
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVmsDatabase, type VmsDatabase } from '../db/database';
import { SOBJECT_NAMES, createDataset, type SfRecord } from '../generator/dataset';
import { ENTITY_NAMES } from './dag';
import { ENTITIES } from './entities';
import { syncEntities } from './run-sync';
import { filterFields } from './soql';
import { planEntityQuery } from './watermark';

let dir: TempDir;
let db: VmsDatabase;
let server: SalesforceTestServer;
const data = createDataset({ seed: 11, scale: 0.02, badRowRate: 0 });

async function* pages(conn: Connection, soql: string): AsyncGenerator<SfRecord[]> {
  let result = await conn.query(soql, { autoFetch: false });
  yield result.records as unknown as SfRecord[];
  while (!result.done && result.nextRecordsUrl) {
    result = await conn.queryMore(result.nextRecordsUrl);
    yield result.records as unknown as SfRecord[];
  }
}

beforeAll(async () => {
  dir = await tempDir('vms-soql-');
  db = openVmsDatabase(join(dir.path, 'vms.db'));
  server = await startSalesforceTestServer({ pageSize: 200 });
  for (const sobject of SOBJECT_NAMES) server.insert(sobject, data.sobjectRecords(sobject));
});
afterAll(async () => {
  await server?.close();
  db?.close();
  await dir?.cleanup();
});

describe('planned SOQL', () => {
  it('selects the fields of every entity filter', () => {
    for (const entity of ENTITY_NAMES) {
      const select = planEntityQuery(db, entity, { mode: 'full' }).soql.split(' FROM ')[0] ?? '';
      for (const field of filterFields(ENTITIES[entity].where)) expect(select.split(/[\s,]+/), `${entity} selects ${field}`).toContain(field);
    }
  });

  it('read through jsforce, every entity processes every record its query returns', async () => {
    const conn = new Connection({ loginUrl: server.url, version: '62.0' });
    await conn.login(server.credentials.username, server.credentials.password + server.credentials.securityToken);
    const results = await syncEntities(db, (plan) => pages(conn, plan.soql), { mode: 'full' });
    for (const entity of ENTITY_NAMES) {
      expect(results[entity].error, entity).toBeUndefined();
      expect({ entity, processed: results[entity].processed }).toEqual({ entity, processed: data.count(entity) });
    }
  });
});
