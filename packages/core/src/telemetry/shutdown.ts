/**
 * Flushing spans before a process exits (case C14). Spans a processor has not exported yet are
 * lost when a process exits without flushing — with `BatchSpanProcessor` that is every span of a
 * short CLI run (its first export waits `scheduledDelayMillis`). The pattern:
 *
 * ```ts
 * const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
 * trace.setGlobalTracerProvider(provider);
 * // ... run flows ...
 * await engine.stop();
 * await shutdownTelemetry([provider, meterProvider], { timeoutMs: 5000 });
 * process.exit(0);
 * ```
 *
 * Shut down the **provider** (which flushes its processors, then shuts the exporter down), not
 * the exporter alone: an exporter shut down first drops what its processor hands it afterwards.
 */

/** Anything with `shutdown()` and optionally `forceFlush()`: tracer/meter/logger providers, processors. */
export interface TelemetryShutdownTarget {
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Options of {@link shutdownTelemetry}. */
export interface ShutdownTelemetryOptions {
  /** Give up after this many ms (an unreachable collector must not hang the exit). @default 5000 */
  timeoutMs?: number;
}

/** Result of {@link shutdownTelemetry}. */
export interface ShutdownTelemetryResult {
  /** True when every target flushed and shut down within the timeout without error. */
  ok: boolean;
  /** True when the timeout ended the wait. */
  timedOut: boolean;
  /** Errors thrown by targets. */
  errors: unknown[];
}

/**
 * Flushes then shuts down every target, in parallel, within `timeoutMs`. Never throws; never
 * leaves its own timer behind.
 */
export async function shutdownTelemetry(
  targets: TelemetryShutdownTarget | readonly TelemetryShutdownTarget[],
  options: ShutdownTelemetryOptions = {},
): Promise<ShutdownTelemetryResult> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const list = Array.isArray(targets) ? (targets as readonly TelemetryShutdownTarget[]) : [targets as TelemetryShutdownTarget];
  const errors: unknown[] = [];
  const work = Promise.all(
    list.map(async (target) => {
      try {
        await target.forceFlush?.();
        await target.shutdown();
      } catch (error) {
        errors.push(error);
      }
    }),
  ).then(() => false);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), timeoutMs);
    timer.unref?.();
  });
  const timedOut = await Promise.race([work, timeout]);
  clearTimeout(timer);
  return { ok: !timedOut && errors.length === 0, timedOut, errors };
}
