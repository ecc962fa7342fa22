import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, flow } from '@vms/flow-core';
import { tempDir, waitFor } from '@vms/test-utils';
import type { TempDir } from '@vms/test-utils';
import { startFixture } from './fixtures/child-process.js';
import { SqliteStore } from './sqlite-store.js';

/** Same name and queue as the fixture's `slow` flow; here only to enqueue. */
const slow = flow({ name: 'slow', resumable: false, run: async () => undefined });

describe('C23: a killed worker leaves no run stuck in Running and no slot leaked', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await dir.cleanup();
  });

  it('C23: SIGTERM cancels with a stored reason; SIGKILL is reaped to Crashed within a lease; slots return to 0; the next run starts', async () => {
    const file = join(dir.path, 'flow.db');
    const effects = join(dir.path, 'effects.txt');
    await writeFile(effects, '');
    const store = new SqliteStore({ file });
    const enqueuer = createEngine({ store });
    const running = async (): Promise<string[]> => (await store.listRuns({ state: 'Running' })).items.map((r) => r.id);
    const slots = async (): Promise<number> => (await store.listSlots(Date.now(), 'queue:default')).length;
    const r1 = (await enqueuer.enqueue(slow, undefined)).runId;
    const r2 = (await enqueuer.enqueue(slow, undefined, { runAt: Date.now() + 1 })).runId;

    // --- SIGTERM mid-run: the run ends Cancelled with a reason before the process exits.
    const first = startFixture('durable-flows.ts', ['worker', file, effects]);
    await first.waitForLine('ready');
    await waitFor(async () => (await running()).includes(r1), { timeoutMs: 10_000 });
    expect(await slots()).toBe(1);
    expect((await store.getRun(r2))?.state).toBe('Scheduled'); // limit 1: r2 waits
    first.process.kill('SIGTERM');
    await first.waitForLine('stopped');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    const cancelled = await store.getRun(r1);
    expect(cancelled?.state).toBe('Cancelled');
    expect(cancelled?.stateReason).toBe('cancelled');
    expect(cancelled?.error?.message).toBe('worker received SIGTERM');
    expect(await running()).toEqual([]);
    expect(await slots()).toBe(0);

    // --- restart: the next queued run starts; then SIGKILL mid-run.
    const second = startFixture('durable-flows.ts', ['worker', file, effects]);
    await second.waitForLine('ready');
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

    // --- and the next run starts in the restarted worker.
    const r3 = (await enqueuer.enqueue(slow, undefined)).runId;
    await waitFor(async () => (await running()).includes(r3), { timeoutMs: 10_000 });
    expect(await slots()).toBe(1);
    third.process.kill('SIGTERM');
    await third.exited;
    expect((await store.getRun(r3))?.state).toBe('Cancelled');
    expect(await slots()).toBe(0);
    await enqueuer.stop();
    await store.close();
  });
});
