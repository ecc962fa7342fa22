/**
 * The long-lived part shared by `start` and `demo --serve`: recover interrupted runs, register
 * and start the schedules, start a worker, serve the HTTP API and dashboard, then wait for
 * SIGTERM/SIGINT and shut down gracefully (stop claiming, cancel running tasks at their next
 * chunk — their checkpoints are stored — flush, close).
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
  /** Longest wait for running tasks on shutdown before they are cancelled (they keep their checkpoints), ms. @default 8000 */
  drainTimeoutMs?: number;
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
  const recovered = await runner.engine.recover();
  if (recovered.crashed.length + recovered.resumed.length > 0) {
    output.out(`recovered: ${recovered.crashed.length} crashed runs, ${recovered.resumed.length} resumed`);
  }
  await runner.registerSchedules();
  await runner.scheduler.start();
  const worker = await runner.startWorker();
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
  for (const s of await runner.scheduler.list()) {
    output.out(`schedule ${s.name}: ${s.flowName} ${(s.spec as { cron?: string }).cron ?? ''} ${config.timeZone}, next ${s.nextRunAt?.toISOString() ?? 'never'}${s.paused ? ' (paused)' : ''}`);
  }
  output.out('Press Ctrl+C to stop.');
  options.onReady?.(http);
  const sig = signalled();
  try {
    const why = await Promise.race([sig.promise, options.until ?? new Promise<never>(() => undefined)]);
    output.out(`shutting down (${typeof why === 'string' ? why : 'requested'}) ...`);
  } finally {
    sig.dispose();
  }
  const report = await gracefulShutdown(
    {
      stopClaiming: () => Promise.all([runner.scheduler.stop(), worker.stop()]),
      drain: () => runner.engine.stop({ drain: true }),
      ...(options.telemetry ? { flushTelemetry: () => (options.telemetry as Telemetry).shutdown() } : {}),
      closeHttp: () => http.close(5_000),
      // cancels what did not finish in time (its checkpoints are stored), then closes both files
      closeStore: () => runner.close(),
    },
    { drainTimeoutMs: options.drainTimeoutMs ?? 8_000, stepTimeoutMs: 10_000 },
  );
  for (const step of report.steps.filter((s) => !s.ok)) output.err(`shutdown step ${step.step}: ${step.timedOut ? 'timed out' : step.error}`);
  output.out(report.drained ? 'stopped.' : 'stopped (running tasks were cancelled at the deadline; their runs resume on the next start).');
}
