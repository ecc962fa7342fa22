import type Database from 'better-sqlite3';
import { z } from 'zod';
import { flow, task } from '@vms/flow-core';
import { connectSalesforce, incrementalQuery, soql, type SalesforceConfigInput } from '@vms/flow-salesforce';
import { readWatermark, storeChunk, type VolunteerRow } from './vms-db.js';

const ENTITY = 'volunteers';

/**
 * The sync flow, given what it needs (dependency injection keeps it testable): a Salesforce
 * connection config and the application's database.
 */
export function createVolunteerSync(deps: { salesforce: SalesforceConfigInput; db: Database.Database }) {
  const syncVolunteers = task({
    name: 'sync-volunteers',
    input: z.object({ chunkSize: z.number().int().min(1) }),
    retries: 3, // 5xx, timeouts, session expiry: try again, resuming from the stored watermark
    tags: ['salesforce'],
    run: async (ctx, { chunkSize }) => {
      const client = await connectSalesforce(deps.salesforce);
      const after = readWatermark(deps.db, ENTITY);
      let processed = 0;
      let created = 0;
      let updated = 0;
      for await (const { records, watermark } of incrementalQuery(client, {
        object: 'Contact',
        fields: ['FirstName', 'LastName', 'Email'],
        where: soql`Contact_Type__c = ${'Volunteer'}`,
        after,
        chunkSize,
        signal: ctx.signal,
      })) {
        const rows: VolunteerRow[] = records.map((r) => ({
          salesforce_id: String(r.Id),
          first_name: (r.FirstName as string | null) ?? null,
          last_name: String(r.LastName),
          email: (r.Email as string | null) ?? null,
          modified_at: String(r.SystemModstamp),
        }));
        const counts = storeChunk(deps.db, ENTITY, rows, watermark);
        processed += rows.length;
        created += counts.created;
        updated += counts.updated;
        ctx.progress({ done: processed, unit: 'records' });
      }
      ctx.log.info('volunteers synced', { processed, created, updated, from: after ? 'watermark' : 'start' });
      return { processed, created, updated, incremental: after !== null };
    },
  });

  return flow({
    name: 'volunteer-sync',
    params: z.object({ chunkSize: z.number().int().min(1).default(1000) }),
    run: async (ctx, { chunkSize }) => ctx.run(syncVolunteers, { chunkSize }),
  });
}
