/**
 * `vms-runner run <flow> [--param k=v ...]`: one run in the foreground with live progress;
 * Ctrl+C cancels it. Exit code 0 only when the run ends `Completed`.
 */
import { loadConfig, type ConfigRequirement } from '../config/config';
import { createRunner } from '../runner';
import { FULL_SYNC, INCREMENTAL_SYNC, type SyncSummary } from '../flows/salesforce-sync';
import { VIRTUAL_SESSION_IMPORT } from '../flows/virtual-session-import';
import { HEALTH_CHECK } from '../flows/health-check';
import { FlowError } from '@vms/flow-core';
import { parseParams } from './args';
import { startTelemetry } from '../telemetry/start-telemetry';
import { syncTable } from './summary';
import type { Output } from './output';
import { flowByName, runForeground } from './run-flow';

/** The flows `run` knows, with the settings each needs. */
const FLOW_NAMES: Record<string, ConfigRequirement[]> = {
  [FULL_SYNC]: ['salesforce'],
  [INCREMENTAL_SYNC]: ['salesforce'],
  [VIRTUAL_SESSION_IMPORT]: ['google'],
  [HEALTH_CHECK]: [],
};

/** Runs the command; resolves with the exit code. */
export async function runCommand(flowName: string, paramPairs: readonly string[], output: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const params = parseParams(paramPairs);
  if (!Object.hasOwn(FLOW_NAMES, flowName)) {
    throw new FlowError('USAGE', `No flow \`${flowName}\`; flows: ${Object.keys(FLOW_NAMES).join(', ')}`, { category: 'validation' });
  }
  const config = loadConfig(env, { require: FLOW_NAMES[flowName] ?? [] });
  const telemetry = startTelemetry({ env });
  const runner = await createRunner(config);
  const controller = new AbortController();
  const onSignal = (): void => {
    output.err('cancelling ...');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    flowByName(runner, flowName);
    const run = await runForeground(runner, flowName, Object.keys(params).length > 0 ? params : undefined, output, { signal: controller.signal });
    if (run.result !== undefined && (flowName === FULL_SYNC || flowName === INCREMENTAL_SYNC)) {
      for (const line of syncTable(run.result as SyncSummary)) output.out(line);
    } else if (run.result !== undefined) {
      output.out(JSON.stringify(run.result, null, 2));
    }
    output.out(`${flowName} ${run.state} in ${(run.ms / 1000).toFixed(1)} s (run ${run.runId})${run.error ? `: ${run.error.message}` : ''}`);
    return run.state === 'Completed' ? 0 : 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await runner.close();
    await telemetry.shutdown();
  }
}
