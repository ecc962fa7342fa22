import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './fetch-json.js';

const dir = fileURLToPath(new URL('..', import.meta.url));

describe('retry-after example', () => {
  it('waits exactly the Retry-After of a 429, backs off on a 503, does not retry a 404', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@vms/source', '--import', 'tsx', 'src/main.ts'], { cwd: dir, timeout: 60_000 });
    expect(stdout.trim().split('\n')).toEqual([
      'attempt 1 failed: RETRY_AFTER -> waiting 1000 ms',
      'attempt 2 failed: Error -> waiting 200 ms',
      'rates: {"usd":1,"eur":0.92}',
      'missing: NonRetriableError, not retried',
      'server saw: /rates, /rates, /rates, /missing',
    ]);
  });

  it('parses Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-10-21T07:28:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
