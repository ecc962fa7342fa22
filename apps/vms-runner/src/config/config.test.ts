import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config';
import { ConfigError } from './errors';
import { REDACTED, redactConfig, scrubSecrets } from './redact';

let dir: TempDir;
beforeAll(async () => {
  dir = await tempDir('vms-config-');
});
afterAll(async () => {
  await dir.cleanup();
});

const SECRET = 'hunter2-very-secret-password';

function problems(env: Record<string, string>, require: ('salesforce' | 'google' | 'apiTokens')[] = []): ConfigError {
  try {
    loadConfig(env, { envFile: false, require });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({}, { envFile: false });
    expect(c.timeZone).toBe('America/Chicago');
    expect(c.schedules).toEqual({ incrementalSync: '0 2 * * *', fullSync: '0 6 * * 1', healthCheck: '0 6 * * 1' });
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.vmsDatabasePath).not.toBe(c.storePath);
    expect(c.salesforce).toBeNull();
    expect(c.chunkSize).toBe(2000);
  });

  it('three bad settings are all listed in one error, with the bad values echoed', () => {
    const e = problems({ HTTP_PORT: 'eighty', VMS_TIMEZONE: 'Mars/Olympus', SCHEDULE_INCREMENTAL_SYNC: '0 25 * * *' });
    expect(e.problems.map((p) => p.setting).sort()).toEqual(['HTTP_PORT', 'SCHEDULE_INCREMENTAL_SYNC', 'VMS_TIMEZONE']);
    expect(e.message).toContain('3 problems');
    expect(e.message).toContain('`eighty`');
    expect(e.message).toContain('Mars/Olympus');
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.category).toBe('validation');
  });

  it('never echoes a secret: a short API token, a bad Slack URL and a Salesforce password missing its user', () => {
    const e = problems({ API_TOKENS_ADMIN: 'short-secret', SLACK_WEBHOOK_URL: `not a url ${SECRET}`, SF_PASSWORD: SECRET });
    expect(e.problems.map((p) => p.setting).sort()).toEqual(['API_TOKENS_ADMIN', 'SF_USERNAME', 'SLACK_WEBHOOK_URL']);
    expect(e.message).not.toContain(SECRET);
    expect(e.message).not.toContain('short-secret');
    expect(e.message).toContain('SF_AUTH=password');
  });

  it('requirements of a command are problems too, listed with the others', () => {
    const e = problems({ LOG_LEVEL: 'loud' }, ['salesforce', 'apiTokens', 'google']);
    expect(e.problems.map((p) => p.setting).sort()).toEqual(['API_TOKENS_ADMIN', 'GOOGLE_SERVICE_ACCOUNT_JSON', 'LOG_LEVEL', 'SF_USERNAME']);
  });

  it('rejects the same file for the VMS database and the store', () => {
    const e = problems({ VMS_DATABASE_PATH: './x.db', VMS_RUNNER_STORE_PATH: 'x.db' });
    expect(e.problems[0]?.setting).toBe('VMS_RUNNER_STORE_PATH');
  });

  it('reads every Salesforce auth mode, sheets per year, SMTP and schedules turned off', () => {
    const c = loadConfig(
      {
        SF_AUTH: 'client_credentials', SF_CLIENT_ID: 'id', SF_CLIENT_SECRET: 's', SF_LOGIN_URL: 'https://test.salesforce.com',
        GOOGLE_API_KEY: 'key', VIRTUAL_SESSION_SHEETS: '2024-2025=abc, 2025-2026=def',
        SMTP_HOST: 'smtp.example.org', ALERT_EMAIL_FROM: 'vms@example.org', ALERT_EMAIL_TO: 'a@example.org,b@example.org',
        SCHEDULE_FULL_SYNC: 'off', VMS_TIMEZONE: 'America/New_York',
      },
      { envFile: false },
    );
    expect(c.salesforce).toMatchObject({ auth: 'client_credentials', clientId: 'id', loginUrl: 'https://test.salesforce.com' });
    expect(Object.keys(c.virtualSessionSheets)).toEqual(['2024-2025', '2025-2026']);
    expect(c.virtualSessionSheets['2025-2026']?.spreadsheetId).toBe('def');
    expect(c.smtp).toMatchObject({ host: 'smtp.example.org', port: 587, to: ['a@example.org', 'b@example.org'] });
    expect(c.schedules.fullSync).toBeNull();
    const jwt = problems({ SF_AUTH: 'jwt', SF_CLIENT_ID: 'id' });
    expect(jwt.problems.map((p) => p.setting).sort()).toEqual(['SF_PRIVATE_KEY', 'SF_USERNAME']);
  });

  it('reads a .env file; the environment wins over it', () => {
    const file = join(dir.path, '.env');
    writeFileSync(file, 'HTTP_PORT=9090\nVMS_TIMEZONE=Europe/Paris\n# comment\nLOG_LEVEL="debug"\n');
    const c = loadConfig({ VMS_TIMEZONE: 'UTC' }, { envFile: file });
    expect(c.http.port).toBe(9090);
    expect(c.timeZone).toBe('UTC');
    expect(c.logLevel).toBe('debug');
  });
});

describe('redactConfig', () => {
  it('replaces every secret, keeps the rest', () => {
    const c = loadConfig(
      { SF_USERNAME: 'ops@example.org', SF_PASSWORD: SECRET, SF_SECURITY_TOKEN: 'tok-123456', API_TOKENS_ADMIN: 'admin-token-0123456789', SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/xyz', SMTP_HOST: 'smtp.example.org', SMTP_PASSWORD: 'smtp-pass', ALERT_EMAIL_FROM: 'a@example.org', ALERT_EMAIL_TO: 'b@example.org' },
      { envFile: false },
    );
    const text = JSON.stringify(redactConfig(c));
    for (const s of [SECRET, 'tok-123456', 'admin-token-0123456789', 'hooks.slack.com', 'smtp-pass']) expect(text).not.toContain(s);
    expect(text).toContain('ops@example.org');
    expect(text).toContain(REDACTED);
    expect(scrubSecrets(`login failed for ${SECRET}`, c)).toBe(`login failed for ${REDACTED}`);
  });
});
