import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { shutdownTelemetry } from './shutdown.js';

/** An exporter that keeps what it was given (InMemorySpanExporter forgets its spans on shutdown). */
class RecordingExporter implements SpanExporter {
  readonly received: string[] = [];
  stopped = false;
  // ExportResultCode: 0 = SUCCESS, 1 = FAILED (from @opentelemetry/core, not a dependency here)
  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    if (this.stopped) return done({ code: 1 });
    this.received.push(...spans.map((s) => s.name));
    done({ code: 0 });
  }
  async shutdown(): Promise<void> {
    this.stopped = true;
  }
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A fake OTLP/HTTP JSON collector on 127.0.0.1. */
async function collector(): Promise<{ url: string; spans: string[]; server: Server }> {
  const spans: string[] = [];
  const server = createServer(async (req, res) => {
    const text = await body(req);
    if (req.method === 'POST' && req.url === '/v1/traces' && req.headers['content-type'] === 'application/json') {
      const payload = JSON.parse(text) as { resourceSpans?: { scopeSpans?: { spans?: { name: string }[] }[] }[] };
      for (const rs of payload.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) spans.push(s.name);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, spans, server };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

describe('C14: spans ended just before shutdown are exported', () => {
  it.each([
    ['SimpleSpanProcessor', (e: SpanExporter) => new SimpleSpanProcessor(e)],
    ['BatchSpanProcessor (scheduledDelay 5000)', (e: SpanExporter) => new BatchSpanProcessor(e, { scheduledDelayMillis: 5000 })],
  ])('C14: %s — span.end(); await provider.shutdown() in the same tick: the exporter has the span', async (_name, makeProcessor) => {
    const exporter = new RecordingExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [makeProcessor(exporter)] });
    provider.getTracer('c14').startSpan('last-span').end();
    await provider.shutdown();
    expect(exporter.received).toEqual(['last-span']);
    expect(exporter.stopped).toBe(true);
  });

  it.each([
    ['SimpleSpanProcessor', (e: SpanExporter) => new SimpleSpanProcessor(e)],
    ['BatchSpanProcessor (scheduledDelay 5000)', (e: SpanExporter) => new BatchSpanProcessor(e, { scheduledDelayMillis: 5000 })],
  ])('C14: %s — shutdownTelemetry flushes before shutting down', async (_name, makeProcessor) => {
    const exporter = new RecordingExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [makeProcessor(exporter)] });
    const tracer = provider.getTracer('c14');
    for (const n of ['a', 'b', 'c']) tracer.startSpan(n).end();
    expect(await shutdownTelemetry(provider, { timeoutMs: 5000 })).toEqual({ ok: true, timedOut: false, errors: [] });
    expect(exporter.received).toEqual(['a', 'b', 'c']);
  });

  it('C14: a short-lived run that ends 3 spans and exits through shutdownTelemetry: the OTLP collector has all 3 before the process exits', async () => {
    const { url, spans, server } = await collector();
    servers.push(server);
    const fixture = fileURLToPath(new URL('./fixtures/short-run.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=@vms/source', '--import', 'tsx', fixture, url], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const { code, spansAtExit } = await new Promise<{ code: number | null; spansAtExit: string[] }>((resolve) =>
      child.on('exit', (c) => resolve({ code: c, spansAtExit: [...spans] })),
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({ result: 2, shutdown: { ok: true, timedOut: false } });
    expect(spansAtExit.sort()).toEqual(['vms_flow.flow_run', 'vms_flow.task_attempt', 'vms_flow.task_attempt']);
  });

  it('C14 (extension): shutdownTelemetry returns within its timeout when the collector never answers', async () => {
    const sockets: Socket[] = [];
    const blackHole = createServer(() => undefined); // accepts, never responds
    blackHole.on('connection', (s) => sockets.push(s));
    servers.push(blackHole);
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(blackHole.address() as AddressInfo).port}/v1/traces`;
    const provider = new BasicTracerProvider({
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url, timeoutMillis: 60_000 }), { scheduledDelayMillis: 5000 })],
    });
    const tracer = provider.getTracer('c14');
    for (const n of ['a', 'b', 'c']) tracer.startSpan(n).end();
    const started = performance.now();
    const result = await shutdownTelemetry(provider, { timeoutMs: 300 });
    const elapsed = performance.now() - started;
    expect(result.timedOut).toBe(true);
    expect(result.ok).toBe(false);
    expect(sockets.length).toBeGreaterThan(0); // the exporter really tried
    expect(elapsed).toBeLessThan(5000); // far below the exporter's own 60 s timeout
  });
});
