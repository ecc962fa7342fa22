/**
 * `vms-runner` as a library: the composition the CLI uses, for embedding the VMS sync in another
 * Node process or driving it from tests.
 *
 * @example
 * ```ts
 * import { createRunner, loadConfig } from 'vms-runner';
 *
 * const runner = await createRunner(loadConfig(process.env, { require: ['salesforce'] }));
 * const summary = await runner.engine.run(runner.flows['incremental-salesforce-sync']);
 * console.log(summary.totals);
 * await runner.close();
 * ```
 */
export { loadConfig, CONFIG_VARIABLES, SECRET_VARIABLES } from './config/config';
export type { RunnerConfig, LoadConfigOptions, ConfigRequirement, ConfigVariable, GoogleAuth, SheetRef, SmtpConfig, ScheduleConfig } from './config/config';
export { ConfigError, ConfigErrorCode, type ConfigProblem } from './config/errors';
export { redactConfig, scrubSecrets, REDACTED } from './config/redact';
export { createRunner, currentAcademicYear, SCHEDULE_NAMES } from './runner';
export type { Runner, CreateRunnerOptions, QueueWorker } from './runner';
export { createFlows, type RunnerFlows } from './flows/index';
export type { FlowDeps } from './flows/deps';
export { FULL_SYNC, INCREMENTAL_SYNC, SyncIncompleteError, type EntitySummary, type SyncSummary, type SyncParams } from './flows/salesforce-sync';
export { VIRTUAL_SESSION_IMPORT, type VirtualSessionImportParams, type VirtualSessionImportResult } from './flows/virtual-session-import';
export { HEALTH_CHECK, HealthCheckFailedError, type HealthCheckParams, type HealthCheckResult, type HealthReport } from './flows/health-check';
export { main, USAGE } from './commands/main';
export { demoCommand, type DemoOptions, type DemoResult } from './commands/demo';
export { migrateLegacy, readLegacyFile, type MigrateResult } from './commands/migrate-legacy';
export { memoryOutput, processOutput, type Output } from './commands/output';
