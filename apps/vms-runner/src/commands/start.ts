/** `vms-runner start`: the long-lived runner (see {@link serve}). */
import { loadConfig } from '../config/config';
import { redactConfig } from '../config/redact';
import { createRunner } from '../runner';
import type { Output } from './output';
import { serve } from './serve';
import { startTelemetry } from '../telemetry/start-telemetry';

/** Runs until SIGTERM/SIGINT; resolves with the exit code. */
export async function startCommand(output: Output, env: NodeJS.ProcessEnv = process.env, until?: Promise<unknown>): Promise<number> {
  const config = loadConfig(env, { require: ['salesforce', 'apiTokens'] });
  output.out(`vms-runner starting: VMS database ${config.vmsDatabasePath}, store ${config.storePath}, zone ${config.timeZone}`);
  if (config.logLevel === 'debug') output.out(JSON.stringify(redactConfig(config)));
  const telemetry = startTelemetry({ env });
  if (telemetry.enabled) output.out(`traces to ${telemetry.endpoint} as ${telemetry.serviceName}`);
  const runner = await createRunner(config);
  try {
    await serve(runner, output, { telemetry, ...(until ? { until } : {}) });
  } finally {
    await runner.close();
    await telemetry.shutdown();
  }
  return 0;
}
