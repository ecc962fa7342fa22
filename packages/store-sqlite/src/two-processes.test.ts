import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '@vms/test-utils';
import type { TempDir } from '@vms/test-utils';
import { startFixture } from './fixtures/child-process.js';
import { SqliteStore } from './sqlite-store.js';

describe('two processes, one file', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(async () => {
    await dir.cleanup();
  });

  it('200 queued runs, 2 processes × 2 workers: every run executed exactly once, no SQLITE_BUSY', async () => {
    const file = join(dir.path, 'flow.db');
    const executions = join(dir.path, 'executions.txt');
    await writeFile(executions, '');
    const store = new SqliteStore({ file });
    const base = Date.now() - 1000;
    for (let i = 0; i < 200; i++) {
      await store.createRun({ id: `run-${String(i).padStart(3, '0')}`, flowName: 'sync', params: { i }, state: 'Scheduled', now: base + i });
    }

    const children = ['p1', 'p2'].map((name) => startFixture('claim-worker.ts', [file, executions, name, '2']));
    await Promise.all(children.map((c) => c.waitForLine('ready')));
    for (const c of children) c.process.stdin.end('go\n');
    const exits = await Promise.all(children.map((c) => c.exited));

    for (const [i, c] of children.entries()) {
      expect(c.stderr(), `stderr of p${i + 1}`).not.toMatch(/SQLITE_BUSY|database is locked/);
      expect(exits[i], `exit of p${i + 1}: ${c.stderr()}`).toEqual({ code: 0, signal: null });
    }
    const lines = (await readFile(executions, 'utf8')).trim().split('\n');
    const ids = lines.map((l) => l.split(' ')[0]);
    expect(lines).toHaveLength(200);
    expect(new Set(ids).size).toBe(200);
    // Both processes really took part.
    const perProcess = (p: string): number => lines.filter((l) => l.endsWith(`${p}-w1`) || l.endsWith(`${p}-w2`)).length;
    expect(perProcess('p1')).toBeGreaterThan(0);
    expect(perProcess('p2')).toBeGreaterThan(0);

    const completed = await store.listRuns({ state: 'Completed', limit: 500 });
    expect(completed.items).toHaveLength(200);
    for (const run of completed.items) {
      const claims = (await store.getHistory(run.id)).filter((h) => h.to === 'Pending');
      expect(claims).toHaveLength(1);
    }
    await store.close();
  });
});
