/**
 * `vms-runner start` as a process manager stops it (issue 7, C23): the real command line in a
 * child process, against a Salesforce test server whose every page is slow, a VMS database and a
 * runner store in a fresh temp dir, and an OTLP receiver. A full sync is triggered through the
 * API (queued, run by the worker), SIGTERM arrives mid-sync; the process must exit within 10 s
 * with the finished tasks' spans flushed and the run stored `Crashed` with its reason. The next
 * `start` resumes it at once and completes it without redoing any finished task.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SpanAttribute, SpanName, type StateHistoryRecord, type TaskRunRecord } from '@vms/flow-core';
import { startSalesforceTestServer, type SalesforceTestServer } from '@vms/flow-salesforce/testing';
import { SqliteStore } from '@vms/flow-store-sqlite';
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDataset, SOBJECT_NAMES } from '../generator/dataset';
import { fieldDeclarations } from '../generator/npsp';
import { ENTITIES } from '../sync/entities';
import { startOtlpReceiver, type OtlpReceiver } from '../telemetry/otlp-receiver';

const APP = fileURLToPath(new URL('../..', import.meta.url));
const TOKEN = 'sigterm-test-admin-token-0123456789';
const ENDED = ['Completed', 'Failed', 'Cancelled', 'Crashed'];

interface Child {
  readonly lines: string[];
  /** Resolves with the first stdout line matching `pattern`. */
  line(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends SIGTERM; resolves with the exit code and the ms from the signal to the exit. */
  term(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** `node --conditions=@vms/source --import tsx src/cli.ts start` with `env` as its whole configuration. */
function startCli(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--conditions=@vms/source', '--import', 'tsx', 'src/cli.ts', 'start'], {
    cwd: APP,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let buffer = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of waiters) w();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      for (const w of waiters) w();
      resolve({ code, signal });
    });
  });
  return {
    lines,
    stderr: () => stderr,
    exited,
    line: (pattern, timeoutMs = 60_000) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no line matching ${pattern} in ${timeoutMs} ms:\n${lines.join('\n')}\n${stderr}`));
        }, timeoutMs);
        const check = (): void => {
          const found = lines.find((l) => pattern.test(l));
          if (found !== undefined || child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            waiters.delete(check);
            if (found !== undefined) resolve(found);
            else reject(new Error(`vms-runner exited before a line matching ${pattern}:\n${lines.join('\n')}\n${stderr}`));
          }
        };
        waiters.add(check);
        check();
      }),
    async term() {
      const at = Date.now();
      child.kill('SIGTERM');
      const exit = await exited;
      return { ...exit, ms: Date.now() - at };
    },
  };
}

async function api<T>(base: string, path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  return { status: res.status, body: (await res.json()) as T };
}

interface RunView {
  run: { id: string; state: string };
  taskRuns: { taskKey: string; state: string }[];
}

/** Polls the runner's API until `done` holds for the run. */
async function waitRun(base: string, runId: string, done: (v: RunView) => boolean, timeoutMs = 60_000): Promise<RunView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await api<RunView>(base, `/api/runs/${runId}`);
    if (done(body)) return body;
    if (Date.now() > deadline) throw new Error(`run ${runId} never got there: ${JSON.stringify({ state: body.run.state, tasks: body.taskRuns.map((t) => `${t.taskKey}:${t.state}`) })}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let dir: TempDir;
let server: SalesforceTestServer;
const receivers: OtlpReceiver[] = [];

beforeAll(async () => {
  dir = await tempDir('vms-start-sigterm-');
  const data = createDataset({ seed: 7, scale: 0.03 });
  const records: Record<string, Iterable<Record<string, unknown>>> = {};
  for (const sobject of SOBJECT_NAMES) records[sobject] = data.sobjectRecords(sobject);
  // Small, slow pages: the sync takes several seconds, so SIGTERM lands mid-sync.
  server = await startSalesforceTestServer({ records, fields: fieldDeclarations(Object.values(ENTITIES)), pageSize: 40, faults: { latencyMs: 40 } });
});
afterAll(async () => {
  for (const r of receivers) await r.close();
  await server?.close();
  await dir?.cleanup();
});

describe('vms-runner start: SIGTERM mid-sync, then start again (child processes)', () => {
  it('C23: exits within 10 s with spans flushed and the run Crashed with its reason; the next start completes it without redoing finished tasks', async () => {
    const first = await startOtlpReceiver();
    const second = await startOtlpReceiver();
    receivers.push(first, second);
    const storePath = join(dir.path, 'runner.db');
    const env = (otlp: OtlpReceiver): Record<string, string> => ({
      VMS_DATABASE_PATH: join(dir.path, 'vms.db'),
      VMS_RUNNER_STORE_PATH: storePath,
      SF_AUTH: 'password',
      SF_LOGIN_URL: server.url,
      SF_USERNAME: server.credentials.username,
      SF_PASSWORD: server.credentials.password,
      SF_SECURITY_TOKEN: server.credentials.securityToken,
      API_TOKENS_ADMIN: TOKEN,
      HTTP_PORT: '0',
      SYNC_CHUNK_SIZE: '40',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      OTEL_SERVICE_NAME: 'vms-runner-sigterm-test',
      // No periodic export: whatever the receiver gets, the shutdown flushed.
      OTEL_BSP_SCHEDULE_DELAY: '600000',
    });

    // --- first process: trigger a full sync through the API, SIGTERM it mid-sync
    const a = startCli(env(first));
    const base = /Dashboard and API at (\S+)\//.exec(await a.line(/^Dashboard and API at /))?.[1] as string;
    await a.line(/^Press Ctrl\+C/);
    const trigger = await api<{ runId: string; status: string }>(base, '/api/runs', { method: 'POST', body: JSON.stringify({ flow: 'full-salesforce-sync', params: {} }) });
    expect([trigger.status, trigger.body.status]).toEqual([202, 'queued']);
    const { runId } = trigger.body;
    const midway = await waitRun(base, runId, (v) => v.taskRuns.filter((t) => t.state === 'Completed').length >= 2 && v.taskRuns.some((t) => t.state === 'Running'));
    expect(midway.run.state).toBe('Running');
    const stopped = await a.term();
    expect({ code: stopped.code, signal: stopped.signal, stderr: a.stderr() }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(stopped.ms).toBeLessThan(10_000);
    expect(a.lines.at(-1)).toBe(`stopped; 1 interrupted run (${runId}) resume on the next start.`);

    // Stored before the exit: Crashed with the shutdown reason; which tasks had finished.
    let store = new SqliteStore({ file: storePath });
    let finishedBefore: TaskRunRecord[];
    try {
      const detail = await store.getRunDetail(runId);
      expect([detail?.run.state, detail?.run.stateReason, detail?.run.leaseOwner]).toEqual(['Crashed', 'shutdown: SIGTERM', null]);
      expect(detail?.taskRuns.some((t) => t.state === 'Crashed')).toBe(true);
      expect(detail?.taskRuns.some((t) => t.state === 'Running')).toBe(false);
      finishedBefore = detail?.taskRuns.filter((t) => t.state === 'Completed') ?? [];
    } finally {
      await store.close();
    }
    expect(finishedBefore.length).toBeGreaterThanOrEqual(2);
    // The finished tasks' spans reached the collector: flushed by the shutdown, not by a timer.
    const spansOfRun = (r: OtlpReceiver): string[] =>
      r.spans.filter((s) => s.name === SpanName.TaskAttempt && s.attributes[SpanAttribute.RunId] === runId).map((s) => String(s.attributes[SpanAttribute.TaskKey]));
    expect(spansOfRun(first)).toEqual(expect.arrayContaining(finishedBefore.map((t) => t.taskKey)));

    // --- second process: recovers the run at start and completes it
    const b = startCli(env(second));
    await b.line(new RegExp(`^recovered: \\d+ crashed runs, 1 resumed \\(${runId}\\)`));
    const base2 = /Dashboard and API at (\S+)\//.exec(await b.line(/^Dashboard and API at /))?.[1] as string;
    const final = await waitRun(base2, runId, (v) => ENDED.includes(v.run.state));
    expect(final.run.state).toBe('Completed');
    const end = await b.term();
    expect(end.code).toBe(0);
    expect(b.lines.at(-1)).toBe('stopped.');

    store = new SqliteStore({ file: storePath });
    try {
      const detail = await store.getRunDetail(runId);
      expect(detail?.run.attempt).toBe(2);
      expect(detail?.taskRuns.every((t) => t.state === 'Completed')).toBe(true);
      const history: StateHistoryRecord[] = detail?.history ?? [];
      for (const before of finishedBefore) {
        const now = detail?.taskRuns.filter((t) => t.taskKey === before.taskKey) ?? [];
        // The same task run, untouched: one attempt, one Running transition, the same result (created counts).
        expect(now.map((t) => [t.id, t.attempt, t.endedAt]), before.taskKey).toEqual([[before.id, before.attempt, before.endedAt]]);
        expect((now[0]?.result as { created?: number } | null)?.created).toBe((before.result as { created?: number } | null)?.created);
        expect(history.filter((h) => h.entity === 'task' && h.taskKey === before.taskKey && h.to === 'Running'), before.taskKey).toHaveLength(1);
      }
    } finally {
      await store.close();
    }
    // The second process ran only what was left: no span of a task that had finished before.
    const redone = spansOfRun(second).filter((k) => finishedBefore.some((t) => t.taskKey === k));
    expect(redone).toEqual([]);
    expect(spansOfRun(second).length).toBeGreaterThan(0);
  }, 180_000);
});
