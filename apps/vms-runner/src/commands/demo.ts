/**
 * `vms-runner demo`: the embedded default. Starts the Salesforce and Sheets test servers on
 * 127.0.0.1 seeded by the data generator (or a CumulusCI dataset), points a runner at them
 * through ordinary configuration, runs `full-salesforce-sync` and `virtual-session-import` into a
 * fresh SQLite VMS database, and prints a per-entity summary. With `--serve` it keeps running as
 * `start` would (schedules, workers, HTTP API and dashboard).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadCumulusDataset, startSalesforceTestServer, type SalesforceTestServer } from '@vms/flow-salesforce/testing';
import { startSheetsTestServer, type SheetsTestServer } from '@vms/flow-sheets/testing';
import { loadConfig } from '../config/config';
import { createDataset, SOBJECT_NAMES } from '../generator/dataset';
import { adaptNpspRecords, fieldDeclarations } from '../generator/npsp';
import { virtualSessionSheet } from '../generator/sheet';
import { totalRecords, type Scale } from '../generator/volumes';
import { createRunner, type Runner } from '../runner';
import { ENTITIES } from '../sync/entities';
import { FULL_SYNC, syncTotals, type EntitySummary, type SyncSummary } from '../flows/salesforce-sync';
import { ENTITY_NAMES, type EntityName } from '../sync/dag';
import { VIRTUAL_SESSION_IMPORT, type VirtualSessionImportResult } from '../flows/virtual-session-import';
import { runForeground } from './run-flow';
import type { Output } from './output';
import { syncTable } from './summary';
import { serve } from './serve';
import { startTelemetry, type Telemetry } from '../telemetry/start-telemetry';

/** Options of {@link demoCommand}. */
export interface DemoOptions {
  /** Generator scale: a multiple of scale 1 (~25k records) or `'prod'` (~700k). @default 1 */
  scale?: Scale;
  /** A CumulusCI dataset folder to serve instead of generated data. @default none */
  dataset?: string;
  /** Keep running as `start` would after the demo runs. @default false */
  serve?: boolean;
  /** Directory for the VMS database and the runner's store. @default a fresh temp dir */
  dir?: string;
  /** Generator seed. @default 1 */
  seed?: number;
  /** HTTP port with `serve`. @default 8080 */
  port?: number;
  /** Resolves to stop `--serve` (tests); by default SIGINT/SIGTERM. */
  until?: Promise<unknown>;
  /**
   * Environment with the `OTEL_*` settings: with an endpoint, the demo's runs are traced as
   * `start`'s are. @default process.env
   */
  telemetryEnv?: Readonly<Record<string, string | undefined>>;
}

/** What the demo did (the summary it printed, as data). */
export interface DemoResult {
  ok: boolean;
  dir: string;
  records: number;
  sync: SyncSummary | undefined;
  sessions: VirtualSessionImportResult | undefined;
  wallMs: number;
  maxRssMb: number;
}

const SHEET_ID = 'demo-virtual-sessions';
const SHEET_KEY = 'demo-sheets-api-key';

/** The academic year the generated org's data belongs to (its `asOf` is 2025-06-30). */
export const DEMO_YEAR = '2024-2025';

/** Starts the Salesforce test server with the demo's data. */
export async function startDemoSalesforce(
  options: Pick<DemoOptions, 'dataset' | 'seed' | 'scale'>,
  output: Output,
): Promise<{ server: SalesforceTestServer; records: number; entities?: EntityName[] }> {
  const fields = fieldDeclarations(Object.values(ENTITIES));
  if (options.dataset !== undefined) {
    const dataset = await loadCumulusDataset(resolve(options.dataset));
    const records = adaptNpspRecords(dataset.records);
    const server = await startSalesforceTestServer({
      records,
      fields: { ...fields, Account: { ...fields.Account, Type: 'string' }, Contact: { ...fields.Contact, Contact_Type__c: 'string' } },
    });
    const n = Object.values(records).reduce((sum, list) => sum + list.length, 0);
    // A dataset from another org holds only some of the VMS's objects: sync the entities it has.
    const entities = ENTITY_NAMES.filter((e) => (records[ENTITIES[e].sobject]?.length ?? 0) > 0);
    output.out(`Salesforce test server at ${server.url}: CumulusCI dataset ${options.dataset} (${n.toLocaleString('en-US')} records; entities ${entities.join(', ')})`);
    return { server, records: n, entities };
  }
  const data = createDataset({ seed: options.seed ?? 1, scale: options.scale ?? 1 });
  const records: Record<string, Iterable<Record<string, unknown>>> = {};
  for (const sobject of SOBJECT_NAMES) records[sobject] = data.sobjectRecords(sobject);
  const server = await startSalesforceTestServer({ records, fields });
  const n = SOBJECT_NAMES.reduce((sum, s) => sum + server.records(s).length, 0);
  output.out(
    `Salesforce test server at ${server.url}: generated org, scale ${String(options.scale ?? 1)}, seed ${options.seed ?? 1} ` +
      `(${n.toLocaleString('en-US')} records; ${totalRecords(data.volumes).toLocaleString('en-US')} planned)`,
  );
  return { server, records: n };
}

/** Starts the Sheets test server with the demo's virtual-sessions sheet. */
export async function startDemoSheets(options: Pick<DemoOptions, 'seed'>, output: Output): Promise<SheetsTestServer> {
  const sheet = virtualSessionSheet({ academicYear: DEMO_YEAR, seed: options.seed ?? 1, rows: 240 });
  const server = await startSheetsTestServer({ sheets: { [SHEET_ID]: { 'Virtual Sessions': sheet.values } }, apiKey: SHEET_KEY });
  output.out(`Sheets test server at ${server.rootUrl}: virtual sessions ${DEMO_YEAR} (${sheet.values.length - 4} rows)`);
  return server;
}

/** A sync run's per-entity results from its stored task runs (when the run failed and returned nothing). */
async function storedSummary(runner: Runner, runId: string): Promise<SyncSummary> {
  const detail = await runner.store.getRunDetail(runId, { logLimit: 0 });
  const entities: Record<string, EntitySummary> = {};
  for (const e of ENTITY_NAMES) {
    const t = detail?.taskRuns.find((x) => x.taskKey === e);
    if (!t) continue;
    entities[e] = t.result !== null && typeof t.result === 'object'
      ? (t.result as unknown as EntitySummary)
      : { ...EMPTY, entity: e, status: 'not_run', ...(t.error ? { error: t.error.message } : {}) };
  }
  return { mode: 'full', entities, totals: syncTotals(entities) };
}

const EMPTY: Omit<EntitySummary, 'entity' | 'status'> = {
  mode: 'full', processed: 0, created: 0, updated: 0, unchanged: 0, skipped: 0, failed: 0, queued: 0, resolved: 0, warnings: 0,
  errorCount: 0, errors: [], watermarkBefore: null, watermarkAfter: null, resumed: false,
};

/** The environment that points a runner at the demo's servers (as an operator would set it). */
export function demoEnv(
  sf: Pick<SalesforceTestServer, 'url' | 'credentials'>,
  sheets: Pick<SheetsTestServer, 'rootUrl'>,
  dir: string,
  options: { adminToken?: string; port?: number } = {},
): Record<string, string> {
  return {
    VMS_DATABASE_PATH: join(dir, 'vms.db'),
    VMS_RUNNER_STORE_PATH: join(dir, 'runner.db'),
    SF_AUTH: 'password',
    SF_LOGIN_URL: sf.url,
    SF_USERNAME: sf.credentials.username,
    SF_PASSWORD: sf.credentials.password,
    SF_SECURITY_TOKEN: sf.credentials.securityToken,
    GOOGLE_API_KEY: SHEET_KEY,
    GOOGLE_SHEETS_ROOT_URL: sheets.rootUrl,
    VIRTUAL_SESSION_SHEETS: `${DEMO_YEAR}=${SHEET_ID}`,
    API_TOKENS_ADMIN: options.adminToken ?? randomBytes(18).toString('base64url'),
    HTTP_PORT: String(options.port ?? 8080),
    LOG_LEVEL: 'info',
  };
}

/**
 * Runs the demo; returns the exit code (0 when both runs completed).
 */
export async function demoCommand(options: DemoOptions, output: Output): Promise<{ code: number; result: DemoResult }> {
  const started = performance.now();
  const dir = options.dir !== undefined ? resolve(options.dir) : mkdtempSync(join(tmpdir(), 'vms-demo-'));
  mkdirSync(dir, { recursive: true });
  let sfServer: SalesforceTestServer | undefined;
  let sheetsServer: SheetsTestServer | undefined;
  let runner: Runner | undefined;
  let telemetry: Telemetry | undefined;
  const result: DemoResult = { ok: false, dir, records: 0, sync: undefined, sessions: undefined, wallMs: 0, maxRssMb: 0 };
  try {
    const sf = await startDemoSalesforce(options, output);
    sfServer = sf.server;
    result.records = sf.records;
    sheetsServer = await startDemoSheets(options, output);
    const adminToken = randomBytes(18).toString('base64url');
    // The runner is configured exactly as in production: through environment settings.
    const config = loadConfig(demoEnv(sfServer, sheetsServer, dir, { adminToken, port: options.port ?? 8080 }), { envFile: false });
    output.out(`VMS database ${config.vmsDatabasePath}; runner store ${config.storePath}`);
    telemetry = startTelemetry({ env: options.telemetryEnv ?? process.env });
    if (telemetry.enabled) output.out(`traces to ${telemetry.endpoint} as ${telemetry.serviceName}`);
    runner = await createRunner(config);

    output.out('');
    output.out(`Running ${FULL_SYNC} ...`);
    const sync = await runForeground(runner, FULL_SYNC, sf.entities ? { entities: sf.entities } : undefined, output, { logs: false });
    result.sync = (sync.result as SyncSummary | undefined) ?? (await storedSummary(runner, sync.runId));
    output.out(`${FULL_SYNC}: ${sync.state} in ${(sync.ms / 1000).toFixed(1)} s (run ${sync.runId})${sync.error ? `: ${sync.error.message}` : ''}`);
    if (sync.state !== 'Completed') for (const e of Object.values(result.sync.entities).filter((x) => x.error)) output.out(`  ${e.entity}: ${e.error}`);

    output.out(`Running ${VIRTUAL_SESSION_IMPORT} ${DEMO_YEAR} ...`);
    const vs = await runForeground(runner, VIRTUAL_SESSION_IMPORT, { academicYear: DEMO_YEAR }, output, { logs: false });
    result.sessions = (vs.result as VirtualSessionImportResult | undefined) ?? undefined;
    output.out(`${VIRTUAL_SESSION_IMPORT}: ${vs.state} in ${(vs.ms / 1000).toFixed(1)} s (run ${vs.runId})${vs.error ? `: ${vs.error.message}` : ''}`);

    result.ok = sync.state === 'Completed' && vs.state === 'Completed';
    result.wallMs = performance.now() - started;
    result.maxRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
    output.out('');
    for (const line of syncTable(result.sync, result.sessions)) output.out(line);
    const errors = runner.db.prepare('SELECT count(*) FROM row_errors').pluck().get() as number;
    const pending = runner.db.prepare('SELECT count(*) FROM pending_imports WHERE resolved_at IS NULL').pluck().get() as number;
    output.out('');
    output.out(`${errors.toLocaleString('en-US')} row errors stored with their codes (SELECT code, count(*) FROM row_errors GROUP BY code); ${pending.toLocaleString('en-US')} records wait in the pending queue.`);
    output.out(`Wall time ${(result.wallMs / 1000).toFixed(1)} s; peak RSS ${result.maxRssMb} MB; files in ${dir}`);
    output.out(`Inspect these runs: VMS_RUNNER_STORE_PATH=${config.storePath} vms-runner runs (or show <runId>)`);
    output.out(result.ok ? 'Demo completed.' : 'Demo FAILED: a run did not complete (see above).');

    if (options.serve && result.ok) {
      output.out('');
      await serve(runner, output, { adminToken, telemetry, ...(options.until ? { until: options.until } : {}) });
    }
    return { code: result.ok ? 0 : 1, result };
  } finally {
    await runner?.close();
    await telemetry?.shutdown();
    await sheetsServer?.close();
    await sfServer?.close();
  }
}
