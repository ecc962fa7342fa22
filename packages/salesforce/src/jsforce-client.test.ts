import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { connectSalesforce } from './jsforce-client.js';
import { queryAll } from './query-stream.js';
import { SalesforceError } from './errors.js';
import { startSalesforceTestServer, testConnectionConfig, type SalesforceTestServer } from './testing.js';

let server: SalesforceTestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('connectSalesforce', () => {
  it.each([
    ['password (SOAP login)', 'password'],
    ['password (OAuth password grant)', 'oauth-password'],
    ['OAuth refresh token', 'refresh_token'],
    ['OAuth client credentials', 'client_credentials'],
    ['JWT bearer', 'jwt'],
  ] as const)('logs in with %s and queries', async (_label, method) => {
    server = await startSalesforceTestServer({ records: { Account: [{ Name: 'Acme' }] }, jwtPublicKey: publicKey });
    const client = await connectSalesforce(testConnectionConfig(server, method === 'jwt' ? { jwtPrivateKey: privatePem } : method));
    const rows = await queryAll(client, 'SELECT Name FROM Account');
    expect(rows.map((r) => r.Name)).toEqual(['Acme']);
    expect(server.stats.logins).toBe(1);
    expect(client.connection.instanceUrl).toBe(server.url);
  });

  it.each(['password', 'refresh_token', 'client_credentials', 'jwt'] as const)(
    're-authenticates once with %s when the session expires',
    async (method) => {
      server = await startSalesforceTestServer({ records: { Account: [{ Name: 'Acme' }] }, jwtPublicKey: publicKey });
      const client = await connectSalesforce(testConnectionConfig(server, method === 'jwt' ? { jwtPrivateKey: privatePem } : method));
      server.expireSessions();
      expect(await queryAll(client, 'SELECT Name FROM Account')).toHaveLength(1);
      expect(client.stats.reauthentications).toBe(1);
      expect(server.stats.logins).toBe(2);
    },
  );

  it('wrong password: an auth SalesforceError, not retried, with no secret in it', async () => {
    server = await startSalesforceTestServer();
    const sleeps: number[] = [];
    for (const method of ['password', 'oauth-password'] as const) {
      const config = { ...testConnectionConfig(server, method), password: 'wrong-Secret-123' };
      const err = await connectSalesforce(config, { sleep: async (ms) => void sleeps.push(ms) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SalesforceError);
      expect(err).toMatchObject({ category: 'auth', code: 'SF_AUTH_FAILED', retryable: false });
      const text = `${(err as Error).message} ${JSON.stringify(err)} ${String((err as Error).stack)}`;
      expect(text).not.toContain('wrong-Secret-123');
      expect(text).not.toContain(server.credentials.securityToken);
    }
    expect(server.stats.logins).toBe(2);
    expect(server.stats.failedLogins).toBe(2);
    expect(sleeps).toEqual([]);
  });

  it('a bad JWT key or client secret is an auth error too', async () => {
    server = await startSalesforceTestServer({ jwtPublicKey: publicKey });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await expect(connectSalesforce(testConnectionConfig(server, { jwtPrivateKey: other }))).rejects.toMatchObject({ category: 'auth' });
    await expect(connectSalesforce({ auth: 'client_credentials', clientId: server.credentials.clientId, clientSecret: 'nope', loginUrl: server.url })).rejects.toMatchObject({ category: 'auth' });
    expect(server.stats.failedLogins).toBe(2);
  });

  it('rejects a bad config before any request, naming each problem and never echoing a secret', async () => {
    server = await startSalesforceTestServer();
    const err = await connectSalesforce({
      auth: 'password',
      username: '',
      password: 'hunter2-secret',
      loginUrl: 'ftp://example',
      apiVersion: 'v62',
    } as never).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SF_INVALID_CONFIG', category: 'validation' });
    const message = (err as Error).message;
    expect(message).toContain('username');
    expect(message).toContain('Expected an http(s) URL, got `ftp://example`');
    expect(message).toContain('Expected `apiVersion` like `62.0`, got `v62`');
    expect(message).not.toContain('hunter2-secret');
    await expect(connectSalesforce({ auth: 'magic' } as never)).rejects.toThrow("Expected `auth` to be one of 'password', 'refresh_token', 'jwt', 'client_credentials', got `magic`");
    expect(server.stats.logins + server.stats.apiRequests).toBe(0);
  });

  it('exposes API usage from Sforce-Limit-Info and reports each reading', async () => {
    server = await startSalesforceTestServer({ records: { Account: [{ Name: 'A' }] }, apiUsage: { used: 500, limit: 1000 } });
    const readings: number[] = [];
    const client = await connectSalesforce(testConnectionConfig(server), { apiUsage: { onUsage: (u) => readings.push(u.used) } });
    expect(client.apiUsage).toBeUndefined();
    await queryAll(client, 'SELECT Id FROM Account');
    await client.limits();
    expect(client.apiUsage).toEqual({ used: 502, limit: 1000, fraction: 0.502 });
    expect(readings).toEqual([501, 502]);
  });

  it('slows down above slowDownAt and pauses with a clear error at pauseAt, without sending the request', async () => {
    server = await startSalesforceTestServer({ records: { Account: [{ Name: 'A' }] }, apiUsage: { used: 849, limit: 1000 } });
    const sleeps: number[] = [];
    const client = await connectSalesforce(testConnectionConfig(server), {
      sleep: async (ms) => void sleeps.push(ms),
      apiUsage: { slowDownAt: 0.85, slowDownDelayMs: 250, pauseAt: 0.9 },
    });
    await client.limits(); // usage 850/1000: now at slowDownAt
    expect(sleeps).toEqual([]);
    await client.limits(); // sent after a 250 ms pause
    expect(sleeps).toEqual([250]);
    server.apiUsage.used = 899;
    await client.limits(); // 900/1000 reported
    const sent = server.stats.apiRequests;
    const err = await client.limits().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SF_API_USAGE_PAUSED', category: 'rate_limit' });
    expect((err as Error).message).toContain('900/1000 (90.0%)');
    expect(server.stats.apiRequests).toBe(sent);
  });

  it('validates api usage and retry options, echoing the bad value', async () => {
    server = await startSalesforceTestServer();
    await expect(connectSalesforce(testConnectionConfig(server), { retry: { retries: -1 } })).rejects.toThrow(
      'Expected `retry.retries` to be an integer >= 0, got `-1` (number)',
    );
    await expect(connectSalesforce(testConnectionConfig(server), { apiUsage: { pauseAt: 1.5 } })).rejects.toThrow(
      'Expected `apiUsage.pauseAt` to be a number in (0, 1], got `1.5` (number)',
    );
  });
});

describe('API usage metric', () => {
  it('reports used and limit as OpenTelemetry gauges on the given meter', async () => {
    server = await startSalesforceTestServer({ records: { Account: [{ Name: 'A' }] }, apiUsage: { used: 40, limit: 1000 } });
    // A minimal Meter (third-party API) that keeps the gauge callbacks, as an SDK reader would call them.
    const callbacks = new Map<string, (r: { observe: (v: number, a?: Record<string, string>) => void }) => void>();
    const meter = {
      createObservableGauge: (name: string) => ({ addCallback: (cb: never) => void callbacks.set(name, cb) }),
    } as unknown as import('@opentelemetry/api').Meter;
    const client = await connectSalesforce(testConnectionConfig(server), { apiUsage: { meter } });
    const read = (name: string): Array<[number, Record<string, string> | undefined]> => {
      const out: Array<[number, Record<string, string> | undefined]> = [];
      callbacks.get(name)!({ observe: (v, a) => void out.push([v, a]) });
      return out;
    };
    expect(read('vms_flow.salesforce.api_usage.used')).toEqual([]); // nothing before the first response
    await client.limits();
    expect(read('vms_flow.salesforce.api_usage.used')).toEqual([[41, { 'vms_flow.salesforce.instance': server.url }]]);
    expect(read('vms_flow.salesforce.api_usage.limit')).toEqual([[1000, { 'vms_flow.salesforce.instance': server.url }]]);
  });
});
