/**
 * `createHttpServer`: the runner's HTTP server on `@hono/node-server` — JSON API under `/api`,
 * Prometheus `/metrics`, the dashboard at `/`, and the open liveness probe `/healthz`.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { ErrorCode, FlowError, type Store } from '@vms/flow-core';
import { dashboardError, dashboardRoutes } from '../dashboard/routes.js';
import { SessionStore } from '../dashboard/sessions.js';
import { apiRoutes, metricsResponse, type ApiDeps, type AuthVariables } from './api.js';
import { TokenVerifier, bearerToken, type ApiTokens } from './auth.js';
import type { RunnerControl } from './control.js';
import { HttpError, HttpErrorCode } from './errors.js';
import { TaskMetrics } from './metrics.js';
import type { RowErrorSource } from './row-errors.js';

/** Where unexpected errors are reported (a pino logger fits). */
export interface HttpLogger {
  error(details: Record<string, unknown>, message: string): void;
}

/** Options of {@link createHttpApp} and {@link createHttpServer}. */
export interface HttpServerOptions {
  /** The runner's store (runs, task runs, logs, stats). */
  store: Store;
  /** The engine as the API sees it: trigger, cancel, flows, schedules. */
  control: RunnerControl;
  /** Bearer tokens: read-only and admin. */
  tokens: ApiTokens;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port; 0 picks a free one. @default 8080 */
  port?: number;
  /** Largest accepted request body, in bytes; larger gets 413. @default 65_536 */
  bodyLimitBytes?: number;
  /** Row errors of a run (e.g. from the VMS database). @default read from task results */
  rowErrors?: RowErrorSource;
  /** Dashboard session lifetime, ms. @default 43_200_000 (12 h) */
  sessionTtlMs?: number;
  /** Seconds between reloads of an active run's dashboard page. @default 2 */
  refreshSeconds?: number;
  /** Fire times shown per schedule on the dashboard. @default 5 */
  previewCount?: number;
  /** Clock, epoch ms. @default Date.now */
  now?: () => number;
  /** Reporter of unexpected (500) errors. @default none */
  logger?: HttpLogger;
}

const CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

function checkInteger(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new FlowError(
      ErrorCode.InvalidOption,
      `Expected \`${name}\` to be an integer from ${min} to ${max}, got \`${String(value)}\` (${typeof value})`,
      { category: 'validation' },
    );
  }
}

/** The Hono app with every route (no listening socket); {@link createHttpServer} serves it. */
export function createHttpApp(options: HttpServerOptions): { app: Hono; tasks: TaskMetrics } {
  if (typeof options !== 'object' || options === null) {
    throw new FlowError(ErrorCode.InvalidOption, 'Expected HTTP server options to be an object', { category: 'validation' });
  }
  if (typeof options.store?.listRuns !== 'function') {
    throw new FlowError(ErrorCode.InvalidOption, 'Expected `store` to be a Store', { category: 'validation' });
  }
  if (typeof options.control?.trigger !== 'function') {
    throw new FlowError(ErrorCode.InvalidOption, 'Expected `control` to be a RunnerControl', { category: 'validation' });
  }
  checkInteger('port', options.port, 0, 65_535);
  checkInteger('bodyLimitBytes', options.bodyLimitBytes, 1, 100 * 1024 * 1024);
  checkInteger('sessionTtlMs', options.sessionTtlMs, 1000, Number.MAX_SAFE_INTEGER);
  checkInteger('refreshSeconds', options.refreshSeconds, 1, 3600);
  checkInteger('previewCount', options.previewCount, 0, 50);
  const verifier = new TokenVerifier(options.tokens);
  const now = options.now ?? Date.now;
  const tasks = new TaskMetrics();
  if (options.control.events !== undefined) tasks.attach(options.control.events);
  const limit = options.bodyLimitBytes ?? 65_536;
  const deps: ApiDeps = {
    store: options.store,
    control: options.control,
    now,
    rowErrors: options.rowErrors,
    tasks,
    startedAt: now(),
  };

  const app = new Hono<{ Variables: AuthVariables }>();
  const isApi = (c: Context): boolean => {
    const path = new URL(c.req.url).pathname;
    return path.startsWith('/api/') || path === '/api' || path === '/metrics';
  };
  const tooLarge = (): never => {
    throw new HttpError(HttpErrorCode.PayloadTooLarge, `Request body is larger than ${limit} bytes`);
  };

  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('Cache-Control', 'no-store');
    if (!isApi(c)) {
      c.header('Content-Security-Policy', CSP);
      c.header('X-Frame-Options', 'DENY');
    }
  });

  app.get('/healthz', (c) => c.json({ status: 'ok' }));

  const bearer = async (c: Context<{ Variables: AuthVariables }>, next: () => Promise<void>): Promise<void> => {
    const role = verifier.roleOf(bearerToken(c.req.header('authorization')));
    if (role === undefined) {
      c.header('WWW-Authenticate', 'Bearer realm="vms-runner"');
      throw new HttpError(HttpErrorCode.Unauthorized, 'A valid bearer token is required');
    }
    c.set('role', role);
    await next();
  };
  app.use('/api/*', bearer);
  app.use('/metrics', bearer);
  app.use('*', bodyLimit({ maxSize: limit, onError: tooLarge }));

  app.get('/metrics', (c) => metricsResponse(c, deps));
  app.route('/api', apiRoutes(deps));
  app.all('/api/*', () => {
    throw new HttpError(HttpErrorCode.NotFound, 'No such API route');
  });
  app.route(
    '/',
    dashboardRoutes({
      store: options.store,
      control: options.control,
      verifier,
      sessions: new SessionStore(options.sessionTtlMs ?? 43_200_000, now),
      now,
      rowErrors: options.rowErrors,
      refreshSeconds: options.refreshSeconds ?? 2,
      previewCount: options.previewCount ?? 5,
    }) as unknown as Hono<{ Variables: AuthVariables }>,
  );

  app.onError((error, c) => {
    let httpError: HttpError;
    if (error instanceof HttpError) httpError = error;
    else if (error instanceof HTTPException && error.status === 413) {
      httpError = new HttpError(HttpErrorCode.PayloadTooLarge, `Request body is larger than ${limit} bytes`);
    } else if (error instanceof HTTPException && error.status === 400) {
      httpError = new HttpError(HttpErrorCode.BadRequest, 'Malformed request', [{ path: 'body', message: 'could not be parsed' }]);
    } else if (error instanceof FlowError && error.code === 'ENGINE_STOPPED') {
      httpError = new HttpError(HttpErrorCode.Unavailable, 'The runner is shutting down; try again later');
    } else {
      options.logger?.error({ err: error, path: new URL(c.req.url).pathname }, 'HTTP request failed');
      httpError = new HttpError(HttpErrorCode.Internal, 'Internal error');
    }
    // The body of a 413 is not read to its end: @hono/node-server drains at most 500 ms, then
    // drops the socket. Saying so lets a keep-alive client open a fresh connection for its next
    // request instead of failing it on the dropped one.
    if (httpError.status === 413) c.header('Connection', 'close');
    if (isApi(c)) return c.json(httpError.toJSON(), httpError.status);
    return dashboardError(c, httpError);
  });
  app.notFound((c) => {
    const error = new HttpError(HttpErrorCode.NotFound, 'Not found');
    return isApi(c) ? c.json(error.toJSON(), 404) : dashboardError(c, error);
  });

  return { app: app as unknown as Hono, tasks };
}

/** A listening server. */
export interface HttpServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  /** The underlying Node server. */
  readonly server: Server;
  /**
   * Stops accepting connections, lets in-flight requests finish, and closes every connection
   * after `graceMs` at the latest. Idempotent.
   */
  close(graceMs?: number): Promise<void>;
}

/**
 * Starts the HTTP server.
 *
 * @example
 * ```ts
 * const http = await createHttpServer({ store, control, tokens: { admin: [process.env.ADMIN_TOKEN!] }, port: 8080 });
 * console.log(`dashboard at ${http.url}`);
 * await http.close();
 * ```
 */
export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const { app, tasks } = createHttpApp(options);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: host, port: options.port ?? 8080 }) as Server;
    s.once('listening', () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${address.port}`,
    port: address.port,
    server,
    close(graceMs = 5000): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        tasks.detach();
        const timer = setTimeout(() => server.closeAllConnections(), graceMs);
        timer.unref();
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
