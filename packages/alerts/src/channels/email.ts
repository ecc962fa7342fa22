/** Email alerts over SMTP with nodemailer, with a bounded number of connection attempts. */
import { createTransport } from 'nodemailer';
import { sleep, systemClock, type Clock } from '@vms/flow-core';
import { alertText, type Alert } from '../alert.js';
import type { AlertChannel } from '../channel.js';
import { AlertError, AlertErrorCode, checkInteger, invalidOption } from '../errors.js';
import { Redactor } from '../redact.js';

/** SMTP server settings (nodemailer's names). */
export interface SmtpOptions {
  /** SMTP server host name or IP. Required. */
  host: string;
  /** SMTP server port. @default 587, or 465 when `secure` */
  port?: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS is used when the server offers it. @default false */
  secure?: boolean;
  /** Credentials; the password is a secret and never appears in logs or errors. @default undefined (no AUTH) */
  auth?: { user: string; pass: string };
  /** Refuse to send unless STARTTLS succeeds. @default false */
  requireTLS?: boolean;
  /** Never use STARTTLS, even when offered (local test servers). @default false */
  ignoreTLS?: boolean;
  /** TLS options passed to nodemailer, e.g. `{ rejectUnauthorized: false }` for a self-signed test server. @default undefined */
  tls?: { rejectUnauthorized?: boolean; servername?: string };
}

/** Options of {@link email}. */
export interface EmailOptions {
  /** SMTP server settings. Required. */
  smtp: SmtpOptions;
  /** Sender address, e.g. `VMS Flow <alerts@example.org>`. Required. */
  from: string;
  /** One or more recipients. Required. */
  to: string | string[];
  /** Display name in logs and delivery records. @default `email(<host>)` */
  name?: string;
  /** Put before every subject. @default '[VMS Flow]' */
  subjectPrefix?: string;
  /**
   * Connection attempts per alert: a refused, dropped or timed-out connection is tried again up to
   * this many times in total. Authentication and address errors are not retried.
   * @default 3
   */
  connectionAttempts?: number;
  /**
   * Wait before the second attempt, in ms; doubles for each further attempt.
   * @default 2000
   */
  retryDelayMs?: number;
  /**
   * Time to establish a connection, in ms (real time).
   * @default 10000
   */
  connectionTimeoutMs?: number;
  /**
   * Time to wait for the server's greeting and for each reply, in ms (real time).
   * @default 15000
   */
  socketTimeoutMs?: number;
  /** Clock the retry waits run on. @default systemClock */
  clock?: Clock;
}

/** nodemailer error codes that mean the connection failed, so another attempt may work. */
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

function recipients(to: unknown): string[] {
  const list = Array.isArray(to) ? to : [to];
  if (list.length === 0 || list.some((a) => typeof a !== 'string' || !a.includes('@'))) {
    invalidOption('to', 'an email address or a non-empty array of them', to);
  }
  return list as string[];
}

/**
 * An email channel on nodemailer's SMTP transport. Each alert opens a connection (no pool); a
 * connection failure is retried up to `connectionAttempts` times in total with a growing wait on
 * `clock`. A drop in the middle of the message may, rarely, deliver it twice: email servers
 * de-duplicate nothing, so keep `connectionAttempts` small.
 *
 * @example
 * const mail = email({
 *   smtp: { host: 'smtp.example.org', port: 587, auth: { user: 'alerts', pass: process.env.SMTP_PASS! } },
 *   from: 'VMS Flow <alerts@example.org>',
 *   to: ['ops@example.org'],
 * });
 */
export function email(options: EmailOptions): AlertChannel {
  if (options === null || typeof options !== 'object') invalidOption('options', 'an object', options);
  const smtp = options.smtp;
  if (smtp === null || typeof smtp !== 'object') invalidOption('smtp', 'an object with `host`', smtp);
  if (typeof smtp.host !== 'string' || smtp.host.trim() === '') invalidOption('smtp.host', 'a host name', smtp.host);
  const secure = smtp.secure ?? false;
  const port = checkInteger('smtp.port', smtp.port ?? (secure ? 465 : 587), 1);
  if (port > 65_535) invalidOption('smtp.port', 'an integer from 1 to 65535', port);
  if (smtp.auth !== undefined && (typeof smtp.auth?.user !== 'string' || typeof smtp.auth?.pass !== 'string')) {
    invalidOption('smtp.auth', '`{ user, pass }` strings', smtp.auth === null ? null : 'object', 'an object without string `user` and `pass`');
  }
  if (typeof options.from !== 'string' || !options.from.includes('@')) invalidOption('from', 'an email address', options.from);
  const to = recipients(options.to);
  const attempts = checkInteger('connectionAttempts', options.connectionAttempts ?? 3, 1);
  const retryDelayMs = checkInteger('retryDelayMs', options.retryDelayMs ?? 2000, 0, 'ms');
  const connectionTimeout = checkInteger('connectionTimeoutMs', options.connectionTimeoutMs ?? 10_000, 1, 'ms');
  const socketTimeout = checkInteger('socketTimeoutMs', options.socketTimeoutMs ?? 15_000, 1, 'ms');
  const clock = options.clock ?? systemClock;
  const prefix = options.subjectPrefix ?? '[VMS Flow]';
  const name = options.name ?? `email(${smtp.host})`;
  const redactor = new Redactor([smtp.auth?.pass, smtp.auth === undefined ? undefined : Buffer.from(`\u0000${smtp.auth.user}\u0000${smtp.auth.pass}`).toString('base64')]);

  const transport = createTransport({
    host: smtp.host,
    port,
    secure,
    ...(smtp.auth === undefined ? {} : { auth: { user: smtp.auth.user, pass: smtp.auth.pass } }),
    ...(smtp.requireTLS === undefined ? {} : { requireTLS: smtp.requireTLS }),
    ...(smtp.ignoreTLS === undefined ? {} : { ignoreTLS: smtp.ignoreTLS }),
    ...(smtp.tls === undefined ? {} : { tls: smtp.tls }),
    connectionTimeout,
    greetingTimeout: socketTimeout,
    socketTimeout,
    logger: false,
    debug: false,
  });

  return {
    name,
    async send(alert: Alert, sendOptions) {
      const message = {
        from: options.from,
        to,
        subject: `${prefix === '' ? '' : `${prefix} `}[${alert.severity.toUpperCase()}] ${alert.title}`,
        text: alertText(alert),
        headers: { 'X-VMS-Flow-Alert-Key': alert.key },
      };
      for (let attempt = 1; ; attempt++) {
        try {
          await transport.sendMail(message);
          return { attempts: attempt };
        } catch (error) {
          const e = error as { code?: unknown; responseCode?: unknown; message?: unknown };
          const code = typeof e.code === 'string' ? e.code : 'unknown';
          const retryable = CONNECTION_CODES.has(code);
          const why = redactor.redact(typeof e.message === 'string' ? e.message : String(error));
          if (!retryable || attempt >= attempts || sendOptions?.signal?.aborted === true) {
            throw new AlertError(
              AlertErrorCode.DeliveryFailed,
              `${name}: ${retryable ? `could not connect after ${attempt} attempt(s)` : 'delivery failed'} (${code}): ${why}`,
              {
                category: code === 'EAUTH' || code === 'ENOAUTH' ? 'auth' : retryable ? 'network' : code === 'EENVELOPE' ? 'validation' : 'unknown',
                channel: name,
                attempts: attempt,
              },
            );
          }
          const waitMs = retryDelayMs * 2 ** (attempt - 1);
          if (waitMs > 0) {
            try {
              await sleep(clock, waitMs, sendOptions?.signal);
            } catch {
              throw new AlertError(AlertErrorCode.DeliveryFailed, `${name}: delivery aborted`, { category: 'cancelled', channel: name, attempts: attempt });
            }
          }
        }
      }
    },
  };
}
