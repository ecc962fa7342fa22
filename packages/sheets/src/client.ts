/**
 * The narrow {@link SheetsClient} interface the import logic depends on, and its thin adapter over
 * googleapis (used unchanged: `google.sheets({ version: 'v4', rootUrl })`).
 */
import { google } from 'googleapis';
import { SheetsError, SheetsErrorCode, invalidOption } from './errors.js';
import type { CellValue } from './rows.js';

/** Google's default OAuth token endpoint, which google-auth-library posts service-account JWTs to. */
export const GOOGLE_TOKEN_URI = 'https://oauth2.googleapis.com/token';
/** Scope asked for with a service account. */
export const SHEETS_READONLY_SCOPE = 'https://www.googleapis.com/auth/spreadsheets.readonly';

/** `valueRenderOption` of `values.get`. */
export type ValueRenderOption = 'FORMATTED_VALUE' | 'UNFORMATTED_VALUE' | 'FORMULA';
/** `dateTimeRenderOption` of `values.get` (only used with `UNFORMATTED_VALUE`). */
export type DateTimeRenderOption = 'SERIAL_NUMBER' | 'FORMATTED_STRING';

/** A `spreadsheets.values.get` request. */
export interface GetValuesRequest {
  spreadsheetId: string;
  /** A1 range, e.g. `'Virtual Sessions'!A1:N`. */
  range: string;
  /** @default 'ROWS' */
  majorDimension?: 'ROWS' | 'COLUMNS';
  /** @default 'FORMATTED_VALUE' */
  valueRenderOption?: ValueRenderOption;
  /** @default 'SERIAL_NUMBER' */
  dateTimeRenderOption?: DateTimeRenderOption;
  /** Aborts the request. */
  signal?: AbortSignal;
}

/** A `ValueRange` as `values.get` returns it; `values` is `[]` when the API left it out. */
export interface ValueRange {
  /** The range actually read, in A1 notation with the sheet name (`Sheet1!A1:F2`). */
  range: string;
  majorDimension: 'ROWS' | 'COLUMNS';
  values: CellValue[][];
}

/**
 * What the import logic needs from Google Sheets. {@link createSheetsClient} adapts googleapis to
 * it; failures are {@link SheetsError}s carrying `status` and `retryAfterMs`.
 */
export interface SheetsClient {
  getValues(request: GetValuesRequest): Promise<ValueRange>;
}

/** A service-account key, as found in its JSON key file (extra fields are ignored). */
export interface ServiceAccountKey {
  client_email: string;
  private_key: string;
  /**
   * Token endpoint the signed JWT is posted to. Only needed to point at a test server.
   * @default 'https://oauth2.googleapis.com/token'
   */
  token_uri?: string;
}

/** Credentials for {@link createSheetsClient}: an API key (public sheets) or a service account. */
export type SheetsAuth = { apiKey: string } | { serviceAccount: ServiceAccountKey };

/** Options of {@link createSheetsClient}. */
export interface SheetsClientOptions {
  /** Credentials: `{ apiKey }` (public sheets) or `{ serviceAccount }` (secrets: never logged). Required. */
  auth: SheetsAuth;
  /**
   * Base URL of the Sheets API, e.g. the test server's `rootUrl`.
   * @default 'https://sheets.googleapis.com/'
   */
  rootUrl?: string;
  /**
   * Per-request timeout, in ms.
   * @default 30000
   */
  timeoutMs?: number;
}

interface GoogleErrorBody {
  error?: { code?: number; message?: string; status?: string } | string;
  error_description?: string;
}

function header(headers: unknown, name: string): string | undefined {
  if (headers === null || typeof headers !== 'object') return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** Parses `Retry-After` (seconds or an HTTP date) into ms from `now`. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Maps a googleapis (gaxios) failure to a {@link SheetsError} without copying its config (which holds the key). */
export function toSheetsError(error: unknown, now = Date.now()): SheetsError {
  if (error instanceof SheetsError) return error;
  const e = (error ?? {}) as { status?: number; code?: unknown; message?: string; name?: string; response?: { status?: number; headers?: unknown; data?: unknown } };
  const status = e.response?.status ?? e.status;
  if (typeof status === 'number') {
    const body = (e.response?.data ?? {}) as GoogleErrorBody;
    const googleError = typeof body.error === 'object' ? body.error : undefined;
    const googleStatus = googleError?.status ?? (typeof body.error === 'string' ? body.error : undefined);
    const googleMessage = googleError?.message ?? body.error_description ?? `HTTP ${status}`;
    const retryAfterMs = parseRetryAfter(header(e.response?.headers, 'retry-after'), now);
    // OAuth token endpoints answer `{ error: 'invalid_grant' }` (a string) for bad credentials.
    const oauthError = typeof body.error === 'string';
    const [code, category] =
      status === 401 || status === 403 || (oauthError && status === 400)
        ? ([SheetsErrorCode.Auth, 'auth'] as const)
        : status === 429
          ? ([SheetsErrorCode.RateLimited, 'rate_limit'] as const)
          : status >= 500
            ? ([SheetsErrorCode.Server, 'network'] as const)
            : ([SheetsErrorCode.BadRequest, 'validation'] as const);
    const message = `Google Sheets answered ${status}${googleStatus === undefined ? '' : ` ${googleStatus}`}: ${googleMessage}`;
    return new SheetsError(code, message, {
      category,
      status,
      ...(googleStatus === undefined ? {} : { googleStatus }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    });
  }
  if (e.name === 'AbortError' || e.code === 'ABORT_ERR') {
    return new SheetsError(SheetsErrorCode.Network, 'The Google Sheets request was aborted', { category: 'cancelled' });
  }
  const systemCode = typeof e.code === 'string' ? e.code : e.name;
  const timeout = systemCode === 'TimeoutError' || systemCode === 'ETIMEDOUT';
  return new SheetsError(
    SheetsErrorCode.Network,
    `Google Sheets could not be reached${systemCode === undefined ? '' : ` (${systemCode})`}`,
    { category: timeout ? 'timeout' : 'network' },
  );
}

function assertNonEmptyString(value: unknown, name: string): asserts value is string {
  if (typeof value !== 'string' || value.trim() === '') invalidOption(name, 'a non-empty string', value);
}

function validateUrl(value: unknown, name: string): string {
  assertNonEmptyString(value, name);
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
  } catch {
    invalidOption(name, 'an http(s) URL', value);
  }
  return value;
}

/**
 * Creates a {@link SheetsClient} on googleapis. With a service account, google-auth-library signs a
 * JWT and posts it to `token_uri` (Google's by default) for a bearer token; with an API key the key
 * goes in the query string. googleapis' own retry is turned off: `readSheet` retries with an
 * injectable clock instead.
 *
 * @example
 * const client = createSheetsClient({ auth: { serviceAccount: JSON.parse(keyFile) } });
 */
export function createSheetsClient(options: SheetsClientOptions): SheetsClient {
  if (options === null || typeof options !== 'object') invalidOption('options', 'an object', options);
  const { auth } = options;
  if (auth === null || typeof auth !== 'object') invalidOption('auth', '`{ apiKey }` or `{ serviceAccount }`', auth);
  const rootUrl = options.rootUrl === undefined ? undefined : validateUrl(options.rootUrl, 'rootUrl');
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) invalidOption('timeoutMs', 'an integer > 0 (ms)', timeoutMs);

  let authOption: string | InstanceType<typeof google.auth.JWT>;
  if ('apiKey' in auth) {
    assertNonEmptyString(auth.apiKey, 'auth.apiKey');
    authOption = auth.apiKey;
  } else if ('serviceAccount' in auth && auth.serviceAccount !== null && typeof auth.serviceAccount === 'object') {
    const account = auth.serviceAccount;
    assertNonEmptyString(account.client_email, 'auth.serviceAccount.client_email');
    if (typeof account.private_key !== 'string' || !account.private_key.includes('PRIVATE KEY')) {
      // Never echo a key: say what kind of value it was, not the value.
      invalidOption('auth.serviceAccount.private_key', 'a PEM private key', typeof account.private_key);
    }
    const tokenUri = account.token_uri === undefined ? GOOGLE_TOKEN_URI : validateUrl(account.token_uri, 'auth.serviceAccount.token_uri');
    const jwt = new google.auth.JWT({ email: account.client_email, key: account.private_key, scopes: [SHEETS_READONLY_SCOPE] });
    if (tokenUri !== GOOGLE_TOKEN_URI) {
      // google-auth-library posts to a fixed URL; redirect that one request to the configured endpoint.
      const target = new URL(tokenUri);
      jwt.transporter.interceptors.request.add({
        resolved: async (config) => {
          if (String(config.url) === GOOGLE_TOKEN_URI) config.url = target;
          return config;
        },
      });
    }
    authOption = jwt;
  } else {
    invalidOption('auth', '`{ apiKey }` or `{ serviceAccount }`', Object.keys(auth));
  }

  const sheets = google.sheets({ version: 'v4', auth: authOption, retry: false, timeout: timeoutMs, ...(rootUrl === undefined ? {} : { rootUrl }) });

  return {
    async getValues(request) {
      try {
        const response = await sheets.spreadsheets.values.get(
          {
            spreadsheetId: request.spreadsheetId,
            range: request.range,
            majorDimension: request.majorDimension ?? 'ROWS',
            valueRenderOption: request.valueRenderOption ?? 'FORMATTED_VALUE',
            dateTimeRenderOption: request.dateTimeRenderOption ?? 'SERIAL_NUMBER',
          },
          request.signal === undefined ? {} : { signal: request.signal },
        );
        const data = response.data;
        return {
          range: data.range ?? request.range,
          majorDimension: data.majorDimension === 'COLUMNS' ? 'COLUMNS' : 'ROWS',
          values: (data.values ?? []) as CellValue[][],
        };
      } catch (error) {
        throw toSheetsError(error);
      }
    },
  };
}
