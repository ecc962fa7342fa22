import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, flow, task, MemoryStore, SpanAttribute, SpanName } from '@vms/flow-core';
import { startOtlpReceiver, type OtlpReceiver } from './otlp-receiver.js';
import { startTelemetry, type Telemetry } from './start-telemetry.js';

const fetchPage = task({
  name: 'fetch-page',
  input: z.object({ page: z.number().int() }),
  retries: 1,
  retryDelay: 1,
  run: async (ctx, { page }) => {
    if (page === 2 && ctx.attempt === 1) throw new Error('flaky page');
    return page * 10;
  },
});

const sync = flow({
  name: 'otel-sync',
  params: z.object({ pages: z.number().int() }),
  run: async (ctx, { pages }) => {
    const rows = await Promise.all(Array.from({ length: pages }, (_, i) => ctx.run(fetchPage, { page: i + 1 })));
    return rows.reduce((a, b) => a + b, 0);
  },
});

let receiver: OtlpReceiver | undefined;
let telemetry: Telemetry | undefined;

afterEach(async () => {
  await telemetry?.shutdown();
  await receiver?.close();
  telemetry = undefined;
  receiver = undefined;
});

describe('startTelemetry', () => {
  it('exports the spans of flow runs to a real OTLP/HTTP receiver: one trace per run, task spans as children, documented attributes', async () => {
    receiver = await startOtlpReceiver();
    telemetry = startTelemetry({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'vms-runner-test', OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=secret-value' },
    });
    expect(telemetry).toMatchObject({ enabled: true, endpoint: `${receiver.url}/v1/traces`, serviceName: 'vms-runner-test' });
    const engine = createEngine({ store: new MemoryStore() });
    const a = await engine.start(sync, { pages: 3 });
    const b = await engine.start(sync, { pages: 1 });
    expect(await a.result()).toBe(60);
    expect(await b.result()).toBe(10);
    await engine.stop();
    expect(receiver.spans).toHaveLength(0); // batched: nothing sent before the flush
    const result = await telemetry.shutdown();
    expect(result).toMatchObject({ ok: true, timedOut: false });

    const flowSpans = receiver.spans.filter((s) => s.name === SpanName.FlowRun);
    expect(flowSpans).toHaveLength(2);
    expect(new Set(flowSpans.map((s) => s.traceId)).size).toBe(2);
    for (const [handle, pages] of [[a, 3], [b, 1]] as const) {
      const root = flowSpans.find((s) => s.attributes[SpanAttribute.RunId] === handle.runId);
      expect(root, handle.runId).toBeDefined();
      expect(root?.parentSpanId).toBe('');
      expect(root?.attributes).toMatchObject({ [SpanAttribute.FlowName]: 'otel-sync', [SpanAttribute.State]: 'Completed' });
      expect(root?.resource['service.name']).toBe('vms-runner-test');
      const tasks = receiver.spans.filter((s) => s.name === SpanName.TaskAttempt && s.traceId === root?.traceId);
      // Page 2 fails once: two attempt spans for it.
      expect(tasks).toHaveLength(pages === 3 ? 4 : 1);
      for (const t of tasks) {
        expect(t.parentSpanId).toBe(root?.spanId);
        expect(t.attributes).toMatchObject({ [SpanAttribute.RunId]: handle.runId, [SpanAttribute.TaskName]: 'fetch-page' });
        expect(typeof t.attributes[SpanAttribute.Attempt]).toBe('number');
      }
      if (pages === 3) {
        const retried = tasks.filter((t) => t.attributes[SpanAttribute.TaskKey] === tasks.find((x) => x.attributes[SpanAttribute.Attempt] === 2)?.attributes[SpanAttribute.TaskKey]);
        expect(retried.map((t) => t.attributes[SpanAttribute.Attempt]).sort()).toEqual([1, 2]);
        expect(retried.find((t) => t.attributes[SpanAttribute.Attempt] === 1)?.status.code).toBe(2); // ERROR
      }
    }
    // No secret in what was exported.
    expect(JSON.stringify(receiver.spans)).not.toContain('secret-value');
  });

  it('is off without an endpoint, and with OTEL_SDK_DISABLED', async () => {
    const off = startTelemetry({ env: {} });
    expect(off).toMatchObject({ enabled: false, endpoint: undefined, serviceName: 'vms-runner' });
    expect(await off.shutdown()).toMatchObject({ ok: true });
    const disabled = startTelemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1', OTEL_SDK_DISABLED: 'true' } });
    expect(disabled.enabled).toBe(false);
  });

  it('uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as is, strips credentials from the reported endpoint, and rejects bad URLs without echoing them', async () => {
    receiver = await startOtlpReceiver();
    const withAuth = receiver.url.replace('http://', 'http://user:pa55@');
    telemetry = startTelemetry({ env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${withAuth}/v1/traces?token=abc` } });
    expect(telemetry.endpoint).toBe(`${receiver.url}/v1/traces`);
    expect(() => startTelemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url secret-ish' } })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT.*http\(s\) URL/);
    try {
      startTelemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url secret-ish' } });
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-ish');
    }
  });

  it('shutdown gives up after the timeout when the collector never answers', async () => {
    receiver = await startOtlpReceiver({ hang: true });
    telemetry = startTelemetry({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, shutdownTimeoutMs: 300 });
    const engine = createEngine({ store: new MemoryStore() });
    await engine.run(sync, { pages: 1 });
    await engine.stop();
    const result = await telemetry.shutdown();
    expect(result.ok).toBe(false);
    expect(receiver.requests()).toBeGreaterThanOrEqual(1);
  });
});
