/**
 * Starts the service, then plays its client: asks for a report, polls until it is done, sends a
 * bad request, and shuts the service down.
 *
 *   pnpm --filter @vms/example-http-service start
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { startService } from './service.js';

const dir = mkdtempSync(join(tmpdir(), 'http-service-example-'));
const service = await startService({ dbFile: join(dir, 'flow.db') });
try {
  const started = await fetch(`${service.url}/reports`, { method: 'POST', body: JSON.stringify({ month: '2026-12' }) });
  const { runId } = (await started.json()) as { runId: string };
  console.log(`POST /reports -> ${started.status}`);

  let body: { state: string; result: unknown } = { state: 'Pending', result: null };
  for (let i = 0; i < 100 && !['Completed', 'Failed', 'Cancelled'].includes(body.state); i++) {
    await delay(20);
    body = (await (await fetch(`${service.url}/reports/${runId}`)).json()) as typeof body;
  }
  console.log(`GET /reports/:id -> ${body.state}: ${String(body.result)}`);

  const bad = await fetch(`${service.url}/reports`, { method: 'POST', body: JSON.stringify({ month: 'December' }) });
  const { issues } = (await bad.json()) as { issues: { path: string[]; message: string }[] };
  console.log(`POST /reports (bad month) -> ${bad.status}: ${issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);

  const health = await fetch(`${service.url}/health`);
  console.log(`GET /health -> ${health.status}`);
} finally {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log('service stopped');
