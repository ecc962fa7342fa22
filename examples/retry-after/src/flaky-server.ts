import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local API that misbehaves on purpose. `/rates`: 1st request 429 with `Retry-After: 1`,
 * 2nd 503 without it, 3rd 200. `/missing`: always 404.
 */
export async function startFlakyServer(): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  let rates = 0;
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/rates') {
      rates += 1;
      if (rates === 1) return void res.writeHead(429, { 'retry-after': '1' }).end('slow down');
      if (rates === 2) return void res.writeHead(503).end('maintenance');
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ usd: 1, eur: 0.92 }));
    }
    res.writeHead(404).end('no such thing');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
