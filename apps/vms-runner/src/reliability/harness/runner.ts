/**
 * The composed runner in this process, configured the way an operator configures it (from
 * environment settings), for tests that need to reach inside (fault plans, retry timing).
 */
import { ENDED_STATES, type RunState } from '@vms/flow-core';
import { loadConfig, type RunnerConfig } from '../../config/config';
import { createRunner, type CreateRunnerOptions, type Runner } from '../../runner';

/** Fast Salesforce retries for tests (the policy shape of production, shorter waits). */
export const FAST_SF_RETRY = { retries: 6, minDelayMs: 20, factor: 2, maxDelayMs: 400, jitter: 0.2 } as const;

/** Builds a runner from environment settings; `adjust` may change the parsed configuration. */
export async function runnerFrom(
  env: Record<string, string>,
  options: CreateRunnerOptions = {},
  adjust: (config: RunnerConfig) => RunnerConfig = (c) => c,
): Promise<Runner> {
  return createRunner(adjust(loadConfig(env, { envFile: false })), options);
}

/** How a run ended. */
export interface RunOutcome {
  runId: string;
  state: RunState;
  result: unknown;
  error: Error | undefined;
}

/** Starts `flowName` and waits for its end (never rejects for a failed run). */
export async function runFlow(runner: Runner, flowName: keyof Runner['flows'], params?: unknown): Promise<RunOutcome> {
  const flow = runner.flows[flowName];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const handle = await runner.engine.start(flow as any, params as any);
  let result: unknown;
  let error: Error | undefined;
  try {
    result = await handle.result();
  } catch (e) {
    error = e instanceof Error ? e : new Error(String(e));
  }
  let run = await runner.store.getRun(handle.runId);
  for (let i = 0; i < 100 && (run === undefined || !ENDED_STATES.has(run.state)); i++) {
    await new Promise((r) => setTimeout(r, 20));
    run = await runner.store.getRun(handle.runId);
  }
  return { runId: handle.runId, state: run?.state ?? 'Running', result, error };
}
