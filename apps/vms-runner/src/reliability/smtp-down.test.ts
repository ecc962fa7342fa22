/**
 * Issue 9 item 2, alerts: an SMTP server that is down does not fail the flow that alerts; the
 * alert is tried within its bound (3 connection attempts, the email channel's default) and the
 * failed delivery is recorded. The runner is configured like production, through SMTP_* settings.
 */
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tempDir, type TempDir } from '@vms/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runner } from '../runner';
import { runnerEnv, startOrg, type Org } from './harness/org';
import { runFlow, runnerFrom, type RunOutcome } from './harness/runner';

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

let dir: TempDir;
let org: Org;
let runner: Runner;
let failing: RunOutcome;
let passing: RunOutcome;
const errors: unknown[] = [];
const onUnhandled = (e: unknown): void => void errors.push(e);

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  dir = await tempDir('vms-smtp-down-');
  org = await startOrg({ seed: 3, scale: 0.02 });
  runner = await runnerFrom(
    runnerEnv(org.server, dir.path, {
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String(await closedPort()),
      ALERT_EMAIL_FROM: 'vms@example.org',
      ALERT_EMAIL_TO: 'ops@example.org',
    }),
  );
  expect(runner.alerts).toBeDefined();
  // A health check whose memory limit (64 MB) this process exceeds: the check fails and alerts.
  failing = await runFlow(runner, 'health-check', { skipSalesforce: true, maxRssMb: 64, minFreeDiskMb: 0 });
  await runner.alerts?.flush();
  // The engine goes on: a sync runs to completion after the failed deliveries.
  passing = await runFlow(runner, 'full-salesforce-sync');
}, 90_000);

afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await runner?.close();
  await org?.close();
  await dir?.cleanup();
});

describe('alerts with the SMTP server down', () => {
  it('the alerting flow ends on its own verdict (the failed memory check), not on the SMTP error', () => {
    expect(failing.state).toBe('Failed');
    expect(failing.error?.message).toMatch(/memory/);
    expect(failing.error?.message).not.toMatch(/SMTP|ECONNREFUSED|connect/i);
  });

  it('each alert was tried exactly its bound of 3 connections, and the failure is recorded', () => {
    const deliveries = runner.alerts?.deliveries ?? [];
    expect(deliveries.length).toBeGreaterThan(0);
    for (const d of deliveries) {
      expect(d.ok).toBe(false);
      expect(d.attempts).toBe(3);
      expect(d.error).toMatch(/could not connect after 3 attempt/);
    }
    expect(deliveries.some((d) => d.kind === 'health' || /health|memory/i.test(d.title))).toBe(true);
  });

  it('nothing escaped as an unhandled rejection, and the next run completes', () => {
    expect(errors).toEqual([]);
    expect(passing.error?.message).toBeUndefined();
    expect(passing.state).toBe('Completed');
    expect(runner.db.prepare('SELECT count(*) FROM contact').pluck().get()).toBeGreaterThan(0);
  });
});
