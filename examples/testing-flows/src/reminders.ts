import { z } from 'zod';
import { exponentialBackoff, flow, task } from '@vms/flow-core';

/** Where reminders go. Production passes an SMTP or Slack sender; tests pass their own. */
export interface Outbox {
  send(to: string, text: string, signal: AbortSignal): Promise<void>;
}

/**
 * Sends one reminder per volunteer. Each send may take at most 30 s, and is retried up to 3
 * times with exponential backoff (1 min, 2 min, 4 min; at most 10 min) and equal jitter.
 */
export function createReminderFlow(outbox: Outbox) {
  const sendReminder = task({
    name: 'send-reminder',
    input: z.object({ email: z.email(), event: z.string() }),
    retries: 3,
    retryDelay: exponentialBackoff({ base: 60_000, factor: 2, max: 600_000 }),
    retryJitter: 'equal',
    timeout: 30_000,
    run: async (ctx, { email, event }) => {
      await outbox.send(email, `Reminder: ${event} is tomorrow`, ctx.signal);
      return email;
    },
  });

  return flow({
    name: 'send-reminders',
    params: z.object({ event: z.string(), emails: z.array(z.email()).min(1) }),
    run: async (ctx, { event, emails }) => {
      const sent = await ctx.map(sendReminder, emails.map((email) => ({ email, event })), { concurrency: 2 });
      return { sent: sent.length };
    },
  });
}
