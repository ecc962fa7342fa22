/**
 * Runs one flow in the foreground with live progress, and reports how it ended. Shared by `run`
 * and `demo`.
 */
import { ENDED_STATES, type RunState } from '@vms/flow-core';
import { NotFoundError } from '@vms/flow-core';
import type { Runner } from '../runner';
import type { Output } from './output';
import { followRun } from './progress';

/** How a foreground run ended. */
export interface ForegroundRun {
  runId: string;
  state: RunState;
  result: unknown;
  error: Error | undefined;
  ms: number;
}

/** The runner's flow named `name`, or a not-found error listing the names. */
export function flowByName(runner: Runner, name: string): Runner['flows'][keyof Runner['flows']] {
  const flows = runner.flows as unknown as Record<string, Runner['flows'][keyof Runner['flows']]>;
  const found = flows[name];
  if (found === undefined) throw new NotFoundError(`No flow \`${name}\`; flows: ${Object.keys(flows).join(', ')}`);
  return found;
}

/**
 * Starts `flowName` with `params`, follows it on `output` until it ends, and resolves with its
 * final state (never rejects for a failed run). `signal` cancels it.
 */
export async function runForeground(
  runner: Runner,
  flowName: string,
  params: unknown,
  output: Output,
  options: { logs?: boolean; signal?: AbortSignal } = {},
): Promise<ForegroundRun> {
  const started = performance.now();
  const flow = flowByName(runner, flowName);
  let runId: string | undefined;
  const stop = followRun(runner.engine, () => runId, output, options.logs === undefined ? {} : { logs: options.logs });
  let result: unknown;
  let error: Error | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const handle = await runner.engine.start(flow as any, params as any, options.signal ? { signal: options.signal } : {});
    runId = handle.runId;
    try {
      result = await handle.result();
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
    }
  } finally {
    stop();
  }
  const id = runId as string;
  let run = await runner.store.getRun(id);
  // The final state is written by the engine's batcher; wait for it to land.
  for (let i = 0; i < 50 && (run === undefined || !ENDED_STATES.has(run.state)); i++) {
    await new Promise((r) => setTimeout(r, 20));
    run = await runner.store.getRun(id);
  }
  return { runId: id, state: run?.state ?? (error ? 'Failed' : 'Completed'), result, error, ms: performance.now() - started };
}
