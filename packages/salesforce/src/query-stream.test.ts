import { afterEach, describe, expect, it } from 'vitest';
import { connectSalesforce } from './jsforce-client.js';
import { queryAll, queryStream } from './query-stream.js';
import { SalesforceError } from './errors.js';
import { startSalesforceTestServer, testConnectionConfig, type SalesforceTestServer } from './testing.js';
import type { RetryEvent } from './retry.js';

let server: SalesforceTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function contacts(n: number): Array<Record<string, unknown>> {
  return Array.from({ length: n }, (_, i) => ({ FirstName: `F${i}`, LastName: `L${i}` }));
}

/** A retry sleep that records the delays and returns at once (no timing in unit tests). */
function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms) => void delays.push(ms) };
}

describe('queryStream against the test server (jsforce unchanged)', () => {
  it('C16: pages through all 10 pages of 20,000 records: exactly 20,000 distinct Ids, 10 page requests', async () => {
    server = await startSalesforceTestServer({ records: { Contact: contacts(20_000) } });
    const client = await connectSalesforce(testConnectionConfig(server));
    const stream = queryStream(client, 'SELECT Id, LastName FROM Contact', { chunkSize: 1500 });
    const ids = new Set<string>();
    let count = 0;
    let largestChunk = 0;
    for await (const chunk of stream) {
      largestChunk = Math.max(largestChunk, chunk.length);
      for (const r of chunk) ids.add(r.Id!);
      count += chunk.length;
    }
    expect(count).toBe(20_000);
    expect(ids.size).toBe(20_000);
    expect(server.stats.pageRequests).toBe(10);
    expect(server.stats.queries).toBe(1);
    expect(server.stats.queryMores).toBe(9);
    expect(stream.totalSize).toBe(20_000);
    expect(stream.pages).toBe(10);
    expect(stream.truncated).toBe(false);
    expect(largestChunk).toBe(1500);
  });

  it('C16: a cap below totalSize throws before yielding anything (default)', async () => {
    server = await startSalesforceTestServer({ records: { Contact: contacts(20_000) } });
    const client = await connectSalesforce(testConnectionConfig(server));
    const yielded: number[] = [];
    const run = async (): Promise<void> => {
      for await (const chunk of queryStream(client, 'SELECT Id FROM Contact', { maxRecords: 10_000 })) yielded.push(chunk.length);
    };
    await expect(run()).rejects.toMatchObject({ code: 'SF_RESULT_TRUNCATED', category: 'validation' });
    expect(yielded).toEqual([]);
    expect(server.stats.pageRequests).toBe(1);
  });

  it("C16: a cap below totalSize with onTruncated 'mark' yields exactly the cap and marks the result truncated", async () => {
    server = await startSalesforceTestServer({ records: { Contact: contacts(20_000) } });
    const client = await connectSalesforce(testConnectionConfig(server));
    const stream = queryStream(client, 'SELECT Id FROM Contact', { maxRecords: 10_000, onTruncated: 'mark' });
    const ids = new Set<string>();
    for await (const chunk of stream) for (const r of chunk) ids.add(r.Id!);
    expect(ids.size).toBe(10_000);
    expect(stream.truncated).toBe(true);
    expect(stream.fetched).toBe(10_000);
    expect(stream.totalSize).toBe(20_000);
  });

  it('a server that ends early (done with fewer records than totalSize) is an error, not a short success', async () => {
    server = await startSalesforceTestServer({ records: { Contact: contacts(10) } });
    const client = await connectSalesforce(testConnectionConfig(server));
    // A SalesforceClient whose server lies about totalSize: wrap the real one.
    const lying = { ...client, query: async (q: string) => ({ ...(await client.query(q)), totalSize: 12 }) };
    await expect(queryAll(lying, 'SELECT Id FROM Contact')).rejects.toMatchObject({ code: 'SF_RESULT_INCOMPLETE' });
  });

  it('session expiry in mid-stream: exactly one re-authentication, no record lost or repeated', async () => {
    // Request 1 is the first query page; request 4 (the 3rd queryMore) finds every session expired.
    server = await startSalesforceTestServer({ records: { Contact: contacts(10_000) }, faults: { sessionExpiryAt: [4] } });
    const client = await connectSalesforce(testConnectionConfig(server));
    const ids: string[] = [];
    for await (const chunk of queryStream(client, 'SELECT Id FROM Contact ORDER BY Id', { prefetch: false })) ids.push(...chunk.map((r) => r.Id!));
    expect(ids).toHaveLength(10_000);
    expect(new Set(ids).size).toBe(10_000);
    expect(server.stats.faults.sessionExpiry).toBe(1);
    expect(server.stats.errors.INVALID_SESSION_ID).toBe(1);
    expect(client.stats.reauthentications).toBe(1);
    expect(server.stats.logins).toBe(2); // the first login + one re-authentication
    expect(server.stats.pageRequests).toBe(5);
    expect(server.stats.apiRequests).toBe(6); // 5 pages + the one refused request
  });

  it('a session refused again right after re-authenticating fails as auth, without a login loop', async () => {
    server = await startSalesforceTestServer({ records: { Contact: contacts(10) }, faults: { sessionExpiryAt: [1, 2, 3, 4, 5] } });
    const client = await connectSalesforce(testConnectionConfig(server, 'oauth-password'), { retry: { retries: 0 } });
    const err = await queryAll(client, 'SELECT Id FROM Contact').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SalesforceError);
    expect(err).toMatchObject({ category: 'auth', code: 'SF_SESSION_INVALID' });
    expect(server.stats.logins).toBe(2);
    expect(client.stats.reauthentications).toBe(1);
  });

  it('request limit: classified rate_limit and retried with exponential backoff until it succeeds', async () => {
    server = await startSalesforceTestServer({ records: { Contact: contacts(5000) }, faults: { requestLimitAt: [2, 3] } });
    const { sleep, delays } = recordingSleep();
    const events: RetryEvent[] = [];
    const client = await connectSalesforce(testConnectionConfig(server), {
      sleep,
      random: () => 0.5, // no jitter
      retry: { minDelayMs: 1000, factor: 2 },
      onRetry: (e) => events.push(e),
    });
    const records = await queryAll(client, 'SELECT Id FROM Contact', { prefetch: false });
    expect(records).toHaveLength(5000);
    expect(new Set(records.map((r) => r.Id)).size).toBe(5000);
    expect(server.stats.errors.REQUEST_LIMIT_EXCEEDED).toBe(2);
    expect(events.map((e) => e.error.category)).toEqual(['rate_limit', 'rate_limit']);
    expect(events.map((e) => e.error.apiErrorCode)).toEqual(['REQUEST_LIMIT_EXCEEDED', 'REQUEST_LIMIT_EXCEEDED']);
    expect(delays).toEqual([1000, 2000]);
    expect(client.stats.retries).toBe(2);
  });

  it('request limit that persists: a rate_limit SalesforceError once retries are used up', async () => {
    server = await startSalesforceTestServer({ records: { Contact: contacts(3) }, apiUsage: { used: 100, limit: 100 } });
    const { sleep, delays } = recordingSleep();
    const client = await connectSalesforce(testConnectionConfig(server), { sleep, random: () => 0.5, retry: { retries: 3 } });
    const err = await queryAll(client, 'SELECT Id FROM Contact').catch((e: unknown) => e);
    expect(err).toMatchObject({ category: 'rate_limit', code: 'SF_REQUEST_LIMIT', retryable: true });
    expect(delays).toEqual([1000, 2000, 4000]);
    expect(server.stats.errors.REQUEST_LIMIT_EXCEEDED).toBe(4);
  });

  it('503 and dropped connections are network errors, retried; the stream completes without loss', async () => {
    server = await startSalesforceTestServer({
      records: { Contact: contacts(8000) },
      faults: { serverErrorAt: [2], dropConnectionAt: [4] },
    });
    const { sleep } = recordingSleep();
    const events: RetryEvent[] = [];
    const client = await connectSalesforce(testConnectionConfig(server), { sleep, onRetry: (e) => events.push(e) });
    const records = await queryAll(client, 'SELECT Id FROM Contact', { prefetch: false });
    expect(new Set(records.map((r) => r.Id)).size).toBe(8000);
    expect(events.map((e) => [e.error.category, e.operation])).toEqual([
      ['network', 'queryMore'],
      ['network', 'queryMore'],
    ]);
    expect(events[0]!.error.apiErrorCode).toBe('SERVER_UNAVAILABLE');
    expect(events[1]!.error.code).toBe('SF_NETWORK');
    expect(server.stats.faults.dropConnection).toBe(1);
  });

  it('an invalid query is a validation error with Salesforce\'s errorCode, not retried', async () => {
    server = await startSalesforceTestServer({ records: { Contact: contacts(3) } });
    const { sleep, delays } = recordingSleep();
    const client = await connectSalesforce(testConnectionConfig(server), { sleep });
    await expect(queryAll(client, 'SELECT Nope__c FROM Contact')).rejects.toMatchObject({
      category: 'validation',
      apiErrorCode: 'INVALID_FIELD',
    });
    expect(delays).toEqual([]);
  });

  it('validates its options, echoing the bad value', () => {
    const fake = {} as never;
    expect(() => queryStream(fake, 'SELECT Id FROM Contact', { chunkSize: 0 })).toThrow('Expected `chunkSize` to be an integer >= 1, got `0` (number)');
    expect(() => queryStream(fake, 'SELECT Id FROM Contact', { maxRecords: -1 })).toThrow('got `-1` (number)');
  });
});
