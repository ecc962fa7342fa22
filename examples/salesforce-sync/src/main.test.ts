import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const dir = fileURLToPath(new URL('..', import.meta.url));

it('salesforce-sync: 4,500 volunteers over 3 pages, then an incremental run that reads only the 3 changed records', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@vms/source', '--import', 'tsx', 'src/main.ts'], { cwd: dir, timeout: 90_000 });
  expect(stdout.trim().split('\n')).toEqual([
    'first run: {"processed":4500,"created":4500,"updated":0,"incremental":false}',
    'second run: {"processed":3,"created":1,"updated":2,"incremental":true}',
    'volunteers in SQLite: 4501; renamed: Renamed',
    // 3 pages of 2,000 for the first run, 1 for the second: teachers were never read.
    'Salesforce query pages served: 4',
  ]);
});
