/**
 * Child process of `graceful-shutdown.test.ts` (run with `node --conditions=@vms/source --import tsx`):
 * `start <db> <marks>` runs a three-step flow with the HTTP server and telemetry and handles
 * SIGTERM with `gracefulShutdown`; `resume <db> <marks>` recovers the interrupted run.
 * Every task attempt appends `<task>:<attempt>:<from>` to the marks file.
 */
import { appendFileSync } from 'node:fs';
import { z } from 'zod';
import { createEngine, flow, task } from '@vms/flow-core';
import { SqliteStore } from '@vms/flow-store-sqlite';
import { startTelemetry } from '../telemetry/start-telemetry.js';
import { engineControl } from './engine-control.js';
import { gracefulShutdown, onShutdownSignal } from './graceful-shutdown.js';
import { createHttpServer } from './server.js';

const [mode, dbFile, marks] = process.argv.slice(2) as [string, string, string];

const quick = task({
  name: 'quick',
  input: z.object({ name: z.string() }),
  run: async (ctx, { name }) => {
    appendFileSync(marks, `${name}:${ctx.attempt}:0\n`);
    return name;
  },
});

const long = task({
  name: 'long',
  run: async (ctx) => {
    const from = (await ctx.checkpoint.get<number>('done')) ?? 0;
    appendFileSync(marks, `long:${ctx.attempt}:${from}\n`);
    for (let i = from; i < 20; i += 1) {
      if (mode === 'start' && i === 5) process.stdout.write('READY\n');
      await new Promise((r) => setTimeout(r, mode === 'start' ? 200 : 5));
      await ctx.checkpoint.set('done', i + 1);
    }
    return 20;
  },
});

const threeSteps = flow({
  name: 'three-steps',
  run: async (ctx) => {
    await ctx.run(quick, { name: 'a' }, { key: 'a' });
    await ctx.run(quick, { name: 'b' }, { key: 'b' });
    return ctx.run(long, undefined, { key: 'c' });
  },
});

const store = new SqliteStore({ file: dbFile });
const engine = createEngine({ store, leaseMs: 1000 });
engine.register(threeSteps);

if (mode === 'start') {
  const telemetry = startTelemetry();
  const http = await createHttpServer({
    store,
    control: engineControl({ engine, store, flows: [{ flow: threeSteps }] }),
    tokens: { admin: ['child-admin-token-0123456789'] },
    port: 0,
  });
  onShutdownSignal(async () => {
    const report = await gracefulShutdown(
      {
        drain: () => engine.stop({ drain: true }),
        flushTelemetry: () => telemetry.shutdown(),
        closeHttp: () => http.close(500),
      },
      { drainTimeoutMs: 1000 },
    );
    process.stdout.write(`REPORT ${JSON.stringify(report)}\n`);
    // The drain timed out on purpose: the run keeps its lease; exit now, like a real deadline.
    return { ...report, ok: true };
  });
  const handle = await engine.start(threeSteps);
  process.stdout.write(`RUN ${handle.runId}\n`);
  handle.result().catch(() => undefined);
} else {
  // Wait for the previous process's lease to lapse, then recover.
  await new Promise((r) => setTimeout(r, 1200));
  const result = await engine.recover();
  process.stdout.write(`RECOVERED ${JSON.stringify(result)}\n`);
  const runId = result.resumed[0];
  if (runId !== undefined) {
    for (;;) {
      const run = await store.getRun(runId);
      if (run && ['Completed', 'Failed', 'Cancelled', 'Crashed'].includes(run.state)) {
        process.stdout.write(`FINAL ${run.state} ${JSON.stringify(run.result)}\n`);
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  await engine.stop();
  await store.close();
}
