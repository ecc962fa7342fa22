import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '@vms/test-utils';
import type { TempDir } from '@vms/test-utils';
import { startFixture } from './fixtures/child-process.js';
import { SqliteStore } from './sqlite-store.js';

/** Runs `flow` in a child that SIGKILLs itself at `killAt`; returns the run id. */
async function runUntilKilled(file: string, effects: string, flow: string, killAt: string): Promise<string> {
  const child = startFixture('durable-flows.ts', ['run', file, effects, flow, killAt]);
  const line = await child.waitForLine(/^run /);
  const exit = await child.exited;
  expect(exit.signal, child.stderr()).toBe('SIGKILL');
  return line.slice(4);
}

async function recoverInNewProcess(file: string, effects: string, flow: string, runId: string): Promise<{ state: string; value: unknown }> {
  const child = startFixture('durable-flows.ts', ['recover', file, effects, flow, runId]);
  const line = await child.waitForLine(/^state /);
  expect(await child.exited, child.stderr()).toEqual({ code: 0, signal: null });
  const [, state = '', ...rest] = line.split(' ');
  return { state, value: JSON.parse(rest.join(' ')) as unknown };
}

async function effectLines(effects: string): Promise<{ what: string; pid: string }[]> {
  const text = await readFile(effects, 'utf8');
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const parts = l.split(' ');
      return { what: parts.slice(0, -1).join(' '), pid: parts.at(-1) ?? '' };
    });
}

/** The uninterrupted result of the `steps` flow: sum of i² for i = 1..20. */
const STEPS_RESULT = { acc: Array.from({ length: 20 }, (_, i) => (i + 1) ** 2).reduce((a, b) => a + b, 0) };

describe('crash recovery on SQLite (real processes, SIGKILL)', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await dir.cleanup();
  });

  it('an uninterrupted run of the 20-task flow gives the reference result', async () => {
    const file = join(dir.path, 'flow.db');
    const effects = join(dir.path, 'effects.txt');
    await writeFile(effects, '');
    const child = startFixture('durable-flows.ts', ['run', file, effects, 'steps']);
    const line = await child.waitForLine(/^result /);
    expect(await child.exited, child.stderr()).toEqual({ code: 0, signal: null });
    expect(JSON.parse(line.slice(7))).toEqual(STEPS_RESULT);
    expect((await effectLines(effects)).map((e) => e.what)).toEqual(Array.from({ length: 20 }, (_, i) => `step#${i + 1}`));
  });

  for (const killStep of [1, 8, 14, 20]) {
    it(`crash test: SIGKILL inside step ${killStep} of 20, a new process recovers with the same result; completed steps never rerun`, async () => {
      const file = join(dir.path, 'flow.db');
      const effects = join(dir.path, 'effects.txt');
      await writeFile(effects, '');
      const runId = await runUntilKilled(file, effects, 'steps', `step:${killStep}`);

      // What the killed process left: the steps whose completion was stored.
      const store = new SqliteStore({ file });
      const before = await store.getTaskRunsByRun(runId);
      const completedBefore = before.filter((t) => t.state === 'Completed').map((t) => t.taskKey);
      expect(completedBefore).toEqual(Array.from({ length: killStep - 1 }, (_, i) => `step#${i + 1}`));
      // The Pending → Running write may still have been in the killed process's batch.
      expect(['Pending', 'Running']).toContain((await store.getRun(runId))?.state);
      await store.close();

      const outcome = await recoverInNewProcess(file, effects, 'steps', runId);
      expect(outcome).toEqual({ state: 'Completed', value: STEPS_RESULT });

      const lines = await effectLines(effects);
      const pids = [...new Set(lines.map((l) => l.pid))];
      expect(pids).toHaveLength(2);
      for (let i = 1; i <= 20; i++) {
        const runs = lines.filter((l) => l.what === `step#${i}`);
        // Stored as completed before the kill: exactly once. The interrupted one: again. Later: once, in the new process.
        expect(runs.length, `step#${i}`).toBe(i === killStep ? 2 : 1);
        if (i > killStep) expect(runs[0]?.pid).toBe(pids[1]);
      }
      const check = new SqliteStore({ file });
      const run = await check.getRun(runId);
      expect(run?.attempt).toBe(2);
      const history = (await check.getHistory(runId)).filter((h) => h.entity === 'flow').map((h) => h.to);
      expect(history.slice(-4)).toEqual(['Crashed', 'Pending', 'Running', 'Completed']);
      expect(await check.findExpiredLeases(Date.now() + 60_000)).toEqual([]);
      await check.close();
    });
  }

  it('crash test: a task processing 10 chunks, killed after chunk 6 was checkpointed, resumes at chunk 7', async () => {
    const file = join(dir.path, 'flow.db');
    const effects = join(dir.path, 'effects.txt');
    await writeFile(effects, '');
    const runId = await runUntilKilled(file, effects, 'chunks', 'chunk:6');
    const outcome = await recoverInNewProcess(file, effects, 'chunks', runId);
    expect(outcome).toEqual({ state: 'Completed', value: { total: 550 } });
    const lines = await effectLines(effects);
    const [first, second] = [...new Set(lines.map((l) => l.pid))];
    expect(lines.filter((l) => l.pid === first).map((l) => l.what)).toEqual(['resume-from 1', 'chunk 1', 'chunk 2', 'chunk 3', 'chunk 4', 'chunk 5', 'chunk 6']);
    expect(lines.filter((l) => l.pid === second).map((l) => l.what)).toEqual(['resume-from 7', 'chunk 7', 'chunk 8', 'chunk 9', 'chunk 10']);
  });

  it('an atMostOnce task interrupted by SIGKILL is not run again: the run fails with a clear error', async () => {
    const file = join(dir.path, 'flow.db');
    const effects = join(dir.path, 'effects.txt');
    await writeFile(effects, '');
    const runId = await runUntilKilled(file, effects, 'at-most-once', 'charge');
    const outcome = await recoverInNewProcess(file, effects, 'at-most-once', runId);
    expect(outcome.state).toBe('Failed');
    expect(outcome.value).toMatchObject({ code: 'AT_MOST_ONCE_INTERRUPTED', name: 'AtMostOnceInterruptedError' });
    expect((outcome.value as { message: string }).message).toMatch(/atMostOnce and was interrupted after it started.*not run again/);
    const lines = await effectLines(effects);
    expect(lines.filter((l) => l.what.startsWith('charge'))).toHaveLength(1);
    expect(lines[0]?.what).toBe(`charge ${runId}:charge#1`);
    const store = new SqliteStore({ file });
    const [taskRun] = await store.getTaskRunsByRun(runId);
    expect(taskRun?.state).toBe('Failed');
    expect(taskRun?.error?.code).toBe('AT_MOST_ONCE_INTERRUPTED');
    await store.close();
  });
});
