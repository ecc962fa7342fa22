import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, flow } from '@vms/flow-core';
import { tempDir, waitFor } from '@vms/test-utils';
import type { TempDir } from '@vms/test-utils';
import { startFixture } from './fixtures/child-process.js';
import { SqliteStore } from './sqlite-store.js';

/** Same names and queue as the fixture's `slow` and `phased` flows; here only to enqueue. */
const slow = flow({ name: 'slow', resumable: false, run: async () => undefined });
const phased = flow({ name: 'phased', run: async () => undefined });

describe('C23: a killed worker leaves no run stuck in Running and no slot leaked', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await dir.cleanup();
  });

  it('C23: SIGTERM leaves the run Crashed with a stored reason and the next start finishes it without redoing tasks; SIGKILL is reaped to Crashed within a lease; slots return to 0', async () => {
    const file = join(dir.path, 'flow.db');
    const effects = join(dir.path, 'effects.txt');
    await writeFile(effects, '');
    const store = new SqliteStore({ file });
    const enqueuer = createEngine({ store });
    const running = async (): Promise<string[]> => (await store.listRuns({ state: 'Running' })).items.map((r) => r.id);
    const slots = async (): Promise<number> => (await store.listSlots(Date.now(), 'queue:default')).length;
    const lines = async (): Promise<string[]> => (await readFile(effects, 'utf8')).split('\n').filter(Boolean).map((l) => l.split(' ')[0] ?? '');
    const r1 = (await enqueuer.enqueue(phased, undefined)).runId;
    const r2 = (await enqueuer.enqueue(slow, undefined, { runAt: Date.now() + 1 })).runId;

    // --- SIGTERM mid-run (inside task `hold`, after `prepare` completed): before the process
    // exits, the run is Crashed with the reason stored, its lease and queue slot released.
    const first = startFixture('durable-flows.ts', ['worker', file, effects, 'hold']);
    await first.waitForLine('ready');
    await waitFor(async () => (await lines()).includes('hold'), { timeoutMs: 10_000 });
    expect(await running()).toEqual([r1]);
    expect(await slots()).toBe(1);
    expect((await store.getRun(r2))?.state).toBe('Scheduled'); // limit 1: r2 waits
    first.process.kill('SIGTERM');
    await first.waitForLine('stopped');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    const interrupted = await store.getRun(r1);
    expect(interrupted).toMatchObject({ state: 'Crashed', stateReason: 'shutdown: worker received SIGTERM', leaseOwner: null });
    expect(interrupted?.error).toMatchObject({ code: 'SHUTDOWN', message: 'worker received SIGTERM' });
    expect((await store.getTaskRunsByRun(r1)).map((t) => `${t.taskKey} ${t.state}`)).toEqual(['prepare#1 Completed', 'hold#1 Crashed']);
    expect(await running()).toEqual([]);
    expect(await slots()).toBe(0);

    // --- restart: the reaper resumes r1 and finishes it without running `prepare` again; the
    // next queued run (r2) starts; then SIGKILL mid-r2.
    const second = startFixture('durable-flows.ts', ['worker', file, effects]);
    await second.waitForLine('ready');
    await waitFor(async () => (await store.getRun(r1))?.state === 'Completed', { timeoutMs: 10_000 });
    expect(await store.getRun(r1)).toMatchObject({ result: 'held', attempt: 2 });
    expect((await lines()).filter((l) => l === 'prepare' || l === 'hold')).toEqual(['prepare', 'hold', 'hold']);
    await waitFor(async () => (await running()).includes(r2), { timeoutMs: 10_000 });
    expect(await slots()).toBe(1);
    second.process.kill('SIGKILL');
    expect((await second.exited).signal).toBe('SIGKILL');
    const killedAt = Date.now();
    expect(await running()).toEqual([r2]); // stuck until a reaper sees the lease expire
    expect(await slots()).toBe(1);

    // --- restart: the reaper marks it Crashed within one lease (600 ms) plus one reap interval.
    const third = startFixture('durable-flows.ts', ['worker', file, effects]);
    await third.waitForLine('ready');
    await waitFor(async () => (await store.getRun(r2))?.state === 'Crashed', { timeoutMs: 10_000 });
    const crashed = await store.getRun(r2);
    expect(crashed?.stateReason).toMatch(/lease of `.+` expired \d+ ms ago/);
    expect(crashed?.error?.code).toBe('CRASHED');
    const crashedAt = (await store.getHistory(r2)).find((h) => h.to === 'Crashed')?.at ?? Infinity;
    expect(crashedAt - (crashed?.leaseExpiresAt ?? killedAt)).toBeGreaterThanOrEqual(0);
    expect(await running()).toEqual([]);
    expect(await slots()).toBe(0);

    // --- and the next run starts in the restarted worker; SIGTERM leaves it Crashed (its flow
    // is not resumable, so it stays there) with the reason stored and the slot free.
    const r3 = (await enqueuer.enqueue(slow, undefined)).runId;
    await waitFor(async () => (await running()).includes(r3), { timeoutMs: 10_000 });
    expect(await slots()).toBe(1);
    third.process.kill('SIGTERM');
    await third.exited;
    expect(await store.getRun(r3)).toMatchObject({ state: 'Crashed', stateReason: 'shutdown: worker received SIGTERM' });
    expect(await slots()).toBe(0);
    await enqueuer.stop();
    await store.close();
  });
});
