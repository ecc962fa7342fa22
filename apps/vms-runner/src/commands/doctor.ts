/**
 * `vms-runner doctor`: checks the configuration and every connection, and says for each problem
 * what is wrong and how to fix it. Prints the configuration with its secrets redacted. Exit code
 * 0 when everything is fine, 1 otherwise.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { connectSalesforce } from '@vms/flow-salesforce';
import { createSheetsClient } from '@vms/flow-sheets';
import { SqliteStore } from '@vms/flow-store-sqlite';
import { CONFIG_VARIABLES, loadConfig, type ConfigVariable, type RunnerConfig } from '../config/config';
import { ConfigError } from '../config/errors';
import { redactConfig, scrubSecrets } from '../config/redact';
import { openVmsDatabase } from '../db/database';
import type { Output } from './output';

interface Finding {
  name: string;
  ok: boolean;
  message: string;
  fix?: string;
}

function writableDir(path: string): string | undefined {
  let dir = dirname(resolve(path));
  while (!existsSync(dir)) dir = dirname(dir);
  try {
    accessSync(dir, constants.W_OK);
    return undefined;
  } catch {
    return `\`${dir}\` is not writable`;
  }
}

async function check(name: string, fix: string, body: () => Promise<string> | string, config: RunnerConfig | undefined): Promise<Finding> {
  try {
    return { name, ok: true, message: await body() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { name, ok: false, message: config ? scrubSecrets(message, config) : message, fix };
  }
}

/** Runs every check; resolves with the exit code. */
export async function doctorCommand(env: NodeJS.ProcessEnv, output: Output): Promise<number> {
  const findings: Finding[] = [];
  let config: RunnerConfig | undefined;
  try {
    config = loadConfig(env);
    findings.push({ name: 'configuration', ok: true, message: 'every setting is valid' });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const p of error.problems) {
      const what = CONFIG_VARIABLES[p.setting as ConfigVariable];
      findings.push({ name: p.setting, ok: false, message: p.message, fix: what ? `set ${p.setting}: ${what}` : 'fix this setting' });
    }
  }
  if (config) {
    const c = config;
    output.out('Configuration (secrets redacted):');
    for (const line of JSON.stringify(redactConfig(c), null, 2).split('\n')) output.out(`  ${line}`);
    output.out('');
    findings.push(
      await check('vms-database', 'set VMS_DATABASE_PATH to a writable file path', () => {
        const problem = writableDir(c.vmsDatabasePath);
        if (problem) throw new Error(problem);
        if (!existsSync(c.vmsDatabasePath)) return `${c.vmsDatabasePath} does not exist yet; it is created on the first run`;
        const db = openVmsDatabase(c.vmsDatabasePath);
        try {
          const v = db.pragma('user_version', { simple: true });
          return `${c.vmsDatabasePath} opens (schema ${String(v)}, migrated)`;
        } finally {
          db.close();
        }
      }, c),
      await check('runner-store', 'set VMS_RUNNER_STORE_PATH to a writable file path, not the VMS database', async () => {
        const problem = writableDir(c.storePath);
        if (problem) throw new Error(problem);
        if (!existsSync(c.storePath)) return `${c.storePath} does not exist yet; it is created on the first run`;
        const store = new SqliteStore({ file: c.storePath });
        try {
          const page = await store.listRuns({ limit: 1 });
          return `${c.storePath} opens (${page.items.length === 0 ? 'no runs yet' : `last run ${page.items[0]?.flowName} ${page.items[0]?.state}`})`;
        } finally {
          await store.close();
        }
      }, c),
    );
    if (c.salesforce) {
      findings.push(
        await check('salesforce', 'check SF_LOGIN_URL, SF_USERNAME, SF_PASSWORD and SF_SECURITY_TOKEN (a new token is e-mailed after a password reset)', async () => {
          const client = await connectSalesforce(c.salesforce as NonNullable<RunnerConfig['salesforce']>, { retry: { retries: 0 } });
          const limits = await client.limits();
          const d = limits['DailyApiRequests'];
          return `logged in at ${c.salesforce?.loginUrl ?? 'https://login.salesforce.com'}${d ? `; API usage ${d.Max - d.Remaining}/${d.Max}` : ''}`;
        }, c),
      );
    } else {
      findings.push({ name: 'salesforce', ok: false, message: 'not configured', fix: 'set SF_USERNAME, SF_PASSWORD and SF_SECURITY_TOKEN (or SF_AUTH=jwt|refresh_token|client_credentials with its settings)' });
    }
    const years = Object.entries(c.virtualSessionSheets);
    if (c.google && years.length > 0) {
      const client = createSheetsClient({ auth: c.google.auth, ...(c.google.rootUrl ? { rootUrl: c.google.rootUrl } : {}) });
      for (const [year, sheet] of years) {
        findings.push(
          await check(`sheet ${year}`, 'share the sheet with the service account (or make it link-readable for an API key) and check its id in VIRTUAL_SESSION_SHEETS', async () => {
            const range = await client.getValues({ spreadsheetId: sheet.spreadsheetId, range: sheet.range });
            return `readable (${range.values?.length ?? 0} rows)`;
          }, c),
        );
      }
    } else {
      findings.push({ name: 'google-sheets', ok: false, message: c.google ? 'no sheet configured' : 'not configured', fix: 'set GOOGLE_SERVICE_ACCOUNT_FILE (or GOOGLE_API_KEY) and VIRTUAL_SESSION_SHEETS=2024-2025=<sheet id>' });
    }
    findings.push(
      c.slackWebhookUrl || c.smtp
        ? { name: 'alerts', ok: true, message: [c.slackWebhookUrl ? 'Slack' : '', c.smtp ? `e-mail via ${c.smtp.host}:${c.smtp.port}` : ''].filter(Boolean).join(' and ') }
        : { name: 'alerts', ok: false, message: 'no alert channel: failures would go unnoticed', fix: 'set SLACK_WEBHOOK_URL, or SMTP_HOST with ALERT_EMAIL_FROM and ALERT_EMAIL_TO' },
    );
    findings.push(
      c.apiTokens.admin.length > 0
        ? { name: 'api-tokens', ok: true, message: `${c.apiTokens.admin.length} admin, ${c.apiTokens.readOnly.length} read-only` }
        : { name: 'api-tokens', ok: false, message: 'no admin token: `start` refuses to run', fix: 'set API_TOKENS_ADMIN to a random string of at least 16 characters (e.g. `openssl rand -base64 24`)' },
    );
    if (c.otlpEndpoint) {
      findings.push(
        await check('otlp', 'check OTEL_EXPORTER_OTLP_ENDPOINT (the collector, e.g. Jaeger, must listen for OTLP/HTTP)', async () => {
          const res = await fetch(new URL('/v1/traces', c.otlpEndpoint as string), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans":[]}', signal: AbortSignal.timeout(3000) });
          return `collector answered ${res.status}`;
        }, c),
      );
    }
  }
  for (const f of findings) {
    output.out(`${f.ok ? 'ok  ' : 'FAIL'}  ${f.name}: ${f.message}`);
    if (!f.ok && f.fix) output.out(`      fix: ${f.fix}`);
  }
  const failed = findings.filter((f) => !f.ok).length;
  output.out('');
  output.out(failed === 0 ? 'Everything looks fine.' : `${failed} problem${failed === 1 ? '' : 's'} found.`);
  return failed === 0 ? 0 : 1;
}
