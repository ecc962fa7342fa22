import { createServer as createTcpServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@vms/flow-core/testing';
import { SMTPServer } from 'smtp-server';
import { afterEach, describe, expect, it } from 'vitest';
import type { Alert } from '../alert.js';
import { AlertError } from '../errors.js';
import { driveClock } from '../test-receiver.js';
import { email } from './email.js';

const PASSWORD = 'smtp-p4ssw0rd-secret';

const ALERT: Alert = {
  key: 'health:salesforce',
  kind: 'health',
  severity: 'error',
  title: 'Health check salesforce failed',
  text: 'API usage at 97% of the daily limit',
  at: Date.UTC(2026, 0, 1),
  runUrl: 'https://vms.example.org/health',
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

interface Received {
  from: string | undefined;
  to: string[];
  user: string | undefined;
  raw: string;
}

async function startSmtp(): Promise<{ port: number; messages: Received[] }> {
  const messages: Received[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === 'alerts' && auth.password === PASSWORD) callback(null, { user: auth.username });
      else callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom === false ? undefined : session.envelope.mailFrom.address,
          to: session.envelope.rcptTo.map((r) => r.address),
          user: typeof session.user === 'string' ? session.user : undefined,
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { port: (server.server.address() as AddressInfo).port, messages };
}

/** A TCP server that accepts each connection and drops it at once. */
async function startDropper(): Promise<{ port: number; connections: () => number }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createTcpServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

async function rejection(promise: Promise<unknown>): Promise<AlertError> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(AlertError);
  return outcome as AlertError;
}

describe('email through nodemailer to a real SMTP server', () => {
  it('delivers subject and body, authenticated', async () => {
    const smtp = await startSmtp();
    const mail = email({
      smtp: { host: '127.0.0.1', port: smtp.port, auth: { user: 'alerts', pass: PASSWORD } },
      from: 'VMS Flow <alerts@vms.example.org>',
      to: ['ops@vms.example.org', 'lead@vms.example.org'],
    });
    expect(await mail.send(ALERT)).toEqual({ attempts: 1 });
    expect(smtp.messages).toHaveLength(1);
    const [message] = smtp.messages;
    expect(message?.user).toBe('alerts');
    expect(message?.from).toBe('alerts@vms.example.org');
    expect(message?.to).toEqual(['ops@vms.example.org', 'lead@vms.example.org']);
    expect(message?.raw).toContain('Subject: [VMS Flow] [ERROR] Health check salesforce failed');
    expect(message?.raw).toContain('API usage at 97% of the daily limit');
    expect(message?.raw).toContain('Link: https://vms.example.org/health');
    expect(message?.raw).toMatch(/^X-VMS-Flow-Alert-Key: health:salesforce$/im);
    expect(message?.raw).not.toContain(PASSWORD);
    expect(mail.name).toBe('email(127.0.0.1)');
  });

  it('a server that drops the connection makes send fail after a bounded number of tries', async () => {
    const dropper = await startDropper();
    const clock = new ManualClock();
    const start = clock.now();
    const mail = email({
      smtp: { host: '127.0.0.1', port: dropper.port, auth: { user: 'alerts', pass: PASSWORD } },
      from: 'alerts@vms.example.org',
      to: 'ops@vms.example.org',
      connectionAttempts: 3,
      retryDelayMs: 1000,
      clock,
    });
    const error = await rejection(driveClock(clock, mail.send(ALERT)));
    expect(dropper.connections()).toBe(3);
    expect(error).toMatchObject({ code: 'ALERT_DELIVERY_FAILED', category: 'network', attempts: 3 });
    expect(error.message).toMatch(/could not connect after 3 attempt\(s\) \(E[A-Z]+\)/);
    expect(clock.now() - start).toBe(1000 + 2000);
    expect(`${error.message}${error.stack ?? ''}${JSON.stringify(error)}`).not.toContain(PASSWORD);
  });

  it('does not retry a wrong password, and never shows it', async () => {
    const smtp = await startSmtp();
    const wrong = 'not-the-right-p4ss';
    const mail = email({
      smtp: { host: '127.0.0.1', port: smtp.port, auth: { user: 'alerts', pass: wrong } },
      from: 'alerts@vms.example.org',
      to: 'ops@vms.example.org',
    });
    const error = await rejection(mail.send(ALERT));
    expect(error).toMatchObject({ category: 'auth', attempts: 1 });
    expect(error.message).toContain('EAUTH');
    expect(`${error.message}${error.stack ?? ''}`).not.toContain(wrong);
    expect(smtp.messages).toHaveLength(0);
  });

  it('validates options, echoing the bad value but never the password', () => {
    const smtp = { host: '127.0.0.1', port: 2525, auth: { user: 'alerts', pass: PASSWORD } };
    expect(() => email({ smtp, from: 'alerts@x.org', to: 'ops@x.org', connectionAttempts: 0 })).toThrow(
      'Expected `connectionAttempts` to be an integer >= 1, got `0` (number)',
    );
    expect(() => email({ smtp, from: 'alerts@x.org', to: [] })).toThrow('Expected `to` to be an email address or a non-empty array of them, got `[]` (array)');
    expect(() => email({ smtp: { ...smtp, port: 70_000 }, from: 'alerts@x.org', to: 'ops@x.org' })).toThrow(/`smtp.port`.*`70000`/);
  });
});
