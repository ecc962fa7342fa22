/**
 * A Sheets v4 test server: `spreadsheets.values.get` and a service-account token endpoint on
 * 127.0.0.1, close enough to Google's for googleapis to work unchanged through its `rootUrl`.
 */
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { columnLetter, parseA1Range, quoteSheetName } from './a1.js';

/** A plain cell, or one with distinct unformatted and formatted values (`{ value: 45580.625, formatted: '10/15/2024 15:00', date: true }`). */
export type TestCell =
  | string
  | number
  | boolean
  | null
  | undefined
  | {
      /** What `UNFORMATTED_VALUE` returns. */
      value: string | number | boolean;
      /** What `FORMATTED_VALUE` returns. @default String(value) ('TRUE'/'FALSE' for booleans) */
      formatted?: string;
      /** What `FORMULA` returns. @default value */
      formula?: string;
      /** A date/time cell: `dateTimeRenderOption: 'FORMATTED_STRING'` returns `formatted` even unformatted. @default false */
      date?: boolean;
    };

/** Spreadsheets by id, tabs by name (the first tab is the default sheet), rows of cells. */
export type TestSpreadsheets = Record<string, Record<string, TestCell[][]>>;

/** One injected fault; faults apply in order to the requests they match, each `times` times. */
export interface SheetsFault {
  /**
   * Which endpoint it hits.
   * @default 'values'
   */
  on?: 'values' | 'token' | 'any';
  /**
   * How many matching requests it affects.
   * @default 1
   */
  times?: number;
  /** Answer with this HTTP status and Google's error body for it (429: the quota-exceeded shape). @default undefined (answer normally) */
  status?: number;
  /** `Retry-After` header to send with `status` (seconds, or an HTTP date string). @default undefined (none) */
  retryAfter?: number | string;
  /** Wait this long before handling the request, in ms (real time). @default 0 */
  latencyMs?: number;
  /** Destroy the connection without answering. @default false */
  reset?: boolean;
}

/** A service account the token endpoint accepts. */
export interface TestServiceAccount {
  client_email: string;
  /** PEM public key (or KeyObject) the JWT signature is verified with; unchecked when absent. */
  publicKey?: string | KeyObject;
}

/** Options of {@link startSheetsTestServer}. */
export interface SheetsTestServerOptions {
  /** The data served. @default {} (no spreadsheets; `setSheet` adds some) */
  sheets?: TestSpreadsheets;
  /** When set, `?key=` must equal it (unless a valid bearer token is sent). @default undefined (no key check unless `serviceAccounts` is set) */
  apiKey?: string;
  /** When set, the token endpoint issues bearer tokens for these accounts, and requests need credentials. @default [] */
  serviceAccounts?: TestServiceAccount[];
  /** Faults to inject, in order. @default [] */
  faults?: SheetsFault[];
  /** Port to listen on. @default 0 (any free port) */
  port?: number;
}

/** One request the server saw. */
export interface SheetsTestRequest {
  method: string;
  endpoint: 'values' | 'token' | 'other';
  spreadsheetId?: string;
  range?: string;
  valueRenderOption?: string;
  majorDimension?: string;
  /** How it authenticated. */
  auth: 'apiKey' | 'bearer' | 'none';
  /** Status answered; `0` for a reset connection. */
  status: number;
}

/** Counters kept by the server. */
export interface SheetsTestStats {
  requests: number;
  valuesGet: number;
  token: number;
  /** Answers by HTTP status (`0` counts reset connections). */
  byStatus: Record<number, number>;
}

/** A running test server. */
export interface SheetsTestServer {
  /** Pass as googleapis' `rootUrl` (`createSheetsClient({ rootUrl })`). */
  readonly rootUrl: string;
  /** Pass as the service account's `token_uri`. */
  readonly tokenUri: string;
  readonly port: number;
  readonly stats: SheetsTestStats;
  /** Every request, oldest first. */
  readonly requests: readonly SheetsTestRequest[];
  /** Adds faults to the end of the queue. */
  inject(...faults: SheetsFault[]): void;
  /** Replaces (or adds) one tab's cells. */
  setSheet(spreadsheetId: string, tab: string, cells: TestCell[][]): void;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

const GRID_ROWS = 1000;
const GRID_COLUMNS = 26;

const STATUS_TEXT: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  502: 'UNAVAILABLE',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

function googleError(code: number, message: string, details?: unknown[]) {
  return { error: { code, message, status: STATUS_TEXT[code] ?? 'UNKNOWN', ...(details === undefined ? {} : { details }) } };
}

function quotaError() {
  return googleError(
    429,
    "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'.",
    [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'RATE_LIMIT_EXCEEDED',
        domain: 'googleapis.com',
        metadata: {
          quota_metric: 'sheets.googleapis.com/read_requests',
          quota_limit: 'ReadRequestsPerMinutePerUser',
          service: 'sheets.googleapis.com',
          consumer: 'projects/000000000000',
        },
      },
    ],
  );
}

function faultBody(status: number) {
  if (status === 429) return quotaError();
  if (status >= 500) return googleError(status, status === 503 ? 'The service is currently unavailable.' : 'Internal error encountered.');
  return googleError(status, `Injected ${status}.`);
}

function isEmptyCell(cell: TestCell): boolean {
  return cell === undefined || cell === null || cell === '';
}

function render(cell: TestCell, valueRender: string, dateRender: string): string | number | boolean {
  if (cell === undefined || cell === null) return '';
  if (typeof cell !== 'object') {
    if (valueRender !== 'FORMATTED_VALUE') return cell;
    return typeof cell === 'boolean' ? (cell ? 'TRUE' : 'FALSE') : String(cell);
  }
  const formatted = cell.formatted ?? (typeof cell.value === 'boolean' ? (cell.value ? 'TRUE' : 'FALSE') : String(cell.value));
  if (valueRender === 'FORMATTED_VALUE') return formatted;
  if (cell.date === true && dateRender === 'FORMATTED_STRING') return formatted;
  if (valueRender === 'FORMULA') return cell.formula ?? cell.value;
  return cell.value;
}

function trimTrailing<T>(items: T[], empty: (item: T) => boolean): T[] {
  let end = items.length;
  while (end > 0 && empty(items[end - 1] as T)) end--;
  return items.slice(0, end);
}

function decodeJwtPart(part: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts a Sheets v4 test server on 127.0.0.1. Serves `GET /v4/spreadsheets/{id}/values/{range}`
 * (A1 ranges with quoted sheet names, `majorDimension`, `valueRenderOption`,
 * `dateTimeRenderOption`; trailing empty cells and rows left out like the real API) and
 * `POST /token` (service-account JWT bearer grant). Errors use Google's JSON shape.
 *
 * @example
 * const server = await startSheetsTestServer({ sheets: { sheet1: { Sheet1: [['h1'], ['x1']] } }, apiKey: 'k' });
 * const client = createSheetsClient({ auth: { apiKey: 'k' }, rootUrl: server.rootUrl });
 */
export async function startSheetsTestServer(options: SheetsTestServerOptions = {}): Promise<SheetsTestServer> {
  const sheets: TestSpreadsheets = structuredClone(options.sheets ?? {});
  const faults: Array<SheetsFault & { left: number }> = [];
  const tokens = new Set<string>();
  const accounts = new Map<string, KeyObject | undefined>();
  for (const account of options.serviceAccounts ?? []) {
    accounts.set(
      account.client_email,
      account.publicKey === undefined ? undefined : typeof account.publicKey === 'string' ? createPublicKey(account.publicKey) : account.publicKey,
    );
  }
  const requests: SheetsTestRequest[] = [];
  const stats: SheetsTestStats = { requests: 0, valuesGet: 0, token: 0, byStatus: {} };
  const sockets = new Set<Socket>();

  const inject = (...more: SheetsFault[]): void => {
    for (const fault of more) faults.push({ ...fault, left: fault.times ?? 1 });
  };
  inject(...(options.faults ?? []));

  const takeFault = (endpoint: 'values' | 'token' | 'other'): SheetsFault | undefined => {
    const index = faults.findIndex((f) => f.left > 0 && ((f.on ?? 'values') === 'any' || (f.on ?? 'values') === endpoint));
    if (index < 0) return undefined;
    const fault = faults[index] as SheetsFault & { left: number };
    fault.left--;
    if (fault.left === 0) faults.splice(index, 1);
    return fault;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const segments = url.pathname.split('/').filter((s) => s !== '');
    const endpoint: SheetsTestRequest['endpoint'] =
      req.method === 'POST' && url.pathname === '/token'
        ? 'token'
        : segments[0] === 'v4' && segments[1] === 'spreadsheets' && segments[3] === 'values'
          ? 'values'
          : 'other';
    stats.requests++;
    if (endpoint === 'values') stats.valuesGet++;
    if (endpoint === 'token') stats.token++;
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const key = url.searchParams.get('key');
    const record: SheetsTestRequest = {
      method: req.method ?? 'GET',
      endpoint,
      auth: bearer !== undefined ? 'bearer' : key !== null ? 'apiKey' : 'none',
      status: 0,
    };
    requests.push(record);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      record.status = status;
      stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
      res.end(JSON.stringify(body));
    };

    const fault = takeFault(endpoint);
    if (fault?.latencyMs !== undefined && fault.latencyMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    }
    if (fault?.reset === true) {
      stats.byStatus[0] = (stats.byStatus[0] ?? 0) + 1;
      req.socket.destroy();
      return;
    }
    if (fault?.status !== undefined) {
      const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { 'retry-after': String(fault.retryAfter) };
      send(fault.status, faultBody(fault.status), headers);
      return;
    }

    if (endpoint === 'token') {
      const form = new URLSearchParams(await readBody(req));
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
        send(400, { error: 'unsupported_grant_type', error_description: 'Invalid grant_type.' });
        return;
      }
      const [h, p, s] = (form.get('assertion') ?? '').split('.');
      const header = h === undefined ? undefined : decodeJwtPart(h);
      const payload = p === undefined ? undefined : decodeJwtPart(p);
      const iss = payload?.['iss'];
      if (header?.['alg'] !== 'RS256' || payload === undefined || s === undefined || typeof iss !== 'string') {
        send(400, { error: 'invalid_grant', error_description: 'Invalid JWT.' });
        return;
      }
      if (!accounts.has(iss)) {
        send(400, { error: 'invalid_grant', error_description: 'Invalid grant: account not found' });
        return;
      }
      const publicKey = accounts.get(iss);
      if (publicKey !== undefined && !verify('RSA-SHA256', Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))) {
        send(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
        return;
      }
      const exp = payload['exp'];
      if (typeof exp !== 'number' || exp * 1000 < Date.now()) {
        send(400, { error: 'invalid_grant', error_description: 'Invalid JWT: Token must be a short-lived token and in a reasonable timeframe.' });
        return;
      }
      const token = `ya29.test-${randomBytes(12).toString('hex')}`;
      tokens.add(token);
      send(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
      return;
    }

    if (endpoint !== 'values' || req.method !== 'GET' || segments.length !== 5) {
      send(404, googleError(404, 'Requested entity was not found.'));
      return;
    }

    // Authentication, like Google: a bearer token wins; otherwise the API key.
    const authRequired = options.apiKey !== undefined || accounts.size > 0;
    if (authRequired) {
      if (bearer !== undefined) {
        if (!tokens.has(bearer)) {
          send(401, googleError(401, 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.'));
          return;
        }
      } else if (key === null) {
        send(403, googleError(403, 'The request is missing a valid API key.'));
        return;
      } else if (key !== options.apiKey) {
        send(400, googleError(400, 'API key not valid. Please pass a valid API key.', [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' },
        ]));
        return;
      }
    }

    const spreadsheetId = decodeURIComponent(segments[2] ?? '');
    const range = decodeURIComponent(segments[4] ?? '');
    const majorDimension = url.searchParams.get('majorDimension') ?? 'ROWS';
    const valueRender = url.searchParams.get('valueRenderOption') ?? 'FORMATTED_VALUE';
    const dateRender = url.searchParams.get('dateTimeRenderOption') ?? 'SERIAL_NUMBER';
    Object.assign(record, { spreadsheetId, range, valueRenderOption: valueRender, majorDimension });
    if (!['ROWS', 'COLUMNS'].includes(majorDimension)) {
      send(400, googleError(400, `Invalid value at 'major_dimension' (type.googleapis.com/google.apps.sheets.v4.Dimension), "${majorDimension}"`));
      return;
    }
    if (!['FORMATTED_VALUE', 'UNFORMATTED_VALUE', 'FORMULA'].includes(valueRender)) {
      send(400, googleError(400, `Invalid value at 'value_render_option' (type.googleapis.com/google.apps.sheets.v4.ValueRenderOption), "${valueRender}"`));
      return;
    }
    const book = sheets[spreadsheetId];
    if (book === undefined) {
      send(404, googleError(404, 'Requested entity was not found.'));
      return;
    }
    const a1 = parseA1Range(range);
    const tabName = a1 === undefined ? undefined : (a1.sheet ?? Object.keys(book)[0]);
    const tab = tabName === undefined ? undefined : book[tabName];
    if (a1 === undefined || tabName === undefined || tab === undefined) {
      send(400, googleError(400, `Unable to parse range: ${range}`));
      return;
    }
    const gridRows = Math.max(GRID_ROWS, tab.length);
    const gridColumns = Math.max(GRID_COLUMNS, ...tab.map((row) => row.length));
    const r1 = a1.startRow ?? 1;
    const c1 = a1.startColumn ?? 0;
    const r2 = Math.min(a1.endRow ?? gridRows, gridRows);
    const c2 = Math.min(a1.endColumn ?? gridColumns - 1, gridColumns - 1);
    if (r1 > gridRows || c1 >= gridColumns || r2 < r1 || c2 < c1) {
      send(400, googleError(400, `Range (${range}) exceeds grid limits. Max rows: ${gridRows}, max columns: ${gridColumns}`));
      return;
    }
    const cellAt = (r: number, c: number): TestCell => tab[r - 1]?.[c];
    const lines: Array<Array<string | number | boolean>> = [];
    const outer = majorDimension === 'ROWS' ? [r1, r2] : [c1, c2];
    const inner = majorDimension === 'ROWS' ? [c1, c2] : [r1, r2];
    for (let i = outer[0] as number; i <= (outer[1] as number); i++) {
      const cells: TestCell[] = [];
      for (let j = inner[0] as number; j <= (inner[1] as number); j++) {
        cells.push(majorDimension === 'ROWS' ? cellAt(i, j) : cellAt(j, i));
      }
      lines.push(trimTrailing(cells, isEmptyCell).map((cell) => render(cell, valueRender, dateRender)));
    }
    const values = trimTrailing(lines, (line) => line.length === 0);
    const body: Record<string, unknown> = {
      range: `${quoteSheetName(tabName)}!${columnLetter(c1)}${r1}:${columnLetter(c2)}${r2}`,
      majorDimension,
    };
    if (values.length > 0) body['values'] = values;
    send(200, body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json; charset=UTF-8' });
        res.end(JSON.stringify(googleError(500, `Test server error: ${String(error)}`)));
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const rootUrl = `http://127.0.0.1:${port}/`;

  return {
    rootUrl,
    tokenUri: `${rootUrl}token`,
    port,
    stats,
    requests,
    inject,
    setSheet(spreadsheetId, tab, cells) {
      const book = (sheets[spreadsheetId] ??= {});
      book[tab] = structuredClone(cells);
    },
    close() {
      for (const socket of sockets) socket.destroy();
      if (!server.listening) return Promise.resolve();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
