import { createEngine, flow, NonRetriableError, type Engine } from '@vms/flow-core';
import { ManualClock } from '@vms/flow-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { attachAlerts, type AlertsHandle, type AlertSuppressed } from './attach.js';
import type { AlertChannel } from './channel.js';
import { slackWebhook } from './channels/slack.js';
import { driveClock, startReceiver, type ReceiverReply, type WebhookReceiver } from './test-receiver.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const SECRET_PATH = '/services/T0001/B0002/s3cr3tT0k3nXYZ';

interface SlackBody {
  text: string;
  attachments: Array<{ color: string; title: string; title_link?: string; text: string; fields: Array<{ title: string; value: string }> }>;
}

let failNext = true;
const nightly = flow({
  name: 'nightly-sync',
  run: async () => {
    if (failNext) throw new NonRetriableError('Salesforce answered 503');
    return 'ok';
  },
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(script: ReceiverReply[] = [{ status: 200, body: 'ok' }]) {
  const clock = new ManualClock();
  const engine: Engine = createEngine({ clock });
  const receiver: WebhookReceiver = await startReceiver(script, clock);
  const url = `${receiver.url}${SECRET_PATH}`;
  const slack = slackWebhook({ url, clock });
  cleanups.push(() => receiver.close(), () => engine.stop());
  return { clock, engine, receiver, url, slack };
}

/** Runs `nightly-sync` once to its end (failed or completed). */
async function runNightly(engine: Engine, fail: boolean): Promise<void> {
  failNext = fail;
  const handle = await engine.start(nightly);
  await handle.result().catch(() => undefined);
}

function bodies(receiver: WebhookReceiver): SlackBody[] {
  return receiver.posts.map((p) => p.body as SlackBody);
}

describe('attachAlerts on a real engine', () => {
  it('a flow failing 10 times in 5 minutes sends 1 alert, then 1 "recovered" when it succeeds', async () => {
    const { clock, engine, receiver, slack } = await setup();
    const alerts: AlertsHandle = attachAlerts(engine, {
      channels: [slack],
      clock,
      throttleMs: 30 * MINUTE,
      runUrl: ({ runId }) => `https://vms.example.org/runs/${runId}`,
    });
    const suppressed: AlertSuppressed[] = [];
    alerts.on('alert:suppressed', (event) => suppressed.push(event));

    for (let i = 0; i < 10; i++) {
      await runNightly(engine, true);
      await clock.advance(30_000); // 10 failures within 5 minutes
    }
    await alerts.flush();
    expect(receiver.posts).toHaveLength(1);
    expect(suppressed.map((s) => s.suppressed)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [failure] = bodies(receiver);
    expect(failure?.text).toBe('[ERROR] Flow nightly-sync failed');
    expect(failure?.attachments[0]?.text).toContain('Salesforce answered 503');
    expect(failure?.attachments[0]?.title_link).toMatch(/^https:\/\/vms\.example\.org\/runs\/.+/);

    await runNightly(engine, false);
    await runNightly(engine, false); // a second success sends nothing more
    await alerts.flush();
    expect(receiver.posts).toHaveLength(2);
    const recovered = bodies(receiver)[1];
    expect(recovered?.text).toBe('[RESOLVED] Flow nightly-sync recovered');
    expect(recovered?.attachments[0]?.color).toBe('#2EB67D');
    expect(alerts.deliveries.map((d) => [d.kind, d.ok])).toEqual([
      ['flow-state', true],
      ['recovered', true],
    ]);

    // After recovery the throttle starts afresh: the next failure pages at once.
    await runNightly(engine, true);
    await alerts.flush();
    expect(receiver.posts).toHaveLength(3);
    alerts.detach();
  });

  it('the next alert after the throttle window says how many were held back', async () => {
    const { clock, engine, receiver, slack } = await setup();
    const alerts = attachAlerts(engine, { channels: [slack], clock, throttleMs: 10 * MINUTE });
    for (let i = 0; i < 4; i++) {
      await runNightly(engine, true);
      await clock.advance(MINUTE);
    }
    await clock.advance(10 * MINUTE);
    await runNightly(engine, true);
    await alerts.flush();
    expect(receiver.posts).toHaveLength(2);
    expect(bodies(receiver)[1]?.attachments[0]?.fields).toContainEqual(
      expect.objectContaining({ title: 'Held back', value: '3 similar alert(s) since the last one' }),
    );
    alerts.detach();
  });

  it("the dead-man's switch fires when no success arrives within its window (manual clock), then recovers", async () => {
    const { clock, engine, receiver, slack } = await setup();
    const alerts = attachAlerts(engine, {
      channels: [slack],
      clock,
      rules: [{ type: 'dead-man', flow: 'nightly-sync', windowMs: 26 * HOUR }],
    });
    await runNightly(engine, false);
    await clock.advance(25 * HOUR);
    await runNightly(engine, false); // resets the window
    await clock.advance(25 * HOUR);
    await alerts.flush();
    expect(receiver.posts).toHaveLength(0);

    await clock.advance(1 * HOUR); // 26 h since the last success
    await alerts.flush();
    expect(receiver.posts).toHaveLength(1);
    const [alarm] = bodies(receiver);
    expect(alarm?.text).toBe('[ERROR] No successful run of nightly-sync in 26 h');
    expect(receiver.posts[0]?.at).toBe(Date.UTC(2026, 0, 1) + 51 * HOUR);

    await runNightly(engine, true); // a failure is not a success: no reset, and no flow-state rule here
    await runNightly(engine, false);
    await alerts.flush();
    expect(receiver.posts).toHaveLength(2);
    expect(bodies(receiver)[1]?.text).toBe('[RESOLVED] Flow nightly-sync recovered');
    alerts.detach();
    expect(clock.pendingTimers).toBe(0);
  });

  it('C21 (b): a channel that stays rate limited records the alert as failed; the engine and flows are unaffected', async () => {
    const { clock, engine, receiver, slack } = await setup([{ status: 429, headers: { 'retry-after': '1' } }]);
    const throwing: AlertChannel = {
      name: 'broken',
      send() {
        throw new Error('channel bug');
      },
    };
    const engineErrors: unknown[] = [];
    engine.on('engine:error', (e) => engineErrors.push(e));
    const alerts = attachAlerts(engine, { channels: [slack, throwing], clock });
    const failed: string[] = [];
    alerts.on('alert:failed', (d) => failed.push(d.channel));

    await runNightly(engine, true);
    await driveClock(clock, alerts.flush());
    expect(receiver.posts).toHaveLength(3);
    // Channels deliver in parallel: the broken one fails at once, Slack after its two waits.
    expect(alerts.deliveries).toEqual([
      expect.objectContaining({ channel: 'broken', ok: false, attempts: 1, error: 'channel bug' }),
      expect.objectContaining({ channel: slack.name, ok: false, attempts: 3, code: 'ALERT_DELIVERY_FAILED', alertKey: 'flow:nightly-sync:Failed' }),
    ]);
    expect(alerts.deliveries[1]?.at).toBe(Date.UTC(2026, 0, 1) + 2000);
    expect(failed).toEqual(['broken', slack.name]);
    failNext = false;
    await expect(engine.run(nightly)).resolves.toBe('ok');
    expect(engineErrors).toEqual([]);
    alerts.detach();
  });

  it('the webhook URL appears in no log line, delivery record or error message', async () => {
    const { clock, engine, receiver, slack, url } = await setup([{ status: 500, body: `upstream failed for ${SECRET_PATH}` }]);
    const lines: string[] = [];
    const logger = {
      info: (message: string, fields?: Record<string, unknown>) => lines.push(`${message} ${JSON.stringify(fields ?? {})}`),
      warn: (message: string, fields?: Record<string, unknown>) => lines.push(`${message} ${JSON.stringify(fields ?? {})}`),
    };
    const alerts = attachAlerts(engine, { channels: [slack], clock, logger });
    await runNightly(engine, true);
    alerts.reportHealth({ name: 'salesforce', ok: false, message: 'login failed' });
    await alerts.flush();
    expect(receiver.posts).toHaveLength(2);
    expect(lines).toHaveLength(2);
    const everything = [...lines, JSON.stringify(alerts.deliveries), slack.name].join('\n');
    expect(everything).toContain('receiver answered 500');
    expect(everything).not.toContain('s3cr3tT0k3nXYZ');
    expect(everything).not.toContain(SECRET_PATH);
    expect(everything).not.toContain(url);
    alerts.detach();
  });

  it('alerts on a failed health check once per window and recovers when it passes', async () => {
    const { clock, engine, receiver, slack } = await setup();
    const alerts = attachAlerts(engine, { channels: [slack], clock, rules: [{ type: 'health', severity: 'critical' }] });
    alerts.reportHealth([
      { name: 'vms-database', ok: true },
      { name: 'salesforce', ok: false, message: 'API usage at 97%', details: { used: 97_000, limit: 100_000 } },
    ]);
    await clock.advance(MINUTE);
    alerts.reportHealth({ name: 'salesforce', ok: false, message: 'API usage at 98%' });
    await runNightly(engine, true); // no flow-state rule: no alert
    await alerts.flush();
    expect(receiver.posts).toHaveLength(1);
    const [first] = bodies(receiver);
    expect(first?.text).toBe('[CRITICAL] Health check salesforce failed');
    expect(first?.attachments[0]?.fields).toContainEqual(expect.objectContaining({ title: 'used', value: '97000' }));
    alerts.reportHealth({ name: 'salesforce', ok: true });
    await alerts.flush();
    expect(bodies(receiver)[1]?.text).toBe('[RESOLVED] Health check salesforce passes again');
    alerts.detach();
  });

  it('validates options, echoing the bad value', async () => {
    const { engine, slack } = await setup();
    expect(() => attachAlerts(engine, { channels: [] })).toThrow('Expected `channels` to be a non-empty array of channels, got `[]` (array)');
    expect(() => attachAlerts(engine, { channels: [slack], throttleMs: -5 })).toThrow(
      'Expected `throttleMs` to be an integer >= 0 (ms), got `-5` (number)',
    );
    expect(() => attachAlerts(engine, { channels: [slack], rules: [{ type: 'dead-man', flow: 'x', windowMs: 0 }] })).toThrow(
      'Expected `rules[0].windowMs` to be an integer >= 1 (ms), got `0` (number)',
    );
    expect(() => attachAlerts(engine, { channels: [slack], rules: [{ type: 'flow-state', channels: ['pager'] }] })).toThrow(/`rules\[0\]\.channels`.*`pager`/);
    expect(() => attachAlerts(engine, { channels: [slack], rules: [{ type: 'flow-state', states: ['Completed' as 'Failed'] }] })).toThrow(
      /`rules\[0\]\.states`.*`Completed`/,
    );
  });
});
