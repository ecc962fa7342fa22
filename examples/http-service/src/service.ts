/**
 * An existing node:http service (it already has `/health`) that embeds the engine: the engine
 * and its SQLite store live in the same process, created at start and stopped at shutdown.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngine, FlowError, InvalidParamsError } from '@vms/flow-core';
import { SqliteStore } from '@vms/flow-store-sqlite';
import { monthlyReport } from './report-flow.js';

export interface Service {
  url: string;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 16_384) throw new FlowError('BODY_TOO_LARGE', 'Request body over 16 KiB', { category: 'validation' });
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

export async function startService(options: { dbFile: string; port?: number }): Promise<Service> {
  const store = new SqliteStore({ file: options.dbFile });
  const engine = createEngine({ store, concurrency: 4 });
  engine.register(monthlyReport); // so recover() can resume its runs after a crash
  await engine.recover(); // runs a previous process left behind: Crashed, then resumed

  const server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && url.pathname === '/health') return send(res, 200, { ok: true });
      if (req.method === 'POST' && url.pathname === '/reports') {
        try {
          // start() stores the run and returns at once; the run goes on in the background.
          const handle = await engine.start(monthlyReport, (await readJson(req)) as { month: string });
          return send(res, 202, { runId: handle.runId });
        } catch (error) {
          if (error instanceof InvalidParamsError) return send(res, 400, { error: error.message, issues: error.issues });
          if (error instanceof SyntaxError) return send(res, 400, { error: `Body is not JSON: ${error.message}` });
          throw error;
        }
      }
      const match = /^\/reports\/([\w-]+)$/.exec(url.pathname);
      if (req.method === 'GET' && match?.[1]) {
        const run = await store.getRun(match[1]);
        if (!run) return send(res, 404, { error: 'no such run' });
        return send(res, 200, { state: run.state, result: run.result, error: run.error?.message ?? null });
      }
      return send(res, 404, { error: 'not found' });
    })().catch((error: unknown) => send(res, 500, { error: error instanceof Error ? error.message : String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      // Stop taking requests, then let the engine finish (drain) what it runs, then close the store.
      await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
      await engine.stop({ drain: true });
      await store.close();
    },
  };
}
