import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));

it('http-service: 202 with a run id, the stored run completes, bad params get 400, the process exits on its own', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@vms/source', '--import', 'tsx', 'src/main.ts'], { cwd: dir, timeout: 60_000 });
  expect(stdout.trim().split('\n')).toEqual([
    'POST /reports -> 202',
    'GET /reports/:id -> Completed: 2026-12: 310 volunteer hours',
    'POST /reports (bad month) -> 400: month: expected YYYY-MM',
    'GET /health -> 200',
    'service stopped',
  ]);
});
