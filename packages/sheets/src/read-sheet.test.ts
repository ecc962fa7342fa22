import { generateKeyPairSync } from 'node:crypto';
import { ManualClock } from '@vms/flow-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSheetsClient } from './client.js';
import { SheetsError } from './errors.js';
import { readSheet } from './read-sheet.js';
import type { Sleep } from './retry.js';
import { startSheetsTestServer, type SheetsTestServer, type TestSpreadsheets } from './testing.js';

const API_KEY = 'AIzaSy-test-key-1234567890';
const CHICAGO = 'America/Chicago';

/** A sleep that records each wait and returns at once. */
function recordingSleep(): Sleep & { waits: number[] } {
  const waits: number[] = [];
  const sleep = async (ms: number): Promise<void> => {
    waits.push(ms);
  };
  return Object.assign(sleep, { waits });
}

/** The virtual-session sheet as the VMS imports it: three title rows, the header on row 4. */
const VIRTUAL_SESSIONS: TestSpreadsheets = {
  'vs-2024': {
    'Virtual Sessions': [
      ['Virtual Sessions 2024-2025'],
      ['Updated weekly'],
      [],
      ['Session Title', 'Date', 'Time', 'Status', 'Teacher Name', 'School Name'],
      ['Careers in Aviation', { value: 45580.625, formatted: '10/15/2024 3:00 PM', date: true }, '3:00 PM', 'successfully completed', 'Ann Lee', 'Central HS'],
      ['', { value: 45581, formatted: '10/16/2024', date: true }, '9:00 AM', 'simulcast'],
      ['Winter Robotics', { value: 45672.4375, formatted: '1/15/2025 10:30 AM', date: true }, '10:30 AM', 'confirmed', 'Bo Park'],
      ['Bad Date Talk', 'someday', '', 'draft'],
    ],
  },
};

/** Polls (real time, briefly) until `predicate` holds: the HTTP round trip is real, only waits are on the clock. */
async function waitUntil(predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !predicate(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(predicate()).toBe(true);
}

/** The SheetsError a promise rejects with (fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<SheetsError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(SheetsError);
  return outcome as SheetsError;
}

let server: SheetsTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function apiKeyClient(sheets: TestSpreadsheets = VIRTUAL_SESSIONS) {
  server = await startSheetsTestServer({ sheets, apiKey: API_KEY });
  return { server, client: createSheetsClient({ auth: { apiKey: API_KEY }, rootUrl: server.rootUrl }) };
}

describe('readSheet through googleapis against the test server', () => {
  it('reads a sheet whose header is on row 4, keeping sheet row numbers', async () => {
    const { server, client } = await apiKeyClient();
    const result = await readSheet(client, { spreadsheetId: 'vs-2024', range: "'Virtual Sessions'!A1:F", headerRow: 4 });
    expect(result.header).toEqual(['Session Title', 'Date', 'Time', 'Status', 'Teacher Name', 'School Name']);
    expect(result.rows.map((r) => r.row)).toEqual([5, 6, 7, 8]);
    expect(result.rows[0]?.data).toStrictEqual({
      'Session Title': 'Careers in Aviation',
      Date: '10/15/2024 3:00 PM',
      Time: '3:00 PM',
      Status: 'successfully completed',
      'Teacher Name': 'Ann Lee',
      'School Name': 'Central HS',
    });
    // Row 6 came back from the API without its trailing cells; it is padded like any other.
    expect(result.rows[1]?.data['Teacher Name']).toBe('');
    expect(result.range).toBe("'Virtual Sessions'!A1:F1000");
    expect(server.requests[0]).toMatchObject({ endpoint: 'values', auth: 'apiKey', range: "'Virtual Sessions'!A1:F", status: 200 });
  });

  it('C19: googleapis gets the row without its trailing empty cells, and readSheet pads it to 6 keys', async () => {
    const { client } = await apiKeyClient({ s: { Sheet1: [['h1', 'h2', 'h3', 'h4', 'h5', 'h6'], ['x1', '', '', 'x4', '', ''], ['y1']] } });
    const raw = await client.getValues({ spreadsheetId: 's', range: 'Sheet1!A1:F2' });
    expect(raw).toEqual({
      range: 'Sheet1!A1:F2',
      majorDimension: 'ROWS',
      values: [['h1', 'h2', 'h3', 'h4', 'h5', 'h6'], ['x1', '', '', 'x4']],
    });
    const { rows, errors } = await readSheet(client, { spreadsheetId: 's', range: 'Sheet1!A1:F2' });
    expect(errors).toEqual([]);
    expect(rows).toEqual([{ row: 2, data: { h1: 'x1', h2: '', h3: '', h4: 'x4', h5: '', h6: '' } }]);
  });

  it('an unformatted date serial and a formatted text date both give the right date in America/Chicago', async () => {
    const { client } = await apiKeyClient();
    const base = { spreadsheetId: 'vs-2024', range: "'Virtual Sessions'!A4:C7", headerRow: 4, timezone: CHICAGO, dateColumns: ['Date'] };
    const unformatted = await readSheet(client, { ...base, valueRenderOption: 'UNFORMATTED_VALUE' });
    const formatted = await readSheet(client, { ...base, valueRenderOption: 'FORMATTED_VALUE' });
    const dates = (r: typeof formatted) => r.rows.map((row) => (row.data['Date'] as Date).toISOString());
    // 15:00 CDT (UTC-5) in October; 10:30 CST (UTC-6) in January; a date alone is local midnight.
    const expected = ['2024-10-15T20:00:00.000Z', '2024-10-16T05:00:00.000Z', '2025-01-15T16:30:00.000Z'];
    expect(dates(unformatted)).toEqual(expected);
    expect(dates(formatted)).toEqual(expected);
    const raw = await client.getValues({ spreadsheetId: 'vs-2024', range: "'Virtual Sessions'!B5", valueRenderOption: 'UNFORMATTED_VALUE' });
    expect(raw.values).toEqual([[45580.625]]);
    const asText = await client.getValues({
      spreadsheetId: 'vs-2024',
      range: "'Virtual Sessions'!B5",
      valueRenderOption: 'UNFORMATTED_VALUE',
      dateTimeRenderOption: 'FORMATTED_STRING',
    });
    expect(asText.values).toEqual([['10/15/2024 3:00 PM']]);
  });

  it('reports zod errors and bad dates with sheet row number, column and reason; good rows still come through', async () => {
    const { client } = await apiKeyClient();
    const Session = z.object({
      'Session Title': z.string().min(1, 'Session Title is required'),
      Date: z.date(),
      Status: z.enum(['successfully completed', 'simulcast', 'confirmed', 'draft']),
    });
    const { rows, errors } = await readSheet(client, {
      spreadsheetId: 'vs-2024',
      range: "'Virtual Sessions'!A1:F",
      headerRow: 4,
      timezone: CHICAGO,
      dateColumns: ['Date'],
      schema: Session,
    });
    expect(rows.map((r) => [r.row, r.data['Session Title']])).toEqual([
      [5, 'Careers in Aviation'],
      [7, 'Winter Robotics'],
    ]);
    expect(rows[0]?.data.Date).toBeInstanceOf(Date);
    expect(errors).toEqual([
      { row: 6, column: 'Session Title', cell: 'A6', reason: 'Session Title is required' },
      { row: 8, column: 'Date', cell: 'B8', reason: expect.stringContaining('`someday`'), value: 'someday' },
    ]);
  });

  it('a 429 then a success is retried (honouring Retry-After) and succeeds', async () => {
    const { server, client } = await apiKeyClient();
    server.inject({ status: 429, retryAfter: 2 });
    const sleep = recordingSleep();
    const retries: number[] = [];
    const result = await readSheet(client, {
      spreadsheetId: 'vs-2024',
      range: "'Virtual Sessions'!A1:F",
      headerRow: 4,
      sleep,
      onRetry: ({ attempt, error }) => retries.push(attempt, error.status ?? 0),
    });
    expect(result.rows).toHaveLength(4);
    expect(result.attempts).toBe(2);
    expect(server.stats.valuesGet).toBe(2);
    expect(server.stats.byStatus).toEqual({ 429: 1, 200: 1 });
    expect(sleep.waits).toEqual([2000]);
    expect(retries).toEqual([1, 429]);
  });

  it('backs off exponentially with jitter when no Retry-After is sent, and gives up after the last retry', async () => {
    const { server, client } = await apiKeyClient();
    server.inject({ status: 429, times: 10 });
    const sleep = recordingSleep();
    const error = await readSheet(client, {
      spreadsheetId: 'vs-2024',
      range: "'Virtual Sessions'!A1:F",
      retry: { retries: 3, baseMs: 1000 },
      random: () => 0.5,
      sleep,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SheetsError);
    expect(error).toMatchObject({ code: 'SHEETS_RATE_LIMITED', category: 'rate_limit', status: 429, attempts: 4, googleStatus: 'RESOURCE_EXHAUSTED' });
    expect((error as Error).message).toMatch(/Quota exceeded.*after 4 attempt/);
    expect(server.stats.valuesGet).toBe(4);
    // equal jitter: backoff/2 + backoff/2 * 0.5
    expect(sleep.waits).toEqual([750, 1500, 3000]);
  });

  it('fails at once when Retry-After is longer than maxRetryAfterMs', async () => {
    const { server, client } = await apiKeyClient();
    server.inject({ status: 429, retryAfter: 3600 });
    const sleep = recordingSleep();
    await expect(readSheet(client, { spreadsheetId: 'vs-2024', range: 'A1:B2', sleep })).rejects.toMatchObject({
      code: 'SHEETS_RATE_LIMITED',
      retryAfterMs: 3_600_000,
      attempts: 1,
    });
    expect(sleep.waits).toEqual([]);
  });

  it('retries a 503 and a reset connection, but not a 400 for a bad range', async () => {
    const { server, client } = await apiKeyClient();
    server.inject({ status: 503 }, { reset: true });
    const sleep = recordingSleep();
    const ok = await readSheet(client, { spreadsheetId: 'vs-2024', range: "'Virtual Sessions'!A1:F", headerRow: 4, sleep, random: () => 0 });
    expect(ok.attempts).toBe(3);
    expect(sleep.waits).toEqual([500, 1000]);
    const before = server.stats.valuesGet;
    await expect(readSheet(client, { spreadsheetId: 'vs-2024', range: "'No Such Tab'!A1:B2", sleep })).rejects.toMatchObject({
      code: 'SHEETS_BAD_REQUEST',
      category: 'validation',
      status: 400,
      attempts: 1,
    });
    expect(server.stats.valuesGet - before).toBe(1);
  });

  it('never puts the API key in an error, even for a wrong key or an unreachable server', async () => {
    const { server } = await apiKeyClient();
    const wrongKey = 'AIzaSy-wrong-key-0987654321';
    const wrong = createSheetsClient({ auth: { apiKey: wrongKey }, rootUrl: server.rootUrl });
    const bad = await failure(readSheet(wrong, { spreadsheetId: 'vs-2024', range: 'A1:B2' }));
    expect(bad).toMatchObject({ code: 'SHEETS_BAD_REQUEST', status: 400 });
    expect(bad.message).toContain('API key not valid');
    const rootUrl = server.rootUrl;
    await server.close();
    const offline = createSheetsClient({ auth: { apiKey: API_KEY }, rootUrl });
    const down = await failure(readSheet(offline, { spreadsheetId: 'vs-2024', range: 'A1:B2', retry: { retries: 1 }, sleep: recordingSleep() }));
    expect(down).toMatchObject({ code: 'SHEETS_NETWORK', category: 'network', attempts: 2 });
    for (const error of [bad, down]) {
      const everything = `${error.message}\n${error.stack ?? ''}\n${JSON.stringify(error)}\n${String(error.cause ?? '')}`;
      expect(everything).not.toContain(wrongKey);
      expect(everything).not.toContain(API_KEY);
    }
  });

  it('authenticates a service account through the token endpoint (signed JWT checked), then reads with a bearer token', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const email = 'importer@vms-test.iam.gserviceaccount.com';
    server = await startSheetsTestServer({ sheets: VIRTUAL_SESSIONS, serviceAccounts: [{ client_email: email, publicKey }] });
    const client = createSheetsClient({
      auth: { serviceAccount: { client_email: email, private_key: privateKey, token_uri: server.tokenUri } },
      rootUrl: server.rootUrl,
    });
    const first = await readSheet(client, { spreadsheetId: 'vs-2024', range: "'Virtual Sessions'!A1:F", headerRow: 4 });
    await readSheet(client, { spreadsheetId: 'vs-2024', range: "'Virtual Sessions'!A1:F", headerRow: 4 });
    expect(first.rows).toHaveLength(4);
    expect(server.stats.token).toBe(1); // the token is cached between reads
    expect(server.requests.filter((r) => r.endpoint === 'values').map((r) => r.auth)).toEqual(['bearer', 'bearer']);

    // A key the server does not know is refused at the token endpoint: an auth error, no key in it.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const impostor = createSheetsClient({
      auth: { serviceAccount: { client_email: email, private_key: other.privateKey, token_uri: server.tokenUri } },
      rootUrl: server.rootUrl,
    });
    const error = await failure(readSheet(impostor, { spreadsheetId: 'vs-2024', range: 'A1:B2' }));
    expect(error).toMatchObject({ code: 'SHEETS_AUTH', category: 'auth', attempts: 1 });
    expect(error.message).toContain('Invalid JWT Signature');
    expect(`${error.message}${JSON.stringify(error)}`).not.toContain('PRIVATE KEY');
  });

  it('serves COLUMNS and FORMULA like the real API, leaving out trailing empty cells per column', async () => {
    const { client } = await apiKeyClient({ s: { Data: [['a', 'b', ''], ['c', '', ''], [{ value: 3, formula: '=1+2' }, '', '']] } });
    const columns = await client.getValues({ spreadsheetId: 's', range: 'Data!A1:C3', majorDimension: 'COLUMNS' });
    expect(columns).toEqual({ range: 'Data!A1:C3', majorDimension: 'COLUMNS', values: [['a', 'c', '3'], ['b']] });
    const formula = await client.getValues({ spreadsheetId: 's', range: 'Data!A3', valueRenderOption: 'FORMULA' });
    expect(formula.values).toEqual([['=1+2']]);
    const empty = await client.getValues({ spreadsheetId: 's', range: 'Data!C1:C3' });
    expect(empty.values).toEqual([]);
  });

  it("reads a tab whose name needs quoting, with a quote and a slash in it ('It''s 2024/25')", async () => {
    const { server, client } = await apiKeyClient({ s: { Other: [['x']], "It's 2024/25": [['Name'], ['Ada']] } });
    const { rows, range } = await readSheet(client, { spreadsheetId: 's', range: "'It''s 2024/25'!A1:A" });
    expect(rows).toEqual([{ row: 2, data: { Name: 'Ada' } }]);
    expect(range).toBe("'It''s 2024/25'!A1:A1000");
    expect(server.requests.at(-1)?.range).toBe("'It''s 2024/25'!A1:A");
  });

  it('waits on an injected ManualClock: a 429 with Retry-After 5 s is retried when the clock moves 5 s', async () => {
    const { server, client } = await apiKeyClient();
    server.inject({ status: 429, retryAfter: 5 });
    const clock = new ManualClock();
    const reading = readSheet(client, { spreadsheetId: 'vs-2024', range: "'Virtual Sessions'!A1:F", headerRow: 4, clock });
    await waitUntil(() => clock.pendingTimers === 1);
    expect(server.stats.valuesGet).toBe(1);
    await clock.advance(4999);
    expect(server.stats.valuesGet).toBe(1);
    await clock.advance(1);
    const result = await reading;
    expect(result.attempts).toBe(2);
    expect(server.stats.valuesGet).toBe(2);
  });

  it('stops waiting at once when the signal aborts during a retry wait', async () => {
    const { server, client } = await apiKeyClient();
    server.inject({ status: 503 });
    const clock = new ManualClock();
    const controller = new AbortController();
    const reading = readSheet(client, { spreadsheetId: 'vs-2024', range: 'A1:B2', clock, signal: controller.signal });
    await waitUntil(() => clock.pendingTimers === 1);
    controller.abort(new Error('shutting down'));
    await expect(reading).rejects.toThrow('shutting down');
    expect(clock.pendingTimers).toBe(0);
    expect(server.stats.valuesGet).toBe(1);
  });

  it('maps a missing credential to an auth error and an unknown spreadsheet to a non-retried 404', async () => {
    server = await startSheetsTestServer({ sheets: VIRTUAL_SESSIONS, apiKey: API_KEY });
    const keyless = createSheetsClient({ auth: { apiKey: 'AIzaSy-other' }, rootUrl: server.rootUrl });
    const client = createSheetsClient({ auth: { apiKey: API_KEY }, rootUrl: server.rootUrl });
    const raw = await fetch(`${server.rootUrl}v4/spreadsheets/vs-2024/values/A1`);
    expect(raw.status).toBe(403);
    expect(await raw.json()).toEqual({ error: { code: 403, message: 'The request is missing a valid API key.', status: 'PERMISSION_DENIED' } });
    const notFound = await failure(readSheet(client, { spreadsheetId: 'nope', range: 'A1:B2', sleep: recordingSleep() }));
    expect(notFound).toMatchObject({ code: 'SHEETS_BAD_REQUEST', status: 404, googleStatus: 'NOT_FOUND', attempts: 1 });
    const wrongKey = await failure(readSheet(keyless, { spreadsheetId: 'vs-2024', range: 'A1:B2' }));
    expect(wrongKey.googleStatus).toBe('INVALID_ARGUMENT');
  });

  it('retries a request that timed out against injected latency', async () => {
    server = await startSheetsTestServer({ sheets: VIRTUAL_SESSIONS, faults: [{ latencyMs: 1500 }] });
    const client = createSheetsClient({ auth: { apiKey: 'unused' }, rootUrl: server.rootUrl, timeoutMs: 300 });
    const retries: string[] = [];
    const result = await readSheet(client, {
      spreadsheetId: 'vs-2024',
      range: "'Virtual Sessions'!A1:F",
      headerRow: 4,
      sleep: recordingSleep(),
      onRetry: ({ error }) => retries.push(`${error.code}/${error.category}`),
    });
    // Only the first request is slowed down; a loaded machine may time out once more, never fail.
    expect(result.rows).toHaveLength(4);
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(retries[0]).toBe('SHEETS_NETWORK/timeout');
  });
});
