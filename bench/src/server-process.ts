/**
 * Child-process entry that serves the Salesforce test server seeded with the generated VMS data
 * set, so the server's memory and CPU are not counted in the measured sync process:
 * `node --conditions=@vms/source --import tsx server-process.ts <params-json>`. Prints
 * `@@server {json}` (url, credentials, per-entity counts) once listening; closes on SIGTERM.
 */
import { startSalesforceTestServer } from '@vms/flow-salesforce/testing';
import { createDataset, SOBJECT_NAMES } from 'vms-runner/src/generator/dataset';
import { ENTITY_NAMES } from 'vms-runner/src/sync/dag';
import { SERVER_PREFIX, type ServerInfo, type ServerParams } from './server-info.js';



async function main(): Promise<void> {
  const params = JSON.parse(process.argv[2] ?? '{}') as ServerParams;
  const t0 = performance.now();
  const dataset = createDataset({ scale: params.scale, seed: 1 });
  const pageSize = params.pageSize ?? 2000;
  const server = await startSalesforceTestServer({
    pageSize,
    maxOpenCursors: 64,
    apiUsage: { limit: 100_000_000 },
    faults: { latencyMs: params.latencyMs ?? 0 },
  });
  for (const sobject of SOBJECT_NAMES) server.insert(sobject, dataset.sobjectRecords(sobject));
  const counts: Record<string, number> = {};
  for (const entity of ENTITY_NAMES) counts[entity] = dataset.count(entity);
  const info: ServerInfo = { url: server.url, credentials: server.credentials, counts, pageSize, seedMs: performance.now() - t0 };
  process.stdout.write(`${SERVER_PREFIX}${JSON.stringify(info)}\n`);
  const close = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
}

void main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
