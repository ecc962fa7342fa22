/**
 * The thin adapter from {@link SalesforceClient} to jsforce 3: jsforce does the HTTP, login and
 * session refresh; this file adds error classification, one re-authentication per expired
 * session, retries with backoff, and API-usage tracking. jsforce's own transport retries are
 * turned off so the retry policy here is the only one.
 */
import { createPrivateKey, sign } from 'node:crypto';
import jsforce from 'jsforce';
import type { Connection, HttpRequest } from 'jsforce';
import { HttpApi } from 'jsforce/lib/http-api.js';
import { ApiUsageGovernor, parseLimitInfo, type ApiUsage, type ApiUsageOptions } from './api-usage.js';
import type {
  BulkQueryJobInfo,
  BulkResultsPage,
  DescribeResult,
  QueryPage,
  QueryRequestOptions,
  SalesforceClient,
  SalesforceClientStats,
} from './client.js';
import { parseSalesforceConfig, type SalesforceConfig, type SalesforceConfigInput } from './config.js';
import { SalesforceError, SalesforceErrorCode, invalidArgument, toSalesforceError } from './errors.js';
import { normalizeSalesforceId } from './ids.js';
import { retryPolicy, withRetry, type RetryEvent, type RetryPolicy } from './retry.js';

/** Options of {@link connectSalesforce} beyond the connection config. */
export interface ConnectOptions {
  /** Retries of requests that failed with `rate_limit`, `network` or `timeout`. @default { retries: 4, minDelayMs: 1000, factor: 2, maxDelayMs: 30000, jitter: 0.2 } */
  readonly retry?: Partial<RetryPolicy>;
  /** API-usage tracking and brakes. @default {} (track only) */
  readonly apiUsage?: ApiUsageOptions;
  /** Called before each retry's wait. @default none */
  readonly onRetry?: (event: RetryEvent) => void;
  /** Waits `ms` milliseconds (inject a fake in tests). @default setTimeout-based */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Random source in [0, 1) for retry jitter. @default Math.random */
  readonly random?: () => number;
}

/** A {@link SalesforceClient} backed by a jsforce `Connection`. */
export interface JsforceSalesforceClient extends SalesforceClient {
  /** The underlying jsforce connection, for calls this plugin does not wrap. */
  readonly connection: Connection;
  /** The validated config, without secrets. */
  readonly config: { readonly auth: SalesforceConfig['auth']; readonly loginUrl: string; readonly apiVersion: string };
}

const JWT_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function base64url(input: string | Buffer): string {
  return Buffer.from(input).toString('base64url');
}

function jwtAssertion(config: Extract<SalesforceConfig, { auth: 'jwt' }>, nowMs: number): string {
  const header = base64url(JSON.stringify({ alg: 'RS256' }));
  const claims = base64url(
    JSON.stringify({ iss: config.clientId, sub: config.username, aud: config.audience ?? config.loginUrl, exp: Math.floor(nowMs / 1000) + 180 }),
  );
  let key;
  try {
    key = createPrivateKey(config.privateKey);
  } catch (err) {
    throw new SalesforceError(SalesforceErrorCode.InvalidConfig, 'validation', 'Invalid Salesforce connection config:\n- privateKey: not a readable PEM private key', { cause: err instanceof Error ? new Error(err.message) : undefined });
  }
  const signature = sign('RSA-SHA256', Buffer.from(`${header}.${claims}`), key);
  return `${header}.${claims}.${base64url(signature)}`;
}

function describeLogin(config: SalesforceConfig): string {
  switch (config.auth) {
    case 'password':
      return `as ${config.username} (username/password${config.clientId ? ', OAuth' : ', SOAP'})`;
    case 'jwt':
      return `as ${config.username} (JWT bearer)`;
    case 'refresh_token':
      return '(OAuth refresh token)';
    case 'client_credentials':
      return '(OAuth client credentials)';
  }
}

/**
 * Logs in to Salesforce and returns a client. Bad credentials fail at once with a
 * `SalesforceError` of category `auth` (never retried); a bad config fails before any request
 * with category `validation`. Secrets never appear in errors.
 *
 * @example
 * ```ts
 * const client = await connectSalesforce({ auth: 'password', username, password, securityToken });
 * ```
 */
export async function connectSalesforce(input: SalesforceConfigInput, options: ConnectOptions = {}): Promise<JsforceSalesforceClient> {
  const config = parseSalesforceConfig(input);
  const policy = retryPolicy(options.retry);
  const governor = new ApiUsageGovernor(options.apiUsage);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = options.random ?? Math.random;
  const stats = { requests: 0, retries: 0, reauthentications: 0 };
  const retryDeps = {
    sleep,
    random,
    onRetry: (e: RetryEvent) => {
      stats.retries++;
      options.onRetry?.(e);
    },
  };
  const requestOptions = { retry: { maxRetries: 0 }, timeout: config.timeoutMs };

  // Re-authentication: jsforce calls this on a 401. Once per expired session: a second 401
  // before any request succeeded again means the new session is refused too.
  let refreshedSinceSuccess = false;
  let lastRefreshError: SalesforceError | undefined;
  const refreshFn = (conn: Connection, callback: (err: Error | null | undefined, accessToken?: string) => void): void => {
    if (refreshedSinceSuccess) {
      lastRefreshError = new SalesforceError(
        SalesforceErrorCode.SessionInvalid,
        'auth',
        `Salesforce rejected the session again right after re-authenticating ${describeLogin(config)}; not retrying`,
        { apiErrorCode: 'INVALID_SESSION_ID', statusCode: 401 },
      );
      callback(lastRefreshError);
      return;
    }
    refreshedSinceSuccess = true;
    stats.reauthentications++;
    login(conn).then(
      () => callback(null, conn.accessToken ?? undefined),
      (err: unknown) => {
        lastRefreshError = toSalesforceError(err, `Salesforce re-authentication ${describeLogin(config)}`);
        callback(lastRefreshError);
      },
    );
  };

  const conn: Connection = new jsforce.Connection({
    loginUrl: config.loginUrl,
    version: config.apiVersion,
    refreshFn,
    ...(config.auth !== 'password' || config.clientId
      ? {
          oauth2: {
            loginUrl: config.loginUrl,
            clientId: config.clientId,
            ...('clientSecret' in config && config.clientSecret ? { clientSecret: config.clientSecret } : {}),
          },
        }
      : {}),
  });

  async function login(c: Connection): Promise<void> {
    switch (config.auth) {
      case 'password': {
        const password = config.password + config.securityToken;
        if (config.clientId) await c.authorize({ grant_type: 'password', username: config.username, password });
        else await c.loginBySoap(config.username, password);
        return;
      }
      case 'refresh_token':
        await c.authorize({ grant_type: 'refresh_token', refresh_token: config.refreshToken });
        return;
      case 'client_credentials':
        await c.authorize({ grant_type: 'client_credentials' });
        return;
      case 'jwt':
        await c.authorize({ grant_type: JWT_GRANT, assertion: jwtAssertion(config, Date.now()) });
        return;
    }
  }

  try {
    await login(conn);
  } catch (err) {
    if (err instanceof SalesforceError) throw err;
    const e = toSalesforceError(err, `Salesforce login ${describeLogin(config)}`);
    if (e.category === 'unknown' && /^ERROR_HTTP_4|invalid|fail/i.test(`${e.apiErrorCode ?? ''} ${e.message}`)) {
      throw new SalesforceError(SalesforceErrorCode.AuthFailed, 'auth', e.message, { cause: e.cause, apiErrorCode: e.apiErrorCode });
    }
    throw e;
  }

  governor.observe({ 'vms_flow.salesforce.instance': conn.instanceUrl });
  const recordUsage = (usage: ApiUsage | undefined): void => governor.record(usage);

  /** One logical request: brake check, jsforce call, classification, retries. */
  async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return withRetry(operation, policy, retryDeps, async () => {
      await governor.beforeRequest(sleep);
      stats.requests++;
      try {
        const out = await fn();
        refreshedSinceSuccess = false;
        return out;
      } catch (err) {
        if (lastRefreshError && err instanceof Error && /^Unable to refresh session due to/.test(err.message)) {
          const e = lastRefreshError;
          lastRefreshError = undefined;
          throw e;
        }
        throw toSalesforceError(err, `Salesforce ${operation}`);
      }
    });
  }

  function rest<T>(request: HttpRequest): Promise<T> {
    return Promise.resolve(conn.request<T>(request, requestOptions)).finally(() => {
      const u = conn.limitInfo?.apiUsage;
      const seen = governor.current;
      if (u && (u.used !== seen?.used || u.limit !== seen.limit)) recordUsage({ used: u.used, limit: u.limit, fraction: u.limit > 0 ? u.used / u.limit : 1 });
    });
  }

  /** A request through jsforce's HttpApi, to read response headers (Bulk API 2.0 locators). */
  function bulkRequest<T>(request: HttpRequest & { responseType?: string }): Promise<{ body: T; headers: Record<string, string> }> {
    const api = new HttpApi(conn, { ...requestOptions, responseType: request.responseType });
    let headers: Record<string, string> = {};
    api.on('response', (res: { headers: Record<string, string> }) => {
      headers = res.headers;
      recordUsage(parseLimitInfo(res.headers['sforce-limit-info']));
    });
    const url = new URL(`services/data/v${conn.version}/jobs/query${request.url}`, `${conn.instanceUrl}/`).toString();
    return Promise.resolve(api.request<T>({ ...request, url })).then((body) => ({ body, headers }));
  }

  const queryHeaders = (o: QueryRequestOptions | undefined): Record<string, string> => {
    if (o?.batchSize === undefined) return {};
    if (!Number.isInteger(o.batchSize) || o.batchSize < 200 || o.batchSize > 2000) {
      throw invalidArgument('batchSize', 'an integer from 200 to 2000', o.batchSize);
    }
    return { 'Sforce-Query-Options': `batchSize=${o.batchSize}` };
  };

  const jobId = (id: string): string => {
    const norm = normalizeSalesforceId(id);
    if (!norm) throw new SalesforceError(SalesforceErrorCode.InvalidValue, 'validation', `Expected a Bulk API job Id, got \`${id}\``);
    return norm;
  };

  const client: JsforceSalesforceClient = {
    connection: conn,
    config: { auth: config.auth, loginUrl: config.loginUrl, apiVersion: config.apiVersion },
    get apiUsage() {
      return governor.current;
    },
    get stats(): SalesforceClientStats {
      return { ...stats };
    },
    async query(soql, o) {
      const headers = queryHeaders(o);
      const url = `/${o?.includeDeleted ? 'queryAll' : 'query'}?q=${encodeURIComponent(soql)}`;
      return await call('query', () => rest<QueryPage>({ method: 'GET', url, headers }));
    },
    async queryMore(nextRecordsUrl, o) {
      if (!/^\/services\/data\/v\d+\.\d\/query(All)?\/[\w-]+$/.test(nextRecordsUrl)) {
        throw new SalesforceError(SalesforceErrorCode.InvalidValue, 'validation', `Expected a nextRecordsUrl like /services/data/v62.0/query/01g...-2000, got \`${nextRecordsUrl}\``);
      }
      const headers = queryHeaders(o);
      return await call('queryMore', () => rest<QueryPage>({ method: 'GET', url: nextRecordsUrl, headers }));
    },
    async createBulkQueryJob(soql, o) {
      const { body } = await call('bulk job create', () =>
        bulkRequest<BulkQueryJobInfo>({
          method: 'POST',
          url: '',
          body: JSON.stringify({ operation: o?.includeDeleted ? 'queryAll' : 'query', query: soql }),
          headers: { 'Content-Type': 'application/json; charset=utf-8' },
          responseType: 'application/json',
        }),
      );
      return body;
    },
    async getBulkQueryJob(id) {
      const { body } = await call('bulk job poll', () => bulkRequest<BulkQueryJobInfo>({ method: 'GET', url: `/${jobId(id)}`, responseType: 'application/json' }));
      return body;
    },
    async getBulkQueryResults(id, o = {}) {
      const params = new URLSearchParams();
      if (o.locator) params.set('locator', o.locator);
      if (o.maxRecords !== undefined) params.set('maxRecords', String(o.maxRecords));
      const qs = params.size > 0 ? `?${params.toString()}` : '';
      const { body, headers } = await call('bulk results', () =>
        bulkRequest<Array<Record<string, string>> | string>({ method: 'GET', url: `/${jobId(id)}/results${qs}`, headers: { Accept: 'text/csv' } }),
      );
      const locator = headers['sforce-locator'];
      const page: BulkResultsPage = {
        records: Array.isArray(body) ? body : [],
        locator: !locator || locator === 'null' ? null : locator,
      };
      return page;
    },
    async deleteBulkQueryJob(id) {
      await call('bulk job delete', () => bulkRequest<void>({ method: 'DELETE', url: `/${jobId(id)}` }));
    },
    async describe(objectName) {
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(objectName)) {
        throw new SalesforceError(SalesforceErrorCode.InvalidValue, 'validation', `Expected an object API name, got \`${objectName}\``);
      }
      return await call('describe', () => rest<DescribeResult>({ method: 'GET', url: `/sobjects/${objectName}/describe` }));
    },
    async limits() {
      return await call('limits', () => rest<Record<string, { Max: number; Remaining: number }>>({ method: 'GET', url: '/limits' }));
    },
  };
  return client;
}
