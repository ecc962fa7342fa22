import { createEngine, flow } from '@vms/flow-core';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSalesforce } from './jsforce-client.js';
import { salesforceTasks } from './tasks.js';
import { soql } from './soql.js';
import { SalesforceError } from './errors.js';
import { startSalesforceTestServer, testConnectionConfig, type SalesforceTestServer } from './testing.js';

let server: SalesforceTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('salesforceTasks in a flow', () => {
  it('runs the health check, count and query tasks against the test server', async () => {
    server = await startSalesforceTestServer({
      records: { Contact: [{ LastName: 'A', Contact_Type__c: 'Volunteer' }, { LastName: 'B', Contact_Type__c: 'Teacher' }, { LastName: 'C', Contact_Type__c: 'Volunteer' }] },
    });
    const client = await connectSalesforce(testConnectionConfig(server));
    const sf = salesforceTasks(() => client);
    const check = flow({
      name: 'sf-check',
      run: async (ctx) => {
        const health = await ctx.run(sf.healthCheck);
        const volunteers = await ctx.run(sf.count, { object: 'Contact', where: soql`Contact_Type__c = ${'Volunteer'}` });
        const rows = await ctx.run(sf.query, { soql: 'SELECT LastName FROM Contact ORDER BY LastName' });
        return { health, volunteers, names: rows.map((r) => r.LastName) };
      },
    });
    const engine = createEngine();
    try {
      const out = await engine.run(check, undefined);
      expect(out.volunteers).toBe(2);
      expect(out.names).toEqual(['A', 'B', 'C']);
      expect(out.health.userId).toBe(server.identity.userId);
      expect(out.health.dailyApiRequests).toEqual({ Max: 100_000, Remaining: 100_000 - server.apiUsage.used + 2 });
    } finally {
      await engine.stop();
    }
  });

  it('an auth failure is a SalesforceError the engine does not retry', async () => {
    server = await startSalesforceTestServer();
    let connects = 0;
    const srv = server;
    const sf = salesforceTasks(() => {
      connects++;
      return connectSalesforce({ ...testConnectionConfig(srv), password: 'wrong' });
    });
    const check = flow({ name: 'sf-auth', run: (ctx) => ctx.run(sf.healthCheck) });
    const engine = createEngine();
    try {
      const err = await engine.run(check, undefined).catch((e: unknown) => e);
      const chain: unknown[] = [];
      for (let e: unknown = err; e && chain.length < 5; e = (e as { cause?: unknown }).cause) chain.push(e);
      expect(chain.some((e) => e instanceof SalesforceError && e.category === 'auth')).toBe(true);
      expect(connects).toBe(1);
      expect(server.stats.failedLogins).toBe(1);
    } finally {
      await engine.stop();
    }
  });
});
