/**
 * Commands that read or change stored runs and schedules without running flows: `runs`,
 * `show`, `cancel`, `schedules`. They open only the runner's store.
 */
import { createEngine, NotFoundError, RUN_STATES, type FlowRunRecord, type RunState } from '@vms/flow-core';
import { SqliteStore } from '@vms/flow-store-sqlite';
import { existsSync } from 'node:fs';
import { loadConfig, type RunnerConfig } from '../config/config';
import { ConfigError } from '../config/errors';
import type { Output } from './output';
import { table } from './output';

function openStore(config: RunnerConfig): SqliteStore {
  if (!existsSync(config.storePath)) {
    throw new ConfigError([{ setting: 'VMS_RUNNER_STORE_PATH', message: `No runner store at \`${config.storePath}\` yet: run \`vms-runner start\` or \`vms-runner run <flow>\` first, or point VMS_RUNNER_STORE_PATH at it` }]);
  }
  return new SqliteStore({ file: config.storePath });
}

const iso = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString().replace('.000Z', 'Z'));
const duration = (r: { startedAt: number | null; endedAt: number | null }): string =>
  r.startedAt === null ? '-' : `${(((r.endedAt ?? Date.now()) - r.startedAt) / 1000).toFixed(1)} s`;

/** `runs [--flow f] [--state s] [--limit n]`. */
export async function runsCommand(options: { flow?: string; state?: string; limit?: number }, output: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (options.state !== undefined && !(RUN_STATES as readonly string[]).includes(options.state)) {
    throw new ConfigError([{ setting: '--state', message: `Expected one of ${RUN_STATES.join(', ')}, got \`${options.state}\`` }]);
  }
  const store = openStore(loadConfig(env));
  try {
    const page = await store.listRuns({
      parentRunId: null,
      limit: options.limit ?? 20,
      ...(options.flow ? { flowName: options.flow } : {}),
      ...(options.state ? { state: options.state as RunState } : {}),
    });
    if (page.items.length === 0) {
      output.out('No runs.');
      return 0;
    }
    for (const line of table(['run', 'flow', 'state', 'created', 'duration', 'schedule'], page.items.map((r) => [r.id, r.flowName, r.state, iso(r.createdAt), duration(r), r.scheduleName ?? '']))) output.out(line);
    return 0;
  } finally {
    await store.close();
  }
}

/** `show <runId>`: the run, its task runs (with progress and counts) and its last log lines. */
export async function showCommand(runId: string, output: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const store = openStore(loadConfig(env));
  try {
    const detail = await store.getRunDetail(runId, { logLimit: 30 });
    if (!detail) {
      output.err(`No run \`${runId}\` (list runs with \`vms-runner runs\`)`);
      return 1;
    }
    const r = detail.run;
    output.out(`run      ${r.id}`);
    output.out(`flow     ${r.flowName}  params ${JSON.stringify(r.params)}`);
    // A reason that only repeats the state (`completed`) says nothing.
    const reason = r.stateReason && r.stateReason.toLowerCase() !== r.state.toLowerCase() ? ` (${r.stateReason})` : '';
    output.out(`state    ${r.state}${reason}  attempt ${r.attempt}`);
    output.out(`created  ${iso(r.createdAt)}  started ${iso(r.startedAt)}  ended ${iso(r.endedAt)}  (${duration(r)})`);
    if (r.error) output.out(`error    ${r.error.name}: ${r.error.message}`);
    output.out('');
    const rows = detail.taskRuns
      .sort((a, b) => (a.startedAt ?? a.createdAt) - (b.startedAt ?? b.createdAt))
      .map((t) => {
        const res = (t.result ?? {}) as Record<string, unknown>;
        const n = (k: string): string | number => (typeof res[k] === 'number' ? (res[k] as number) : '');
        return [t.taskKey, t.state, String(t.attempt), iso(t.startedAt), duration(t), n('processed'), n('created'), n('updated'), n('unchanged'), n('skipped'), n('failed')];
      });
    for (const line of table(['task', 'state', 'attempt', 'started', 'duration', 'processed', 'created', 'updated', 'unchanged', 'skipped', 'failed'], rows)) output.out(line);
    if (detail.logs.length > 0) {
      output.out('');
      const keyOf = new Map(detail.taskRuns.map((t) => [t.id, t.taskKey]));
      for (const l of detail.logs) output.out(`${iso(l.at)} ${l.level.toUpperCase().padEnd(5)} ${(l.taskRunId && keyOf.get(l.taskRunId)) || r.flowName}: ${l.message}`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

/**
 * `cancel <runId>`: a queued run is cancelled in the store; a run executing in the `start`
 * process is cancelled through its HTTP API (the admin token of the configuration).
 */
export async function cancelCommand(runId: string, output: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const config = loadConfig(env);
  const store = openStore(config);
  const engine = createEngine({ store });
  let run: FlowRunRecord | undefined;
  try {
    let cancelled: boolean;
    try {
      cancelled = await engine.cancel(runId, 'cancelled from the command line');
    } catch (error) {
      if (error instanceof NotFoundError) {
        output.err(`No run \`${runId}\``);
        return 1;
      }
      throw error;
    }
    run = await store.getRun(runId);
    if (cancelled) {
      output.out(`Cancelled ${runId} (${run?.flowName}).`);
      return 0;
    }
  } finally {
    await engine.stop();
    await store.close();
  }
  if (run && ['Pending', 'Running', 'Retrying'].includes(run.state)) {
    const token = config.apiTokens.admin[0];
    if (token === undefined) {
      output.err(`Run ${runId} is ${run.state} in the runner process; set API_TOKENS_ADMIN so this command can ask it to cancel over HTTP.`);
      return 1;
    }
    const url = `http://${config.http.host === '0.0.0.0' ? '127.0.0.1' : config.http.host}:${config.http.port}/api/runs/${encodeURIComponent(runId)}/cancel`;
    try {
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      if (res.ok) {
        output.out(`Cancellation of ${runId} requested from the runner at ${new URL(url).origin}.`);
        return 0;
      }
      output.err(`The runner answered ${res.status} to the cancellation of ${runId}: ${await res.text()}`);
      return 1;
    } catch (error) {
      output.err(`Run ${runId} is ${run.state}, but the runner's HTTP API at ${new URL(url).origin} did not answer (${(error as Error).message}). Is \`vms-runner start\` running?`);
      return 1;
    }
  }
  output.err(`Run ${runId} has already ended (${run?.state ?? 'unknown'}).`);
  return 1;
}

/**
 * `schedules [pause|resume <name>]`: the stored schedules (those `start` registered with
 * `engine.schedule`) with their next three fire times; pause/resume is stored, so a running
 * `start` process and every later start see it.
 */
export async function schedulesCommand(action: 'pause' | 'resume' | undefined, name: string | undefined, output: Output, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const config = loadConfig(env);
  const store = openStore(config);
  // An engine that never starts its scheduler: it only reads and changes the stored schedules.
  const engine = createEngine({ store });
  try {
    if (action !== undefined && name !== undefined) {
      if ((await engine.getSchedule(name)) === undefined) {
        output.err(`No schedule \`${name}\`; schedules: ${(await engine.listSchedules()).map((s) => s.name).join(', ') || 'none (run `vms-runner start` once to store them)'}`);
        return 1;
      }
      const info = action === 'pause' ? await engine.pauseSchedule(name) : await engine.resumeSchedule(name);
      output.out(`${info.name} ${info.paused ? 'paused' : `resumed; next ${info.nextRunAt?.toISOString() ?? 'never'}`}`);
      return 0;
    }
    const list = await engine.listSchedules();
    if (list.length === 0) {
      output.out('No schedules stored yet: `vms-runner start` stores the configured ones.');
      return 0;
    }
    const rows = [];
    for (const s of list) {
      const spec = s.spec as { cron?: string; timezone?: string; intervalMs?: number };
      const next = s.paused ? [] : await engine.preview(s.name, 3);
      rows.push([s.name, s.flowName, spec.cron ?? `every ${spec.intervalMs} ms`, spec.timezone ?? 'UTC', s.paused ? 'paused' : 'active', next.map((p) => p.local).join(', ') || '-']);
    }
    for (const line of table(['schedule', 'flow', 'cron', 'zone', 'state', 'next (local)'], rows)) output.out(line);
    return 0;
  } finally {
    await engine.stop();
    await store.close();
  }
}
