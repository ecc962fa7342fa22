/**
 * Issue 9 item 5: secrets. Every secret setting of the runner is set to a unique marker; the real
 * `vms-runner start` (debug logging, OTLP export to a local receiver) runs the full sync, the
 * virtual-session import (Google service-account login) and a failing health check (Slack and
 * e-mail alerts), serves the API and the dashboard, and stops. Then every place a secret could
 * leak to is scanned for every marker: the process's stdout/stderr, every file it wrote (both
 * SQLite databases with their WAL: runs, params, logs, results, row errors), the spans the OTLP
 * receiver got, every HTTP response (headers and bodies) and dashboard page, and the bodies of
 * the alerts it posted. Zero markers may be found.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { startSalesforceTestServer, type SalesforceTestServer } from '@vms/flow-salesforce/testing';
import { startSheetsTestServer, type SheetsTestServer } from '@vms/flow-sheets/testing';
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_VARIABLES } from '../config/config';
import { createDataset, SOBJECT_NAMES } from '../generator/dataset';
import { fieldDeclarations } from '../generator/npsp';
import { virtualSessionSheet } from '../generator/sheet';
import { ENTITIES } from '../sync/entities';
import { startOtlpReceiver, type OtlpReceiver } from '../telemetry/otlp-receiver';
import { spawnCli, type CliExit } from './harness/cli-process';

const tag = randomBytes(4).toString('hex');
/** A unique marker per secret setting (API tokens need >= 16 characters). */
const marker = (name: string): string => `SECRET${name.replace(/_/g, '')}${tag}`;

const YEAR = '2024-2025';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
/** The service-account key is a real key: its body is the marker looked for. */
const keyBody = (privateKey as string).split('\n')[5] as string;

const M = {
  SF_PASSWORD: marker('SF_PASSWORD'),
  SF_SECURITY_TOKEN: marker('SF_SECURITY_TOKEN'),
  SF_CLIENT_SECRET: marker('SF_CLIENT_SECRET'),
  SF_REFRESH_TOKEN: marker('SF_REFRESH_TOKEN'),
  SF_PRIVATE_KEY: marker('SF_PRIVATE_KEY'),
  GOOGLE_API_KEY: marker('GOOGLE_API_KEY'),
  GOOGLE_SERVICE_ACCOUNT_JSON: keyBody,
  SLACK_WEBHOOK_URL: marker('SLACK_WEBHOOK_URL'),
  SMTP_PASSWORD: marker('SMTP_PASSWORD'),
  API_TOKENS_READ_ONLY: marker('API_TOKENS_READ_ONLY'),
  API_TOKENS_ADMIN: marker('API_TOKENS_ADMIN'),
  OTEL_EXPORTER_OTLP_HEADERS: marker('OTEL_HEADERS'),
} as const;

let dir: TempDir;
let sf: SalesforceTestServer;
let sheets: SheetsTestServer;
let otlp: OtlpReceiver;
let slack: Server;
const slackBodies: string[] = [];
const slackUrls: string[] = [];
const responses: string[] = [];
let exit: CliExit;
const runStates: Record<string, string> = {};

function find(text: string): string[] {
  return Object.entries(M)
    .filter(([, m]) => text.includes(m))
    .map(([k]) => k);
}

function filesUnder(path: string): string[] {
  return readdirSync(path).flatMap((name) => {
    const p = join(path, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

async function get(url: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(url, { redirect: 'manual', ...init });
  const body = await res.clone().text();
  responses.push(`${res.status} ${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${body}`);
  return res;
}

beforeAll(async () => {
  dir = await tempDir('vms-secrets-');
  const data = createDataset({ seed: 41, scale: 0.03 });
  const records: Record<string, Iterable<Record<string, unknown>>> = {};
  for (const s of SOBJECT_NAMES) records[s] = data.sobjectRecords(s);
  sf = await startSalesforceTestServer({
    records,
    fields: fieldDeclarations(Object.values(ENTITIES)),
    credentials: { password: M.SF_PASSWORD, securityToken: M.SF_SECURITY_TOKEN, clientSecret: M.SF_CLIENT_SECRET, refreshToken: M.SF_REFRESH_TOKEN },
  });
  sheets = await startSheetsTestServer({
    sheets: { vs: { 'Virtual Sessions': virtualSessionSheet({ academicYear: YEAR, seed: 41, rows: 20 }).values } },
    serviceAccounts: [{ client_email: 'runner@vms-test.iam.gserviceaccount.com', publicKey }],
  });
  otlp = await startOtlpReceiver();
  slack = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      slackBodies.push(Buffer.concat(chunks).toString('utf8'));
      slackUrls.push(req.url ?? '');
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => slack.listen(0, '127.0.0.1', r));
  const slackPort = (slack.address() as { port: number }).port;

  const env: Record<string, string> = {
    VMS_DATABASE_PATH: join(dir.path, 'data', 'vms.db'),
    VMS_RUNNER_STORE_PATH: join(dir.path, 'data', 'runner.db'),
    SF_AUTH: 'password',
    SF_LOGIN_URL: sf.url,
    SF_USERNAME: sf.credentials.username,
    SF_PASSWORD: M.SF_PASSWORD,
    SF_SECURITY_TOKEN: M.SF_SECURITY_TOKEN,
    SF_CLIENT_ID: sf.credentials.clientId,
    SF_CLIENT_SECRET: M.SF_CLIENT_SECRET,
    SF_REFRESH_TOKEN: M.SF_REFRESH_TOKEN,
    SF_PRIVATE_KEY: `-----BEGIN PRIVATE KEY-----\n${M.SF_PRIVATE_KEY}\n-----END PRIVATE KEY-----`,
    GOOGLE_API_KEY: M.GOOGLE_API_KEY,
    GOOGLE_SERVICE_ACCOUNT_JSON: JSON.stringify({ type: 'service_account', client_email: 'runner@vms-test.iam.gserviceaccount.com', private_key: privateKey, token_uri: sheets.tokenUri }),
    GOOGLE_SHEETS_ROOT_URL: sheets.rootUrl,
    VIRTUAL_SESSION_SHEETS: `${YEAR}=vs`,
    SLACK_WEBHOOK_URL: `http://127.0.0.1:${slackPort}/services/T000/B000/${M.SLACK_WEBHOOK_URL}`,
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: '9',
    SMTP_USER: 'alerts@vms.test',
    SMTP_PASSWORD: M.SMTP_PASSWORD,
    ALERT_EMAIL_FROM: 'alerts@vms.test',
    ALERT_EMAIL_TO: 'ops@vms.test',
    API_TOKENS_READ_ONLY: M.API_TOKENS_READ_ONLY,
    API_TOKENS_ADMIN: M.API_TOKENS_ADMIN,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_EXPORTER_OTLP_HEADERS: `x-api-key=${M.OTEL_EXPORTER_OTLP_HEADERS}`,
    OTEL_BSP_SCHEDULE_DELAY: '200',
    HTTP_PORT: '0',
    LOG_LEVEL: 'debug',
    SCHEDULE_INCREMENTAL_SYNC: 'off',
    SCHEDULE_FULL_SYNC: 'off',
  };
  const child = spawnCli(['start'], env);
  try {
    const line = await child.waitForLine(/Dashboard and API at /);
    const base = (/at (http:\/\/[^/\s]+)/.exec(line) as RegExpExecArray)[1] as string;
    const admin = { authorization: `Bearer ${M.API_TOKENS_ADMIN}`, 'content-type': 'application/json' };
    const read = { authorization: `Bearer ${M.API_TOKENS_READ_ONLY}` };
    const trigger = async (flow: string, params: Record<string, unknown>): Promise<void> => {
      const res = await get(`${base}/api/runs`, { method: 'POST', headers: admin, body: JSON.stringify({ flow, params }) });
      const { runId } = (await res.json()) as { runId: string };
      const deadline = Date.now() + 150_000;
      while (Date.now() < deadline) {
        const detail = (await (await get(`${base}/api/runs/${runId}`, { headers: read })).json()) as { state?: string; run?: { state?: string } };
        const state = detail.state ?? detail.run?.state ?? '';
        if (['Completed', 'Failed', 'Cancelled', 'Crashed'].includes(state)) {
          runStates[flow] = state;
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await trigger('full-salesforce-sync', {});
    await trigger('virtual-session-import', { academicYear: YEAR });
    // Fails (memory limit 64 MB) and alerts on Slack and e-mail.
    await trigger('health-check', { skipSalesforce: true, maxRssMb: 64, minFreeDiskMb: 0 });
    // A bad login attempt, a wrong token, and the read routes.
    await get(`${base}/api/runs`, { headers: { authorization: `Bearer ${M.API_TOKENS_ADMIN}x` } });
    for (const path of ['/api/runs?limit=50', '/api/stats', '/api/stats?bucket=day', '/api/schedules', '/api/health', '/metrics', '/healthz']) {
      await get(`${base}${path}`, { headers: read });
    }
    // The dashboard: log in with the admin token, then every page.
    const login = await get(`${base}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base }, body: `token=${encodeURIComponent(M.API_TOKENS_ADMIN)}&next=%2F` });
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string;
    expect(cookie).toMatch(/^vms_session=/);
    const home = await get(`${base}/`, { headers: { cookie } });
    const html = await home.text();
    for (const href of new Set([...html.matchAll(/href="(\/runs\/[^"]+)"/g)].map((m) => m[1] as string))) await get(`${base}${href}`, { headers: { cookie } });
    await get(`${base}/schedules`, { headers: { cookie } });
  } finally {
    child.child.kill('SIGTERM');
    exit = await child.exited;
  }
}, 420_000);

afterAll(async () => {
  await new Promise<void>((r) => slack?.close(() => r()));
  await otlp?.close();
  await sheets?.close();
  await sf?.close();
  await dir?.cleanup();
});

describe('secrets: no marker anywhere', () => {
  it('every secret setting the runner reads has a marker', () => {
    for (const name of SECRET_VARIABLES) expect(Object.keys(M), name).toContain(name);
  });

  it('the runs really happened (sync, import through a service-account login, a failing health check that alerted)', () => {
    expect(runStates).toEqual({ 'full-salesforce-sync': 'Completed', 'virtual-session-import': 'Completed', 'health-check': 'Failed' });
    expect(slackBodies.length).toBeGreaterThan(0);
    expect(otlp.spans.length).toBeGreaterThan(20);
    expect(responses.length).toBeGreaterThan(15);
    expect(exit.signal === null && exit.code === 0).toBe(true);
  });

  it('the control: the secrets were really in use (the scan would see them where they belong)', () => {
    // Salesforce accepted the password + token markers; the webhook marker reached the Slack receiver.
    expect(sf.stats.logins).toBeGreaterThan(0);
    expect(sf.stats.failedLogins).toBe(0);
    expect(find(slackUrls.join('\n'))).toEqual(['SLACK_WEBHOOK_URL']);
    // The debug log printed the configuration, secrets replaced.
    expect(exit.stdout).toContain('[redacted]');
  });

  it('process output (debug log level)', () => {
    expect(exit.stdout.length).toBeGreaterThan(100);
    expect(find(exit.stdout + exit.stderr)).toEqual([]);
  });

  it('every file written: the runner store (runs, params, logs, results) and the VMS database, WAL included', () => {
    const files = filesUnder(join(dir.path, 'data'));
    expect(files.some((f) => f.endsWith('runner.db'))).toBe(true);
    for (const f of files) expect(find(readFileSync(f).toString('latin1')), f).toEqual([]);
  });

  it('spans received by the OTLP receiver', () => {
    expect(find(JSON.stringify(otlp.spans))).toEqual([]);
  });

  it('HTTP responses and dashboard HTML', () => {
    expect(responses.some((r) => r.includes('<html') || r.includes('<!doctype'))).toBe(true);
    expect(find(responses.join('\n'))).toEqual([]);
  });

  it('alert bodies posted to Slack', () => {
    expect(find(slackBodies.join('\n'))).toEqual([]);
  });
});
