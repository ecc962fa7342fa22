import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { SpanStatusCode, context, type Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, flow, sleep, task } from '../index.js';
import { ManualClock } from '../testing.js';
import { SpanAttribute, SpanEventName, SpanName, withSpan } from './tracing.js';

function tracing() {
  const exporter = new InMemorySpanExporter();
  const open = new Set<string>();
  let started = 0;
  const counting: SpanProcessor = {
    onStart: (span) => {
      started++;
      open.add(span.spanContext().spanId);
    },
    onEnd: (span) => void open.delete(span.spanContext().spanId),
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter), counting] });
  return { exporter, provider, tracer: provider.getTracer('test') as Tracer, open, started: () => started };
}

const parentId = (s: ReadableSpan): string | undefined => s.parentSpanContext?.spanId;

describe('spans (InMemorySpanExporter)', () => {
  const contextManager = new AsyncLocalStorageContextManager();
  beforeAll(() => void context.setGlobalContextManager(contextManager.enable()));
  afterAll(() => {
    contextManager.disable();
    context.disable();
  });

  it('one span per flow run, a child per task attempt (parallel tasks and retries too), links from a retry to the attempt before, user spans nest under the attempt', async () => {
    const { exporter, tracer, open, started } = tracing();
    const clock = new ManualClock();
    const engine = createEngine({ clock, tracer });
    let flaky = 0;
    const work = task({
      name: 'work',
      retries: 1,
      retryDelay: 10,
      run: async (ctx, input: { i: number; flaky?: boolean }) => {
        tracer.startSpan('user-work').end();
        await sleep(clock, 50, ctx.signal);
        if (input.flaky && flaky++ === 0) throw new Error('first attempt fails');
        return input.i;
      },
    });
    const child = flow({ name: 'child', run: (ctx) => ctx.run(work, { i: 9 }) });
    const parent = flow({
      name: 'parent',
      run: async (ctx) => {
        const r = await Promise.all([ctx.run(work, { i: 1 }), ctx.run(work, { i: 2, flaky: true }), ctx.run(work, { i: 3 })]);
        return [...r, await ctx.run(child)];
      },
    });
    const h = await engine.start(parent);
    await clock.runAll();
    expect(await h.result()).toEqual([1, 2, 3, 9]);
    await engine.stop();

    const spans = exporter.getFinishedSpans();
    const flowSpans = spans.filter((s) => s.name === SpanName.FlowRun);
    expect(flowSpans).toHaveLength(2);
    const top = flowSpans.find((s) => s.attributes[SpanAttribute.RunId] === h.runId) as ReadableSpan;
    const sub = flowSpans.find((s) => s.attributes[SpanAttribute.FlowName] === 'child') as ReadableSpan;
    expect(parentId(sub)).toBe(top.spanContext().spanId);
    const attempts = spans.filter((s) => s.name === SpanName.TaskAttempt);
    const topAttempts = attempts.filter((s) => parentId(s) === top.spanContext().spanId);
    expect(topAttempts).toHaveLength(4);
    expect(attempts.filter((s) => parentId(s) === sub.spanContext().spanId)).toHaveLength(1);
    expect(topAttempts.every((s) => s.spanContext().traceId === top.spanContext().traceId)).toBe(true);
    const retried = topAttempts.filter((s) => s.attributes[SpanAttribute.TaskKey] === 'work#2');
    expect(retried.map((s) => s.attributes[SpanAttribute.Attempt])).toEqual([1, 2]);
    expect(retried[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(retried[1]?.links.map((l) => l.context.spanId)).toEqual([retried[0]?.spanContext().spanId]);
    const userSpans = spans.filter((s) => s.name === 'user-work');
    expect(userSpans).toHaveLength(5);
    expect(userSpans.every((u) => attempts.some((a) => a.spanContext().spanId === parentId(u)))).toBe(true);
    const states = top.events.filter((e) => e.name === SpanEventName.State && !e.attributes?.[SpanAttribute.TaskKey]).map((e) => e.attributes?.[SpanAttribute.StateTo]);
    expect(states).toEqual(['Running', 'Completed']);
    const taskStates = top.events.filter((e) => e.name === SpanEventName.State && e.attributes?.[SpanAttribute.TaskKey] === 'work#2').map((e) => e.attributes?.[SpanAttribute.StateTo]);
    expect(taskStates).toEqual(['Pending', 'Running', 'Retrying', 'Running', 'Completed']);
    expect(retried.map((s) => s.attributes[SpanAttribute.State])).toEqual(['Failed', 'Completed']);
    expect(top.attributes[SpanAttribute.State]).toBe('Completed');
    expect(top.events.some((e) => e.name === SpanEventName.Retry)).toBe(true);
    expect(open.size).toBe(0);
    expect(started()).toBe(spans.length);
  });

  it('ERROR status with the exception on a failed flow and task; cancelled and timed-out attempts end too', async () => {
    const { exporter, tracer, open, started } = tracing();
    const clock = new ManualClock();
    const engine = createEngine({ clock, tracer });
    const boom = task({ name: 'boom', run: async () => Promise.reject(new Error('kaboom')) });
    const slow = task({ name: 'slow', timeout: 20, run: (ctx) => sleep(clock, 1000, ctx.signal) });
    const hang = task({ name: 'hang', run: (ctx) => sleep(clock, 100_000, ctx.signal) });
    const failing = flow({ name: 'failing', run: (ctx) => ctx.run(boom) });
    const timing = flow({ name: 'timing', run: (ctx) => ctx.run(slow) });
    const cancelled = flow({ name: 'cancelled', run: (ctx) => ctx.run(hang) });
    const a = await engine.start(failing);
    const b = await engine.start(timing);
    const c = await engine.start(cancelled);
    await clock.advance(50);
    await engine.cancel(c.runId);
    await Promise.allSettled([a.result(), b.result(), c.result()]);
    await engine.stop();
    const spans = exporter.getFinishedSpans();
    const byFlow = (name: string) => spans.find((s) => s.name === SpanName.FlowRun && s.attributes[SpanAttribute.FlowName] === name) as ReadableSpan;
    const failed = byFlow('failing');
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'kaboom' });
    const exception = failed.events.find((e) => e.name === 'exception');
    expect(exception?.attributes?.['exception.message']).toBe('kaboom');
    const boomSpan = spans.find((s) => s.attributes[SpanAttribute.TaskName] === 'boom') as ReadableSpan;
    expect(boomSpan.status.code).toBe(SpanStatusCode.ERROR);
    expect(boomSpan.events.some((e) => e.name === 'exception')).toBe(true);
    const slowSpan = spans.find((s) => s.attributes[SpanAttribute.TaskName] === 'slow') as ReadableSpan;
    expect(slowSpan.status.code).toBe(SpanStatusCode.ERROR);
    expect(slowSpan.attributes[SpanAttribute.ErrorCategory]).toBe('timeout');
    expect(byFlow('cancelled').attributes[SpanAttribute.State]).toBe('Cancelled');
    expect(byFlow('cancelled').status.code).toBe(SpanStatusCode.UNSET);
    expect(open.size).toBe(0);
    expect(started()).toBe(spans.length);
  });

  it('withSpan records the exception, sets ERROR and always ends the span', async () => {
    const { exporter, tracer } = tracing();
    await expect(withSpan(tracer, 'op', {}, async () => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
    expect(await withSpan(tracer, 'ok', { attributes: { a: 1 } }, async () => 7)).toBe(7);
    const [failed, ok] = exporter.getFinishedSpans();
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.events[0]?.name).toBe('exception');
    expect(ok?.status.code).toBe(SpanStatusCode.UNSET);
    expect(ok?.attributes['a']).toBe(1);
  });
});
