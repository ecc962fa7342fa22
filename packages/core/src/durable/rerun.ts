/**
 * `engine.rerun(runId, { fromTask })` (SPEC §2.4): a new run of the same flow with the same
 * stored params that reuses the results of the tasks that completed before `fromTask`, so only
 * that task and what follows run again.
 */
import { randomUUID } from 'node:crypto';
import type { Flow } from '../definitions.js';
import { NotFoundError } from '../errors.js';
import type { NewTaskRun, StoreOp, TaskRunRecord } from '../store/types.js';
import { invalid } from '../validate.js';
import type { DurableHost } from './host.js';

/** Options of `engine.rerun`. */
export interface RerunOptions {
  /**
   * The first task to run again: a task key (`fetch#2`, or an explicit `key`) or a task name
   * (its first call). Completed tasks stored before it are reused; it and every later one run.
   * Omit to rerun everything.
   * @default none (every task runs again)
   */
  fromTask?: string;
}

/** Starts the rerun; resolves with the new run's id and a promise of its result. */
export async function rerunFrom(
  host: DurableHost,
  flows: ReadonlyMap<string, Flow<unknown, unknown>>,
  runId: string,
  options: RerunOptions = {},
): Promise<{ runId: string; reused: string[]; result: () => Promise<unknown> }> {
  await host.flush();
  const source = await host.store.getRun(runId);
  if (!source) throw new NotFoundError(`No run \`${runId}\` to rerun`, { runId });
  const def = flows.get(source.flowName);
  if (!def) throw new NotFoundError(`No flow \`${source.flowName}\` is registered on this engine (engine.register(flow)) to rerun run \`${runId}\``, { runId });
  const tasks = await host.store.getTaskRunsByRun(runId);
  let cut = tasks.length;
  if (options.fromTask !== undefined) {
    if (typeof options.fromTask !== 'string' || options.fromTask === '') invalid('fromTask', 'a task key or task name', options.fromTask);
    cut = tasks.findIndex((t) => t.taskKey === options.fromTask);
    if (cut === -1) cut = tasks.findIndex((t) => t.taskName === options.fromTask);
    if (cut === -1) {
      throw new NotFoundError(
        `Run \`${runId}\` has no task \`${options.fromTask}\` (its task keys: ${tasks.map((t) => `\`${t.taskKey}\``).join(', ') || 'none'})`,
        { runId },
      );
    }
  }
  const reuse = tasks.slice(0, cut).filter((t) => t.state === 'Completed' && t.resultPersisted && t.childRunId === null);
  const now = host.clock.now();
  const id = randomUUID();
  const copies: TaskRunRecord[] = [];
  const ops: StoreOp[] = [
    {
      type: 'createRun',
      run: {
        id,
        flowName: source.flowName,
        params: source.params,
        state: 'Pending',
        queue: source.queue,
        priority: source.priority,
        tags: source.tags,
        leaseOwner: host.id,
        leaseExpiresAt: now + host.leaseMs,
        now,
        reason: `rerun of \`${runId}\`${options.fromTask ? ` from \`${options.fromTask}\`` : ''}`,
      },
    },
  ];
  for (const t of reuse) {
    const copy: NewTaskRun = {
      id: randomUUID(),
      runId: id,
      taskKey: t.taskKey,
      taskName: t.taskName,
      state: 'Completed',
      maxAttempts: t.maxAttempts,
      tags: t.tags,
      atMostOnce: t.atMostOnce,
      now,
      reason: `reused from run \`${runId}\``,
    };
    ops.push({ type: 'upsertTaskRun', taskRun: copy });
    ops.push({
      type: 'transitionTask',
      transition: { taskRunId: copy.id, to: 'Completed', at: now, patch: { result: t.result, resultPersisted: true, attempt: t.attempt, startedAt: t.startedAt, endedAt: t.endedAt } },
    });
    copies.push({ ...t, id: copy.id, runId: id });
  }
  const results = await host.store.applyBatch(ops);
  const created = results[0];
  if (created?.type !== 'createRun') throw new Error('rerun: the store did not create the run');
  const handle = await host.executeStored(def, created.run, { attempt: 1, priorTasks: new Map(copies.map((c) => [c.taskKey, c])), from: null });
  return { runId: id, reused: reuse.map((t) => t.taskKey), result: handle.result };
}
