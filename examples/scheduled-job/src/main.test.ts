import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));

it('scheduled-job: DST preview notes, and one run per night across spring-forward (03:00 CDT on the gap night)', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@vms/source', '--import', 'tsx', 'src/main.ts'], { cwd: dir, timeout: 60_000 });
  expect(stdout.trim().split('\n')).toEqual([
    '# 02:00 daily (America/Chicago), spring forward on 8 March 2026',
    '2026-03-07T02:00:00-06:00',
    '2026-03-08T03:00:00-05:00  <- 2026-03-08 02:00 does not exist in America/Chicago (DST gap); runs at the first instant after the gap',
    '2026-03-09T02:00:00-05:00',
    '# 01:30 daily (America/Chicago), fall back on 1 November 2026',
    '2026-10-31T01:30:00-05:00',
    '2026-11-01T01:30:00-05:00  <- 2026-11-01 01:30 occurs twice in America/Chicago (DST fall-back); this is the first occurrence',
    '2026-11-02T01:30:00-06:00',
    "# same, with dst: { repeat: 'both' }",
    '2026-10-31T01:30:00-05:00',
    '2026-11-01T01:30:00-05:00  <- 2026-11-01 01:30 occurs twice in America/Chicago (DST fall-back); this is the first occurrence',
    '2026-11-01T01:30:00-06:00  <- 2026-11-01 01:30 occurs twice in America/Chicago (DST fall-back); this is the second occurrence',
    '2026-11-02T01:30:00-06:00',
    '# simulated spring-forward weekend',
    'next    2026-03-07 02:00 CST',
    'fired   nightly-export slot 2026-03-07 02:00 CST',
    'done    nightly-export at 2026-03-07 02:00 CST',
    'fired   nightly-export slot 2026-03-08 03:00 CDT',
    'done    nightly-export at 2026-03-08 03:00 CDT',
    'fired   nightly-export slot 2026-03-09 02:00 CDT',
    'done    nightly-export at 2026-03-09 02:00 CDT',
  ]);
});
