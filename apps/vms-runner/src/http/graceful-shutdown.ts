/**
 * Graceful shutdown of the long-lived runner (`vms-runner start`, SPEC §6.1): on SIGTERM/SIGINT,
 * stop claiming new runs, optionally give running tasks until a deadline to finish, shut the
 * engine down (`engine.shutdown()`: running tasks are aborted and their runs stored `Crashed`,
 * lease released, so the next start's `engine.recover()` resumes them at once, reusing finished
 * tasks and checkpoints), flush spans, close the HTTP server and the stores — each step bounded,
 * so the process always exits.
 */
import { ErrorCode, FlowError } from '@vms/flow-core';

/** The steps, each optional; they run in this order. */
export interface ShutdownSteps {
  /** Stop taking new work: `worker.stop()`, `scheduler.stop()`. */
  stopClaiming?: () => Promise<unknown>;
  /** Resolves when running runs are done: `engine.stop({ drain: true })`. Bounded by `drainTimeoutMs`. */
  drain?: () => Promise<unknown>;
  /**
   * Interrupts what still runs, resumably: `engine.shutdown({ reason: 'SIGTERM' })`. Bounded by
   * `shutdownTimeoutMs`.
   */
  shutdownEngine?: () => Promise<unknown>;
  /** Flush and shut down telemetry: `telemetry.shutdown()`. */
  flushTelemetry?: () => Promise<unknown>;
  /** Close the HTTP server: `http.close()`. */
  closeHttp?: () => Promise<unknown>;
  /** Close the store (after everything that writes to it). */
  closeStore?: () => Promise<unknown>;
}

/** Options of {@link gracefulShutdown}. */
export interface GracefulShutdownOptions {
  /** Longest wait for running tasks, ms. @default 8000 */
  drainTimeoutMs?: number;
  /** Longest wait for `shutdownEngine` (running tasks see the abort at their next await), ms. @default 5000 */
  shutdownTimeoutMs?: number;
  /** Longest wait for each other step, ms. @default 2000 */
  stepTimeoutMs?: number;
}

/** What happened to one step. */
export interface ShutdownStepReport {
  step: keyof ShutdownSteps;
  ok: boolean;
  timedOut: boolean;
  /** Message of the error the step threw, when it threw. */
  error?: string;
}

/** Result of {@link gracefulShutdown}. */
export interface ShutdownReport {
  /** True when every step finished in time without error. */
  ok: boolean;
  /** True when running tasks finished before the drain deadline. */
  drained: boolean;
  steps: ShutdownStepReport[];
}

const ORDER: (keyof ShutdownSteps)[] = ['stopClaiming', 'drain', 'shutdownEngine', 'flushTelemetry', 'closeHttp', 'closeStore'];

function checkTimeout(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new FlowError(ErrorCode.InvalidOption, `Expected \`${name}\` to be an integer >= 1, got \`${String(value)}\` (${typeof value})`, {
      category: 'validation',
    });
  }
  return value;
}

async function bounded(step: keyof ShutdownSteps, fn: () => Promise<unknown>, timeoutMs: number): Promise<ShutdownStepReport> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([Promise.resolve().then(fn).then(() => 'done' as const), timeout]);
    return { step, ok: outcome === 'done', timedOut: outcome === 'timeout' };
  } catch (error) {
    return { step, ok: false, timedOut: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs the shutdown steps in order, each within its deadline; never throws.
 *
 * @example
 * ```ts
 * const report = await gracefulShutdown({
 *   stopClaiming: () => worker.halt(),
 *   shutdownEngine: () => engine.shutdown({ reason: 'SIGTERM' }),
 *   flushTelemetry: () => telemetry.shutdown(),
 *   closeHttp: () => http.close(),
 *   closeStore: () => store.close(),
 * });
 * ```
 */
export async function gracefulShutdown(steps: ShutdownSteps, options: GracefulShutdownOptions = {}): Promise<ShutdownReport> {
  const drainTimeoutMs = checkTimeout('drainTimeoutMs', options.drainTimeoutMs ?? 8000);
  const shutdownTimeoutMs = checkTimeout('shutdownTimeoutMs', options.shutdownTimeoutMs ?? 5000);
  const stepTimeoutMs = checkTimeout('stepTimeoutMs', options.stepTimeoutMs ?? 2000);
  const reports: ShutdownStepReport[] = [];
  for (const step of ORDER) {
    const fn = steps[step];
    if (fn === undefined) continue;
    reports.push(await bounded(step, fn, step === 'drain' ? drainTimeoutMs : step === 'shutdownEngine' ? shutdownTimeoutMs : stepTimeoutMs));
  }
  const drain = reports.find((r) => r.step === 'drain');
  return { ok: reports.every((r) => r.ok), drained: drain === undefined || drain.ok, steps: reports };
}

/** Options of {@link onShutdownSignal}. */
export interface ShutdownSignalOptions {
  /** Signals to handle. @default ['SIGTERM', 'SIGINT'] */
  signals?: readonly NodeJS.Signals[];
  /** Exits the process; tests pass their own. @default process.exit */
  exit?: (code: number) => void;
}

/**
 * Calls `shutdown` once on the first SIGTERM/SIGINT, then exits 0 (or 1 when the report is not
 * ok); a second signal exits 1 at once. Returns a function that removes the handlers.
 */
export function onShutdownSignal(shutdown: () => Promise<ShutdownReport>, options: ShutdownSignalOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let started = false;
  const handler = (): void => {
    if (started) {
      exit(1);
      return;
    }
    started = true;
    shutdown().then(
      (report) => exit(report.ok ? 0 : 1),
      () => exit(1),
    );
  };
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
