/**
 * `createRunner(config)`: the composition of the app. Opens the VMS database and the runner's
 * store (two files), builds the engine with the flows registered, alerts (when a channel is
 * configured), lazily connected Salesforce and Sheets clients, and the control the HTTP API
 * needs. The schedules are the engine's (`engine.schedule`), stored in the runner's store.
 * Commands use it; `shutdown()` or `close()` undoes it all.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createEngine, FlowError, type Engine, type RecoverResult, type ScheduleInfo } from '@vms/flow-core';
import { attachAlerts, email, slackWebhook, type AlertChannel, type AlertsHandle } from '@vms/flow-alerts';
import { connectSalesforce, type ConnectOptions, type SalesforceClient } from '@vms/flow-salesforce';
import { createSheetsClient, type SheetsClient } from '@vms/flow-sheets';
import { SqliteStore } from '@vms/flow-store-sqlite';
import type { RunnerConfig } from './config/config';
import { openVmsDatabase, type VmsDatabase } from './db/database';
import type { FlowDeps } from './flows/deps';
import { createFlows, flowList, type RunnerFlows } from './flows/index';
import { FULL_SYNC, INCREMENTAL_SYNC } from './flows/salesforce-sync';
import { HEALTH_CHECK } from './flows/health-check';
import { engineControl } from './http/engine-control';
import type { RunnerControl } from './http/control';

/** Names of the built-in schedules. */
export const SCHEDULE_NAMES = {
  incrementalSync: 'daily-incremental-sync',
  fullSync: 'weekly-full-sync',
  healthCheck: 'weekly-health-check',
} as const;

/** A started queue worker (`engine.work()`). */
export type QueueWorker = Awaited<ReturnType<Engine['work']>>;

/** Options of {@link createRunner}. */
export interface CreateRunnerOptions {
  /** Concurrent tasks across all runs. @default 16 */
  concurrency?: number;
  /** Options of the Salesforce connection (retry policy, API-usage governor). @default plugin defaults */
  salesforce?: ConnectOptions;
  /** Engine id (lease owner). @default random */
  id?: string;
}

/** A composed runner. */
export interface Runner {
  readonly config: RunnerConfig;
  readonly db: VmsDatabase;
  readonly store: SqliteStore;
  readonly engine: Engine;
  readonly flows: RunnerFlows;
  readonly control: RunnerControl;
  readonly alerts: AlertsHandle | undefined;
  /** The Salesforce client (connects on first call). */
  salesforce(): Promise<SalesforceClient>;
  /**
   * Stores the configured schedules with `engine.schedule` (keeping their stored slots and pause
   * flags, deleting those set to `off`) and starts firing them; resolves with the stored ones.
   */
  registerSchedules(): Promise<ScheduleInfo[]>;
  /** Starts a queue worker (`engine.work()`) that claims queued and scheduled runs. Idempotent. */
  startWorker(): Promise<QueueWorker>;
  /**
   * What `start` does before it serves: `engine.recover()` (resume runs a crash or a shutdown
   * interrupted), {@link registerSchedules}, then {@link startWorker}.
   */
  startServices(): Promise<{ recovered: RecoverResult; schedules: ScheduleInfo[]; worker: QueueWorker }>;
  /** Stops claiming new runs (the worker halts; runs in flight go on). */
  stopClaiming(): Promise<void>;
  /**
   * Graceful shutdown (SIGTERM): `engine.shutdown({ reason })` aborts running tasks and stores
   * their runs `Crashed` with the reason `shutdown: <reason>`, so the next start resumes them
   * without redoing finished tasks. Files stay open until {@link close}.
   */
  shutdown(reason: string): Promise<void>;
  /** Stops everything: no new runs, running tasks cancelled (or drained), files closed. Idempotent. */
  close(options?: { drain?: boolean }): Promise<void>;
}

function alertChannels(config: RunnerConfig): AlertChannel[] {
  const channels: AlertChannel[] = [];
  if (config.slackWebhookUrl) channels.push(slackWebhook({ url: config.slackWebhookUrl }));
  if (config.smtp) {
    const s = config.smtp;
    channels.push(
      email({
        smtp: { host: s.host, port: s.port, secure: s.secure, ...(s.user !== null ? { auth: { user: s.user, pass: s.password ?? '' } } : {}) },
        from: s.from,
        to: s.to,
      }),
    );
  }
  return channels;
}

/**
 * Builds the runner. Nothing runs until a command starts runs, the scheduler or a worker.
 *
 * @example
 * ```ts
 * const runner = await createRunner(loadConfig());
 * const summary = await runner.engine.run(runner.flows['full-salesforce-sync']);
 * await runner.close();
 * ```
 */
export async function createRunner(config: RunnerConfig, options: CreateRunnerOptions = {}): Promise<Runner> {
  for (const path of [config.vmsDatabasePath, config.storePath]) mkdirSync(dirname(resolve(path)), { recursive: true });
  const db = openVmsDatabase(config.vmsDatabasePath);
  let store: SqliteStore;
  try {
    store = new SqliteStore({ file: config.storePath });
  } catch (error) {
    db.close();
    throw error;
  }
  const engine = createEngine({
    store,
    concurrency: options.concurrency ?? 16,
    logLevel: config.logLevel,
    ...(options.id ? { id: options.id } : {}),
  });
  const channels = alertChannels(config);
  const alerts = channels.length > 0 ? attachAlerts(engine, { channels, clock: engine.clock }) : undefined;

  let sf: Promise<SalesforceClient> | undefined;
  const salesforce = (): Promise<SalesforceClient> => {
    if (config.salesforce === null) {
      return Promise.reject(new FlowError('CONFIG_INVALID', 'Salesforce is not configured: set SF_USERNAME, SF_PASSWORD and SF_SECURITY_TOKEN (or another SF_AUTH mode)', { category: 'validation' }));
    }
    sf ??= connectSalesforce(config.salesforce, options.salesforce);
    // A failed login is not cached: the next task attempt logs in again.
    sf.catch(() => {
      sf = undefined;
    });
    return sf;
  };
  let sheets: SheetsClient | undefined;
  const deps: FlowDeps = {
    db,
    salesforce,
    sheets: () => {
      if (config.google === null) {
        throw new FlowError('CONFIG_INVALID', 'Google is not configured: set GOOGLE_SERVICE_ACCOUNT_JSON (or _FILE) or GOOGLE_API_KEY', { category: 'validation' });
      }
      sheets ??= createSheetsClient({ auth: config.google.auth, ...(config.google.rootUrl ? { rootUrl: config.google.rootUrl } : {}) });
      return sheets;
    },
    sheetFor: (year) => config.virtualSessionSheets[year],
    timeZone: config.timeZone,
    chunkSize: config.chunkSize,
    paths: { vmsDatabase: config.vmsDatabasePath, store: config.storePath },
    pingStore: async () => {
      await store.listRuns({ limit: 1 });
    },
    alerts,
  };
  const flows = createFlows(deps);
  engine.register(...flowList(flows));

  let worker: Promise<QueueWorker> | undefined;
  const control = engineControl({
    engine,
    store,
    flows: [
      { flow: flows[FULL_SYNC], description: 'Every entity from Salesforce, all records' },
      { flow: flows[INCREMENTAL_SYNC], description: 'Every entity from Salesforce, records changed since the watermarks' },
      { flow: flows['virtual-session-import'], description: "A year's virtual-sessions sheet", exampleParams: { academicYear: currentAcademicYear() } },
      { flow: flows[HEALTH_CHECK], description: 'Database, store, Salesforce, data integrity, memory, disk' },
    ],
  });

  let closed: Promise<void> | undefined;
  const registerSchedules = async (): Promise<ScheduleInfo[]> => {
    const entries = [
      [SCHEDULE_NAMES.incrementalSync, flows[INCREMENTAL_SYNC], config.schedules.incrementalSync],
      [SCHEDULE_NAMES.fullSync, flows[FULL_SYNC], config.schedules.fullSync],
      [SCHEDULE_NAMES.healthCheck, flows[HEALTH_CHECK], config.schedules.healthCheck],
    ] as const;
    for (const [name, flowDef, cron] of entries) {
      if (cron === null) {
        await engine.removeSchedule(name);
        continue;
      }
      // Stored slots are kept while the timing is unchanged: a restart neither loses nor repeats one.
      await engine.schedule(flowDef as Parameters<Engine['schedule']>[0], { name, cron, timezone: config.timeZone, overlap: 'skip', catchup: 'latest' });
    }
    return engine.listSchedules();
  };
  const startWorker = (): Promise<QueueWorker> => {
    worker ??= engine.work();
    return worker;
  };
  return {
    config,
    db,
    store,
    engine,
    flows,
    control,
    alerts,
    salesforce,
    registerSchedules,
    startWorker,
    async startServices() {
      const recovered = await engine.recover();
      const schedules = await registerSchedules();
      return { recovered, schedules, worker: await startWorker() };
    },
    async stopClaiming() {
      await (await worker)?.halt();
    },
    async shutdown(reason) {
      await engine.shutdown({ reason });
    },
    close(closeOptions = {}) {
      closed ??= (async () => {
        await (await worker?.catch(() => undefined))?.stop({ cancelReason: 'the runner is shutting down' });
        await engine.stop(closeOptions.drain ? { drain: true } : {});
        if (alerts) {
          await alerts.flush();
          alerts.detach();
        }
        await store.close();
        db.close();
      })();
      return closed;
    },
  };
}

/** The academic year (July–June) of `now`, e.g. `2024-2025`. */
export function currentAcademicYear(now: Date = new Date()): string {
  const y = now.getUTCFullYear();
  const start = now.getUTCMonth() >= 6 ? y : y - 1;
  return `${start}-${start + 1}`;
}
