/**
 * The runner's configuration, read from environment variables (and an optional `.env`), each
 * validated with zod. {@link loadConfig} collects every problem before it throws, so a person
 * fixes them all in one go; secret values never appear in a message.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { z } from 'zod';
import { validateScheduleSpec } from '@vms/flow-core';
import { SalesforceConfig, type SalesforceConfigInput } from '@vms/flow-salesforce';
import { ConfigError, ConfigErrorCode, type ConfigProblem } from './errors';

/** Google credentials for the Sheets API. */
export type GoogleAuth = { apiKey: string } | { serviceAccount: { client_email: string; private_key: string; token_uri?: string } };

/** One academic year's virtual-sessions sheet. */
export interface SheetRef {
  /** The id in the sheet's URL. */
  spreadsheetId: string;
  /** The A1 range holding the header (row 4) and the rows. */
  range: string;
}

/** SMTP settings of e-mail alerts. */
export interface SmtpConfig {
  host: string;
  /** @default 587 */
  port: number;
  /** TLS from the start (port 465) instead of STARTTLS. @default false */
  secure: boolean;
  user: string | null;
  password: string | null;
  from: string;
  to: string[];
}

/** Cron expressions (in {@link RunnerConfig.timeZone}) of the built-in schedules; `null` disables one. */
export interface ScheduleConfig {
  /** @default '0 2 * * *' (daily 02:00) */
  incrementalSync: string | null;
  /** @default '0 6 * * 1' (Monday 06:00) */
  fullSync: string | null;
  /** @default '0 6 * * 1' (Monday 06:00) */
  healthCheck: string | null;
}

/** The validated configuration. */
export interface RunnerConfig {
  /** The VMS SQLite database file. @default './data/vms.db' */
  vmsDatabasePath: string;
  /** The runner's own store (runs, schedules), a different file. @default './data/runner.db' */
  storePath: string;
  /** IANA zone of schedules and sheet times. @default 'America/Chicago' */
  timeZone: string;
  /** Salesforce connection (any of the plugin's auth modes), or null when not configured. */
  salesforce: SalesforceConfigInput | null;
  /** Google credentials, or null when not configured. */
  google: { auth: GoogleAuth; rootUrl: string | null } | null;
  /** Virtual-sessions sheet per academic year (`2024-2025`). @default {} */
  virtualSessionSheets: Record<string, SheetRef>;
  /** Slack incoming-webhook URL for alerts. @default null */
  slackWebhookUrl: string | null;
  /** SMTP for e-mail alerts. @default null */
  smtp: SmtpConfig | null;
  schedules: ScheduleConfig;
  /** Bearer tokens of the HTTP API and dashboard. */
  apiTokens: { readOnly: string[]; admin: string[] };
  /** OTLP/HTTP traces endpoint, e.g. `http://127.0.0.1:4318`. @default null (no export) */
  otlpEndpoint: string | null;
  /** Where the HTTP API and dashboard listen. @default { host: '127.0.0.1', port: 8080 } */
  http: { host: string; port: number };
  /** Process log level. @default 'info' */
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Records per transaction in the Salesforce sync. @default 2000 */
  chunkSize: number;
}

/** What a command needs configured beyond the defaults. */
export type ConfigRequirement = 'salesforce' | 'google' | 'apiTokens';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /**
   * A `.env` file to read first (its values never override the environment). `false` reads none.
   * @default '.env' in the working directory, when it exists
   */
  envFile?: string | false;
  /** Settings the command needs (each missing one is a problem). @default [] */
  require?: readonly ConfigRequirement[];
}

/** Every environment variable the runner reads, with its meaning (for `doctor` and the README). */
export const CONFIG_VARIABLES = {
  VMS_DATABASE_PATH: 'VMS SQLite database file (default ./data/vms.db)',
  VMS_RUNNER_STORE_PATH: "runner's store: runs, schedules (default ./data/runner.db)",
  VMS_TIMEZONE: 'IANA time zone of schedules and sheets (default America/Chicago)',
  SF_AUTH: 'password | refresh_token | jwt | client_credentials (default password)',
  SF_LOGIN_URL: 'Salesforce login URL (default https://login.salesforce.com)',
  SF_API_VERSION: 'REST API version (default 62.0)',
  SF_USERNAME: 'Salesforce user (password, jwt)',
  SF_PASSWORD: 'Salesforce password (secret)',
  SF_SECURITY_TOKEN: 'Salesforce security token (secret)',
  SF_CLIENT_ID: 'connected app consumer key',
  SF_CLIENT_SECRET: 'connected app consumer secret (secret)',
  SF_REFRESH_TOKEN: 'OAuth refresh token (secret)',
  SF_PRIVATE_KEY: 'PEM private key for the JWT flow (secret); or SF_PRIVATE_KEY_FILE',
  SF_PRIVATE_KEY_FILE: 'file holding the PEM private key',
  GOOGLE_API_KEY: 'Sheets API key (secret)',
  GOOGLE_SERVICE_ACCOUNT_JSON: 'service-account key JSON (secret); or GOOGLE_SERVICE_ACCOUNT_FILE',
  GOOGLE_SERVICE_ACCOUNT_FILE: 'file holding the service-account key JSON',
  GOOGLE_SHEETS_ROOT_URL: 'Sheets API base URL (tests only)',
  VIRTUAL_SESSION_SHEETS: 'sheet id per academic year: 2024-2025=<id>,2025-2026=<id>',
  VIRTUAL_SESSION_RANGE: "A1 range of the sheets (default 'Virtual Sessions'!A1:N)",
  SLACK_WEBHOOK_URL: 'Slack incoming webhook for alerts (secret)',
  SMTP_HOST: 'SMTP server for e-mail alerts',
  SMTP_PORT: 'SMTP port (default 587)',
  SMTP_SECURE: 'true for TLS from the start (port 465)',
  SMTP_USER: 'SMTP user',
  SMTP_PASSWORD: 'SMTP password (secret)',
  ALERT_EMAIL_FROM: 'sender of e-mail alerts',
  ALERT_EMAIL_TO: 'comma-separated recipients of e-mail alerts',
  SCHEDULE_INCREMENTAL_SYNC: "cron of the incremental sync, or 'off' (default 0 2 * * *)",
  SCHEDULE_FULL_SYNC: "cron of the full sync, or 'off' (default 0 6 * * 1)",
  SCHEDULE_HEALTH_CHECK: "cron of the health check, or 'off' (default 0 6 * * 1)",
  API_TOKENS_READ_ONLY: 'comma-separated read-only API tokens (secret, >= 16 characters each)',
  API_TOKENS_ADMIN: 'comma-separated admin API tokens (secret, >= 16 characters each)',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'OTLP/HTTP endpoint for traces, e.g. http://127.0.0.1:4318',
  HTTP_HOST: 'interface of the HTTP API and dashboard (default 127.0.0.1)',
  HTTP_PORT: 'port of the HTTP API and dashboard (default 8080)',
  LOG_LEVEL: 'debug | info | warn | error (default info)',
  SYNC_CHUNK_SIZE: 'records per transaction in the sync (default 2000)',
} as const;
export type ConfigVariable = keyof typeof CONFIG_VARIABLES;

/** Variables whose values are secrets: never printed, never echoed in a problem. */
export const SECRET_VARIABLES: ReadonlySet<ConfigVariable> = new Set<ConfigVariable>([
  'SF_PASSWORD', 'SF_SECURITY_TOKEN', 'SF_CLIENT_SECRET', 'SF_REFRESH_TOKEN', 'SF_PRIVATE_KEY', 'GOOGLE_API_KEY',
  'GOOGLE_SERVICE_ACCOUNT_JSON', 'SLACK_WEBHOOK_URL', 'SMTP_PASSWORD', 'API_TOKENS_READ_ONLY', 'API_TOKENS_ADMIN',
]);

const MIN_TOKEN_LENGTH = 16;

type Env = Readonly<Record<string, string | undefined>>;

/** Echoes a bad value for a person, unless the variable is a secret. */
function shown(name: ConfigVariable, value: string): string {
  return SECRET_VARIABLES.has(name) ? `a value of ${value.length} characters` : `\`${value}\``;
}

function isUrl(value: string, protocols: readonly string[] = ['http:', 'https:']): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Salesforce config keys → the variable a person sets. */
const SF_VARIABLE: Record<string, ConfigVariable> = {
  auth: 'SF_AUTH', loginUrl: 'SF_LOGIN_URL', apiVersion: 'SF_API_VERSION', username: 'SF_USERNAME', password: 'SF_PASSWORD',
  securityToken: 'SF_SECURITY_TOKEN', clientId: 'SF_CLIENT_ID', clientSecret: 'SF_CLIENT_SECRET',
  refreshToken: 'SF_REFRESH_TOKEN', privateKey: 'SF_PRIVATE_KEY',
};

/** Collects problems while values are read. */
class Reader {
  readonly problems: ConfigProblem[] = [];
  constructor(readonly env: Env) {}

  raw(name: ConfigVariable): string | undefined {
    const v = this.env[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    return t.length === 0 ? undefined : t;
  }

  problem(setting: string, message: string): void {
    this.problems.push({ setting, message });
  }

  string(name: ConfigVariable, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  int(name: ConfigVariable, fallback: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || n < min || n > max) {
      this.problem(name, `Expected an integer from ${min} to ${max}, got ${shown(name, v)}`);
      return fallback;
    }
    return n;
  }

  bool(name: ConfigVariable, fallback: boolean): boolean {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    this.problem(name, `Expected true or false, got \`${v}\``);
    return fallback;
  }

  url(name: ConfigVariable, protocols?: readonly string[]): string | null {
    const v = this.raw(name);
    if (v === undefined) return null;
    if (!isUrl(v, protocols)) {
      this.problem(name, `Expected an ${protocols?.join(' or ').replaceAll(':', '') ?? 'http(s)'} URL, got ${shown(name, v)}`);
      return null;
    }
    return v;
  }

  list(name: ConfigVariable): string[] {
    return (this.raw(name) ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  }

  cron(name: ConfigVariable, fallback: string, timeZone: string): string | null {
    const v = this.raw(name) ?? fallback;
    if (v.toLowerCase() === 'off') return null;
    try {
      validateScheduleSpec({ cron: v, timezone: isTimeZone(timeZone) ? timeZone : 'UTC' });
      return v;
    } catch (error) {
      this.problem(name, `Expected a cron expression (5 fields, e.g. \`0 2 * * *\`) or \`off\`: ${(error as Error).message}`);
      return null;
    }
  }

  file(name: ConfigVariable, path: string): string | undefined {
    try {
      return readFileSync(resolve(path), 'utf8');
    } catch (error) {
      this.problem(name, `Cannot read \`${path}\`: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      return undefined;
    }
  }
}

function readSalesforce(r: Reader): SalesforceConfigInput | null {
  const names = Object.values(SF_VARIABLE).concat('SF_PRIVATE_KEY_FILE');
  if (!names.some((n) => r.raw(n) !== undefined)) return null;
  let privateKey = r.raw('SF_PRIVATE_KEY');
  const keyFile = r.raw('SF_PRIVATE_KEY_FILE');
  if (privateKey === undefined && keyFile !== undefined) privateKey = r.file('SF_PRIVATE_KEY_FILE', keyFile);
  const input: Record<string, unknown> = { auth: r.raw('SF_AUTH') ?? 'password' };
  for (const [key, variable] of Object.entries(SF_VARIABLE)) {
    if (key === 'auth' || key === 'privateKey') continue;
    const v = r.raw(variable);
    if (v !== undefined) input[key] = v;
  }
  if (privateKey !== undefined) input.privateKey = privateKey;
  const parsed = SalesforceConfig.safeParse(input);
  if (parsed.success) return input as SalesforceConfigInput;
  for (const issue of parsed.error.issues) {
    const key = String(issue.path[0] ?? 'auth');
    const variable = SF_VARIABLE[key] ?? `SF_${key.toUpperCase()}`;
    // The plugin's messages never hold secrets; missing fields name the variable to set.
    const missing = issue.code === 'invalid_type' && input[key] === undefined;
    r.problem(variable, missing ? `Required for SF_AUTH=${String(input.auth)} (${CONFIG_VARIABLES[variable as ConfigVariable] ?? key})` : issue.message);
  }
  return null;
}

function readGoogle(r: Reader): RunnerConfig['google'] {
  const apiKey = r.raw('GOOGLE_API_KEY');
  let json = r.raw('GOOGLE_SERVICE_ACCOUNT_JSON');
  const file = r.raw('GOOGLE_SERVICE_ACCOUNT_FILE');
  if (json === undefined && file !== undefined) json = r.file('GOOGLE_SERVICE_ACCOUNT_FILE', file);
  const rootUrl = r.url('GOOGLE_SHEETS_ROOT_URL');
  if (json !== undefined) {
    const ServiceAccount = z.object({ client_email: z.string().min(3), private_key: z.string().includes('PRIVATE KEY'), token_uri: z.string().optional() });
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      r.problem(file !== undefined && r.raw('GOOGLE_SERVICE_ACCOUNT_JSON') === undefined ? 'GOOGLE_SERVICE_ACCOUNT_FILE' : 'GOOGLE_SERVICE_ACCOUNT_JSON', 'Expected a service-account key in JSON (the file Google Cloud downloads), got text that is not JSON');
      return null;
    }
    const parsed = ServiceAccount.safeParse(value);
    if (!parsed.success) {
      r.problem('GOOGLE_SERVICE_ACCOUNT_JSON', `Expected a service-account key with client_email and private_key; problems at ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
      return null;
    }
    const sa = parsed.data;
    return { auth: { serviceAccount: { client_email: sa.client_email, private_key: sa.private_key, ...(sa.token_uri ? { token_uri: sa.token_uri } : {}) } }, rootUrl };
  }
  if (apiKey !== undefined) return { auth: { apiKey }, rootUrl };
  return null;
}

function readSheets(r: Reader): Record<string, SheetRef> {
  const range = r.string('VIRTUAL_SESSION_RANGE', "'Virtual Sessions'!A1:N");
  const out: Record<string, SheetRef> = {};
  for (const entry of r.list('VIRTUAL_SESSION_SHEETS')) {
    const m = /^(\d{4})-(\d{4})\s*=\s*(\S+)$/.exec(entry);
    if (!m || Number(m[2]) !== Number(m[1]) + 1) {
      r.problem('VIRTUAL_SESSION_SHEETS', `Expected entries like \`2024-2025=<sheet id>\` (consecutive years), got \`${entry}\``);
      continue;
    }
    out[`${m[1]}-${m[2]}`] = { spreadsheetId: m[3] as string, range };
  }
  return out;
}

function readSmtp(r: Reader): SmtpConfig | null {
  const host = r.raw('SMTP_HOST');
  const port = r.int('SMTP_PORT', 587, 1, 65_535);
  const secure = r.bool('SMTP_SECURE', false);
  const from = r.raw('ALERT_EMAIL_FROM');
  const to = r.list('ALERT_EMAIL_TO');
  if (host === undefined) {
    if (from !== undefined || to.length > 0) r.problem('SMTP_HOST', 'Required when ALERT_EMAIL_FROM or ALERT_EMAIL_TO is set');
    return null;
  }
  if (from === undefined) r.problem('ALERT_EMAIL_FROM', 'Required when SMTP_HOST is set (the sender of alert e-mails)');
  if (to.length === 0) r.problem('ALERT_EMAIL_TO', 'Required when SMTP_HOST is set (comma-separated recipients)');
  for (const address of to) if (!/^[^@\s]+@[^@\s]+$/.test(address)) r.problem('ALERT_EMAIL_TO', `Expected e-mail addresses, got \`${address}\``);
  return { host, port, secure, user: r.raw('SMTP_USER') ?? null, password: r.raw('SMTP_PASSWORD') ?? null, from: from ?? '', to };
}

function readTokens(r: Reader): RunnerConfig['apiTokens'] {
  const check = (name: 'API_TOKENS_READ_ONLY' | 'API_TOKENS_ADMIN'): string[] => {
    const tokens = r.list(name);
    tokens.forEach((t, i) => {
      if (t.length < MIN_TOKEN_LENGTH) r.problem(name, `Expected each token to have at least ${MIN_TOKEN_LENGTH} characters; token ${i + 1} has ${t.length}`);
    });
    return tokens;
  };
  return { readOnly: check('API_TOKENS_READ_ONLY'), admin: check('API_TOKENS_ADMIN') };
}

/**
 * Reads and validates the configuration from `env` (after an optional `.env`). Throws one
 * {@link ConfigError} listing every problem.
 *
 * @example
 * ```ts
 * const config = loadConfig(process.env, { require: ['salesforce', 'apiTokens'] });
 * ```
 */
export function loadConfig(env: Env = process.env, options: LoadConfigOptions = {}): RunnerConfig {
  const envFile = options.envFile === undefined ? (existsSync('.env') ? '.env' : false) : options.envFile;
  let merged: Env = env;
  if (envFile !== false) merged = { ...readEnvFile(envFile), ...env };
  const r = new Reader(merged);

  const timeZone = r.string('VMS_TIMEZONE', 'America/Chicago');
  if (!isTimeZone(timeZone)) r.problem('VMS_TIMEZONE', `Expected an IANA time zone such as \`America/Chicago\`, got \`${timeZone}\``);
  const vmsDatabasePath = r.string('VMS_DATABASE_PATH', './data/vms.db');
  const storePath = r.string('VMS_RUNNER_STORE_PATH', './data/runner.db');
  if (resolve(vmsDatabasePath) === resolve(storePath)) {
    r.problem('VMS_RUNNER_STORE_PATH', `Expected a different file from VMS_DATABASE_PATH, both are \`${storePath}\``);
  }
  const logLevel = r.string('LOG_LEVEL', 'info').toLowerCase();
  if (!['debug', 'info', 'warn', 'error'].includes(logLevel)) r.problem('LOG_LEVEL', `Expected debug, info, warn or error, got \`${logLevel}\``);

  const config: RunnerConfig = {
    vmsDatabasePath,
    storePath,
    timeZone,
    salesforce: readSalesforce(r),
    google: readGoogle(r),
    virtualSessionSheets: readSheets(r),
    slackWebhookUrl: r.url('SLACK_WEBHOOK_URL', ['https:', 'http:']),
    smtp: readSmtp(r),
    schedules: {
      incrementalSync: r.cron('SCHEDULE_INCREMENTAL_SYNC', '0 2 * * *', timeZone),
      fullSync: r.cron('SCHEDULE_FULL_SYNC', '0 6 * * 1', timeZone),
      healthCheck: r.cron('SCHEDULE_HEALTH_CHECK', '0 6 * * 1', timeZone),
    },
    apiTokens: readTokens(r),
    otlpEndpoint: r.url('OTEL_EXPORTER_OTLP_ENDPOINT'),
    http: { host: r.string('HTTP_HOST', '127.0.0.1'), port: r.int('HTTP_PORT', 8080, 0, 65_535) },
    logLevel: logLevel as RunnerConfig['logLevel'],
    chunkSize: r.int('SYNC_CHUNK_SIZE', 2000, 1, 10_000),
  };

  const require = new Set(options.require ?? []);
  const reported = new Set(r.problems.map((p) => p.setting));
  if (require.has('salesforce') && config.salesforce === null && ![...reported].some((s) => s.startsWith('SF_'))) {
    r.problem('SF_USERNAME', 'Salesforce is not configured: set SF_USERNAME, SF_PASSWORD and SF_SECURITY_TOKEN (or another SF_AUTH mode)');
  }
  if (require.has('google') && config.google === null && !reported.has('GOOGLE_SERVICE_ACCOUNT_JSON') && !reported.has('GOOGLE_SERVICE_ACCOUNT_FILE')) {
    r.problem('GOOGLE_SERVICE_ACCOUNT_JSON', 'Google is not configured: set GOOGLE_SERVICE_ACCOUNT_JSON (or _FILE) or GOOGLE_API_KEY');
  }
  if (require.has('apiTokens') && config.apiTokens.admin.length === 0 && !reported.has('API_TOKENS_ADMIN')) {
    r.problem('API_TOKENS_ADMIN', `At least one admin token is required (comma-separated, >= ${MIN_TOKEN_LENGTH} characters each)`);
  }
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

/** Reads a `.env` file into a plain object without touching `process.env`. */
function readEnvFile(path: string): Record<string, string> {
  try {
    // Parsed into a copy (util.parseEnv, the parser of process.loadEnvFile) so the environment wins.
    return parseEnv(readFileSync(path, 'utf8')) as Record<string, string>;
  } catch (error) {
    throw new ConfigError([{ setting: path, message: `Cannot read the env file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` }], ConfigErrorCode.EnvFile);
  }
}
