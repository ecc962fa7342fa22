/**
 * A loopback HTTP server that speaks enough of the Salesforce REST, OAuth, SOAP-login and Bulk
 * API 2.0 protocols for jsforce to run unchanged against it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { KeyObject } from 'node:crypto';
import { randomBytes } from 'node:crypto';
import { invalidArgument } from '../errors.js';
import { makeSalesforceId, normalizeSalesforceId } from '../ids.js';
import { ApiError } from './api-error.js';
import { AuthEndpoints, DEFAULT_TEST_CREDENTIALS, SessionRegistry, type TestCredentials } from './auth.js';
import { loadCumulusDataset } from './cumulus-dataset.js';
import { FaultPlan, type FaultAction, type FaultOptions } from './faults.js';
import { RecordStore, type FieldType, type InputRecord, type StoredRecord } from './record-store.js';
import { runQuery, type QueryResultSet } from './soql-engine.js';

/** Options of {@link startSalesforceTestServer}. */
export interface SalesforceTestServerOptions {
  /** Port to listen on; 0 picks a free one. @default 0 */
  readonly port?: number;
  /** Records to load, by object name: `{ Account: [...], Contact: [...] }`. Ids are assigned when absent. */
  readonly records?: Readonly<Record<string, Iterable<InputRecord>>>;
  /** A CumulusCI dataset folder (`mapping.yml` + `test_data.sql`) to load, before `records`. */
  readonly dataset?: string;
  /** Fields to declare beyond those the records show, by object: `{ Contact: { Email: 'string' } }`. */
  readonly fields?: Readonly<Record<string, Readonly<Record<string, FieldType>>>>;
  /** Records per REST query page (Salesforce's default and maximum is 2,000). @default 2000 */
  readonly pageSize?: number;
  /** Records per Bulk API 2.0 results page when the client gives no `maxRecords`. @default 10000 */
  readonly bulkPageSize?: number;
  /** Status polls a Bulk API 2.0 query job answers `InProgress` before `JobComplete`. @default 1 */
  readonly bulkPollsUntilComplete?: number;
  /** Credentials the server accepts; unspecified ones keep their defaults. */
  readonly credentials?: Partial<TestCredentials>;
  /** Public key (PEM or KeyObject) that verifies JWT bearer assertions. Without it JWT login fails. */
  readonly jwtPublicKey?: string | KeyObject;
  /** Daily API request allowance reported in `Sforce-Limit-Info` and `/limits`. @default { used: 0, limit: 100000 } */
  readonly apiUsage?: { readonly used?: number; readonly limit?: number };
  /** Faults to inject (can be changed later with `server.setFaults`). @default {} */
  readonly faults?: FaultOptions;
  /** Open query cursors kept per server; the oldest is dropped beyond this (`INVALID_QUERY_LOCATOR`). @default 10 */
  readonly maxOpenCursors?: number;
  /** API version in the URLs the server hands out (it answers any version in request paths). @default '62.0' */
  readonly apiVersion?: string;
  /** Clock for record stamps and date literals such as `TODAY`, in epoch ms. @default Date.now */
  readonly now?: () => number;
}

/** Request counters, for assertions in tests. */
export interface SalesforceTestServerStats {
  /** API requests received (everything but logins); fault request numbers count these. */
  apiRequests: number;
  /** Successful and failed logins (OAuth token + SOAP). */
  logins: number;
  /** Failed logins. */
  failedLogins: number;
  /** `GET .../query?q=` requests. */
  queries: number;
  /** `GET .../query/{locator}` requests. */
  queryMores: number;
  /** Query page requests (`queries + queryMores`). */
  pageRequests: number;
  /** Bulk API 2.0 requests (create, poll, results, delete). */
  bulkRequests: number;
  /** Injected faults by type. */
  faults: Record<FaultAction['type'], number>;
  /** 4xx/5xx answers by Salesforce `errorCode`. */
  errors: Record<string, number>;
}

/** One line of the server's request log. */
export interface RequestLogEntry {
  readonly n: number | undefined;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly kind: string;
}

/** A running test server. */
export interface SalesforceTestServer {
  /** `http://127.0.0.1:<port>`: use it as both login URL and instance URL. */
  readonly url: string;
  readonly port: number;
  /** Credentials the server accepts. */
  readonly credentials: TestCredentials;
  /** The org's Id and the integration user's Id. */
  readonly identity: { readonly orgId: string; readonly userId: string };
  /** Counters since start (or the last `resetStats()`). */
  readonly stats: Readonly<SalesforceTestServerStats>;
  /** The last 10,000 requests. */
  readonly requestLog: readonly RequestLogEntry[];
  /** API usage reported in `Sforce-Limit-Info`; assign `used`/`limit` to simulate usage. */
  readonly apiUsage: { used: number; limit: number };
  /** Inserts records; returns their Ids. */
  insert(object: string, records: Iterable<InputRecord>): string[];
  /** Updates a record (stamps move to now unless the patch sets them). */
  update(id: string, patch: InputRecord): StoredRecord;
  /** Deletes a record. */
  delete(id: string): void;
  /** The stored records of an object (read-only view). */
  records(object: string): readonly StoredRecord[];
  /** Replaces the fault plan. */
  setFaults(faults: FaultOptions): void;
  /** Invalidates every session now (the next API request gets `INVALID_SESSION_ID`). */
  expireSessions(): void;
  /** Zeroes the counters (request numbering for faults included) and clears the log. */
  resetStats(): void;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

function emptyStats(): SalesforceTestServerStats {
  return {
    apiRequests: 0,
    logins: 0,
    failedLogins: 0,
    queries: 0,
    queryMores: 0,
    pageRequests: 0,
    bulkRequests: 0,
    faults: { serverError: 0, sessionExpiry: 0, requestLimit: 0, dropConnection: 0, latency: 0 },
    errors: {},
  };
}

function positiveInt(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw invalidArgument(name, `an integer from 1 to ${max}`, value);
  }
  return value;
}

interface Cursor {
  readonly rs: QueryResultSet;
  readonly pageSize: number;
}

interface BulkJob {
  readonly id: string;
  readonly info: Record<string, unknown>;
  readonly rs: QueryResultSet;
  polls: number;
  state: 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Aborted' | 'Failed';
}

const SF_TYPE: Record<FieldType, string> = {
  id: 'id',
  reference: 'reference',
  string: 'string',
  boolean: 'boolean',
  int: 'int',
  double: 'double',
  date: 'date',
  datetime: 'datetime',
  address: 'address',
};

function csvCell(v: unknown): string {
  if (v === null || v === undefined) return '';
  let s: string;
  if (typeof v === 'string') s = /^\d{4}-\d{2}-\d{2}T.*\+0000$/.test(v) ? v.replace('+0000', 'Z') : v;
  else if (typeof v === 'object') s = JSON.stringify(v);
  else s = String(v);
  return `"${s.replace(/"/g, '""')}"`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Starts a Salesforce test server on 127.0.0.1.
 *
 * @example
 * ```ts
 * const server = await startSalesforceTestServer({ records: { Contact: [{ LastName: 'Ng' }] } });
 * const conn = new jsforce.Connection({ loginUrl: server.url });
 * await conn.login(server.credentials.username, server.credentials.password + server.credentials.securityToken);
 * const { records } = await conn.query('SELECT Id, LastName FROM Contact');
 * await server.close();
 * ```
 */
export async function startSalesforceTestServer(options: SalesforceTestServerOptions = {}): Promise<SalesforceTestServer> {
  const pageSize = positiveInt('pageSize', options.pageSize ?? 2000);
  const bulkPageSize = positiveInt('bulkPageSize', options.bulkPageSize ?? 10_000);
  const maxOpenCursors = positiveInt('maxOpenCursors', options.maxOpenCursors ?? 10);
  const bulkPolls = options.bulkPollsUntilComplete ?? 1;
  if (!Number.isInteger(bulkPolls) || bulkPolls < 0) {
    throw invalidArgument('bulkPollsUntilComplete', 'an integer >= 0', bulkPolls);
  }
  const apiVersion = options.apiVersion ?? '62.0';
  if (!/^\d{2}\.0$/.test(apiVersion)) throw new TypeError(`Expected \`apiVersion\` like \`62.0\`, got \`${apiVersion}\``);
  const now = options.now ?? Date.now;
  const credentials: TestCredentials = { ...DEFAULT_TEST_CREDENTIALS, ...options.credentials };
  const identity = { orgId: makeSalesforceId('00D', 1), userId: makeSalesforceId('005', 1) };

  const store = new RecordStore(now);
  for (const [object, fields] of Object.entries(options.fields ?? {})) {
    const t = store.ensureTable(object);
    for (const [name, type] of Object.entries(fields)) t.declare(name, type);
  }
  if (options.dataset) {
    const ds = await loadCumulusDataset(options.dataset);
    for (const [object, recs] of Object.entries(ds.records)) store.insert(object, recs);
  }
  for (const [object, recs] of Object.entries(options.records ?? {})) store.insert(object, recs);
  if (!store.table('User')) {
    store.insert('User', [{ Id: identity.userId, Username: credentials.username, Name: 'Integration User', IsActive: true }]);
  }
  if (!store.table('Organization')) {
    store.insert('Organization', [{ Id: identity.orgId, Name: 'VMS Test Org', IsSandbox: false }]);
  }

  const sessions = new SessionRegistry();
  let baseUrl = '';
  const auth = new AuthEndpoints(credentials, sessions, identity, () => baseUrl, apiVersion, options.jwtPublicKey, now);
  const faults = new FaultPlan(options.faults ?? {});
  const apiUsage = { used: options.apiUsage?.used ?? 0, limit: options.apiUsage?.limit ?? 100_000 };
  let stats = emptyStats();
  let log: RequestLogEntry[] = [];
  const cursors = new Map<string, Cursor>();
  const jobs = new Map<string, BulkJob>();
  let jobCounter = 0;

  const countError = (code: string): void => {
    stats.errors[code] = (stats.errors[code] ?? 0) + 1;
  };

  const openCursor = (rs: QueryResultSet, size: number): string => {
    const id = `01g${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x').slice(0, 12)}`;
    cursors.set(id, { rs, pageSize: size });
    while (cursors.size > maxOpenCursors) cursors.delete(cursors.keys().next().value!);
    return id;
  };

  const page = (rs: QueryResultSet, cursorId: string | undefined, offset: number, size: number, version: string): Record<string, unknown> => {
    if (rs.countOnly) return { totalSize: rs.totalSize, done: true, records: [] };
    const end = Math.min(rs.size, offset + size);
    const records: Array<Record<string, unknown>> = [];
    for (let i = offset; i < end; i++) records.push(rs.row(i));
    const done = end >= rs.size;
    let id = cursorId;
    if (done && id) cursors.delete(id);
    if (!done && !id) id = openCursor(rs, size);
    return {
      totalSize: rs.totalSize,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${id}-${end}` }),
      records,
    };
  };

  const batchSizeOf = (req: IncomingMessage): number => {
    const header = req.headers['sforce-query-options'];
    const m = typeof header === 'string' ? /batchSize\s*=\s*(\d+)/i.exec(header) : null;
    if (!m) return pageSize;
    return Math.max(200, Math.min(pageSize, Number(m[1])));
  };

  const describe = (objectName: string, version: string): Record<string, unknown> => {
    const t = store.table(objectName);
    if (!t) throw new ApiError(404, 'NOT_FOUND', `The requested resource does not exist`);
    const fields = [...t.fields.values()].map((f) => {
      const type = f.type ?? 'string';
      const targets = type === 'reference' ? store.referenceTargets(f).map((x) => x.name) : [];
      return {
        name: f.name,
        label: f.name.replace(/__c$/, '').replace(/_/g, ' '),
        type: SF_TYPE[type],
        soapType: type === 'reference' || type === 'id' ? 'tns:ID' : `xsd:${type === 'datetime' ? 'dateTime' : type}`,
        length: type === 'string' ? 255 : type === 'id' || type === 'reference' ? 18 : 0,
        nillable: f.name !== 'Id' && type !== 'boolean',
        custom: f.name.endsWith('__c'),
        referenceTo: targets,
        relationshipName: type === 'reference' ? (f.name.endsWith('__c') ? `${f.name.slice(0, -3)}__r` : f.name.replace(/Id$/, '')) : null,
        filterable: type !== 'address',
        sortable: type !== 'address',
        createable: !['Id', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'IsDeleted'].includes(f.name),
        updateable: !['Id', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'IsDeleted'].includes(f.name),
      };
    });
    return {
      name: t.name,
      label: t.name.replace(/__c$/, '').replace(/_/g, ' '),
      labelPlural: t.name.replace(/__c$/, '').replace(/_/g, ' '),
      keyPrefix: t.keyPrefix,
      custom: t.name.endsWith('__c'),
      queryable: true,
      retrieveable: true,
      createable: true,
      updateable: true,
      deletable: true,
      searchable: true,
      fields,
      childRelationships: [],
      recordTypeInfos: [],
      urls: {
        sobject: `/services/data/v${version}/sobjects/${t.name}`,
        describe: `/services/data/v${version}/sobjects/${t.name}/describe`,
        rowTemplate: `/services/data/v${version}/sobjects/${t.name}/{ID}`,
      },
    };
  };

  const limits = (): Record<string, { Max: number; Remaining: number }> => ({
    DailyApiRequests: { Max: apiUsage.limit, Remaining: Math.max(0, apiUsage.limit - apiUsage.used) },
    DailyBulkV2QueryJobs: { Max: 10_000, Remaining: 10_000 - jobCounter },
    DailyBulkV2QueryFileStorageMB: { Max: 976_562, Remaining: 976_562 },
    ConcurrentAsyncGetReportInstances: { Max: 200, Remaining: 200 },
  });

  const jobInfo = (job: BulkJob): Record<string, unknown> => ({
    ...job.info,
    state: job.state,
    numberRecordsProcessed: job.state === 'JobComplete' ? job.rs.size : 0,
    retries: 0,
    totalProcessingTime: 0,
  });

  type Handled = { status: number; body?: unknown; contentType?: string; headers?: Record<string, string> };

  const readBody = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 50 * 1024 * 1024) {
          reject(new ApiError(413, 'REQUEST_TOO_LARGE', 'request body too large'));
          req.destroy();
          return;
        }
        chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      req.on('error', reject);
    });

  const kindOf = (method: string, rest: string): string => {
    if (/^(query|queryAll)$/.test(rest)) return 'query';
    if (/^query\//.test(rest)) return 'queryMore';
    if (/^jobs\/query/.test(rest)) return 'bulk';
    if (/\/describe$/.test(rest) || rest === 'sobjects') return 'describe';
    if (rest === 'limits') return 'limits';
    if (/^sobjects\//.test(rest)) return 'sobject';
    void method;
    return 'other';
  };

  const handleApi = async (req: IncomingMessage, method: string, version: string, rest: string, url: URL): Promise<Handled> => {
    // /services/data/vXX.X/<rest>
    if (method === 'GET' && (rest === 'query' || rest === 'queryAll')) {
      stats.queries++;
      stats.pageRequests++;
      const q = url.searchParams.get('q');
      if (!q) throw new ApiError(400, 'MALFORMED_QUERY', 'Missing query parameter q');
      const rs = runQuery(store, q, { apiVersion: version, now: now() });
      return { status: 200, body: page(rs, undefined, 0, batchSizeOf(req), version) };
    }
    let m: RegExpExecArray | null;
    if (method === 'GET' && (m = /^query\/([A-Za-z0-9]+)-(\d+)$/.exec(rest))) {
      stats.queryMores++;
      stats.pageRequests++;
      const cursor = cursors.get(m[1]!);
      if (!cursor) throw new ApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
      // Touch: most recently used moves to the end.
      cursors.delete(m[1]!);
      cursors.set(m[1]!, cursor);
      return { status: 200, body: page(cursor.rs, m[1]!, Number(m[2]), cursor.pageSize, version) };
    }
    if (method === 'GET' && rest === 'limits') return { status: 200, body: limits() };
    if (method === 'GET' && rest === '') {
      const base = `/services/data/v${version}`;
      return { status: 200, body: { sobjects: `${base}/sobjects`, query: `${base}/query`, limits: `${base}/limits`, jobs: `${base}/jobs` } };
    }
    if (method === 'GET' && rest === 'sobjects') {
      return {
        status: 200,
        body: {
          encoding: 'UTF-8',
          maxBatchSize: 200,
          sobjects: store.objectNames().map((name) => {
            const t = store.table(name)!;
            return { name, label: name, keyPrefix: t.keyPrefix, custom: name.endsWith('__c'), queryable: true, retrieveable: true };
          }),
        },
      };
    }
    if ((m = /^sobjects\/([A-Za-z0-9_]+)\/describe$/.exec(rest)) && method === 'GET') {
      return { status: 200, body: describe(m[1]!, version) };
    }
    if ((m = /^sobjects\/([A-Za-z0-9_]+)$/.exec(rest))) {
      const objectName = m[1]!;
      if (method === 'GET') {
        const d = describe(objectName, version);
        return { status: 200, body: { objectDescribe: { name: d.name, keyPrefix: d.keyPrefix }, recentItems: [] } };
      }
      if (method === 'POST') {
        if (!store.table(objectName)) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
        const body = JSON.parse(await readBody(req)) as InputRecord;
        const [id] = store.insert(store.table(objectName)!.name, [body]);
        return { status: 201, body: { id, success: true, errors: [] } };
      }
    }
    if ((m = /^sobjects\/([A-Za-z0-9_]+)\/([A-Za-z0-9]{15,18})$/.exec(rest))) {
      const t = store.table(m[1]!);
      const id = normalizeSalesforceId(m[2]!);
      const found = id ? store.byId.get(id) : undefined;
      if (!t || !found || found.table !== t) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (method === 'GET') {
        return { status: 200, body: { attributes: { type: t.name, url: `/services/data/v${version}/sobjects/${t.name}/${found.record.Id}` }, ...found.record } };
      }
      if (method === 'PATCH') {
        store.update(found.record.Id, JSON.parse(await readBody(req)) as InputRecord);
        return { status: 204 };
      }
      if (method === 'DELETE') {
        store.delete(found.record.Id);
        return { status: 204 };
      }
    }
    if (rest === 'jobs/query' && method === 'POST') {
      stats.bulkRequests++;
      const body = JSON.parse((await readBody(req)) || '{}') as { query?: string; operation?: string; columnDelimiter?: string; lineEnding?: string };
      if (!body.query) throw new ApiError(400, 'INVALIDJOB', 'query is required');
      const operation = body.operation ?? 'query';
      if (operation !== 'query' && operation !== 'queryAll') throw new ApiError(400, 'INVALIDJOB', `invalid operation: ${operation}`);
      if (body.columnDelimiter && body.columnDelimiter !== 'COMMA') throw new ApiError(400, 'INVALIDJOB', 'the test server writes COMMA-delimited CSV only');
      const rs = runQuery(store, body.query, { apiVersion: version, now: now() });
      if (rs.countOnly) throw new ApiError(400, 'INVALIDJOB', 'COUNT() is not supported by Bulk API 2.0 query');
      jobCounter++;
      const id = makeSalesforceId('750', jobCounter);
      const stamp = new Date(now()).toISOString().replace('Z', '+0000');
      const job: BulkJob = {
        id,
        rs,
        polls: 0,
        state: 'UploadComplete',
        info: {
          id,
          operation,
          object: rs.objectName,
          createdById: identity.userId,
          createdDate: stamp,
          systemModstamp: stamp,
          concurrencyMode: 'Parallel',
          contentType: 'CSV',
          apiVersion: Number(version),
          lineEnding: body.lineEnding ?? 'LF',
          columnDelimiter: 'COMMA',
        },
      };
      if (bulkPolls === 0) job.state = 'JobComplete';
      jobs.set(id, job);
      return { status: 200, body: jobInfo(job) };
    }
    if ((m = /^jobs\/query\/([A-Za-z0-9]{15,18})(\/results)?$/.exec(rest))) {
      stats.bulkRequests++;
      const job = jobs.get(normalizeSalesforceId(m[1]!) ?? '');
      if (!job) throw new ApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
      if (!m[2]) {
        if (method === 'GET') {
          if (job.state === 'UploadComplete' || job.state === 'InProgress') {
            job.polls++;
            job.state = job.polls > bulkPolls ? 'JobComplete' : 'InProgress';
          }
          return { status: 200, body: jobInfo(job) };
        }
        if (method === 'PATCH') {
          job.state = 'Aborted';
          return { status: 200, body: jobInfo(job) };
        }
        if (method === 'DELETE') {
          jobs.delete(job.id);
          return { status: 204 };
        }
      } else if (method === 'GET') {
        if (job.state !== 'JobComplete') throw new ApiError(400, 'API_ERROR', `Job ${job.id} is not complete: ${job.state}`);
        const locator = url.searchParams.get('locator');
        const maxParam = url.searchParams.get('maxRecords');
        const max = maxParam ? Number(maxParam) : bulkPageSize;
        if (!Number.isInteger(max) || max < 1) throw new ApiError(400, 'INVALIDJOB', `invalid maxRecords: ${maxParam}`);
        let offset = 0;
        if (locator && locator !== 'null') {
          offset = Number(Buffer.from(locator, 'base64url').toString('utf8'));
          if (!Number.isInteger(offset) || offset < 0) throw new ApiError(400, 'INVALID_LOCATOR', `invalid locator: ${locator}`);
        }
        const end = Math.min(job.rs.size, offset + max);
        const lines = [job.rs.columns.map((c) => csvCell(c)).join(',')];
        for (let i = offset; i < end; i++) lines.push(job.rs.cells(i).map(csvCell).join(','));
        const next = end < job.rs.size ? Buffer.from(String(end)).toString('base64url') : 'null';
        return {
          status: 200,
          contentType: 'text/csv',
          body: `${lines.join('\n')}\n`,
          headers: { 'Sforce-Locator': next, 'Sforce-NumberOfRecords': String(end - offset) },
        };
      }
    }
    throw new ApiError(404, 'NOT_FOUND', `The requested resource does not exist: ${method} ${rest}`);
  };

  const send = (res: ServerResponse, status: number, body: unknown, contentType: string, headers: Record<string, string>): void => {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, {
      ...headers,
      ...(body === undefined ? {} : { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(text)) }),
    });
    res.end(text);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', baseUrl);
    const path = url.pathname;
    const record = (n: number | undefined, status: number, kind: string): void => {
      log.push({ n, method, path, status, kind });
      if (log.length > 10_000) log = log.slice(-5_000);
    };

    // Login endpoints: not API requests, no faults, no limit header.
    if (method === 'POST' && path === '/services/oauth2/token') {
      const out = auth.token(new URLSearchParams(await readBody(req)));
      stats.logins++;
      if (out.status !== 200) stats.failedLogins++;
      record(undefined, out.status, 'login');
      send(res, out.status, out.body, out.contentType, {});
      return;
    }
    if (method === 'POST' && /^\/services\/Soap\/u\/\d+\.\d$/.test(path)) {
      const out = auth.soapLogin(await readBody(req));
      stats.logins++;
      if (out.status !== 200) stats.failedLogins++;
      record(undefined, out.status, 'login');
      send(res, out.status, out.body, out.contentType, {});
      return;
    }
    if (method === 'POST' && path === '/services/oauth2/revoke') {
      record(undefined, 200, 'login');
      send(res, 200, '', 'text/plain', {});
      return;
    }

    const m = /^\/services\/data(?:\/v(\d+\.\d)(?:\/(.*))?)?\/?$/.exec(path);
    const idMatch = /^\/id\/([A-Za-z0-9]{15,18})\/([A-Za-z0-9]{15,18})$/.exec(path);
    const n = ++stats.apiRequests;
    const version = m?.[1] ?? apiVersion;
    const rest = (m?.[2] ?? '').replace(/\/$/, '');
    const kind = m ? kindOf(method, rest) : 'other';
    const limitHeader = (): Record<string, string> => ({ 'Sforce-Limit-Info': `api-usage=${apiUsage.used}/${apiUsage.limit}` });

    const fault = faults.decide({ n, method, path, kind });
    if (faults.current.latencyMs) await sleep(faults.current.latencyMs);
    if (fault) {
      stats.faults[fault.type]++;
      switch (fault.type) {
        case 'dropConnection':
          record(n, 0, kind);
          req.socket.destroy();
          return;
        case 'latency':
          await sleep(fault.ms);
          break;
        case 'sessionExpiry':
          sessions.expireAll();
          break;
        case 'serverError': {
          apiUsage.used++;
          const status = fault.status ?? 503;
          countError('SERVER_UNAVAILABLE');
          record(n, status, kind);
          send(res, status, new ApiError(status, 'SERVER_UNAVAILABLE', 'Server temporarily unavailable (injected fault)').toBody(), 'application/json;charset=UTF-8', limitHeader());
          return;
        }
        case 'requestLimit':
          break;
      }
    }

    const token = /^(?:Bearer|OAuth)\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    let result: Handled;
    try {
      if (!sessions.isValid(token)) throw new ApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');
      apiUsage.used++;
      if (fault?.type === 'requestLimit' || apiUsage.used > apiUsage.limit) {
        throw new ApiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
      }
      if (idMatch) {
        result = { status: 200, body: { id: `${baseUrl}${path}`, user_id: idMatch[2], organization_id: idMatch[1], username: credentials.username, display_name: 'Integration User' } };
      } else if (path === '/services/data' || path === '/services/data/') {
        result = { status: 200, body: [{ label: 'Test', url: `/services/data/v${apiVersion}`, version: apiVersion }] };
      } else if (!m) {
        throw new ApiError(404, 'NOT_FOUND', `The requested resource does not exist: ${path}`);
      } else {
        result = await handleApi(req, method, version, rest, url);
      }
    } catch (err) {
      if (err instanceof ApiError) {
        countError(err.errorCode);
        result = { status: err.status, body: err.toBody() };
      } else if (err instanceof SyntaxError) {
        countError('JSON_PARSER_ERROR');
        result = { status: 400, body: new ApiError(400, 'JSON_PARSER_ERROR', err.message).toBody() };
      } else {
        countError('UNKNOWN_EXCEPTION');
        result = { status: 500, body: new ApiError(500, 'UNKNOWN_EXCEPTION', (err as Error).message).toBody() };
      }
    }
    record(n, result.status, kind);
    send(res, result.status, result.body, result.contentType ?? 'application/json;charset=UTF-8', { ...limitHeader(), ...result.headers });
  };

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, new ApiError(500, 'UNKNOWN_EXCEPTION', String(err)).toBody(), 'application/json', {});
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    port,
    credentials,
    identity,
    get stats() {
      return stats;
    },
    get requestLog() {
      return log;
    },
    apiUsage,
    insert: (object, recs) => store.insert(object, recs),
    update: (id, patch) => store.update(id, patch),
    delete: (id) => store.delete(id),
    records: (object) => store.table(object)?.records ?? [],
    setFaults: (f) => faults.replace(f),
    expireSessions: () => sessions.expireAll(),
    resetStats: () => {
      stats = emptyStats();
      log = [];
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        for (const s of sockets) s.destroy();
      }),
  };
}
