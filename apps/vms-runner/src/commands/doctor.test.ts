/**
 * `vms-runner doctor` against real servers on 127.0.0.1: the Salesforce test server (jsforce
 * logs in to it), the Sheets test server (googleapis reads the sheet) and an OTLP receiver.
 */
import { join } from 'node:path';
import type { SalesforceTestServer } from '@vms/flow-salesforce/testing';
import type { SheetsTestServer } from '@vms/flow-sheets/testing';
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../telemetry/otlp-receiver';
import { demoEnv, startDemoSalesforce, startDemoSheets } from './demo';
import { doctorCommand } from './doctor';
import { memoryOutput } from './output';

const ADMIN = 'doctor-admin-token-0123456789';
const SLACK = 'http://127.0.0.1:9/hooks/doctor-slack-secret-path';

let dir: TempDir;
let sf: SalesforceTestServer;
let sheets: SheetsTestServer;
let otlp: OtlpReceiver;
let env: Record<string, string>;

beforeAll(async () => {
  dir = await tempDir('vms-doctor-');
  const quiet = memoryOutput();
  sf = (await startDemoSalesforce({ scale: 0.01, seed: 3 }, quiet)).server;
  sheets = await startDemoSheets({ seed: 3 }, quiet);
  otlp = await startOtlpReceiver();
  env = {
    ...demoEnv(sf, sheets, join(dir.path, 'data'), { adminToken: ADMIN, port: 0 }),
    SLACK_WEBHOOK_URL: SLACK,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
  };
});
afterAll(async () => {
  await otlp?.close();
  await sheets?.close();
  await sf?.close();
  await dir?.cleanup();
});

/** Every secret of `env`: none may appear in what doctor prints. */
function secrets(e: Record<string, string>): string[] {
  return ['SF_PASSWORD', 'SF_SECURITY_TOKEN', 'GOOGLE_API_KEY', 'API_TOKENS_ADMIN', 'SLACK_WEBHOOK_URL'].map((k) => e[k] as string);
}

describe('vms-runner doctor', () => {
  it('a good configuration passes every check (exit 0) and prints the configuration with secrets redacted', async () => {
    const out = memoryOutput();
    const code = await doctorCommand(env, out);
    const text = [...out.lines, ...out.errors].join('\n');
    expect(out.lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(code).toBe(0);
    for (const check of ['configuration', 'vms-database', 'runner-store', 'salesforce', 'sheet 2024-2025', 'alerts', 'api-tokens', 'otlp']) {
      expect(out.lines.some((l) => l.startsWith(`ok    ${check}: `)), check).toBe(true);
    }
    expect(text).toMatch(/ok {4}salesforce: logged in at http:\/\/127\.0\.0\.1:\d+; API usage \d+\/\d+/);
    expect(text).toMatch(/ok {4}sheet 2024-2025: readable \(\d+ rows\)/);
    expect(out.lines.at(-1)).toBe('Everything looks fine.');
    expect(otlp.requests()).toBeGreaterThan(0);
    for (const secret of secrets(env)) expect(text).not.toContain(secret);
  });

  it('a wrong Salesforce password is reported with a fix (exit 1), and no password is printed', async () => {
    const wrong = { ...env, SF_PASSWORD: 'Wrong-Passw0rd-doctor-test' };
    const out = memoryOutput();
    const code = await doctorCommand(wrong, out);
    const text = [...out.lines, ...out.errors].join('\n');
    expect(code).toBe(1);
    const i = out.lines.findIndex((l) => l.startsWith('FAIL  salesforce: '));
    expect(i, text).toBeGreaterThanOrEqual(0);
    expect(out.lines[i]).toMatch(/INVALID_LOGIN|password|authentication/i);
    expect(out.lines[i + 1]).toBe('      fix: check SF_LOGIN_URL, SF_USERNAME, SF_PASSWORD and SF_SECURITY_TOKEN (a new token is e-mailed after a password reset)');
    // Only Salesforce failed; the rest of the report is still there.
    expect(out.lines.filter((l) => l.startsWith('FAIL'))).toHaveLength(1);
    expect(out.lines.at(-1)).toBe('1 problem found.');
    for (const secret of [...secrets(wrong), env.SF_PASSWORD as string]) expect(text).not.toContain(secret);
  });

  it('bad settings are each reported with what to set, and the exit code is 1', async () => {
    const out = memoryOutput();
    const code = await doctorCommand({ ...env, HTTP_PORT: '99999', API_TOKENS_ADMIN: 'short-secret' }, out);
    expect(code).toBe(1);
    expect(out.lines).toContain('FAIL  HTTP_PORT: Expected an integer from 0 to 65535, got `99999`');
    expect(out.lines.some((l) => l.startsWith('FAIL  API_TOKENS_ADMIN: '))).toBe(true);
    expect(out.lines.join('\n')).not.toContain('short-secret');
  });
});
