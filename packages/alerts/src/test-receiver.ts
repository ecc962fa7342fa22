/**
 * Private test helper: a real HTTP webhook receiver on 127.0.0.1 that answers from a script and
 * records every POST (with the injected clock's time). Not exported from the package.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Clock } from '@vms/flow-core';

/** One scripted answer; the last one repeats once the script runs out. */
export type ReceiverReply =
  | { status: number; headers?: Record<string, string>; body?: string }
  | { reset: true }
  | ((request: ReceivedPost) => { status: number; headers?: Record<string, string>; body?: string } | { reset: true });

/** One POST the receiver got. */
export interface ReceivedPost {
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** `clock.now()` when it arrived. */
  at: number;
}

export interface WebhookReceiver {
  /** Base URL, e.g. `http://127.0.0.1:5555`. */
  readonly url: string;
  readonly posts: ReceivedPost[];
  close(): Promise<void>;
}

export async function startReceiver(script: ReceiverReply[], clock: Clock): Promise<WebhookReceiver> {
  const posts: ReceivedPost[] = [];
  const sockets = new Set<Socket>();
  let step = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the text
      }
      const post: ReceivedPost = { path: req.url ?? '/', headers: req.headers, body, at: clock.now() };
      posts.push(post);
      const entry = script[Math.min(step, script.length - 1)] ?? { status: 200, body: 'ok' };
      step++;
      const reply = typeof entry === 'function' ? entry(post) : entry;
      if ('reset' in reply) {
        req.socket.resetAndDestroy();
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
      res.end(reply.body ?? '');
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    posts,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Awaits `work` while moving `clock` to each timer it sets: the real HTTP round trips run in real
 * time, every wait on the clock passes at once.
 */
export async function driveClock<T>(clock: { pendingDueTimes: number[]; advanceTo(t: number): Promise<void> }, work: Promise<T>): Promise<T> {
  let done = false;
  work.then(
    () => (done = true),
    () => (done = true),
  );
  while (!done) {
    const next = clock.pendingDueTimes[0];
    if (next === undefined) {
      await new Promise((r) => setTimeout(r, 2));
      continue;
    }
    await clock.advanceTo(next);
  }
  return work;
}
