/**
 * Calls a flaky API through a task with retries. Shows which waits came from the server's
 * `Retry-After` and which from the task's own backoff, and that a 404 is not retried.
 *
 *   pnpm --filter @vms/example-retry-after start
 */
import { z } from 'zod';
import { createEngine, exponentialBackoff, flow, task } from '@vms/flow-core';
import { fetchJson } from './fetch-json.js';
import { startFlakyServer } from './flaky-server.js';

const getJson = task({
  name: 'get-json',
  input: z.object({ url: z.url() }),
  retries: 4,
  // Used when the server does not say how long to wait: 100 ms, 200 ms, 400 ms ... at most 2 s.
  retryDelay: exponentialBackoff({ base: 100, factor: 2, max: 2_000 }),
  timeout: 5_000,
  run: (ctx, { url }) => fetchJson(url, ctx.signal),
});

const fetchApi = flow({
  name: 'fetch-api',
  params: z.object({ url: z.url() }),
  run: (ctx, { url }) => ctx.run(getJson, { url }),
});

const server = await startFlakyServer();
const engine = createEngine();
engine.on('task:retry', (e) => console.log(`attempt ${e.attempt} failed: ${e.error.code ?? e.error.name} -> waiting ${e.delayMs} ms`));
try {
  const rates = await engine.run(fetchApi, { url: `${server.url}/rates` });
  console.log(`rates: ${JSON.stringify(rates)}`);
  await engine.run(fetchApi, { url: `${server.url}/missing` }).catch((error: Error) => console.log(`missing: ${error.name}, not retried`));
  console.log(`server saw: ${server.requests.join(', ')}`);
} finally {
  await engine.stop();
  await server.close();
}
