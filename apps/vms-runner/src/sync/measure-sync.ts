/**
 * Measures the sync without the engine: a full sync of a generated data set into a fresh SQLite
 * file, printing records/s and peak RSS per pass.
 *
 * - default: records straight from the (lazy) generator: the importers' own cost and memory.
 * - `--server`: through the Salesforce test server (in this process, so its memory counts too)
 *   with jsforce and `queryStream`, as the flows read it.
 *
 * For the sync through the test server in its own process next to the hand-written floor, run
 * the bench (`pnpm --filter @vms/bench bench -- --only sync --scales 1,prod`).
 *
 * ```sh
 * node --conditions=@vms/source --import tsx src/sync/measure-sync.ts --scale 1 [--passes 2] [--server] [--verbose] [--cache-kib N]
 * node --cpu-prof --cpu-prof-dir=/tmp/prof --conditions=@vms/source --import tsx src/sync/measure-sync.ts --scale 1
 * ```
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { connectSalesforce, queryStream } from '@vms/flow-salesforce';
import { startSalesforceTestServer } from '@vms/flow-salesforce/testing';
import { openVmsDatabase } from '../db/database';
import { SOBJECT_NAMES, createDataset } from '../generator/dataset';
import { datasetSource } from '../generator/source';
import { ENTITY_NAMES } from './dag';
import { syncEntities, type SourceFactory } from './run-sync';

const { values } = parseArgs({
  options: {
    scale: { type: 'string', default: '1' },
    passes: { type: 'string', default: '1' },
    seed: { type: 'string', default: '20250630' },
    server: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    'cache-kib': { type: 'string' },
  },
});
const scale = values.scale === 'prod' ? 'prod' : Number(values.scale);
const passes = Number(values.passes);
const dir = mkdtempSync(join(tmpdir(), 'vms-measure-'));
const data = createDataset({ seed: Number(values.seed), scale, badRowRate: 0.01 });
const total = ENTITY_NAMES.reduce((n, e) => n + data.count(e), 0);

async function serverSource(): Promise<{ sources: SourceFactory; close: () => Promise<void> }> {
  const server = await startSalesforceTestServer({ pageSize: 2000, apiUsage: { limit: 1_000_000_000 } });
  for (const sobject of SOBJECT_NAMES) server.insert(sobject, data.sobjectRecords(sobject));
  const c = server.credentials;
  const client = await connectSalesforce({ auth: 'password', loginUrl: server.url, username: c.username, password: c.password, securityToken: c.securityToken });
  return { sources: (plan) => queryStream(client, plan.soql), close: () => server.close() };
}

try {
  const db = openVmsDatabase(join(dir, 'vms.db'));
  if (values['cache-kib'] !== undefined) db.pragma(`cache_size = -${Number(values['cache-kib'])}`);
  const source = values.server ? await serverSource() : { sources: datasetSource(data), close: async () => undefined };
  for (let pass = 1; pass <= passes; pass++) {
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const results = await syncEntities(db, source.sources, { mode: 'full', runId: `measure-${pass}` });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const sum = (k: 'processed' | 'created' | 'updated' | 'unchanged' | 'failed') => Object.values(results).reduce((n, r) => n + r[k], 0);
    console.log(
      `pass ${pass}: ${total} records in ${(ms / 1000).toFixed(2)} s = ${Math.round(total / (ms / 1000))} records/s ` +
        `(CPU ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s); ` +
        `processed ${sum('processed')}, created ${sum('created')}, updated ${sum('updated')}, unchanged ${sum('unchanged')}, failed ${sum('failed')}; ` +
        `peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
    );
    for (const r of Object.values(results)) {
      if (r.error !== undefined) console.log(`  ${r.entity}: ${r.error}`);
      else if (values.verbose) console.log(`  ${r.entity.padEnd(26)} ${String(r.processed).padStart(8)} records ${String(Date.parse(r.completedAt) - Date.parse(r.startedAt)).padStart(7)} ms`);
    }
  }
  await source.close();
  db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
