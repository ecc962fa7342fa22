/**
 * Test fixture shared by the HTTP, dashboard and browser tests: a real engine on a real SQLite
 * store in a fresh temp dir with two schedules (`engine.schedule`) and a queue worker
 * (`engine.work()`, which executes triggered runs), small flows, and the HTTP server on 127.0.0.1.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { createEngine, flow, task, type Engine, type QueueWorker } from '@vms/flow-core';
import { SqliteStore } from '@vms/flow-store-sqlite';
import { tempDir, type TempDir } from '@vms/test-utils';
import { engineControl } from './engine-control.js';
import { createHttpServer, type HttpServer, type HttpServerOptions } from './server.js';

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
export const READ_TOKEN = 'read-token-0123456789abcdef';
export const XSS = `<script>window.__xss = 1; document.title = 'pwned'</script>`;

const syncEntity = task({
  name: 'sync-entity',
  input: z.object({ entity: z.string(), records: z.number().int(), failFirst: z.boolean(), stepDelayMs: z.number().int() }),
  retries: 2,
  retryDelay: 20,
  run: async (ctx, input) => {
    ctx.log.info(`syncing ${input.entity}`, { records: input.records });
    if (input.failFirst && ctx.attempt === 1) throw new Error(`temporary failure on ${input.entity}`);
    for (let done = 0; done <= input.records; done += Math.max(1, Math.floor(input.records / 4))) {
      ctx.progress({ done: Math.min(done, input.records), total: input.records, unit: 'records' });
      await new Promise((r) => setTimeout(r, input.stepDelayMs));
    }
    return { entity: input.entity, processed: input.records, errors: [] as { code: string; message: string }[] };
  },
});

/** A small sync: `entities` tasks in parallel, the second fails once and is retried. */
export const demoSync = flow({
  name: 'demo-sync',
  params: z.object({ entities: z.number().int().min(1).max(10).default(3), records: z.number().int().min(0).max(1000).default(40), stepDelayMs: z.number().int().min(0).max(2000).default(5) }),
  run: async (ctx, { entities, records, stepDelayMs }) => {
    const names = ['accounts', 'contacts', 'events', 'affiliations', 'history', 'pathways', 'schools', 'classes', 'teachers', 'students'];
    const results = await Promise.all(
      names.slice(0, entities).map((entity, i) => ctx.run(syncEntity, { entity, records, failFirst: i === 1, stepDelayMs }, { key: entity })),
    );
    return { processed: results.reduce((n, r) => n + r.processed, 0) };
  },
});

const hostileTask = task({
  name: 'hostile-rows',
  run: async (ctx) => {
    ctx.log.warn(`row text ${XSS}`);
    return {
      entity: 'contacts',
      processed: 1,
      errors: [{ code: 'INVALID_DATE', severity: 'error', field: 'Birthdate', message: `bad value ${XSS}`, salesforceId: '003000000000001AAA', recordName: `<img src=x onerror="window.__xss=2">` }],
    };
  },
});

/** A run whose log line and row error contain `<script>`. */
export const hostileFlow = flow({
  name: 'hostile',
  run: async (ctx) => ctx.run(hostileTask),
});

/** Runs until cancelled (or 30 s). */
export const slowFlow = flow({
  name: 'slow',
  run: async (ctx) =>
    ctx.run(
      task({
        name: 'wait',
        run: (tctx) =>
          new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => resolve('done'), 30_000);
            tctx.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              reject(tctx.signal.reason as Error);
            }, { once: true });
          }),
      }),
    ),
});

/** Everything a test needs; `close()` tears it all down. */
export interface Fixture {
  dir: TempDir;
  store: SqliteStore;
  engine: Engine;
  /** The queue worker that executes triggered runs. */
  worker: QueueWorker;
  http: HttpServer;
  close(): Promise<void>;
}

/** Starts the fixture. */
export async function startFixture(overrides: Partial<HttpServerOptions> = {}): Promise<Fixture> {
  const dir = await tempDir('vms-http-');
  const store = new SqliteStore({ file: join(dir.path, 'runs.db') });
  const engine = createEngine({ store, concurrency: 4 });
  await engine.schedule(demoSync, { name: 'nightly-sync', cron: '0 2 * * *', timezone: 'America/Chicago', params: {} });
  await engine.schedule(slowFlow, { name: 'weekly-health', cron: '0 6 * * 1', timezone: 'America/Chicago' });
  engine.register(hostileFlow);
  const control = engineControl({
    engine,
    store,
    flows: [
      { flow: demoSync, description: 'Demo sync', exampleParams: { entities: 3, records: 40 } },
      { flow: hostileFlow },
      { flow: slowFlow },
    ],
  });
  const http = await createHttpServer({
    store,
    control,
    tokens: { admin: [ADMIN_TOKEN], readOnly: [READ_TOKEN] },
    port: 0,
    bodyLimitBytes: 8 * 1024,
    refreshSeconds: 1,
    ...overrides,
  });
  const fixture: Fixture = {
    dir,
    store,
    engine,
    worker: await engine.work({ maxRuns: 4, pollIntervalMs: 200 }),
    http,
    async close() {
      await http.close(100);
      await engine.stop();
      await store.close();
      await dir.cleanup();
    },
  };
  // A queued run is claimed at once, not at the next poll.
  engine.on('run:enqueued', () => void fixture.worker.poll());
  return fixture;
}

/** Polls a run until it reaches one of `states` (the store is the source of truth). */
export async function waitForState(store: SqliteStore, runId: string, states: readonly string[], timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await store.getRun(runId);
    if (run !== undefined && states.includes(run.state)) return run.state;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not reach ${states.join('|')} (is ${run?.state ?? 'missing'})`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
