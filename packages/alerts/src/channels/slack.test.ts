import { ManualClock } from '@vms/flow-core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { SEVERITY_COLORS, type Alert } from '../alert.js';
import { AlertError } from '../errors.js';
import { driveClock, startReceiver, type ReceiverReply, type WebhookReceiver } from '../test-receiver.js';
import { slackWebhook } from './slack.js';
import { webhook } from './webhook.js';

const SECRET_PATH = '/services/T0001/B0002/s3cr3tT0k3nXYZ';

const ALERT: Alert = {
  key: 'flow:nightly-sync:Failed',
  kind: 'flow-state',
  severity: 'error',
  title: 'Flow nightly-sync failed',
  text: 'TimeoutError: fetch-page timed out',
  at: Date.UTC(2026, 0, 1),
  flowName: 'nightly-sync',
  runId: 'run_123',
  state: 'Failed',
  runUrl: 'https://vms.example.org/runs/run_123',
};

let receiver: WebhookReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function setup(script: ReceiverReply[]) {
  const clock = new ManualClock(); // starts on a whole second
  receiver = await startReceiver(script, clock);
  const url = `${receiver.url}${SECRET_PATH}`;
  return { clock, receiver, url, slack: slackWebhook({ url, clock }) };
}

async function rejection(promise: Promise<unknown>): Promise<AlertError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(AlertError);
  return outcome as AlertError;
}

function expectNoSecret(text: string, url: string): void {
  expect(text).not.toContain('s3cr3tT0k3nXYZ');
  expect(text).not.toContain(url);
  expect(text).not.toContain(SECRET_PATH);
}

describe('slackWebhook against a local webhook receiver', () => {
  it('C21 (a): 429 with Retry-After: 1 then 200 gives 2 POSTs, success, at least 1 s apart', async () => {
    const { clock, receiver, slack } = await setup([
      { status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' },
      { status: 200, body: 'ok' },
    ]);
    const report = await driveClock(clock, slack.send(ALERT));
    expect(report).toEqual({ attempts: 2 });
    expect(receiver.posts).toHaveLength(2);
    const [first, second] = receiver.posts;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(receiver.posts.every((p) => p.path === SECRET_PATH)).toBe(true);
  });

  it('C21 (b): 429 three times gives exactly 3 POSTs, then a reported error', async () => {
    const { clock, receiver, slack, url } = await setup([{ status: 429, headers: { 'retry-after': '1' } }]);
    const error = await rejection(driveClock(clock, slack.send(ALERT)));
    expect(receiver.posts).toHaveLength(3);
    expect(error).toMatchObject({ code: 'ALERT_DELIVERY_FAILED', category: 'rate_limit', attempts: 3, status: 429 });
    expect(error.message).toContain('still rate limited');
    expectNoSecret(`${error.message}\n${error.stack ?? ''}\n${JSON.stringify(error)}`, url);
  });

  it('C21 (c): Retry-After as an HTTP date 3 s ahead waits 3 s', async () => {
    const clock = new ManualClock();
    expect(clock.now() % 1000).toBe(0);
    receiver = await startReceiver(
      [() => ({ status: 429, headers: { 'retry-after': new Date(clock.now() + 3000).toUTCString() } }), { status: 200, body: 'ok' }],
      clock,
    );
    const slack = slackWebhook({ url: `${receiver.url}${SECRET_PATH}`, clock });
    await driveClock(clock, slack.send(ALERT));
    expect(receiver.posts).toHaveLength(2);
    expect((receiver.posts[1]?.at ?? 0) - (receiver.posts[0]?.at ?? 0)).toBe(3000);
  });

  it('C21 (d): Retry-After: 3600 fails at once with "retry window too long", without waiting', async () => {
    const { clock, receiver, slack } = await setup([{ status: 429, headers: { 'retry-after': '3600' } }, { status: 200 }]);
    const start = clock.now();
    const error = await rejection(slack.send(ALERT));
    expect(error).toMatchObject({ code: 'ALERT_RETRY_WINDOW_TOO_LONG', category: 'rate_limit', attempts: 1 });
    expect(error.message).toContain('retry window too long');
    expect(receiver.posts).toHaveLength(1);
    expect(clock.now()).toBe(start);
    expect(clock.pendingTimers).toBe(0);
  });

  it('C21 (e): a 500 gives exactly 1 POST and no automatic retry', async () => {
    const { clock, receiver, slack } = await setup([{ status: 500, body: 'internal error' }, { status: 200 }]);
    const error = await rejection(slack.send(ALERT));
    expect(error).toMatchObject({ code: 'ALERT_DELIVERY_FAILED', category: 'network', attempts: 1, status: 500 });
    expect(error.message).toContain('not retried');
    await clock.runAll();
    expect(receiver.posts).toHaveLength(1);
  });

  it('C21 (f): a connection reset gives exactly 1 POST and no automatic retry', async () => {
    const { clock, receiver, slack, url } = await setup([{ reset: true }, { status: 200 }]);
    const error = await rejection(slack.send(ALERT));
    expect(error).toMatchObject({ code: 'ALERT_DELIVERY_FAILED', category: 'network', attempts: 1 });
    expect(error.message).toMatch(/connection failed \(\w+\); not retried/);
    expectNoSecret(`${error.message}\n${error.stack ?? ''}`, url);
    await clock.runAll();
    expect(receiver.posts).toHaveLength(1);
  });

  it('posts an attachment coloured by severity, with the severity and a link to the run', async () => {
    const { receiver, slack } = await setup([{ status: 200, body: 'ok' }]);
    await slack.send(ALERT);
    await slack.send({ ...ALERT, severity: 'critical', state: 'Crashed', title: 'Flow nightly-sync crashed' });
    const [failed, crashed] = receiver.posts.map((p) => p.body as { text: string; attachments: Array<Record<string, unknown>> });
    expect(failed?.text).toBe('[ERROR] Flow nightly-sync failed');
    expect(failed?.attachments[0]).toMatchObject({
      color: SEVERITY_COLORS.error,
      title: 'Flow nightly-sync failed',
      title_link: 'https://vms.example.org/runs/run_123',
      text: 'TimeoutError: fetch-page timed out',
      fields: expect.arrayContaining([
        { title: 'Severity', value: 'error', short: true },
        { title: 'Run', value: '<https://vms.example.org/runs/run_123|run_123>', short: true },
      ]),
    });
    expect(crashed?.attachments[0]?.['color']).toBe(SEVERITY_COLORS.critical);
    expect(receiver.posts[0]?.headers['content-type']).toContain('application/json');
  });

  it('keeps the webhook URL out of its name, errors for 4xx answers and option errors', async () => {
    const { slack, url } = await setup([{ status: 404, body: `no_service ${SECRET_PATH}` }]);
    expect(slack.name).toMatch(/^slack\(127\.0\.0\.1:\d+\)$/);
    const error = await rejection(slack.send(ALERT));
    expect(error).toMatchObject({ category: 'auth', status: 404 });
    expect(error.message).toContain('no_service');
    expectNoSecret(error.message, url);
    const bad = (() => {
      try {
        slackWebhook({ url: `ftp://example.org${SECRET_PATH}` });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(bad?.message).toBe('Expected `url` to be an http(s) URL, got a `ftp:` URL');
    expect(() => slackWebhook({ url, maxRetries: -1 })).toThrow('Expected `maxRetries` to be an integer >= 0, got `-1` (number)');
  });
});

describe('webhook (generic JSON)', () => {
  it('posts the alert as JSON with the given headers and keeps the token out of errors', async () => {
    const clock = new ManualClock();
    receiver = await startReceiver([{ status: 200 }, { status: 401, body: 'bad token' }], clock);
    const token = 'tok_5ecr3t_value';
    const hook = webhook({ url: `${receiver.url}/hooks/vms?key=abc123secret`, headers: { authorization: `Bearer ${token}` }, clock });
    expect(await hook.send(ALERT)).toEqual({ attempts: 1 });
    expect(receiver.posts[0]?.body).toEqual({ source: 'vms-flow', alert: ALERT });
    expect(receiver.posts[0]?.headers['authorization']).toBe(`Bearer ${token}`);
    const error = await rejection(hook.send(ALERT));
    expect(error).toMatchObject({ category: 'auth', status: 401, attempts: 1 });
    expect(error.message).not.toContain(token);
    expect(error.message).not.toContain('abc123secret');
    expect(hook.name).toMatch(/^webhook\(127\.0\.0\.1:\d+\)$/);
  });
});
