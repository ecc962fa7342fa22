/**
 * The long-lived part shared by `start` and `demo --serve`: `engine.recover()` (resume what a
 * crash or a shutdown interrupted), store and start the schedules (`engine.schedule`), start a
 * queue worker (`engine.work()`, which executes scheduled and API-triggered runs), serve the
 * HTTP API and dashboard, then wait for SIGTERM/SIGINT and shut down gracefully: stop claiming,
 * `engine.shutdown()` (running tasks are aborted, their runs stored `Crashed` and resumable —
 * finished tasks and chunk checkpoints are kept), flush spans, close HTTP, close the stores.
 */
import { gracefulShutdown } from '../http/graceful-shutdown';
import { createHttpServer, type HttpServer } from '../http/server';
import type { Telemetry } from '../telemetry/start-telemetry';
import type { RowErrorView } from '../http/row-errors';
import type { Runner } from '../runner';
import type { Output } from './output';

/** Options of {@link serve}. */
export interface ServeOptions {
  /** An admin token to print (the demo's generated one). @default none: not printed */
  adminToken?: string;
  /** Resolves to shut down; by default the first SIGTERM or SIGINT. */
  until?: Promise<unknown>;
  /** Telemetry to flush on shutdown. @default none */
  telemetry?: Telemetry;
  /** Longest wait for running tasks to stop on shutdown (they are aborted at once and keep their checkpoints), ms. @default 5000 */
  shutdownTimeoutMs?: number;
  /** Called once everything listens (tests). */
  onReady?: (http: HttpServer) => void;
}

function signalled(): { promise: Promise<string>; dispose(): void } {
  let dispose = (): void => undefined;
  const promise = new Promise<string>((resolve) => {
    const on = (sig: NodeJS.Signals): void => resolve(sig);
    process.once('SIGTERM', on);
    process.once('SIGINT', on);
    dispose = () => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
    };
  });
  return { promise, dispose };
}

/** Row errors of a run from the VMS database (all stored, shown up to 500). */
export function rowErrorSource(runner: Runner): (runId: string) => Promise<RowErrorView[]> {
  const stmt = runner.db.prepare(
    'SELECT sync_type, code, severity, field, message, salesforce_id, record_name FROM row_errors WHERE run_id = ? ORDER BY id LIMIT 500',
  );
  return async (runId) =>
    (stmt.all(runId) as { sync_type: string; code: string; severity: string; field: string | null; message: string; salesforce_id: string | null; record_name: string | null }[]).map(
      (r) => ({
        entity: r.sync_type,
        code: r.code,
        severity: r.severity,
        message: r.message,
        ...(r.field ? { field: r.field } : {}),
        ...(r.salesforce_id ? { salesforceId: r.salesforce_id } : {}),
        ...(r.record_name ? { recordName: r.record_name } : {}),
      }),
    );
}

/** Serves until a signal (or `until`), then shuts down. */
export async function serve(runner: Runner, output: Output, options: ServeOptions = {}): Promise<void> {
  const { config } = runner;
  const { recovered, schedules } = await runner.startServices();
  if (recovered.crashed.length + recovered.resumed.length > 0) {
    output.out(`recovered: ${recovered.crashed.length} crashed runs, ${recovered.resumed.length} resumed (${recovered.resumed.join(', ') || 'none'})`);
  }
  const http = await createHttpServer({
    store: runner.store,
    control: runner.control,
    tokens: { admin: config.apiTokens.admin, readOnly: config.apiTokens.readOnly },
    host: config.http.host,
    port: config.http.port,
    rowErrors: rowErrorSource(runner),
  });
  output.out(`Dashboard and API at ${http.url}/ (liveness: ${http.url}/healthz)`);
  if (options.adminToken) output.out(`Admin token for this session: ${options.adminToken}`);
  for (const s of schedules) {
    output.out(`schedule ${s.name}: ${s.flowName} ${(s.spec as { cron?: string }).cron ?? ''} ${config.timeZone}, next ${s.nextRunAt?.toISOString() ?? 'never'}${s.paused ? ' (paused)' : ''}`);
  }
  output.out('Press Ctrl+C to stop.');
  options.onReady?.(http);
  const sig = signalled();
  let reason = 'requested';
  try {
    const why = await Promise.race([sig.promise, options.until ?? new Promise<never>(() => undefined)]);
    if (typeof why === 'string') reason = why;
    output.out(`shutting down (${reason}) ...`);
  } finally {
    sig.dispose();
  }
  const interrupted = runner.engine.activeRuns();
  const report = await gracefulShutdown(
    {
      stopClaiming: () => runner.stopClaiming(),
      shutdownEngine: () => runner.shutdown(reason),
      ...(options.telemetry ? { flushTelemetry: () => (options.telemetry as Telemetry).shutdown() } : {}),
      closeHttp: () => http.close(1_000),
      closeStore: () => runner.close(),
    },
    { shutdownTimeoutMs: options.shutdownTimeoutMs ?? 5_000, stepTimeoutMs: 3_000 },
  );
  for (const step of report.steps.filter((s) => !s.ok)) output.err(`shutdown step ${step.step}: ${step.timedOut ? 'timed out' : step.error}`);
  output.out(
    interrupted.length === 0
      ? 'stopped.'
      : `stopped; ${interrupted.length} interrupted run${interrupted.length === 1 ? '' : 's'} (${interrupted.join(', ')}) resume on the next start.`,
  );
}
