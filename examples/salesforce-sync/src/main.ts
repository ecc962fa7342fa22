/**
 * Salesforce → SQLite: start the Salesforce test server with 4,500 volunteers (three 2,000-record
 * pages), sync them into a fresh SQLite database, change two records and add one on the
 * "Salesforce" side, then sync again: the second run reads only what changed after the watermark.
 * The engine's own state lives in a separate SQLite file (`SqliteStore`).
 *
 *   pnpm --filter @vms/example-salesforce-sync start
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '@vms/flow-core';
import { startSalesforceTestServer, testConnectionConfig } from '@vms/flow-salesforce/testing';
import { SqliteStore } from '@vms/flow-store-sqlite';
import { createVolunteerSync } from './sync-flow.js';
import { openVmsDb } from './vms-db.js';

let now = Date.parse('2026-01-05T12:00:00Z'); // the test server's clock, for record stamps
const volunteers = Array.from({ length: 4_500 }, (_, i) => ({
  FirstName: `First${i}`,
  LastName: `Volunteer${String(i).padStart(4, '0')}`,
  Email: `v${i}@example.org`,
  Contact_Type__c: 'Volunteer',
}));
const teachers = Array.from({ length: 20 }, (_, i) => ({ LastName: `Teacher${i}`, Contact_Type__c: 'Teacher' }));
const server = await startSalesforceTestServer({ records: { Contact: [...volunteers, ...teachers] }, now: () => now });

const dir = mkdtempSync(join(tmpdir(), 'salesforce-sync-example-'));
const db = openVmsDb(join(dir, 'vms.db'));
const store = new SqliteStore({ file: join(dir, 'flow.db') });
const engine = createEngine({ store, tags: { salesforce: 2 } });
const volunteerSync = createVolunteerSync({ salesforce: testConnectionConfig(server), db });

try {
  const first = await engine.run(volunteerSync, {});
  console.log(`first run: ${JSON.stringify(first)}`);

  now += 60_000; // a minute later, someone edits two volunteers and adds one in Salesforce
  const ids = server.records('Contact').filter((r) => r.Contact_Type__c === 'Volunteer').map((r) => r.Id);
  server.update(ids[10]!, { Email: 'new.address@example.org' });
  server.update(ids[4_000]!, { LastName: 'Renamed' });
  server.insert('Contact', [{ FirstName: 'Ada', LastName: 'Newcomer', Contact_Type__c: 'Volunteer' }]);

  const second = await engine.run(volunteerSync, {});
  console.log(`second run: ${JSON.stringify(second)}`);

  const count = db.prepare('SELECT COUNT(*) AS n FROM volunteer').get() as { n: number };
  const renamed = db.prepare('SELECT last_name FROM volunteer WHERE salesforce_id = ?').get(ids[4_000]) as { last_name: string };
  console.log(`volunteers in SQLite: ${count.n}; renamed: ${renamed.last_name}`);
  console.log(`Salesforce query pages served: ${server.stats.pageRequests}`);
} finally {
  await engine.stop();
  await store.close();
  db.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
