/**
 * Crash recovery (SPEC §2.4, CASES C23): the reaper. A run whose lease expired belongs to a
 * process that died (or hung past its lease). Recovery marks it `Crashed` with a reason, marks
 * its unfinished task runs `Crashed`, releases every concurrency slot it held in the store, and
 * then, for a registered flow marked `resumable`, takes the run over (compare-and-set
 * `Crashed → Pending` with a fresh lease, so two processes never resume one run) and starts a
 * new attempt that reuses the stored results of its completed tasks.
 */
import { ACTIVE_STATES } from '../states.js';
import type { FlowRunRecord } from '../store/types.js';
import { serializeError } from '../engine/serialize.js';
import { FlowError, ErrorCode } from '../errors.js';
import type { DurableHost } from './host.js';
import type { Flow } from '../definitions.js';

/** Options of `engine.recover()`. */
export interface RecoverOptions {
  /** Also resume crashed runs of resumable flows (registered with `engine.register`). @default true */
  resume?: boolean;
  /** At most this many expired runs per call. @default 100 */
  limit?: number;
}

/** What one recovery pass did. */
export interface RecoverResult {
  /** Runs moved to `Crashed`. */
  crashed: string[];
  /** Crashed runs a new attempt was started for (here). */
  resumed: string[];
  /** Concurrency slots released. */
  slotsReleased: number;
}

const UNFINISHED_TASK_STATES = ['Pending', 'Running', 'Retrying'] as const;

/** One reaper pass; see the module doc. */
export async function recoverRuns(
  host: DurableHost,
  flows: ReadonlyMap<string, Flow<unknown, unknown>>,
  options: RecoverOptions = {},
): Promise<RecoverResult> {
  const result: RecoverResult = { crashed: [], resumed: [], slotsReleased: 0 };
  await host.flush();
  const now = host.clock.now();
  const expired = await host.store.findExpiredLeases(now, options.limit ?? 100);
  for (const run of expired) {
    if (host.isActive(run.id)) continue; // ours and alive: the heartbeat is just late
    if (await markCrashed(host, run, now, result)) result.crashed.push(run.id);
  }
  if (options.resume ?? true) {
    // Crashed runs with no lease: the ones just marked, and any an earlier pass could not resume.
    const crashed = await host.store.listRuns({ state: 'Crashed', parentRunId: null, limit: options.limit ?? 100 });
    for (const run of crashed.items) {
      const def = flows.get(run.flowName);
      if (!def || !def.options.resumable || run.leaseOwner !== null || host.isActive(run.id)) continue;
      if (await resume(host, def, run)) result.resumed.push(run.id);
    }
  }
  return result;
}

async function markCrashed(host: DurableHost, run: FlowRunRecord, now: number, result: RecoverResult): Promise<boolean> {
  const reason = `lease of \`${run.leaseOwner ?? 'unknown'}\` expired ${now - (run.leaseExpiresAt ?? now)} ms ago (process died or hung)`;
  const error = serializeError(new FlowError(ErrorCode.Crashed, `Run \`${run.id}\` crashed: ${reason}`, { runId: run.id, category: 'unknown' }));
  const res = await host.store.transitionRun({
    runId: run.id,
    from: [...ACTIVE_STATES],
    ...(run.leaseOwner === null ? {} : { owner: run.leaseOwner }),
    to: 'Crashed',
    at: now,
    reason,
    patch: { endedAt: now, waitingFor: null, leaseOwner: null, leaseExpiresAt: null, error },
  });
  if (!res.ok) return false;
  for (const task of await host.store.getTaskRunsByRun(run.id)) {
    if (!(UNFINISHED_TASK_STATES as readonly string[]).includes(task.state)) continue;
    await host.store.transitionTask({ taskRunId: task.id, from: UNFINISHED_TASK_STATES, to: 'Crashed', at: now, reason: 'its run crashed' });
  }
  result.slotsReleased += await host.store.releaseSlotsOfRun(run.id);
  host.emit('flow:state', {
    runId: run.id,
    flowName: run.flowName,
    parentRunId: run.parentRunId,
    from: run.state,
    to: 'Crashed',
    attempt: run.attempt,
    at: now,
    reason,
    error,
  });
  host.emit('run:recovered', { runId: run.id, flowName: run.flowName, action: 'crashed', at: now });
  return true;
}

async function resume(host: DurableHost, def: Flow<unknown, unknown>, run: FlowRunRecord): Promise<boolean> {
  const now = host.clock.now();
  const taken = await host.store.transitionRun({
    runId: run.id,
    from: ['Crashed'],
    to: 'Pending',
    at: now,
    reason: `resumed by \`${host.id}\` (attempt ${run.attempt + 1})`,
    patch: { leaseOwner: host.id, leaseExpiresAt: now + host.leaseMs, endedAt: null, error: null },
  });
  if (!taken.ok || taken.run.leaseOwner !== host.id) return false;
  try {
    await host.executeStored(def, taken.run, { attempt: run.attempt + 1, from: 'Crashed' });
  } catch (error) {
    if (error instanceof FlowError && error.code === ErrorCode.EngineStopped) {
      // The engine began stopping between the take-over and the start: hand the run back.
      await host.store.transitionRun({
        runId: run.id,
        from: ['Pending'],
        owner: host.id,
        to: 'Crashed',
        at: host.clock.now(),
        reason: 'the engine stopped before the resumed run started',
        patch: { endedAt: host.clock.now(), leaseOwner: null, leaseExpiresAt: null },
      });
      return false;
    }
    await host.store.transitionRun({
      runId: run.id,
      from: ['Pending'],
      owner: host.id,
      to: 'Failed',
      at: host.clock.now(),
      reason: 'stored params no longer fit the flow',
      patch: { endedAt: host.clock.now(), leaseOwner: null, leaseExpiresAt: null, error: serializeError(error) },
    });
    return false;
  }
  host.emit('run:recovered', { runId: run.id, flowName: run.flowName, action: 'resumed', at: now });
  return true;
}
