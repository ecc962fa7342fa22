/**
 * `demo --serve`: after the demo runs, the runner keeps running as `start` would — schedules
 * stored, a worker, the HTTP API and dashboard — and shuts down cleanly when asked.
 */
import { tempDir, waitFor, type TempDir } from '@vms/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoCommand } from './demo';
import { memoryOutput } from './output';

let dir: TempDir;
beforeAll(async () => {
  dir = await tempDir('vms-serve-');
});
afterAll(async () => {
  await dir.cleanup();
});

describe('demo --serve', () => {
  it('serves the API with the configured schedules, runs a triggered flow, and stops on request', async () => {
    const out = memoryOutput();
    let stop!: () => void;
    const until = new Promise<void>((resolve) => (stop = resolve));
    const done = demoCommand({ scale: 0.02, serve: true, port: 0, dir: dir.path, until }, out);
    await waitFor(() => out.lines.some((l) => l.startsWith('Press Ctrl+C')), { timeoutMs: 60_000 });
    const url = /Dashboard and API at (\S+)\//.exec(out.lines.join('\n'))?.[1] as string;
    const token = /Admin token for this session: (\S+)/.exec(out.lines.join('\n'))?.[1] as string;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const auth = { authorization: `Bearer ${token}` };

    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/api/runs`)).status).toBe(401);
    const { items } = (await (await fetch(`${url}/api/schedules`, { headers: auth })).json()) as { items: { name: string; spec: { cron: string; timezone: string } }[] };
    expect(items.map((s) => `${s.name} ${s.spec.cron} ${s.spec.timezone}`).sort()).toEqual([
      'daily-incremental-sync 0 2 * * * America/Chicago',
      'weekly-full-sync 0 6 * * 1 America/Chicago',
      'weekly-health-check 0 6 * * 1 America/Chicago',
    ]);

    const res = await fetch(`${url}/api/runs`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ flow: 'incremental-salesforce-sync', params: {} }) });
    expect(res.status).toBe(202);
    const { runId } = (await res.json()) as { runId: string };
    let state = '';
    await waitFor(async () => {
      const body = (await (await fetch(`${url}/api/runs/${runId}`, { headers: auth })).json()) as { run: { state: string } };
      state = body.run.state;
      return ['Completed', 'Failed', 'Crashed', 'Cancelled'].includes(state);
    }, { timeoutMs: 30_000, intervalMs: 50 });
    expect(state).toBe('Completed');

    stop();
    const { code } = await done;
    expect(code).toBe(0);
    expect(out.lines.at(-1)).toBe('stopped.');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
